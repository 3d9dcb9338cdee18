import { DEFAULT_TOPOLOGY_OPTIONS, QUEUES } from '@smpp-gateway/contracts';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import type { GetMessage } from 'amqplib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  amqpMetrics,
  AmqpConnection,
  consume,
  ContractPublisher,
  HEADERS,
  RetryableError,
  silentLogger,
  staticTopology,
  topologySetup,
  type Consumer,
} from '../src/index.js';
import { mtSubmitted, waitFor } from './support/messages.js';

// Classic queues here: no broker-side delivery limit, so "not redelivered
// forever" is entirely the consumer's doing.
const topologyOptions = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' as const };
const QUEUE = QUEUES.mt(0);

describe('poison messages go to dead.letters once, with their reason', () => {
  let env: TestEnv;
  let connection: AmqpConnection;
  let publisher: ContractPublisher;
  let consumer: Consumer;
  let registry: Registry;
  let handled: string[];
  let failOnce: Set<string>;

  async function counter(name: string, outcome?: string): Promise<number> {
    const metric = await registry.getSingleMetric(name)?.get();
    return (metric?.values ?? [])
      .filter((v) => outcome === undefined || v.labels.outcome === outcome)
      .reduce((sum, v) => sum + v.value, 0);
  }

  async function publishRaw(body: Buffer, headers: Record<string, unknown>): Promise<void> {
    await connection.withChannel(async (ch) => {
      ch.publish('smpp.direct', QUEUE, body, { headers, persistent: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
  }

  async function drainDeadLetters(): Promise<GetMessage[]> {
    return connection.withChannel(async (ch) => {
      const out: GetMessage[] = [];
      for (;;) {
        const m = await ch.get(QUEUES.dead, { noAck: true });
        if (m === false) return out;
        out.push(m);
      }
    });
  }

  /** Waits for the first delivery to be fully processed, then lingers so a redelivery would be seen. */
  async function settleAfterDelivery(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while ((await counter('amqp_consumed_messages_total')) === 0 || consumer.inFlight > 0) {
      if (Date.now() > deadline) throw new Error('no delivery');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  async function queueIsEmpty(): Promise<void> {
    await waitFor(() => consumer.inFlight === 0, 'in-flight deliveries to settle');
    const q = await connection.withChannel((ch) => ch.checkQueue(QUEUE));
    expect(q.messageCount).toBe(0);
  }

  beforeAll(async () => {
    env = await createTestEnv();
    connection = new AmqpConnection({
      url: env.amqp.url,
      name: 'dead-letter',
      logger: silentLogger,
    });
    void connection.addSetup('topology', topologySetup(staticTopology(topologyOptions)));
    await connection.start();
    publisher = await ContractPublisher.open(connection, { logger: silentLogger });
  });

  beforeEach(async () => {
    await consumer?.close();
    registry = new Registry();
    handled = [];
    failOnce = new Set();
    consumer = await consume(
      connection,
      'MtSubmitted',
      QUEUE,
      async (message) => {
        handled.push(message.messageId);
        const text = Buffer.from(message.shortMessage, 'base64').toString();
        if (text.includes('poison')) throw new Error('cannot route this');
        if (text.includes('flaky') && !failOnce.has(message.messageId)) {
          failOnce.add(message.messageId);
          throw new RetryableError('database briefly down');
        }
        return Promise.resolve();
      },
      { logger: silentLogger, metrics: amqpMetrics(registry), retryDelayMs: 50 },
    );
    await drainDeadLetters();
  });

  afterAll(async () => {
    await consumer.close();
    await publisher.close();
    await connection.close();
    await env.destroy();
  });

  it('dead-letters a body that breaks the schema, without calling the handler or redelivering', async () => {
    const bad = { ...mtSubmitted('x'), priority: 'high' };
    await publishRaw(Buffer.from(JSON.stringify(bad)), { [HEADERS.contract]: 'MtSubmitted' });
    await settleAfterDelivery();
    const dead = await drainDeadLetters();

    expect(dead).toHaveLength(1);
    const headers = dead[0]!.properties.headers!;
    expect(headers[HEADERS.deadReason]).toMatch(/schema validation failed: priority/);
    expect(headers[HEADERS.contract]).toBe('MtSubmitted');
    expect(headers[HEADERS.originalExchange]).toBe('smpp.direct');
    expect(headers[HEADERS.originalRoutingKey]).toBe(QUEUE);
    expect(headers[HEADERS.originalQueue]).toBe(QUEUE);
    expect(JSON.parse(dead[0]!.content.toString())).toEqual(bad);
    expect(handled).toEqual([]);
    // Seen once, dead-lettered once, nothing left to loop on.
    expect(await counter('amqp_consumed_messages_total')).toBe(1);
    expect(await counter('amqp_consume_outcomes_total', 'dead_lettered')).toBe(1);
    await queueIsEmpty();
  });

  it('dead-letters a body that is not JSON', async () => {
    await publishRaw(Buffer.from('{"v":1, this is not json'), {});
    await settleAfterDelivery();
    const dead = await drainDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.properties.headers![HEADERS.deadReason]).toMatch(/not valid JSON/);
    expect(dead[0]!.content.toString()).toBe('{"v":1, this is not json');
    expect(await counter('amqp_consumed_messages_total')).toBe(1);
    await queueIsEmpty();
  });

  it('dead-letters a message carrying another contract name', async () => {
    await publishRaw(Buffer.from(JSON.stringify(mtSubmitted('y'))), {
      [HEADERS.contract]: 'VendorReceipt',
    });
    await settleAfterDelivery();
    const dead = await drainDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.properties.headers![HEADERS.deadReason]).toMatch(
      /'VendorReceipt' does not match/,
    );
    expect(handled).toEqual([]);
  });

  it('dead-letters when the handler throws a non-retryable error, handled exactly once', async () => {
    const poison = await publisher.publish('MtSubmitted', mtSubmitted('poison'));
    await waitFor(() => handled.length === 1, 'handler call');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled).toEqual([poison.messageId]);
    const dead = await drainDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.properties.headers![HEADERS.deadReason]).toBe(
      'handler failed: cannot route this',
    );
    expect(dead[0]!.properties.messageId).toBe(poison.messageId);
    await queueIsEmpty();
  });

  it('requeues after a RetryableError and acks when the retry succeeds', async () => {
    const flaky = await publisher.publish('MtSubmitted', mtSubmitted('flaky'));
    await waitFor(() => handled.length === 2, 'second attempt');
    expect(handled).toEqual([flaky.messageId, flaky.messageId]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(handled).toHaveLength(2);
    expect(await drainDeadLetters()).toHaveLength(0);
    expect(await counter('amqp_consume_outcomes_total', 'retried')).toBe(1);
    expect(await counter('amqp_consume_outcomes_total', 'acked')).toBe(1);
    await queueIsEmpty();
  });

  it('in a batch, dead-letters only the bad items, handles the good ones, retries only the flaky one', async () => {
    const good = [mtSubmitted('g1'), mtSubmitted('g2'), mtSubmitted('g3')];
    const poison = mtSubmitted('poison');
    const flaky = mtSubmitted('flaky');
    const invalid = { ...mtSubmitted('bad'), segments: 0 };
    const body = [good[0], invalid, good[1], poison, flaky, good[2]];
    await publishRaw(Buffer.from(JSON.stringify(body)), {
      [HEADERS.contract]: 'MtSubmitted',
      [HEADERS.batch]: body.length,
    });

    // good ×3, poison ×1, flaky ×2 (the retry comes back as its own message).
    await waitFor(() => handled.length === 6, 'batch handled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(handled).toHaveLength(6);
    for (const g of good) expect(handled.filter((id) => id === g.messageId)).toHaveLength(1);
    expect(handled.filter((id) => id === poison.messageId)).toHaveLength(1);
    expect(handled.filter((id) => id === flaky.messageId)).toHaveLength(2);
    expect(handled).not.toContain(invalid.messageId);

    const dead = await drainDeadLetters();
    expect(dead).toHaveLength(2);
    const byIndex = new Map(
      dead.map((d) => [d.properties.headers![HEADERS.batchIndex] as number, d]),
    );
    expect(byIndex.get(1)!.properties.headers![HEADERS.deadReason]).toMatch(/segments/);
    expect(JSON.parse(byIndex.get(1)!.content.toString())).toEqual(invalid);
    expect(byIndex.get(3)!.properties.headers![HEADERS.deadReason]).toBe(
      'handler failed: cannot route this',
    );
    expect(byIndex.get(1)!.properties.headers![HEADERS.batch]).toBeUndefined();
    await queueIsEmpty();
  });
});
