// amqp_queue_messages_ready{queue} and message_queue_depth{priority}: read
// from the real broker, including a queue that does not exist (the poll goes
// on past the broker closing its channel) and a vendor queue that fills up
// because no connector consumes it.
import { QUEUES, type MtRouted } from '@smpp-gateway/contracts';
import { createRoutingRule, type Customer, type Vendor } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWorker } from '../src/app.js';
import {
  addCustomer,
  addVendor,
  counterValue,
  createHarness,
  mtSubmitted,
  routeEverythingTo,
  waitFor,
  type Harness,
} from './support/harness.js';

async function series(router: RouterWorker, name: string): Promise<Map<string, number>> {
  const metric = router.registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return new Map(values.map((v) => [String(Object.values(v.labels)[0]), v.value]));
}

describe('queue depth gauges against a real RabbitMQ', () => {
  let h: Harness;
  let router: RouterWorker;
  let used: Vendor;
  let idle: Vendor;
  let customer: Customer;

  beforeAll(async () => {
    h = await createHarness();
    used = await addVendor(h.db, 'used');
    idle = await addVendor(h.db, 'idle', 200);
    await routeEverythingTo(h.db, used, 'everything');
    // A rule for a vendor that never gets a message: its queue never exists.
    await createRoutingRule(h.db, { name: 'idle', destinationPrefix: '999', vendorId: idle.id });
    customer = await addCustomer(h.db);
    router = await h.startRouter({ QUEUE_DEPTH_POLL_MS: '200' });
  });

  afterAll(async () => {
    await h?.destroy();
  });

  it('reports what waits in dead.letters and in a vendor queue nobody consumes', async () => {
    await h.probe.withConfirmChannel(async (channel) => {
      for (let i = 0; i < 3; i++) channel.sendToQueue(QUEUES.dead, Buffer.from(`parked ${i}`));
      await channel.waitForConfirms();
    });
    const mt = mtSubmitted({ customerId: customer.id });
    await h.publish('MtSubmitted', mt);
    await waitFor(
      async () => (await counterValue(router, 'router_routed_total', { vendor_id: used.id })) > 0,
      'the MT routed',
    );

    await waitFor(async () => {
      const ready = await series(router, 'amqp_queue_messages_ready');
      return ready.get(QUEUES.dead) === 3 && ready.get(QUEUES.vendor(used.id)) === 1;
    }, 'dead.letters at 3 and the vendor queue at 1');
    const ready = await series(router, 'amqp_queue_messages_ready');
    // Every fixed queue the router declares is there, drained ones at 0.
    for (const queue of [QUEUES.mt(0), QUEUES.mt(3), QUEUES.mtDeferred(1), QUEUES.mo]) {
      expect(ready.get(queue), queue).toBe(0);
    }
    expect(ready.get(QUEUES.events)).toBe(0);
    expect(ready.get(QUEUES.receipts)).toBe(0);
    // Queues that do not exist have no series; the poll went on past them
    // (dlr.receipts.deferred comes before dead.letters, and only dlr-tracker
    // declares it).
    expect(ready.has(QUEUES.receiptsDeferred)).toBe(false);
    expect(ready.has(QUEUES.vendor(idle.id))).toBe(false);
    expect(await h.depth(QUEUES.vendor(idle.id))).toBe(0);

    // The seed's gauge follows the same poll.
    const depth = await series(router, 'message_queue_depth');
    expect([...depth.keys()].sort()).toEqual(['0', '1', '2', '3']);

    // Taking the MT off the vendor queue shows on the next polls.
    expect(((await h.take(QUEUES.vendor(used.id))).body as MtRouted).messageId).toBe(mt.messageId);
    await waitFor(
      async () =>
        (await series(router, 'amqp_queue_messages_ready')).get(QUEUES.vendor(used.id)) === 0,
      'the vendor queue back at 0',
    );
  });
});
