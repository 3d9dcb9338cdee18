import { describe, expect, it } from 'vitest';
import { bindShare, reconnectDelay, SEED_BACKOFF_MS } from './reconnect.policy.js';

const timing = { backoffMs: SEED_BACKOFF_MS, canaryIntervalMs: 1_000 };

describe('reconnectDelay', () => {
  it('follows the seed schedule 1, 2, 4, 8, 16, 30 s and stays at 30 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 20].map((f) =>
      reconnectDelay(f, timing, { canary: false }),
    );
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('tries at once after a bound session ended', () => {
    expect(reconnectDelay(0, timing, { canary: false })).toBe(0);
  });

  it('caps the canary at the canary interval', () => {
    expect(reconnectDelay(6, timing, { canary: true })).toBe(1_000);
  });
});

describe('bindShare', () => {
  it('splits the budget evenly, the remainder to the first pods, never above max', () => {
    const pods = ['a', 'b', 'c'];
    const shares = pods.map((p) => bindShare(4, pods, p));
    expect(shares).toEqual([2, 1, 1]);
    expect(shares.reduce((x, y) => x + y)).toBe(4);
    expect(bindShare(4, ['a', 'b'], 'b')).toBe(2);
    expect(bindShare(1, ['a', 'b'], 'b')).toBe(0);
    expect(bindShare(4, [], 'a')).toBe(4);
  });
});
