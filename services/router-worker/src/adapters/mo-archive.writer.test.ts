import type { MoMessageWrite } from '@smpp-gateway/db';
import { RetryableError } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { MoArchiveWriter } from './mo-archive.writer.js';

const record = (id: string): MoMessageWrite => ({
  messageId: id,
  customerId: 'c',
  vendorId: null,
  source: '1',
  destination: '2',
  esmClass: 0,
  dataCoding: 0,
  octets: 1,
  concat: null,
  receivedAt: new Date(0),
  routedAt: new Date(0),
  deliveryMessageId: id,
});

describe('MoArchiveWriter', () => {
  it('writes what arrives in one turn in one statement', async () => {
    const statements: string[][] = [];
    const writer = new MoArchiveWriter((rows) => {
      statements.push(rows.map((r) => r.messageId));
      return Promise.resolve();
    });
    await Promise.all([writer.archive([record('a')]), writer.archive([record('b'), record('c')])]);
    await writer.archive([record('d')]);
    expect(statements).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('splits a large turn at 500 rows without splitting one caller', async () => {
    const sizes: number[] = [];
    const writer = new MoArchiveWriter((rows) => {
      sizes.push(rows.length);
      return Promise.resolve();
    });
    const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => record(`${p}${i}`));
    await Promise.all([writer.archive(many(300, 'a')), writer.archive(many(300, 'b'))]);
    expect(sizes).toEqual([300, 300]);
  });

  it('fails every caller of a failed statement with a RetryableError and counts it', async () => {
    const counted: [number, boolean][] = [];
    const writer = new MoArchiveWriter(
      () => Promise.reject(new Error('connection refused')),
      (rows, ok) => counted.push([rows, ok]),
    );
    const results = await Promise.allSettled([
      writer.archive([record('a')]),
      writer.archive([record('b')]),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(RetryableError);
    }
    expect(counted).toEqual([[2, false]]);
  });
});
