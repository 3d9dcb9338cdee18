import { DEFAULT_TOPOLOGY_OPTIONS, QUEUES } from '@smpp-gateway/contracts';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AmqpConnection,
  ContractPublisher,
  PublishError,
  silentLogger,
  staticTopology,
  topologySetup,
} from '../src/index.js';
import { mtSubmitted } from './support/messages.js';

// A long deferral delay so the message is still in the holding queue when read.
const topologyOptions = {
  ...DEFAULT_TOPOLOGY_OPTIONS,
  queueType: 'classic' as const,
  deferDelayMs: 60_000,
};

describe('publish with a routing key override', () => {
  let env: TestEnv;
  let connection: AmqpConnection;
  let publisher: ContractPublisher;

  beforeAll(async () => {
    env = await createTestEnv();
    connection = new AmqpConnection({
      url: env.amqp.url,
      name: 'routing-key',
      logger: silentLogger,
    });
    void connection.addSetup('topology', topologySetup(staticTopology(topologyOptions)));
    await connection.start();
    publisher = await ContractPublisher.open(connection, { logger: silentLogger });
  });

  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await env.destroy();
  });

  it('sends the contract to the overriding queue on the catalog exchange, not to the catalog queue', async () => {
    const message = mtSubmitted('deferred', 2);
    await publisher.publish('MtSubmitted', message, { routingKey: QUEUES.mtDeferred(2) });

    const [deferred, live] = await connection.withChannel(async (ch) => {
      const got = await ch.get(QUEUES.mtDeferred(2), { noAck: true });
      const liveCount = (await ch.checkQueue(QUEUES.mt(2))).messageCount;
      return [got, liveCount] as const;
    });
    expect(deferred).not.toBe(false);
    if (deferred === false) return;
    expect(deferred.fields.exchange).toBe('smpp.direct');
    expect(deferred.properties.headers?.['x-contract']).toBe('MtSubmitted');
    expect(JSON.parse(deferred.content.toString())).toMatchObject({ messageId: message.messageId });
    expect(live).toBe(0);
  });

  it('is still mandatory: an override no queue is bound to is rejected as returned', async () => {
    const error = await publisher
      .publish('MtSubmitted', mtSubmitted('lost'), { routingKey: 'mt.nowhere' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as PublishError).kind).toBe('returned');
  });
});
