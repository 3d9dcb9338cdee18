import { describe, expect, it } from 'vitest';
import {
  LocalTokenBucket,
  pacerBatch,
  pacerBurst,
  VendorPacer,
  type TokenBucket,
} from './vendor-pacer.js';

describe('LocalTokenBucket', () => {
  it('starts full, refills at the rate, caps at the burst, and says how long to wait', () => {
    let now = 0;
    const bucket = new LocalTokenBucket(100, 10, () => now);
    expect(bucket.take(15, 15)).toEqual({ granted: 10, waitMs: 50 });
    now = 50;
    expect(bucket.take(15, 5)).toEqual({ granted: 5, waitMs: 0 });
    now = 10_000;
    expect(bucket.take(100, 1).granted).toBe(10);
  });
});

describe('VendorPacer', () => {
  it('fetches tokens in batches and spends them locally', async () => {
    const calls: number[] = [];
    const bucket: TokenBucket = {
      take: (want) => {
        calls.push(want);
        return Promise.resolve({ granted: want, waitMs: 0 });
      },
    };
    const pacer = new VendorPacer({
      bucket,
      ratePerSecond: 500,
      pods: () => 1,
      batch: 10,
      idleDiscardMs: 1_000,
    });
    await pacer.replenish(1);
    for (let i = 0; i < 10; i++) expect(pacer.tryTake(1)).toBe(true);
    expect(pacer.tryTake(1)).toBe(false);
    expect(calls).toEqual([10]);
  });

  it('drops banked tokens after traffic paused, so no burst is saved up', async () => {
    let now = 0;
    const bucket: TokenBucket = { take: (want) => Promise.resolve({ granted: want, waitMs: 0 }) };
    const pacer = new VendorPacer({
      bucket,
      ratePerSecond: 100,
      pods: () => 1,
      batch: 5,
      idleDiscardMs: 1_000,
      now: () => now,
    });
    await pacer.replenish(1);
    pacer.idle();
    now = 2_000;
    expect(pacer.tryTake(1)).toBe(false);
  });

  it('falls back to its share of the rate when the bucket is unreachable', async () => {
    let now = 0;
    const errors: unknown[] = [];
    const sleeps: number[] = [];
    const pacer = new VendorPacer({
      bucket: { take: () => Promise.reject(new Error('redis down')) },
      ratePerSecond: 100,
      pods: () => 2,
      batch: 5,
      idleDiscardMs: 1_000,
      now: () => now,
      onBucketError: (e) => errors.push(e),
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    });
    await pacer.replenish(5);
    await pacer.replenish(10);
    expect(errors.length).toBeGreaterThan(0);
    // 50/s for this pod: the second batch of 5 needs 100 ms.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('sizes batches and bursts from the rate', () => {
    expect(pacerBatch(10)).toBe(1);
    expect(pacerBatch(1_000)).toBe(20);
    expect(pacerBatch(100_000)).toBe(100);
    expect(pacerBurst(1_000)).toBe(100);
    expect(pacerBurst(10)).toBe(1);
  });
});
