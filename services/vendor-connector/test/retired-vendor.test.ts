// MTs left in the queue of a vendor taken out of service go back to the
// router instead of waiting forever: real RabbitMQ, PostgreSQL, Redis and
// the bundled SMSC simulator over TCP.
import { QUEUES } from '@smpp-gateway/contracts';
import { deleteVendor, updateVendor, type Vendor } from '@smpp-gateway/db';
import type { RecordedPdu, Simulator } from '@smpp-gateway/smsc-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETIRED_REASON } from '../src/vendors/retired-vendor.drain.js';
import { about, createHarness, eventually, routed, type Harness } from './support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await h.connector();
});
afterAll(async () => {
  await h?.close();
});

function submitsTo(sim: Simulator, destinations: readonly string[]): number {
  return sim.records
    .query({ command: 'submit_sm' })
    .filter((r) => destinations.includes((r as RecordedPdu<'submit_sm'>).pdu.destinationAddr))
    .length;
}

/** MTs waiting in both lanes of the vendor. */
async function queueDepth(vendorId: string): Promise<number> {
  const lanes = [QUEUES.vendor(vendorId), QUEUES.vendorPriority(vendorId)];
  let total = 0;
  for (const lane of lanes) total += (await h.channel.checkQueue(lane)).messageCount;
  return total;
}

async function bound(vendor: Vendor, connector = h.connectors.at(-1)!): Promise<void> {
  await connector.manager.reload('test');
  await eventually(
    () => (connector.manager.vendor(vendor.id)?.snapshot().bound ?? 0) > 0,
    10_000,
    'bind',
  );
}

describe('a vendor taken out of service', () => {
  it('hands what its queue holds back to the router, and sends again once back in service', async () => {
    const sim = await h.simulator();
    const vendor = await h.vendor(sim);
    const connector = h.connectors[0]!;
    await bound(vendor, connector);

    await updateVendor(h.db, vendor.id, { isActive: false });
    await connector.manager.reload('test');
    expect(connector.manager.vendor(vendor.id)).toBeUndefined();
    expect(connector.manager.retired).toContain(vendor.id);

    // Routed before the routers reloaded: nobody would ever send these. One
    // in the bulk lane, two in the priority lane.
    const handBacks = await h.collect(QUEUES.mt(3));
    const bulkHandBacks = await h.collect(QUEUES.mt(0));
    const left = [0, 3, 3].map((priority) => routed(vendor.id, { priority }));
    for (const mt of left) h.publishRouted(mt);
    const back = [
      ...(await handBacks.waitFor(2, about(left))),
      ...(await bulkHandBacks.waitFor(1, about(left))),
    ];
    for (const mt of left) {
      const item = back.find((b) => b.messageId === mt.messageId)!;
      expect(item).not.toHaveProperty('vendorId');
      expect((item.attempts as { vendorId: string; error: string }[]).at(-1)).toMatchObject({
        vendorId: vendor.id,
        error: RETIRED_REASON,
      });
    }
    expect(
      submitsTo(
        sim,
        left.map((mt) => mt.destination.addr),
      ),
    ).toBe(0);
    await eventually(async () => (await queueDepth(vendor.id)) === 0, 10_000, 'empty queue');

    // Back in service: the queue is sent from again, nothing handed back.
    await updateVendor(h.db, vendor.id, { isActive: true });
    await bound(vendor, connector);
    expect(connector.manager.retired).not.toContain(vendor.id);
    const results = await h.collect(QUEUES.events);
    const again = routed(vendor.id, { priority: 3 });
    h.publishRouted(again);
    await results.waitFor(1, about([again]));
    expect(submitsTo(sim, [again.destination.addr])).toBe(1);
  });

  it('a deleted vendor is drained too', async () => {
    const sim = await h.simulator();
    const vendor = await h.vendor(sim);
    const connector = h.connectors[0]!;
    await bound(vendor, connector);
    await deleteVendor(h.db, vendor.id);
    await connector.manager.reload('test');
    expect(connector.manager.retired).toContain(vendor.id);

    const handBacks = await h.collect(QUEUES.mt(3));
    const mt = routed(vendor.id, { priority: 3 });
    h.publishRouted(mt);
    await handBacks.waitFor(1, about([mt]));
    expect(submitsTo(sim, [mt.destination.addr])).toBe(0);
  });

  /**
   * The vendor carried traffic (its lanes exist), then went out of service
   * (`retire`) while every connector was down: one MT waits in each lane,
   * and a connector started afterwards hands both back to the router.
   */
  async function drainedByAFreshConnector(retire: (vendor: Vendor) => Promise<unknown>) {
    const sim = await h.simulator();
    const vendor = await h.vendor(sim);
    await bound(vendor, h.connectors.at(-1)); // its lanes exist from here on
    for (const c of h.connectors) await c.stop();
    await retire(vendor);

    const handBacks = await h.collect(QUEUES.mt(3));
    const bulkHandBacks = await h.collect(QUEUES.mt(0));
    const waiting = [0, 3].map((priority) => routed(vendor.id, { priority }));
    for (const mt of waiting) h.publishRouted(mt);
    await eventually(async () => (await queueDepth(vendor.id)) === 2, 10_000, 'queued MTs');

    const fresh = await h.connector();
    expect(fresh.manager.retired).toContain(vendor.id);
    await handBacks.waitFor(1, about(waiting));
    await bulkHandBacks.waitFor(1, about(waiting));
    expect(await queueDepth(vendor.id)).toBe(0);
    expect(
      submitsTo(
        sim,
        waiting.map((mt) => mt.destination.addr),
      ),
    ).toBe(0);
  }

  it('a connector that starts while a vendor is inactive drains the queues the vendor left', async () => {
    await drainedByAFreshConnector((vendor) => updateVendor(h.db, vendor.id, { isActive: false }));
  });

  // No connector saw the deletion (a rollout, say): the tombstone tells.
  it('a connector that starts after a vendor was deleted drains the queues the vendor left', async () => {
    await drainedByAFreshConnector((vendor) => deleteVendor(h.db, vendor.id));
  });
});
