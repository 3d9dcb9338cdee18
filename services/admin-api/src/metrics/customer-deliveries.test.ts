import { silentLogger } from '@smpp-gateway/runtime';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CustomerDeliveriesPoller } from './customer-deliveries.js';

/** `{customer_id: value}` of one gauge, as a scrape would show it. */
async function byCustomer(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  const values = metric ? (await metric.get()).values : [];
  return Object.fromEntries(values.map((v) => [String(v.labels['customer_id']), v.value]));
}

function setup() {
  const registry = new Registry();
  let customers = ['a', 'b', 'c'];
  const queues = new Map<string, { queued: number; consumers: number } | Error>([
    ['a', { queued: 5, consumers: 0 }],
    ['b', { queued: 0, consumers: 2 }],
    ['c', { queued: 1_200, consumers: 1 }],
  ]);
  let nowMs = 1_000_000;
  const poller = new CustomerDeliveriesPoller({
    customers: () => Promise.resolve(customers),
    counts: (id) => {
      const counts = queues.get(id);
      return counts instanceof Error || counts === undefined
        ? Promise.reject(counts ?? new Error('no queue'))
        : Promise.resolve(counts);
    },
    registry,
    logger: silentLogger,
    intervalMs: 60_000,
    concurrency: 2,
    now: () => nowMs,
  });
  return {
    poller,
    registry,
    queues,
    setCustomers: (ids: string[]) => (customers = ids),
    advance: (ms: number) => (nowMs += ms),
  };
}

describe('CustomerDeliveriesPoller', () => {
  it("exports every active customer's waiting deliveries and consumers, and when it polled", async () => {
    const t = setup();
    expect(await byCustomer(t.registry, 'customer_deliveries_queued')).toEqual({});
    await t.poller.run();
    expect(await byCustomer(t.registry, 'customer_deliveries_queued')).toEqual({
      a: 5,
      b: 0,
      c: 1_200,
    });
    expect(await byCustomer(t.registry, 'customer_delivery_consumers')).toEqual({
      a: 0,
      b: 2,
      c: 1,
    });
    const polled = await t.registry
      .getSingleMetric('customer_deliveries_polled_timestamp_seconds')!
      .get();
    expect(polled.values[0]?.value).toBe(1_000);
    await t.poller.stop();
  });

  it('drops a customer no longer active, and keeps the last value of a queue it could not read', async () => {
    const t = setup();
    await t.poller.run();
    t.setCustomers(['a', 'c']);
    t.queues.set('a', new Error('channel closed'));
    t.queues.set('c', { queued: 1_500, consumers: 0 });
    t.advance(30_000);
    await t.poller.run();
    expect(await byCustomer(t.registry, 'customer_deliveries_queued')).toEqual({
      a: 5,
      c: 1_500,
    });
    expect(await byCustomer(t.registry, 'customer_delivery_consumers')).toEqual({ a: 0, c: 0 });
    // Incomplete: the time of the last complete poll stays.
    const stillAt = await t.registry
      .getSingleMetric('customer_deliveries_polled_timestamp_seconds')!
      .get();
    expect(stillAt.values[0]?.value).toBe(1_000);
    await t.poller.stop();
  });

  it('stops a poll at a batch the broker refused whole, keeping every last value', async () => {
    const t = setup();
    await t.poller.run();
    const asked: string[] = [];
    for (const id of ['a', 'b', 'c']) t.queues.set(id, new Error('broker unreachable'));
    const counts = t.queues;
    // Concurrency 2: a and b fail together, c is not asked.
    const original = counts.get.bind(counts);
    counts.get = (id: string) => {
      asked.push(id);
      return original(id);
    };
    await t.poller.run();
    expect(asked).toEqual(['a', 'b']);
    expect(await byCustomer(t.registry, 'customer_deliveries_queued')).toEqual({
      a: 5,
      b: 0,
      c: 1_200,
    });
    const polled = await t.registry
      .getSingleMetric('customer_deliveries_polled_timestamp_seconds')!
      .get();
    expect(polled.values[0]?.value).toBe(1_000);
    await t.poller.stop();
  });
});
