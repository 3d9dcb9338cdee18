import { QUEUES, type MtRouted } from '@smpp-gateway/contracts';
import type { Customer, Vendor } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWorker } from '../src/app.js';
import {
  addCustomer,
  addVendor,
  controlCommand,
  counterValue,
  createHarness,
  routeEverythingTo,
  mtSubmitted,
  waitFor,
  type Harness,
} from './support/harness.js';

describe('two router replicas on the same queues', () => {
  let h: Harness;
  let routers: RouterWorker[];
  let customer: Customer;
  let vendor: Vendor;

  beforeAll(async () => {
    h = await createHarness();
    customer = await addCustomer(h.db);
    vendor = await addVendor(h.db, 'solo');
    await routeEverythingTo(h.db, vendor, 'everything');
    // Small prefetch so the broker has to spread deliveries over both.
    routers = [
      await h.startRouter({ AMQP_PREFETCH: '20' }),
      await h.startRouter({ AMQP_PREFETCH: '20' }),
    ];
  });

  afterAll(async () => {
    await h?.destroy();
  });

  it('routes every MT exactly once between them, both taking a share', async () => {
    const total = 2_000;
    const sent = new Set<string>();
    const batch = Array.from({ length: total }, (_, i) =>
      mtSubmitted({ customerId: customer.id, priority: i % 4 }),
    );
    await Promise.all(
      batch.map((mt) => h.publish('MtSubmitted', mt).then(() => sent.add(mt.messageId))),
    );

    const seen = new Map<string, number>();
    await waitFor(
      async () => {
        // Priority 0 on the vendor's queue, 1-3 on its priority lane.
        for (const queue of [QUEUES.vendor(vendor.id), QUEUES.vendorPriority(vendor.id)]) {
          for (const body of await h.drainQueue(queue, 50)) {
            const routed = body as MtRouted;
            expect(queue).toBe(
              routed.priority >= 1 ? QUEUES.vendorPriority(vendor.id) : QUEUES.vendor(vendor.id),
            );
            seen.set(routed.messageId, (seen.get(routed.messageId) ?? 0) + 1);
          }
        }
        return seen.size >= total;
      },
      'every MT on the vendor queue',
      60_000,
    );
    expect([...seen.keys()].sort()).toEqual([...sent].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const shares = await Promise.all(routers.map((r) => counterValue(r, 'router_routed_total')));
    expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
    for (const share of shares) expect(share).toBeGreaterThan(0);
  });

  it('every replica receives a control command (fanout, one queue per instance)', async () => {
    const before = await Promise.all(
      routers.map((r) => counterValue(r, 'router_config_reloads_total', { outcome: 'ok' })),
    );
    await h.publish('ControlCommand', controlCommand({ type: 'reload-vendors' }));
    await waitFor(async () => {
      const after = await Promise.all(
        routers.map((r) => counterValue(r, 'router_config_reloads_total', { outcome: 'ok' })),
      );
      return after.every((n, i) => n > before[i]!);
    }, 'both replicas to reload');
  });
});
