import type { FleetVendorStatus } from '@smpp-gateway/message-state';
import { describe, expect, it } from 'vitest';
import { VendorAvailabilityWatcher } from './vendor-availability.watcher.js';

const down: FleetVendorStatus = { binds: 0, sendingPods: 2, down: true };
const up: FleetVendorStatus = { binds: 2, sendingPods: 2, down: false };

function harness(vendorIds: string[] = ['v1', 'v2']) {
  let now = 0;
  let next: Map<string, FleetVendorStatus> | Error = new Map();
  const asked: string[][] = [];
  const changes: [string, boolean][] = [];
  const errors: unknown[] = [];
  const watcher = new VendorAvailabilityWatcher({
    source: {
      read: (ids) => {
        asked.push([...ids]);
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    },
    vendorIds: () => vendorIds,
    pollMs: 1_000,
    now: () => now,
    onChange: (vendorId, isDown) => changes.push([vendorId, isDown]),
    onError: (error) => errors.push(error),
  });
  return {
    watcher,
    asked,
    changes,
    errors,
    set: (value: Map<string, FleetVendorStatus> | Error) => {
      next = value;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('VendorAvailabilityWatcher', () => {
  it('follows the fleet view and reports each change once', async () => {
    const h = harness(['v1', 'v2', 'v1']);
    await h.watcher.poll();
    expect(h.asked).toEqual([['v1', 'v2']]);
    expect(h.watcher.isDown('v1')).toBe(false);

    h.set(
      new Map([
        ['v1', down],
        ['v2', up],
      ]),
    );
    await h.watcher.poll();
    await h.watcher.poll();
    expect(h.watcher.isDown('v1')).toBe(true);
    expect(h.watcher.isDown('v2')).toBe(false);
    expect(h.changes).toEqual([['v1', true]]);

    // Back up, or its document gone (connectors stopped reporting): not down.
    h.set(new Map([['v2', up]]));
    await h.watcher.poll();
    expect(h.watcher.isDown('v1')).toBe(false);
    expect(h.changes).toEqual([
      ['v1', true],
      ['v1', false],
    ]);
  });

  it('keeps the last view through a short read failure, and drops it once stale', async () => {
    const h = harness();
    h.set(new Map([['v1', down]]));
    await h.watcher.poll();
    expect(h.watcher.isDown('v1')).toBe(true);

    h.set(new Error('redis down'));
    h.advance(3_000);
    await h.watcher.poll();
    expect(h.watcher.isDown('v1')).toBe(true);
    expect(h.errors).toHaveLength(1);

    // Past 5 × pollMs without a read: every vendor is eligible again.
    h.advance(3_000);
    await h.watcher.poll();
    expect(h.watcher.isDown('v1')).toBe(false);
    expect(h.changes).toEqual([
      ['v1', true],
      ['v1', false],
    ]);
  });

  it('forgets a vendor that left the routing configuration', async () => {
    const ids = ['v1'];
    const h = harness(ids);
    h.set(new Map([['v1', down]]));
    await h.watcher.poll();
    ids.splice(0, 1, 'v3');
    h.set(new Map());
    await h.watcher.poll();
    expect(h.asked.at(-1)).toEqual(['v3']);
    expect(h.watcher.isDown('v1')).toBe(false);
  });
});
