import type { CdrWrite } from '@smpp-gateway/db';
import { RetryableError, silentLogger } from '@smpp-gateway/runtime';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createTrackerMetrics } from '../metrics.js';
import { CdrBatchWriter } from './cdr-batch.writer.js';

function row(messageId: string): CdrWrite {
  return {
    messageId,
    customerId: '00000000-0000-4000-8000-000000000001',
    systemId: 'acme',
    sourceAddr: '1555',
    destinationAddr: '1512',
    segments: 1,
    submitStatus: 'submitted',
    acceptedAt: new Date(),
  };
}

function writer(flush: (rows: CdrWrite[]) => Promise<number>, maxRows = 3, intervalMs = 10_000) {
  return new CdrBatchWriter({
    flush,
    maxRows,
    intervalMs,
    metrics: createTrackerMetrics(new Registry()),
    logger: silentLogger,
  });
}

describe('CdrBatchWriter', () => {
  it('flushes a full batch at once and resolves writes only after their batch committed', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const w = writer(async (rows) => {
      batches.push(rows.map((r) => r.messageId));
      await gate;
      return rows.length;
    });
    let resolved = 0;
    const writes = ['a', 'b', 'c'].map((id) =>
      w.write(row(id), new Date()).then(() => (resolved += 1)),
    );
    await Promise.resolve();
    expect(batches).toEqual([['a', 'b', 'c']]);
    expect(resolved).toBe(0);
    release();
    await Promise.all(writes);
    expect(resolved).toBe(3);
  });

  it('writes a partial batch after the interval, and everything buffered on close', async () => {
    const batches: string[][] = [];
    const w = writer(
      (rows) => {
        batches.push(rows.map((r) => r.messageId));
        return Promise.resolve(rows.length);
      },
      100,
      5,
    );
    await w.write(row('x'), new Date());
    expect(batches).toEqual([['x']]);
    const pending = w.write(row('y'), new Date());
    await w.close();
    await pending;
    expect(batches).toEqual([['x'], ['y']]);
    await expect(w.write(row('z'), new Date())).rejects.toBeInstanceOf(RetryableError);
  });

  it('rejects every write of a failed batch as retryable, and later batches still go', async () => {
    let fail = true;
    const w = writer(
      (rows) =>
        fail ? Promise.reject(new Error('connection terminated')) : Promise.resolve(rows.length),
      2,
    );
    const first = [w.write(row('a'), new Date()), w.write(row('b'), new Date())];
    for (const p of first) await expect(p).rejects.toBeInstanceOf(RetryableError);
    fail = false;
    await expect(
      Promise.all([w.write(row('a'), new Date()), w.write(row('b'), new Date())]),
    ).resolves.toBeDefined();
  });

  it('rows arriving during a flush go in the next batch, none is lost', async () => {
    const seen: string[] = [];
    const w = writer(
      async (rows) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen.push(...rows.map((r) => r.messageId));
        return rows.length;
      },
      4,
      1,
    );
    const ids = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await Promise.all(ids.map((id) => w.write(row(id), new Date())));
    expect(seen.sort()).toEqual([...ids].sort());
  });
});
