import type { PrepaidBalance } from '@smpp-gateway/db';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CreditWatcher, type CreditSource } from './credit.watcher.js';

const A = 'c0ffee00-0000-4000-8000-00000000000a';
const B = 'c0ffee00-0000-4000-8000-00000000000b';
const C = 'c0ffee00-0000-4000-8000-00000000000c';

/** A source answering from `rows` (customerId → balance; absent = postpaid), recording each query. */
function source(rows: Map<string, number>) {
  const queries: string[][] = [];
  let failure: Error | undefined;
  let gate: Promise<void> | undefined;
  const src: CreditSource = {
    balances: async (ids) => {
      queries.push([...ids]);
      if (gate) await gate;
      if (failure) throw failure;
      return ids.flatMap((customerId): PrepaidBalance[] => {
        const creditMicros = rows.get(customerId);
        return creditMicros === undefined
          ? []
          : [{ customerId, creditMicros, creditCurrency: 'USD' }];
      });
    },
  };
  return {
    src,
    queries,
    fail: (error: Error | undefined) => {
      failure = error;
    },
    /** Holds queries until the returned function is called. */
    hold: () => {
      let release!: () => void;
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = undefined;
          resolve();
        };
      });
      return release;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CreditWatcher', () => {
  it('never refuses or queries for postpaid customers', async () => {
    const s = source(new Map());
    const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
    watcher.track(A, null);
    expect(watcher.exhausted(A)).toBe(false);
    expect(watcher.exhausted(B)).toBe(false);
    await watcher.refresh();
    expect(s.queries).toEqual([]);
    expect(watcher.trackedCount).toBe(0);
  });

  it('is exhausted at a balance of 0 or below, not above', () => {
    const watcher = new CreditWatcher({ source: source(new Map()).src, refreshMs: 1_000 });
    watcher.track(A, 0);
    watcher.track(B, -5);
    watcher.track(C, 1);
    expect(watcher.exhausted(A)).toBe(true);
    expect(watcher.exhausted(B)).toBe(true);
    expect(watcher.exhausted(C)).toBe(false);
  });

  it('replaces the seeded balances with the refreshed ones, in one query for all', async () => {
    const rows = new Map([
      [A, 50_000],
      [B, 0],
    ]);
    const s = source(rows);
    const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
    watcher.track(A, 0);
    watcher.track(B, 10);
    await watcher.refresh();
    expect(s.queries).toEqual([[A, B]]);
    expect(watcher.balanceOf(A)).toBe(50_000);
    expect(watcher.exhausted(A)).toBe(false);
    expect(watcher.exhausted(B)).toBe(true);

    rows.set(A, -10_000);
    await watcher.refresh();
    expect(watcher.exhausted(A)).toBe(true);
  });

  it('stops checking a customer turned postpaid, by invalidation or in the database', async () => {
    const rows = new Map([
      [A, 0],
      [B, 0],
    ]);
    const s = source(rows);
    const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
    watcher.track(A, 0);
    watcher.track(B, 0);
    // invalidate-customer brought a row with creditMicros null.
    watcher.track(A, null);
    expect(watcher.exhausted(A)).toBe(false);
    // B's credit_micros set to null without an invalidation: the refresh no longer finds it.
    rows.delete(B);
    await watcher.refresh();
    expect(s.queries).toEqual([[B]]);
    expect(watcher.exhausted(B)).toBe(false);
    expect(watcher.trackedCount).toBe(0);
    await watcher.refresh();
    expect(s.queries).toHaveLength(1);
  });

  it('forgets unbound customers and queries nothing once none is prepaid', async () => {
    const s = source(new Map([[A, 0]]));
    const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
    watcher.track(A, 0);
    watcher.forget(A);
    expect(watcher.exhausted(A)).toBe(false);
    await watcher.refresh();
    expect(s.queries).toEqual([]);
  });

  it('keeps the last known balances when the source fails, warning at most once per interval', async () => {
    let now = 0;
    const warnings: { error: unknown; failures: number }[] = [];
    const rows = new Map([
      [A, 0],
      [B, 7],
    ]);
    const s = source(rows);
    const watcher = new CreditWatcher({
      source: s.src,
      refreshMs: 1_000,
      warnIntervalMs: 30_000,
      now: () => now,
      onSourceError: (error, failures) => warnings.push({ error, failures }),
    });
    watcher.track(A, 10);
    watcher.track(B, 10);
    await watcher.refresh();
    expect(watcher.exhausted(A)).toBe(true);

    const down = new Error('connection refused');
    s.fail(down);
    rows.set(A, 99);
    rows.set(B, 0);
    for (let i = 0; i < 5; i++) {
      await expect(watcher.refresh()).resolves.toBeUndefined();
      now += 1_000;
    }
    expect(watcher.exhausted(A)).toBe(true);
    expect(watcher.exhausted(B)).toBe(false);
    expect(warnings).toEqual([{ error: down, failures: 1 }]);
    now = 31_000;
    await watcher.refresh();
    expect(warnings).toEqual([
      { error: down, failures: 1 },
      { error: down, failures: 5 },
    ]);

    s.fail(undefined);
    await watcher.refresh();
    expect(watcher.exhausted(A)).toBe(false);
    expect(watcher.exhausted(B)).toBe(true);
  });

  it('lets a seed made while a refresh runs stand over that refresh, and never overlaps refreshes', async () => {
    const s = source(
      new Map([
        [A, 0],
        [B, 0],
      ]),
    );
    const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
    watcher.track(A, 0);
    watcher.track(B, 5);
    const release = s.hold();
    const first = watcher.refresh();
    expect(watcher.refresh()).toBe(first);
    // invalidate-customer read A topped up while the query ran.
    watcher.track(A, 50_000);
    release();
    await first;
    expect(s.queries).toHaveLength(1);
    expect(watcher.exhausted(A)).toBe(false);
    expect(watcher.exhausted(B)).toBe(true);
  });

  it('refreshes every refreshMs once started, and not after stop', async () => {
    vi.useFakeTimers();
    const s = source(new Map([[A, 0]]));
    const watcher = new CreditWatcher({ source: s.src, refreshMs: 100 });
    watcher.track(A, 10);
    watcher.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(s.queries).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.queries).toHaveLength(1);
    expect(watcher.exhausted(A)).toBe(true);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.queries).toHaveLength(3);
    void watcher.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.queries).toHaveLength(3);
  });

  it('ignores a refresh that ends after stop', async () => {
    const warnings: unknown[] = [];
    const s = source(new Map([[A, 0]]));
    const watcher = new CreditWatcher({
      source: s.src,
      refreshMs: 1_000,
      onSourceError: (error) => warnings.push(error),
    });
    watcher.track(A, 10);
    const release = s.hold();
    const pending = watcher.refresh();
    void watcher.stop();
    s.fail(new Error('pool destroyed'));
    release();
    await pending;
    expect(warnings).toEqual([]);
    expect(watcher.balanceOf(A)).toBe(10);
  });

  describe('prime (a first bind on this pod)', () => {
    it('reads the balance fresh instead of trusting the cached account row', async () => {
      const s = source(new Map([[A, -30_000]]));
      const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
      await watcher.prime(A, 20_000);
      expect(s.queries).toEqual([[A]]);
      expect(watcher.balanceOf(A)).toBe(-30_000);
      expect(watcher.exhausted(A)).toBe(true);
      // The bind's own seed does not overwrite the fresh value.
      watcher.seed(A, 20_000);
      expect(watcher.balanceOf(A)).toBe(-30_000);
    });

    it('costs nothing for a postpaid row or a customer tracked already', async () => {
      const s = source(new Map([[A, 5]]));
      const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
      await watcher.prime(B, null);
      watcher.track(A, 7);
      await watcher.prime(A, 9);
      expect(s.queries).toEqual([]);
      expect(watcher.balanceOf(A)).toBe(7);
    });

    it('does not track a customer the database says is postpaid now', async () => {
      const s = source(new Map());
      const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
      await watcher.prime(A, 100);
      expect(watcher.trackedCount).toBe(0);
    });

    it('falls back to the row when the read fails, and says so', async () => {
      const s = source(new Map([[A, -1]]));
      s.fail(new Error('connection refused'));
      const errors: unknown[] = [];
      const watcher = new CreditWatcher({
        source: s.src,
        refreshMs: 1_000,
        onSourceError: (error) => errors.push(error),
      });
      await watcher.prime(A, 250);
      expect(watcher.balanceOf(A)).toBe(250);
      expect(errors).toHaveLength(1);
    });

    it('does not hold the bind longer than primeTimeoutMs: the row stands in', async () => {
      const s = source(new Map([[A, -1]]));
      const release = s.hold();
      const errors: unknown[] = [];
      const watcher = new CreditWatcher({
        source: s.src,
        refreshMs: 1_000,
        primeTimeoutMs: 20,
        onSourceError: (error) => errors.push(error),
      });
      // The read never answers until released: a prime that waited for it
      // would not resolve and the test would time out.
      await watcher.prime(A, 250);
      expect(watcher.balanceOf(A)).toBe(250);
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toMatch(/timed out after 20 ms/u);
      // The late answer does not overwrite what the bind went with; the next refresh will.
      release();
      await Promise.resolve();
      expect(watcher.balanceOf(A)).toBe(250);
    });

    it('lets an invalidation that lands during the read stand', async () => {
      const s = source(new Map([[A, 1_000]]));
      const release = s.hold();
      const watcher = new CreditWatcher({ source: s.src, refreshMs: 1_000 });
      const priming = watcher.prime(A, 500);
      watcher.track(A, 0);
      release();
      await priming;
      expect(watcher.balanceOf(A)).toBe(0);
    });

    it('seeds from the row when nothing primed it (its last session closed meanwhile)', () => {
      const watcher = new CreditWatcher({ source: source(new Map()).src, refreshMs: 1_000 });
      watcher.seed(A, 0);
      watcher.seed(B, null);
      expect(watcher.exhausted(A)).toBe(true);
      expect(watcher.trackedCount).toBe(1);
    });
  });
});
