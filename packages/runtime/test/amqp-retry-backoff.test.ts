import { DEFAULT_TOPOLOGY_OPTIONS, QUEUES } from '@smpp-gateway/contracts';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AmqpConnection,
  consume,
  ContractPublisher,
  HEADERS,
  RetryableError,
  silentLogger,
  staticTopology,
  topologySetup,
  type Consumer,
  type MessageContext,
} from '../src/index.js';
import { mtSubmitted, waitFor } from './support/messages.js';

// Quorum queues, as in production: every requeue counts towards the queue's
// x-delivery-limit, which is what the backoff has to stretch over an outage.
const DELIVERY_LIMIT = 5;
const topologyOptions = {
  ...DEFAULT_TOPOLOGY_OPTIONS,
  queueType: 'quorum' as const,
  deliveryLimit: DELIVERY_LIMIT,
};
const QUEUE = QUEUES.mt(0);

interface Attempt {
  readonly at: number;
  readonly deliveryCount: unknown;
}

describe('retries back off on a quorum queue', () => {
  let env: TestEnv;
  let connection: AmqpConnection;
  let publisher: ContractPublisher;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    env = await createTestEnv();
    connection = new AmqpConnection({ url: env.amqp.url, name: 'retry', logger: silentLogger });
    void connection.addSetup('topology', topologySetup(staticTopology(topologyOptions)));
    await connection.start();
    publisher = await ContractPublisher.open(connection, { logger: silentLogger });
  });

  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await connection.withChannel(async (ch) => {
      await ch.purgeQueue(QUEUE);
      await ch.purgeQueue(QUEUES.dead);
    });
  });

  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await env.destroy();
  });

  function recordingConsumer(
    attempts: Attempt[],
    failures: number,
    retry: { retryDelayMs: number; retryMaxDelayMs: number },
  ): Promise<Consumer> {
    return consume(
      connection,
      'MtSubmitted',
      QUEUE,
      (_message, ctx: MessageContext) => {
        attempts.push({ at: performance.now(), deliveryCount: ctx.headers[HEADERS.deliveryCount] });
        if (attempts.length <= failures) throw new RetryableError('database failing over');
        return Promise.resolve();
      },
      { logger: silentLogger, prefetch: 10, ...retry },
    );
  }

  async function queueDepth(queue: string): Promise<number> {
    return (await connection.withChannel((ch) => ch.checkQueue(queue))).messageCount;
  }

  it('doubles the pause after each failed attempt up to the cap, then succeeds', async () => {
    const attempts: Attempt[] = [];
    consumer = await recordingConsumer(attempts, 4, { retryDelayMs: 20, retryMaxDelayMs: 100 });
    await publisher.publish('MtSubmitted', mtSubmitted('flaky'));
    await waitFor(() => attempts.length === 5 && consumer?.inFlight === 0, 'the fifth attempt');

    // The broker counts the returns; the consumer reads its pause from that.
    expect(attempts.map((a) => a.deliveryCount)).toEqual([undefined, 1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
    // Lower bounds only (a timer never fires early; a busy machine makes
    // gaps longer): 20, 40, 80, 100 ms, each −20 % jitter, −2 ms clock slack.
    // A fixed pause would leave the last two near 20 ms.
    [20, 40, 80, 100].forEach((pause, i) =>
      expect(gaps[i]).toBeGreaterThanOrEqual(pause * 0.8 - 2),
    );
    expect(await queueDepth(QUEUE)).toBe(0);
    expect(await queueDepth(QUEUES.dead)).toBe(0);
  });

  it('past the delivery limit the broker dead-letters the message, it is not dropped', async () => {
    const attempts: Attempt[] = [];
    consumer = await recordingConsumer(attempts, Number.POSITIVE_INFINITY, {
      retryDelayMs: 5,
      retryMaxDelayMs: 20,
    });
    await publisher.publish('MtSubmitted', mtSubmitted('never'));
    await waitFor(async () => (await queueDepth(QUEUES.dead)) === 1, 'the dead letter');
    // The first delivery and one per allowed return.
    expect(attempts).toHaveLength(DELIVERY_LIMIT + 1);
    expect(await queueDepth(QUEUE)).toBe(0);
  });

  it('cancelling the consumer ends a pause at once and hands the message back to the queue', async () => {
    const attempts: Attempt[] = [];
    consumer = await recordingConsumer(attempts, Number.POSITIVE_INFINITY, {
      retryDelayMs: 600_000,
      retryMaxDelayMs: 600_000,
    });
    await publisher.publish('MtSubmitted', mtSubmitted('paused'));
    await waitFor(() => attempts.length === 1, 'the first attempt');
    expect(consumer.inFlight).toBe(1);
    // Without the wake-up close() would wait out the ten-minute pause (the
    // test's timeout fails first).
    await consumer.close();
    consumer = undefined;
    await waitFor(async () => (await queueDepth(QUEUE)) === 1, 'the message back in its queue');
    expect(attempts).toHaveLength(1);
  });
});
