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

const purge = (...queues: string[]) =>
  connection.withChannel(async (ch) => {
    for (const queue of queues) await ch.purgeQueue(queue);
  });

/** A body that must never reach a log line or a response. */
const SECRET_BODY = 'body-marker-7f3a';

interface DeadLetterSpec {
  readonly originalQueue?: string;
  readonly messageId?: string;
  readonly contract?: string;
  readonly reason?: string;
}

/** Dead letters as a consumer writes them (our headers), in this order; their message ids. */
async function deadLetter(...specs: DeadLetterSpec[]): Promise<string[]> {
  const ids = specs.map((spec) => spec.messageId ?? randomUUID());
  await connection.withConfirmChannel(async (ch) => {
    specs.forEach((spec, i) => {
      ch.publish(
        EXCHANGES.dead,
        spec.originalQueue ?? 'none',
        Buffer.from(JSON.stringify({ note: SECRET_BODY, i })),
        {
          persistent: true,
          messageId: ids[i],
          contentType: 'application/json',
          headers: {
            [HEADERS.contract]: spec.contract ?? 'VendorReceipt',
            ...(spec.originalQueue !== undefined
              ? { [HEADERS.originalQueue]: spec.originalQueue }
              : {}),
            [HEADERS.deadReason]: spec.reason ?? `bad data ${i}`,
          },
        },
      );
    });
    await ch.waitForConfirms();
  });
  await waitFor(async () => (await queueDepth(QUEUES.dead)) === specs.length, 'the dead letters');
  return ids;
}

/** The message ids in dead.letters, oldest first (a peek). */
async function deadLetterIds(): Promise<(string | null)[]> {
  const peek = await h.request<{ peeked: { messageId: string | null }[] }>(
    'GET',
    '/api/v1/dead-letters?limit=100',
    { token: h.readToken },
  );
  expect(peek.status).toBe(200);
  const ids = peek.body.peeked.map((p) => p.messageId);
  // A quorum queue takes the peek's requeue through its log: let the count
  // show them again before the next request sizes its pass by it.
  await waitFor(async () => (await queueDepth(QUEUES.dead)) === ids.length, 'the peek to requeue');
  return ids;
}

/** The message ids waiting in `queue` (taken for good). */
async function drain(queue: string): Promise<(string | null)[]> {
  return connection.withChannel(async (ch) => {
    const ids: (string | null)[] = [];
    for (;;) {
      const message = await ch.get(queue, { noAck: true });
      if (message === false) return ids;
      ids.push((message.properties.messageId as string | undefined) ?? null);
    }
  });
}

