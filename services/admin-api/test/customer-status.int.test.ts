// A customer's live status for "I get no delivery receipts": its binds
// across the edge pods (the edge's bind leases in Redis DB 1, written here
// under the same shared key and prefix the edge uses) and what waits for it
// in `deliver.{customerId}`, with the consumers the broker reports.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TOPOLOGY_OPTIONS, deliveryQueue, QUEUES } from '@smpp-gateway/contracts';
import { createCustomer, type Customer } from '@smpp-gateway/db';
import { limitKeys } from '@smpp-gateway/message-state';
import { assertTopology, RedisDb } from '@smpp-gateway/runtime';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

const UNKNOWN_ID = '5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11';
let customerCounter = 0;

/** maxBinds 3, so neither count of the tests below can pass for the maximum. */
function newCustomer(h: Harness): Promise<Customer> {
  customerCounter += 1;
  const systemId = `status-${customerCounter}`;
  return createCustomer(h.db, {
    name: systemId,
    systemId,
    password: 'secret12',
    throughput: 50,
    maxBinds: 3,
  });
}

async function status(h: Harness, customerId: string) {
  return h.request('GET', `/api/v1/customers/${customerId}/status`, { token: h.readToken });
}

/** A port nothing listens on: the OS's pick, released at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('customer status', () => {
  let h: Harness;

  beforeAll(async () => {
    // Polls the delivery queues every second (30 s by default).
    h = await startHarness({ DELIVERY_BACKLOG_POLL_MS: '1000' });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('404 for an unknown customer; a new one is unbound with nothing waiting', async () => {
    const missing = await status(h, UNKNOWN_ID);
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', message: 'customer not found' });

    const customer = await newCustomer(h);
    const res = await status(h, customer.id);
    expect(res.status).toBe(200);
    // No lease was ever written and no deliver queue declared: 0, not null.
    expect(res.body).toEqual({
      customerId: customer.id,
      systemId: customer.systemId,
      status: 'active',
      isActive: true,
      binds: { live: 0, max: 3 },
      deliveries: { queued: 0, consumers: 0 },
    });

    const suspended = await h.request('PATCH', `/api/v1/customers/${customer.id}`, {
      body: { status: 'suspended' },
    });
    expect(suspended.status).toBe(200);
    expect((await status(h, customer.id)).body).toMatchObject({
      status: 'suspended',
      isActive: false,
    });
  });

  it('counts the live bind leases only, by the Redis server clock the edge scores them with', async () => {
    const customer = await newCustomer(h);
    const other = await newCustomer(h);
    // Where an edge pod's BindGuard keeps them: DB 1, the deployment's prefix.
    const redis = new Redis(h.env.redis.url, {
      keyPrefix: h.env.redis.keyPrefix,
      db: RedisDb.rate,
    });
    try {
      const [seconds, micros] = await redis.time();
      const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      await redis.zadd(
        limitKeys.bindLeases(customer.id),
        nowMs + 60_000,
        'session-a',
        nowMs + 30_000,
        'session-b',
        // A pod that died: its lease ran out and no bind attempt pruned it yet.
        nowMs - 1_000,
        'session-dead',
      );
      await redis.zadd(limitKeys.bindLeases(other.id), nowMs + 60_000, 'session-other');

      const res = await status(h, customer.id);
      expect(res.status).toBe(200);
      expect(res.body.binds).toEqual({ live: 2, max: 3 });
      expect((await status(h, other.id)).body.binds).toEqual({ live: 1, max: 3 });
    } finally {
      redis.disconnect();
    }
  });

  it('shows the deliveries ready in deliver.{id} and the consumers the broker reports', async () => {
    const customer = await newCustomer(h);
    const queue = QUEUES.delivery(customer.id);
    const broker = await amqp.connect(h.env.amqp.url);
    try {
      const publisher = await broker.createConfirmChannel();
      // Declared as the edge and the tracker declare it.
      await assertTopology(publisher, {
        exchanges: [],
        queues: [deliveryQueue(customer.id, { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' })],
      });
      for (let i = 0; i < 4; i++) publisher.sendToQueue(queue, Buffer.from('{}'));
      await publisher.waitForConfirms();

      // An edge pod's consumer, on a channel of its own: with prefetch 1 and
      // no ack it holds one delivery, which is no longer waiting.
      const consumer = await broker.createChannel();
      await consumer.prefetch(1);
      await consumer.consume(queue, () => undefined, { noAck: false });
      const deadline = Date.now() + 5_000;
      for (;;) {
        const { messageCount, consumerCount } = await publisher.checkQueue(queue);
        if (messageCount === 3 && consumerCount === 1) break;
        if (Date.now() > deadline) {
          throw new Error(`broker reports ${messageCount} ready, ${consumerCount} consumers`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      const res = await status(h, customer.id);
      expect(res.status).toBe(200);
      expect(res.body.deliveries).toEqual({ queued: 3, consumers: 1 });

      // The same in /metrics, for every active customer, from the poller.
      const series = (text: string, name: string) =>
        new RegExp(`^${name}\\{[^}]*customer_id="${customer.id}"[^}]*\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1];
      const until = Date.now() + 10_000;
      for (;;) {
        const metrics = (await h.request('GET', '/metrics')).text;
        if (
          series(metrics, 'customer_deliveries_queued') === '3' &&
          series(metrics, 'customer_delivery_consumers') === '1'
        ) {
          expect(metrics).toMatch(/^customer_deliveries_polled_timestamp_seconds\{[^}]*\} [1-9]/m);
          break;
        }
        if (Date.now() > until)
          throw new Error(`not polled: ${series(metrics, 'customer_deliveries_queued')}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await broker.close();
    }
  });
});

describe('customer status while Redis is unreachable', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('answers binds null, with a warning, and the rest from PostgreSQL and the broker', async () => {
    const customer = await newCustomer(h);
    const res = await status(h, customer.id);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      customerId: customer.id,
      systemId: customer.systemId,
      status: 'active',
      isActive: true,
      binds: null,
      deliveries: { queued: 0, consumers: 0 },
    });
    expect(
      h.logs.find((l) => l.message === 'customer bind leases not read from redis'),
    ).toMatchObject({ level: 'WARN', customer_id: customer.id });
  });
});
