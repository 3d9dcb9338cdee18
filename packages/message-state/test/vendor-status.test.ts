import { createTestRedis, type TestRedis } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VendorStatusStore,
  fleetVendorStatus,
  stateKeys,
  type PodVendorStatus,
} from '../src/index.js';

let redisEnv: TestRedis;
let redis: Redis;
let store: VendorStatusStore;

beforeAll(() => {
  redisEnv = createTestRedis();
  redis = new Redis(redisEnv.url, { keyPrefix: redisEnv.keyPrefix, db: 0 });
  store = new VendorStatusStore(redis);
});

afterAll(async () => {
  redis.disconnect();
  await redisEnv.cleanup();
});

const up: PodVendorStatus = {
  binds: 2,
  health: 'connected',
  detail: null,
  share: 2,
  outage: false,
};
const broken: PodVendorStatus = {
  binds: 0,
  health: 'error',
  detail: 'bind refused',
  share: 2,
  outage: true,
};

describe('fleetVendorStatus', () => {
  const now = 1_000_000;
  const doc = (pods: Record<string, unknown>) => JSON.stringify({ binds: 0, pods });

  it('is down only when every pod with a share of the binds has its breaker open', () => {
    const later = now + 60_000;
    expect(
      fleetVendorStatus(
        doc({ a: { ...broken, expiresAt: later }, b: { ...broken, expiresAt: later } }),
        now,
      ),
    ).toEqual({ binds: 0, sendingPods: 2, down: true });
    expect(
      fleetVendorStatus(
        doc({ a: { ...broken, expiresAt: later }, b: { ...up, expiresAt: later } }),
        now,
      ),
    ).toEqual({ binds: 2, sendingPods: 2, down: false });
  });

  it('ignores expired pods and pods without a share, and trusts a pod that does not say', () => {
    const later = now + 60_000;
    // The pod that could send has expired; the live one holds no share: nobody knows.
    expect(
      fleetVendorStatus(
        doc({
          gone: { ...up, expiresAt: now - 1 },
          idle: { ...broken, share: 0, expiresAt: later },
        }),
        now,
      ),
    ).toEqual({ binds: 0, sendingPods: 0, down: false });
    // An older connector without the field: counted as able to send.
    const { outage: _omitted, ...older } = up;
    expect(
      fleetVendorStatus(
        doc({ a: { ...broken, expiresAt: later }, old: { ...older, binds: 0, expiresAt: later } }),
        now,
      )?.down,
    ).toBe(false);
  });

  it('reads a missing or broken document as unknown', () => {
    expect(fleetVendorStatus(null, now)).toBeUndefined();
    expect(fleetVendorStatus('{not json', now)).toBeUndefined();
    expect(fleetVendorStatus('"text"', now)).toBeUndefined();
    expect(fleetVendorStatus(JSON.stringify({ binds: 1 }), now)).toBeUndefined();
  });
});

describe('VendorStatusStore', () => {
  it('merges the pods of a vendor and reads the fleet view back', async () => {
    const vendor = 'v-fleet';
    expect(await store.report(vendor, 'pod-a', up, 60_000)).toBe(2);
    expect(await store.report(vendor, 'pod-b', broken, 60_000)).toBe(2);
    let read = await store.read([vendor, 'v-unknown']);
    expect(read.get(vendor)).toEqual({ binds: 2, sendingPods: 2, down: false });
    expect(read.has('v-unknown')).toBe(false);

    // pod-a's binds go as well: now nobody can send.
    await store.report(vendor, 'pod-a', broken, 60_000);
    read = await store.read([vendor]);
    expect(read.get(vendor)).toEqual({ binds: 0, sendingPods: 2, down: true });

    const stored = JSON.parse((await redis.get(stateKeys.vendorStatus(vendor))) ?? '{}') as {
      pods: Record<string, PodVendorStatus & { expiresAt: number }>;
    };
    expect(Object.keys(stored.pods).sort()).toEqual(['pod-a', 'pod-b']);
    expect(stored.pods['pod-b']).toMatchObject({ outage: true, detail: 'bind refused' });
  });

  it('drops a pod whose entry expired: its last word no longer counts', async () => {
    const vendor = 'v-expiry';
    await store.report(vendor, 'pod-dead', broken, 50);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.report(vendor, 'pod-live', up, 60_000)).toBe(2);
    const stored = JSON.parse((await redis.get(stateKeys.vendorStatus(vendor))) ?? '{}') as {
      pods: Record<string, unknown>;
    };
    expect(Object.keys(stored.pods)).toEqual(['pod-live']);
    expect((await store.read([vendor])).get(vendor)?.down).toBe(false);
  });
});
