// Dead letters made the real way (a consumer of the runtime gives up on a
// message), peeked and replayed through the API, and consumed again from
// the queue that dead-lettered them: one vhost of the local RabbitMQ.
import { randomUUID } from 'node:crypto';
import { EXCHANGES, QUEUES, type Contract, type ContractInput } from '@smpp-gateway/contracts';
import {
  AmqpConnection,
  consume,
  ContractPublisher,
  HEADERS,
  silentLogger,
  type Consumer,
  type MessageContext,
} from '@smpp-gateway/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let connection: AmqpConnection;
let publisher: ContractPublisher;

function receipt(): ContractInput<'VendorReceipt'> {
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    vendorId: randomUUID(),
    vendorMessageId: 'ABC123',
    vendorMessageKey: 'abc123',
    stat: 'DELIVRD',
    err: '000',
    receivedAt: now,
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const queueDepth = (queue: string) =>
  connection.withChannel(async (ch) => (await ch.checkQueue(queue)).messageCount);

/** Runs `handler` on dlr.receipts until `done` holds, then stops consuming. */
async function consumeReceipts(
  handler: (m: Contract<'VendorReceipt'>, ctx: MessageContext) => Promise<void>,
  done: () => boolean,
): Promise<void> {
  const consumer: Consumer = await consume(connection, 'VendorReceipt', QUEUES.receipts, handler, {
    logger: silentLogger,
    prefetch: 10,
  });
  try {
    await waitFor(done, 'the consumer');
    await waitFor(() => consumer.inFlight === 0, 'acks');
  } finally {
    await consumer.close();
  }
}

// Quorum queues (production) and classic (allowed in tests): basic.get,
// requeueing and the broker's own dead-lettering differ between the two.
describe.each(['quorum', 'classic'] as const)(
  'dead letters through the admin API (%s queues)',
  (queueType) => {
    beforeAll(async () => {
      h = await startHarness({ AMQP_QUEUE_TYPE: queueType });
      connection = new AmqpConnection({ url: h.env.amqp.url, name: 'test', logger: silentLogger });
      await connection.start();
      publisher = await ContractPublisher.open(connection, { logger: silentLogger });
    });

    afterAll(async () => {
      await publisher?.close();
      await connection?.close();
      await h?.close();
    });

    it('shows why a message was dead-lettered, replays it to its queue, and the consumer sees a redelivery', async () => {
      const poison = receipt();
      await publisher.publish('VendorReceipt', poison);
      // The consumer gives up (a non-retryable error): dead.letters, with the reason.
      let failed = 0;
      await consumeReceipts(
        () => {
          failed += 1;
          return Promise.reject(new Error('no route for vendor (bug 1234)'));
        },
        () => failed === 1,
      );
      await waitFor(async () => (await queueDepth(QUEUES.dead)) === 1, 'the dead letter');

      const peek = await h.request('GET', '/api/v1/dead-letters?limit=5', { token: h.readToken });
      expect(peek.status).toBe(200);
      expect(peek.body).toMatchObject({ queue: QUEUES.dead, messages: 1 });
      expect(peek.body.peeked).toEqual([
        {
          originalQueue: QUEUES.receipts,
          contract: 'VendorReceipt',
          messageId: poison.messageId,
          reason: expect.stringContaining('no route for vendor (bug 1234)') as unknown,
          deadLetteredAt: expect.any(String) as unknown,
          batchIndex: null,
          replays: 0,
          bytes: expect.any(Number) as unknown,
        },
      ]);
      // Peeking leaves it there; the body is never shown.
      expect(await queueDepth(QUEUES.dead)).toBe(1);
      expect(peek.text).not.toContain('abc123');

      // A replay for another queue leaves it where it is.
      const other = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: { originalQueue: QUEUES.mo },
      });
      expect(other.status).toBe(200);
      expect(other.body).toEqual({
        examined: 1,
        replayed: 0,
        skipped: 1,
        unroutable: 0,
        remaining: 1,
        byQueue: {},
      });

      // "Fixed": replay it; it is consumed again, as a redelivery, unchanged.
      const replay = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: { originalQueue: QUEUES.receipts, limit: 10 },
      });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({
        examined: 1,
        replayed: 1,
        skipped: 0,
        unroutable: 0,
        remaining: 0,
        byQueue: { [QUEUES.receipts]: 1 },
      });
      const seen: { message: Contract<'VendorReceipt'>; ctx: MessageContext }[] = [];
      await consumeReceipts(
        (message, ctx) => {
          seen.push({ message, ctx });
          return Promise.resolve();
        },
        () => seen.length === 1,
      );
      expect(seen[0]?.message).toMatchObject(poison);
      expect(seen[0]?.ctx.redelivered).toBe(true);
      expect(seen[0]?.ctx.headers[HEADERS.replays]).toBe(1);
      expect(seen[0]?.ctx.headers[HEADERS.deadReason]).toBeUndefined();
      expect(await queueDepth(QUEUES.dead)).toBe(0);
      expect(await queueDepth(QUEUES.receipts)).toBe(0);

      const metrics = await h.request('GET', '/metrics', { token: null });
      expect(metrics.text).toMatch(
        /admin_dead_letters_replayed_total\{[^}]*queue="dlr\.receipts"[^}]*\} 1/,
      );
      expect(h.logs.some((l) => l.message === 'dead letters replayed')).toBe(true);
    });

    it('replays what the broker dead-lettered itself (a delivery that expired unbound)', async () => {
      const expired = receipt();
      // Per-message TTL of 1 ms and no consumer: the broker dead-letters it
      // from dlr.receipts with an x-death entry, as it does a customer's
      // delivery after DELIVERY_TTL_MS unbound.
      await connection.withConfirmChannel(async (ch) => {
        ch.publish('', QUEUES.receipts, Buffer.from(JSON.stringify(expired)), {
          persistent: true,
          expiration: '1',
          messageId: expired.messageId,
          contentType: 'application/json',
          headers: { [HEADERS.contract]: 'VendorReceipt' },
        });
        await ch.waitForConfirms();
      });
      await waitFor(async () => (await queueDepth(QUEUES.dead)) === 1, 'the expiry');
      const peek = await h.request('GET', '/api/v1/dead-letters');
      expect(peek.body.peeked).toEqual([
        expect.objectContaining({
          originalQueue: QUEUES.receipts,
          contract: 'VendorReceipt',
          messageId: expired.messageId,
          reason: 'broker: expired',
          deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        }),
      ]);
      // Parked again by a replay for another queue: its origin stays readable.
      const other = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: { originalQueue: QUEUES.mo },
      });
      expect(other.body).toMatchObject({ skipped: 1, remaining: 1 });
      expect((await h.request('GET', '/api/v1/dead-letters')).body.peeked).toEqual([
        expect.objectContaining({ originalQueue: QUEUES.receipts, reason: 'broker: expired' }),
      ]);
      const replay = await h.request('POST', '/api/v1/dead-letters/replay', { body: {} });
      expect(replay.body).toMatchObject({ replayed: 1, remaining: 0 });
      const seen: MessageContext[] = [];
      await consumeReceipts(
        (_message, ctx) => {
          seen.push(ctx);
          return Promise.resolve();
        },
        () => seen.length === 1,
      );
      // Back with a fresh life: no x-death, no expiration carried over.
      expect(seen[0]?.redelivered).toBe(true);
      expect(seen[0]?.headers['x-death']).toBeUndefined();
    });

    it('keeps a dead letter whose queue is gone, and says so', async () => {
      // As a customer's delivery queue that was deleted with the customer.
      await connection.withConfirmChannel(async (ch) => {
        ch.publish(EXCHANGES.dead, 'deliver.gone', Buffer.from('{}'), {
          persistent: true,
          headers: {
            [HEADERS.contract]: 'CustomerDelivery',
            [HEADERS.originalQueue]: `deliver.${randomUUID()}`,
            [HEADERS.deadReason]: 'customer answered deliver_sm with status 0x8',
          },
        });
        await ch.waitForConfirms();
      });
      const replay = await h.request('POST', '/api/v1/dead-letters/replay', { body: {} });
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ examined: 1, replayed: 0, unroutable: 1, remaining: 1 });
      const peek = await h.request('GET', '/api/v1/dead-letters');
      expect(peek.body.peeked).toHaveLength(1);
      expect(peek.body.peeked[0]).toMatchObject({
        contract: 'CustomerDelivery',
        reason: 'customer answered deliver_sm with status 0x8',
      });
      expect(
        h.logs.some((l) => l.message === 'dead letter not replayed: its queue no longer exists'),
      ).toBe(true);
      // Clean up for the next test.
      await connection.withChannel((ch) => ch.purgeQueue(QUEUES.dead));
    });

    it('refuses bad requests with a specific 400, and replays only with a write token', async () => {
      for (const body of [{ limit: 0 }, { limit: 1_001 }, { limit: 'all' }, { queue: 'x' }]) {
        const res = await h.request('POST', '/api/v1/dead-letters/replay', { body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect((await h.request('GET', '/api/v1/dead-letters?limit=101')).status).toBe(400);
      const readOnly = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: {},
        token: h.readToken,
      });
      expect(readOnly.status).toBe(403);
      expect((await h.request('GET', '/api/v1/dead-letters', { token: null })).status).toBe(401);
    });
  },
);
