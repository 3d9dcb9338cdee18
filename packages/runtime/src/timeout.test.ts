import { describe, expect, it } from 'vitest';
import { backoffDelay, TimeoutError, withTimeout } from './timeout.js';

describe('withTimeout', () => {
  it('passes a result through and rejects a hung promise with TimeoutError', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, 'x')).resolves.toBe(7);
    const hung = withTimeout(new Promise(() => undefined), 20, 'redis PING');
    await expect(hung).rejects.toBeInstanceOf(TimeoutError);
    await expect(hung).rejects.toThrow('redis PING timed out after 20 ms');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from the initial delay and never exceeds the cap', () => {
    for (let attempt = 1; attempt <= 30; attempt++) {
      const d = backoffDelay(attempt, 250, 10_000);
      const base = Math.min(10_000, 250 * 2 ** (attempt - 1));
      expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(d).toBeLessThanOrEqual(10_000);
    }
  });
});
