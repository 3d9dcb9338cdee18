import type { PruneResult } from '@smpp-gateway/db';
import { silentLogger } from '@smpp-gateway/runtime';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { CdrRetention, type CdrRetentionOptions } from './cdr-retention.js';

const NOW = Date.parse('2026-11-27T00:00:00.000Z');

function retention(prune: CdrRetentionOptions['prune']) {
  const registry = new Registry();
  const pruned = new Counter({ name: 'pruned', help: 'h', registers: [registry] });
  const job = new CdrRetention({
    prune,
    retentionDays: 30,
    intervalMs: 60_000,
    batchSize: 1_000,
    maxBatches: 5,
    pruned,
    logger: silentLogger,
    now: () => NOW,
  });
  const count = async () => (await pruned.get()).values[0]?.value ?? 0;
  return { job, count };
}

describe('CdrRetention', () => {
  it('prunes what was accepted before now − retention, in bounded batches, and counts it', async () => {
    const calls: { before: Date; batchSize: number; maxBatches: number }[] = [];
    const { job, count } = retention(({ before, batchSize, maxBatches }) => {
      calls.push({ before, batchSize, maxBatches });
      return Promise.resolve({ deleted: 1_234, yielded: false });
    });
    await job.run();
    expect(calls).toEqual([
      { before: new Date('2026-10-28T00:00:00.000Z'), batchSize: 1_000, maxBatches: 5 },
    ]);
    expect(await count()).toBe(1_234);
  });

  it('shares a run in progress instead of starting a second one', async () => {
    let release: (r: PruneResult) => void = () => undefined;
    let calls = 0;
    const { job } = retention(() => {
      calls += 1;
      return new Promise<PruneResult>((resolve) => (release = resolve));
    });
    const first = job.run();
    const second = job.run();
    release({ deleted: 0, yielded: true });
    await Promise.all([first, second]);
    expect(calls).toBe(1);
  });

  it('survives a failed run (the next one tries again)', async () => {
    let calls = 0;
    const { job, count } = retention(() => {
      calls += 1;
      return calls === 1
        ? Promise.reject(new Error('connection refused'))
        : Promise.resolve({ deleted: 3, yielded: false });
    });
    await job.run();
    await job.run();
    expect(calls).toBe(2);
    expect(await count()).toBe(3);
  });

  it('asks the prune to stop between batches once stopped, and waits for it', async () => {
    let shouldStop: () => boolean = () => false;
    let release: () => void = () => undefined;
    const { job } = retention((options) => {
      shouldStop = options.shouldStop;
      return new Promise<PruneResult>((resolve) => {
        release = () => resolve({ deleted: 1, yielded: false });
      });
    });
    const run = job.run();
    expect(shouldStop()).toBe(false);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    expect(shouldStop()).toBe(true);
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await Promise.all([run, stopping]);
    expect(stopped).toBe(true);
    // Stopped: further runs do nothing.
    await job.run();
  });
});

describe('CDR retention settings', () => {
  const base = {
    DATABASE_URL: 'postgres://x@127.0.0.1/db',
    REDIS_URL: 'redis://127.0.0.1:6379',
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
  };

  it('is off by default', () => {
    const config = loadConfig(base);
    expect(config.CDR_RETENTION_DAYS).toBe(0);
    expect(config.CDR_PRUNE_INTERVAL_MS).toBe(600_000);
    expect(config.CDR_PRUNE_BATCH).toBe(10_000);
  });

  it('keeps at least 8 days when set (receipts come for up to 7)', () => {
    expect(loadConfig({ ...base, CDR_RETENTION_DAYS: '8' }).CDR_RETENTION_DAYS).toBe(8);
    expect(() => loadConfig({ ...base, CDR_RETENTION_DAYS: '7' })).toThrow(/CDR_RETENTION_DAYS/);
    expect(() => loadConfig({ ...base, CDR_PRUNE_BATCH: '10' })).toThrow(/CDR_PRUNE_BATCH/);
  });
});
