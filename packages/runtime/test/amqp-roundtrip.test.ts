import {
  DEFAULT_TOPOLOGY_OPTIONS,
  QUEUES,
  vendorQueue,
  type Contract,
} from '@smpp-gateway/contracts';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amqpMetrics,
  AmqpConnection,
  consume,
  ContractPublisher,
  ContractValidationError,
  PublishError,
  silentLogger,
  staticTopology,
  topologySetup,
  type Consumer,
  type MessageContext,
} from '../src/index.js';
import { mtRouted, mtSubmitted, waitFor } from './support/messages.js';
import { countSocketWrites } from './support/socket-writes.js';

const topologyOptions = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'quorum' as const };

describe('ContractPublisher → consume round trip (quorum queues, real broker)', () => {
  let env: TestEnv;
  let connection: AmqpConnection;
  let publisher: ContractPublisher;
  const registry = new Registry();
  const metrics = amqpMetrics(registry);

  beforeAll(async () => {
    env = await createTestEnv();
    connection = new AmqpConnection({ url: env.amqp.url, name: 'roundtrip', logger: silentLogger });
    void connection.addSetup('topology', topologySetup(staticTopology(topologyOptions)));
    await connection.start();
    publisher = await ContractPublisher.open(connection, {
      logger: silentLogger,
      metrics,
      appId: 'test',
    });
  });

  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await env.destroy();
  });

  it('publishes 1 000 messages pipelined, all confirmed, each consumed exactly once', async () => {
    const total = 1_000;
    const seen = new Map<string, number>();
    let firstConsumedAt = 0;
    let consumedAt = 0;
    const consumer = await consume(
      connection,
      'MtSubmitted',
      QUEUES.mt(0),
      async (message) => {
        if (seen.size === 0) firstConsumedAt = performance.now();
        seen.set(message.messageId, (seen.get(message.messageId) ?? 0) + 1);
        if (seen.size === total) consumedAt = performance.now();
        return Promise.resolve();
      },
      { logger: silentLogger, metrics },
    );

    const messages = Array.from({ length: total }, (_, i) => mtSubmitted(i));
    const started = performance.now();
    // All in flight at once: one confirm round trip per message would take seconds.
    await Promise.all(messages.map((m) => publisher.publish('MtSubmitted', m)));
    const confirmedAt = performance.now();
    await waitFor(() => seen.size === total, 'all messages consumed');

    // Linger: a duplicate delivery would show up now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.size).toBe(total);
    for (const m of messages) expect(seen.get(m.messageId), m.messageId).toBe(1);
    await waitFor(() => consumer.inFlight === 0, 'acks');
    const queue = await connection.withChannel((ch) => ch.checkQueue(QUEUES.mt(0)));
    expect(queue.messageCount).toBe(0);

    const confirmed = await registry.getSingleMetric('amqp_publish_outcomes_total')?.get();
    const confirmedCount = confirmed?.values.find(
      (v) => v.labels.outcome === 'confirmed' && v.labels.contract === 'MtSubmitted',
    )?.value;
    expect(confirmedCount).toBeGreaterThanOrEqual(total);
    // Every delivery reported its lag from the publisher's x-published-at.
    const lag = await registry.getSingleMetric('amqp_consume_lag_seconds')?.get();
    const lagCount = lag?.values.find(
      (v) =>
        (v as { metricName?: string }).metricName === 'amqp_consume_lag_seconds_count' &&
        v.labels.contract === 'MtSubmitted',
    )?.value;
    expect(lagCount).toBe(total);

    const publishSeconds = (confirmedAt - started) / 1000;
    const consumeSeconds = (consumedAt - firstConsumedAt) / 1000;
    console.log(
      `[runtime] ${total} MtSubmitted, quorum queue: publish+confirm ${Math.round(total / publishSeconds)} msg/s ` +
        `(${(publishSeconds * 1000).toFixed(0)} ms for all confirms); consume+ack ${Math.round(total / consumeSeconds)} msg/s ` +
        `(first to last delivery ${(consumeSeconds * 1000).toFixed(0)} ms, overlapping the publishing)`,
    );
    await consumer.close();
  });

  it('acks every handled message before a closed consumer lets go of its channel (nothing comes back)', async () => {
    // Acks are coalesced per event-loop turn; closing right after the last
    // handler must still put them on the wire first, or the broker would
    // requeue the messages and a new consumer would see them again.
    const total = 300;
    const handled = new Set<string>();
    const first = await consume(
      connection,
      'MtSubmitted',
      QUEUES.mt(1),
      (message) => {
        handled.add(message.messageId);
        return Promise.resolve();
      },
      { logger: silentLogger, prefetch: 500 },
    );
    const messages = Array.from({ length: total }, (_, i) => mtSubmitted(i, 1));
    await publisher.publishBatch('MtSubmitted', messages.slice(0, 100));
    await Promise.all(messages.slice(100).map((m) => publisher.publish('MtSubmitted', m)));
    await waitFor(() => handled.size === total, 'all handled');
    await first.close();
    // Unacked messages return to "ready" when their channel closes.
    const queue = await connection.withChannel((ch) => ch.checkQueue(QUEUES.mt(1)));
    expect(queue.messageCount).toBe(0);
    let redelivered = 0;
    const second = await consume(
      connection,
      'MtSubmitted',
      QUEUES.mt(1),
      () => {
        redelivered += 1;
        return Promise.resolve();
      },
      { logger: silentLogger },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(redelivered).toBe(0);
    await second.close();
  });

  it('writes the frames of one tick to the socket in one write', async () => {
    const counts = countSocketWrites(
      (connection as unknown as { model: { connection: { stream: unknown } } }).model.connection
        .stream,
    );
    try {
      // 50 publishes in one tick: 150 frames (method, header, body each).
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => publisher.publish('MtSubmitted', mtSubmitted(i, 2))),
      );
    } finally {
      counts.restore();
      await connection.withChannel((ch) => ch.purgeQueue(QUEUES.mt(2)));
    }
    // amqplib's muxer hands frames over in a few passes; uncorked this was 50+.
    expect(counts.writes).toBeLessThanOrEqual(5);
  });

  it('delivers a batch publish as individual messages, with their batch position', async () => {
    const received: { message: Contract<'MtSubmitted'>; ctx: MessageContext }[] = [];
    const consumer = await consume(
      connection,
      'MtSubmitted',
      QUEUES.mt(1),
      async (message, ctx) => {
        received.push({ message, ctx });
        return Promise.resolve();
      },
      { logger: silentLogger, metrics },
    );
    const batch = Array.from({ length: 25 }, (_, i) => mtSubmitted(`b${i}`, 1));
    const parsed = await publisher.publishBatch('MtSubmitted', batch);
    expect(parsed).toHaveLength(25);
    await waitFor(() => received.length === 25, 'batch items');
    expect(received.map((r) => r.message.messageId).sort()).toEqual(
      batch.map((m) => m.messageId).sort(),
    );
    expect(received.every((r) => r.ctx.batch?.size === 25)).toBe(true);
    expect(new Set(received.map((r) => r.ctx.batch?.index)).size).toBe(25);
    // Defaults from the schema are applied on the way in.
    expect(received[0]?.message.tlvs).toEqual([]);
    await consumer.close();
  });

  it('rejects a batch that would need two routing keys, before sending anything', async () => {
    await expect(
      publisher.publishBatch('MtSubmitted', [mtSubmitted('a', 0), mtSubmitted('b', 3)]),
    ).rejects.toBeInstanceOf(ContractValidationError);
  });

  it('throws ContractValidationError for an invalid message and sends nothing', async () => {
    const bad = { ...mtSubmitted('x', 2), priority: 9 };
    const error = await publisher.publish('MtSubmitted', bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractValidationError);
    expect((error as ContractValidationError).problems.join()).toMatch(/priority/);
    const queue = await connection.withChannel((ch) => ch.checkQueue(QUEUES.mt(2)));
    expect(queue.messageCount).toBe(0);
  });

  it('rejects a publish no queue is bound for (mandatory + return), and succeeds once the queue exists', async () => {
    const routed = mtRouted('r', 'nobody');
    const error = await publisher.publish('MtRouted', routed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).kind).toBe('returned');
    expect((error as PublishError).message).toMatch(/NO_ROUTE/);

    // The same publisher keeps working, and routes once the vendor queue exists.
    await connection.withChannel((ch) =>
      ch
        .assertQueue(QUEUES.vendor('nobody'), {
          durable: true,
          arguments: { ...vendorQueue('nobody', topologyOptions).arguments },
        })
        .then(() => ch.bindQueue(QUEUES.vendor('nobody'), 'smpp.direct', QUEUES.vendor('nobody'))),
    );
    await expect(publisher.publish('MtRouted', routed)).resolves.toMatchObject({
      vendorId: 'nobody',
    });
  });

  it('reports consumer and publisher readiness, and stops intake on cancel', async () => {
    const consumer: Consumer = await consume(
      connection,
      'MtSubmitted',
      QUEUES.mt(3),
      () => Promise.resolve(),
      {
        logger: silentLogger,
      },
    );
    expect(publisher.isReady).toBe(true);
    expect(() => connection.readiness().check()).not.toThrow();
    expect(consumer.isConsuming).toBe(true);
    await consumer.cancel();
    expect(consumer.isConsuming).toBe(false);
    await publisher.publish('MtSubmitted', mtSubmitted('after-cancel', 3));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queue = await connection.withChannel((ch) => ch.checkQueue(QUEUES.mt(3)));
    expect(queue.messageCount).toBe(1);
    expect(queue.consumerCount).toBe(0);
    await consumer.close();
  });
});