function metricValue(text: string, name: string, queue: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(`queue="${queue}"`)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

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

    it('replays one dead letter by its message id, and leaves the others in their order', async () => {
      await purge(QUEUES.dead, QUEUES.receipts);
      const ids = await deadLetter(
        { originalQueue: QUEUES.receipts },
        { originalQueue: QUEUES.receipts },
        { originalQueue: QUEUES.mo },
        { originalQueue: QUEUES.receipts },
      );
      const [first, second, third, fourth] = ids;

      // Both filters: they must both hold (this id is not from dlr.receipts' neighbour).
      const neither = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: { originalQueue: QUEUES.mo, messageId: second },
      });
      expect(neither.status).toBe(200);
      expect(neither.body).toEqual({
        examined: 4,
        replayed: 0,
        skipped: 4,
        unroutable: 0,
        remaining: 4,
        byQueue: {},
      });
      expect(await deadLetterIds()).toEqual(ids);

      const replay = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: { messageId: second, originalQueue: QUEUES.receipts },
      });
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual({
        examined: 4,
        replayed: 1,
        skipped: 3,
        unroutable: 0,
        remaining: 3,
        byQueue: { [QUEUES.receipts]: 1 },
      });
      expect(await deadLetterIds()).toEqual([first, third, fourth]);
      expect(await drain(QUEUES.receipts)).toEqual([second]);

      // An id no dead letter has: nothing moves.
      const none = await h.request('POST', '/api/v1/dead-letters/replay', {
        body: { messageId: randomUUID() },
      });
      expect(none.body).toMatchObject({ examined: 3, replayed: 0, skipped: 3, remaining: 3 });
      expect(await deadLetterIds()).toEqual([first, third, fourth]);
      await purge(QUEUES.dead);
    });

    it('discards the dead letters of one original queue for good, logs each, and keeps the rest in order', async () => {
      await purge(QUEUES.dead, QUEUES.receipts);
      const deleted = `deliver.${randomUUID()}`;
      const ids = await deadLetter(
        { originalQueue: QUEUES.receipts, reason: 'receipt for a deleted customer' },
        { originalQueue: QUEUES.mo },
        { originalQueue: QUEUES.receipts, reason: 'receipt for a deleted customer' },
        { originalQueue: deleted, contract: 'CustomerDelivery' },
        {},
      );
      const [r1, mo, r2, delivery, orphan] = ids;

      const discard = await h.request('POST', '/api/v1/dead-letters/discard', {
        body: { originalQueue: QUEUES.receipts, limit: 100 },
      });
      expect(discard.status).toBe(200);
      expect(discard.body).toEqual({
        examined: 5,
        discarded: 2,
        skipped: 3,
        remaining: 3,
        byQueue: { [QUEUES.receipts]: 2 },
      });
      expect(await deadLetterIds()).toEqual([mo, delivery, orphan]);
      // Published nowhere.
      expect(await queueDepth(QUEUES.receipts)).toBe(0);

      // Traceable: one warn line per message (never its body), and a summary.
      const lines = h.logs.filter((l) => l.message === 'dead letter discarded');
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'WARN',
          component: 'dead-letters',
          original_queue: QUEUES.receipts,
          contract: 'VendorReceipt',
          message_id: r1,
          reason: 'receipt for a deleted customer',
          actor: 'ops-write',
          request_id: discard.headers.get('x-request-id'),
        }),
        expect.objectContaining({ level: 'WARN', message_id: r2 }),
      ]);
      expect(h.logs.filter((l) => l.message === 'dead letters discarded')).toEqual([
        expect.objectContaining({
          level: 'WARN',
          discarded: 2,
          by_queue: { [QUEUES.receipts]: 2 },
        }),
      ]);
      expect(
        h.logs.find((l) => l.message === 'audit' && l.operation === 'discardDeadLetters'),
      ).toMatchObject({ actor: 'ops-write', details: { discarded: 2, examined: 5 } });
      expect(h.logText()).not.toContain(SECRET_BODY);
      expect(discard.text).not.toContain(SECRET_BODY);

      let metrics = await h.request('GET', '/metrics', { token: null });
      expect(metricValue(metrics.text, 'admin_dead_letters_discarded_total', QUEUES.receipts)).toBe(
        2,
      );

      // One message by its id: the deleted customer's delivery.
      const one = await h.request('POST', '/api/v1/dead-letters/discard', {
        body: { messageId: delivery, limit: 10 },
      });
      expect(one.body).toEqual({
        examined: 3,
        discarded: 1,
        skipped: 2,
        remaining: 2,
        byQueue: { [deleted]: 1 },
      });
      expect(await deadLetterIds()).toEqual([mo, orphan]);

      // One with no original queue recorded: counted as "(unknown)".
      const unknown = await h.request('POST', '/api/v1/dead-letters/discard', {
        body: { messageId: orphan, limit: 10 },
      });
      expect(unknown.body).toEqual({
        examined: 2,
        discarded: 1,
        skipped: 1,
        remaining: 1,
        byQueue: { '(unknown)': 1 },
      });
      expect(h.logs.filter((l) => l.message === 'dead letter discarded').at(-1)).toMatchObject({
        original_queue: null,
        message_id: orphan,
        reason: 'bad data 4',
      });
      expect(await deadLetterIds()).toEqual([mo]);

      metrics = await h.request('GET', '/metrics', { token: null });
      expect(metricValue(metrics.text, 'admin_dead_letters_discarded_total', 'deliver.*')).toBe(1);
      expect(metricValue(metrics.text, 'admin_dead_letters_discarded_total', '(unknown)')).toBe(1);
      // At most `limit`, oldest first: the MO goes, the two newer ones stay.
      await connection.withConfirmChannel(async (ch) => {
        for (let i = 0; i < 2; i += 1) {
          ch.publish(EXCHANGES.dead, '', Buffer.from('{}'), {
            persistent: true,
            messageId: `later-${i}`,
            headers: { [HEADERS.originalQueue]: QUEUES.mo },
          });
        }
        await ch.waitForConfirms();
      });
      const limited = await h.request('POST', '/api/v1/dead-letters/discard', {
        body: { limit: 1 },
      });
      expect(limited.body).toEqual({
        examined: 1,
        discarded: 1,
        skipped: 0,
        remaining: 2,
        byQueue: { [QUEUES.mo]: 1 },
      });
      expect(await deadLetterIds()).toEqual(['later-0', 'later-1']);
      await purge(QUEUES.dead);
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

    it('discards only with an explicit limit, a valid body and a write token', async () => {
      await purge(QUEUES.dead);
      const [kept] = await deadLetter({ originalQueue: QUEUES.receipts });
      for (const body of [
        {},
        { originalQueue: QUEUES.receipts },
        { limit: 0 },
        { limit: 1_001 },
        { limit: 1.5 },
        { limit: 'all' },
        { limit: 5, queue: 'x' },
        { limit: 5, messageId: '' },
        { limit: 5, messageId: 'x'.repeat(129) },
        { limit: 5, originalQueue: '' },
      ]) {
        const res = await h.request('POST', '/api/v1/dead-letters/discard', { body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      const noLimit = await h.request('POST', '/api/v1/dead-letters/discard', { body: {} });
      expect(JSON.stringify(noLimit.body.error.details)).toContain('limit');
      for (const body of [{ messageId: '' }, { messageId: 'x'.repeat(129) }]) {
        const res = await h.request('POST', '/api/v1/dead-letters/replay', { body });
        expect(res.status).toBe(400);
      }
      const readOnly = await h.request('POST', '/api/v1/dead-letters/discard', {
        body: { limit: 10 },
        token: h.readToken,
      });
      expect(readOnly.status).toBe(403);
      const anonymous = await h.request('POST', '/api/v1/dead-letters/discard', {
        body: { limit: 10 },
        token: null,
      });
      expect(anonymous.status).toBe(401);
      // None of them touched it.
      expect(await deadLetterIds()).toEqual([kept]);
      await purge(QUEUES.dead);
    });
  },
);
