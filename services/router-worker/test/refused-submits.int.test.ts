// The path of a refused submit from edge-server's record to the router's
// drop, through real Redis: RefusedSubmitsStore (what the edge writes) read
// by RefusedSubmitsWatcher (what the MT handler asks).
import { RefusedSubmitsStore } from '@smpp-gateway/message-state';
import { createTestRedis, type TestRedis } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusedSubmitsWatcher } from '../src/adapters/refused-submits.watcher.js';

let env: TestRedis;
let redis: Redis;

beforeAll(() => {
  env = createTestRedis();
  redis = new Redis(env.url, { keyPrefix: env.keyPrefix, db: 0 });
});

afterAll(async () => {
  redis.disconnect();
  await env.cleanup();
});

describe('RefusedSubmitsWatcher', () => {
  it('knows at start what was refused in the last hour, then learns new refusals on its next read', async () => {
    let now = 10_000_000;
    const edge = new RefusedSubmitsStore({ redis, now: () => now });
    await edge.record(['before-start']);
    const watcher = new RefusedSubmitsWatcher({
      source: new RefusedSubmitsStore({ redis }),
      pollMs: 60_000,
      now: () => now,
    });
    await watcher.start();
    try {
      expect(watcher.has('before-start')).toBe(true);
      expect(watcher.has('never-refused')).toBe(false);

      now += 1_000;
      await edge.record(['a', 'b']);
      expect(watcher.has('a')).toBe(false);
      await watcher.poll();
      expect(watcher.has('a') && watcher.has('b')).toBe(true);

      // An edge pod whose clock is 30 s behind is still seen (re-read window).
      await new RefusedSubmitsStore({ redis, now: () => now - 30_000 }).record(['late-clock']);
      await watcher.poll();
      expect(watcher.has('late-clock')).toBe(true);

      // After the retention the ids are forgotten.
      now += 60 * 60 * 1000 + 1;
      await watcher.poll();
      expect(watcher.size).toBe(0);
    } finally {
      await watcher.stop();
    }
  });

  it('does not hold the start when the set cannot be read in time', async () => {
    const watcher = new RefusedSubmitsWatcher({
      source: { since: () => new Promise(() => undefined) },
      pollMs: 60_000,
    });
    // A start that waited for the read would never resolve: the test would time out.
    await watcher.start(50);
    expect(watcher.size).toBe(0);
    // Not awaited: stop() waits for the read in progress, which never ends.
    void watcher.stop();
  });

  it('keeps its list and reports the error when Redis cannot be read', async () => {
    const errors: unknown[] = [];
    let fail = false;
    const store = new RefusedSubmitsStore({ redis });
    const watcher = new RefusedSubmitsWatcher({
      source: {
        since: (sinceMs) => (fail ? Promise.reject(new Error('redis down')) : store.since(sinceMs)),
      },
      pollMs: 60_000,
      onError: (error) => errors.push(error),
    });
    await store.record(['kept']);
    await watcher.start();
    fail = true;
    await watcher.poll();
    expect(watcher.has('kept')).toBe(true);
    expect(errors).toHaveLength(1);
    await watcher.stop();
  });
});
