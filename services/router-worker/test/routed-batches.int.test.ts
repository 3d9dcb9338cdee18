import {
  DEFAULT_TOPOLOGY_OPTIONS,
  EXCHANGE_SPECS,
  QUEUES,
  staticQueues,
  vendorQueue,
  type ContractInput,
} from '@smpp-gateway/contracts';
import {
  AmqpConnection,
  assertTopology,
  CoalescingPublisher,
  ContractPublisher,
  ContractValidationError,
  PublishError,
  silentLogger,
  topologySetup,
} from '@smpp-gateway/runtime';
import { createTestVhost, type TestVhost } from '@smpp-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mtSubmitted } from './support/harness.js';

const topology = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' as const };
const routed = (vendorId: string): ContractInput<'MtRouted'> => ({
  ...mtSubmitted({ customerId: 'c' }),
  vendorId,
  routeId: 'r',
  pricing: {
    currency: 'USD',
    pricePerSegmentMicros: 2,
    costPerSegmentMicros: 1,
    costCurrency: 'USD',
  },
  routedAt: new Date().toISOString(),
});

// Routed MTs go to their vendor queue through runtime's CoalescingPublisher;
// here against the real broker, with the router's contract and queues.
describe('routed MT batches (real broker)', () => {
  let vhost: TestVhost;
  let amqp: AmqpConnection;
  let publisher: ContractPublisher;

  beforeAll(async () => {
    vhost = await createTestVhost();
    amqp = new AmqpConnection({ url: vhost.url, name: 'batcher', logger: silentLogger });
    void amqp.addSetup(
      'topology',
      topologySetup({ exchanges: EXCHANGE_SPECS, queues: staticQueues(topology) }),
    );
    await amqp.start();
    await amqp.withChannel((ch) =>
      assertTopology(ch, { exchanges: [], queues: [vendorQueue('vb', topology)] }),
    );
    publisher = await ContractPublisher.open(amqp, { logger: silentLogger });
  });

  afterAll(async () => {
    await publisher.close();
    await amqp.close();
    await vhost.drop();
  });

  it('coalesces publishes of one turn into batch messages of at most maxBatch, every item confirmed', async () => {
    const batcher = new CoalescingPublisher(publisher, 'MtRouted', { maxBatch: 40, window: 1 });
    const messages = Array.from({ length: 100 }, () => routed('vb'));
    await Promise.all(messages.map((m) => batcher.publish(m, QUEUES.vendor('vb'))));
    const got = await amqp.withChannel(async (ch) => {
      const bodies: unknown[][] = [];
      for (;;) {
        const msg = await ch.get(QUEUES.vendor('vb'), { noAck: true });
        if (!msg) return bodies;
        bodies.push(JSON.parse(msg.content.toString()) as unknown[]);
      }
    });
    expect(got.map((b) => b.length)).toEqual([40, 40, 20]);
    expect(got.flat().map((m) => (m as { messageId: string }).messageId)).toEqual(
      messages.map((m) => m.messageId),
    );
  });

  it('rejects an invalid message alone, and a batch nobody can receive as a whole', async () => {
    const batcher = new CoalescingPublisher(publisher, 'MtRouted', { maxBatch: 40, window: 1 });
    const bad = { ...routed('vb'), segments: 0 };
    const results = await Promise.allSettled([
      batcher.publish(bad, QUEUES.vendor('vb')),
      batcher.publish(routed('vb'), QUEUES.vendor('vb')),
    ]);
    expect(results[0]).toMatchObject({
      status: 'rejected',
      reason: expect.any(ContractValidationError),
    });
    expect(results[1]).toMatchObject({ status: 'fulfilled' });

    const lost = await Promise.allSettled(
      [routed('nobody'), routed('nobody')].map((m) => batcher.publish(m, QUEUES.vendor('nobody'))),
    );
    for (const r of lost)
      expect(r).toMatchObject({ status: 'rejected', reason: expect.any(PublishError) });
  });
});
