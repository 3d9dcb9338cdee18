import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  controlQueue,
  DEFAULT_TOPOLOGY_OPTIONS,
  deliveryQueue,
  EXCHANGE_SPECS,
  QUEUES,
  staticQueues,
  vendorQueue,
  type QueueType,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import {
  createTestEnv,
  createTestVhost,
  testServers,
  type TestEnv,
  type TestVhost,
} from '@smpp-gateway/testkit';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AmqpConnection,
  assertTopology,
  queueCounts,
  readyCount,
  silentLogger,
  staticTopology,
  topologySetup,
  type TopologySpec,
} from '../src/index.js';

const execFileAsync = promisify(execFile);

async function queueTypes(vhost: string): Promise<Map<string, string>> {
  const { stdout } = await execFileAsync(testServers.rabbitmqctl, [
    '-q',
    'list_queues',
    '-p',
    vhost,
    'name',
    'type',
    '--no-table-headers',
  ]);
  const types = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [name, type] = line.trim().split(/\s+/);
    if (name && type) types.set(name, type);
  }
  return types;
}

function fullTopology(options: TopologyOptions): TopologySpec {
  return {
    exchanges: EXCHANGE_SPECS,
    queues: [
      ...staticQueues(options),
      vendorQueue('sinch-chi', options),
      deliveryQueue('cust-1', options),
      controlQueue('router-worker', 'pod-1'),
    ],
  };
}

describe.each<QueueType>(['quorum', 'classic'])('topology with %s queues', (queueType) => {
  let env: TestEnv | undefined;
  let vhost: TestVhost;
  let connection: AmqpConnection;
  const options: TopologyOptions = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType };

  beforeAll(async () => {
    // One full test env per file; the second queue type needs a vhost of its own.
    if (queueType === 'quorum') {
      env = await createTestEnv();
      vhost = env.amqp;
    } else {
      vhost = await createTestVhost();
    }
    connection = new AmqpConnection({
      url: vhost.url,
      name: `topology-${queueType}`,
      logger: silentLogger,
    });
    void connection.addSetup('topology', topologySetup(fullTopology(options)));
    await connection.start();
  });

  afterAll(async () => {
    await connection.close();
    if (env) await env.destroy();
    else await vhost.drop();
  });

  it('asserts every exchange, queue and binding, and again without error (idempotent)', async () => {
    const spec = fullTopology(options);
    await connection.withChannel((ch) => assertTopology(ch, spec));
    await connection.withChannel((ch) => assertTopology(ch, spec));

    const types = await queueTypes(vhost.vhost);
    for (const queue of spec.queues) {
      const expected = queue.name.startsWith('control.') ? 'classic' : queueType;
      expect(types.get(queue.name), queue.name).toBe(expected);
    }
    await connection.withChannel(async (ch) => {
      for (const exchange of EXCHANGE_SPECS) await ch.checkExchange(exchange.name);
      // A message routed by the direct exchange lands in the bound queue.
      ch.publish('smpp.direct', QUEUES.mt(2), Buffer.from('{}'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const q = await ch.checkQueue(QUEUES.mt(2));
      expect(q.messageCount).toBe(1);
      await ch.purgeQueue(QUEUES.mt(2));
    });
  });

  it('refuses to redeclare a queue with a different type (a deployment error surfaces)', async () => {
    const other: QueueType = queueType === 'quorum' ? 'classic' : 'quorum';
    const mismatched = staticTopology({ ...options, queueType: other });
    await expect(connection.withChannel((ch) => assertTopology(ch, mismatched))).rejects.toThrow(
      /PRECONDITION_FAILED|inequivalent/,
    );
    // The failed assertion closed only its own channel; the connection is fine.
    expect(connection.isConnected).toBe(true);
  });

  it('counts ready messages and consumers by a passive check; a missing queue is undefined', async () => {
    const queue = QUEUES.delivery('cust-1');
    expect(await queueCounts(connection, queue)).toEqual({ ready: 0, consumers: 0 });
    await connection.withConfirmChannel(async (ch) => {
      for (let i = 0; i < 3; i++) ch.sendToQueue(queue, Buffer.from('{}'));
      await ch.waitForConfirms();
    });
    expect(await readyCount(connection, queue)).toBe(3);
    // A consumer elsewhere (as an edge pod is) that holds one message unacked:
    // no longer ready, so not counted.
    const other = await amqp.connect(vhost.url);
    try {
      const ch = await other.createChannel();
      await ch.prefetch(1);
      await ch.consume(queue, () => undefined, { noAck: false });
      const expected = { ready: 2, consumers: 1 };
      const deadline = Date.now() + 5_000;
      let counts = await queueCounts(connection, queue);
      while (JSON.stringify(counts) !== JSON.stringify(expected) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        counts = await queueCounts(connection, queue);
      }
      expect(counts).toEqual(expected);
    } finally {
      await other.close();
    }

    expect(await queueCounts(connection, 'deliver.never-declared')).toBeUndefined();
    expect(await readyCount(connection, 'deliver.never-declared')).toBeUndefined();
    // The failed checks closed only their own channels.
    expect(connection.isConnected).toBe(true);
    await connection.withChannel((ch) => ch.purgeQueue(queue));
  });
});
