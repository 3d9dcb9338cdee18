import { silentLogger } from '@smpp-gateway/runtime';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRouterMetrics } from '../metrics.js';
import { RoutingSnapshot } from '../routing/routing-snapshot.js';
import { SnapshotStore } from './snapshot.store.js';

function controlledLoader() {
  const pending: { resolve: (s: RoutingSnapshot) => void; reject: (e: Error) => void }[] = [];
  let loads = 0;
  const load = () =>
    new Promise<RoutingSnapshot>((resolve, reject) => {
      loads += 1;
      pending.push({ resolve, reject });
    });
  const snapshot = (n: number) =>
    new RoutingSnapshot({
      rules: [],
      rates: [],
      customers: [],
      numbers: [],
      loadedAt: new Date(n),
    });
  return { load, pending, snapshot, loads: () => loads };
}

const store = (load: () => Promise<RoutingSnapshot>, missReloadMinIntervalMs = 0) =>
  new SnapshotStore({
    load,
    logger: silentLogger,
    metrics: createRouterMetrics(new Registry()),
    missReloadMinIntervalMs,
  });

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SnapshotStore', () => {
  it('coalesces reloads requested during a load into exactly one more load', async () => {
    const loader = controlledLoader();
    const s = store(loader.load);
    const first = s.reload('a');
    const later = [s.reload('b'), s.reload('c'), s.reload('d')];
    expect(loader.loads()).toBe(1);
    loader.pending[0]!.resolve(loader.snapshot(1));
    await first;
    await tick();
    expect(loader.loads()).toBe(2);
    loader.pending[1]!.resolve(loader.snapshot(2));
    expect(await Promise.all(later)).toEqual([true, true, true]);
    expect(s.current().loadedAt.getTime()).toBe(2);
  });

  it('keeps serving the previous snapshot when a load fails', async () => {
    const loader = controlledLoader();
    const s = store(loader.load);
    const ok = s.reload('a');
    loader.pending[0]!.resolve(loader.snapshot(1));
    expect(await ok).toBe(true);
    const failed = s.reload('b');
    loader.pending[1]!.reject(new Error('pg down'));
    expect(await failed).toBe(false);
    expect(s.current().loadedAt.getTime()).toBe(1);
    expect(s.isLoaded).toBe(true);
  });

  it('a lookup miss reloads, but not again right after a successful load', async () => {
    let loads = 0;
    const s = store(() => {
      loads += 1;
      return Promise.resolve(
        new RoutingSnapshot({
          rules: [],
          rates: [],
          customers: [],
          numbers: [],
          loadedAt: new Date(loads),
        }),
      );
    }, 60_000);
    expect((await s.refreshAfterMiss()).fresh).toBe(true);
    expect((await s.refreshAfterMiss()).fresh).toBe(true);
    expect(loads).toBe(1);
  });
});
