// Publish+confirm and consume+ack throughput against the local broker, in a
// throwaway vhost. Not a test: numbers depend on the machine. Run from
// packages/runtime:
//   node --conditions=@smpp-gateway/source --import tsx bench/amqp-throughput.ts [count]
import { DEFAULT_TOPOLOGY_OPTIONS, QUEUES, type QueueType } from '@smpp-gateway/contracts';
import { createTestVhost } from '@smpp-gateway/testkit';
import {
  AmqpConnection,
  consume,
  ContractPublisher,
  silentLogger,
  staticTopology,
  topologySetup,
} from '../src/index.js';
import { mtSubmitted } from '../test/support/messages.js';

const count = Number(process.argv[2] ?? 10_000);

async function run(queueType: QueueType, batchSize: number): Promise<void> {
  const vhost = await createTestVhost();
  const connection = new AmqpConnection({ url: vhost.url, name: 'bench', logger: silentLogger });
  void connection.addSetup(
    'topology',
    topologySetup(staticTopology({ ...DEFAULT_TOPOLOGY_OPTIONS, queueType })),
  );
  await connection.start();
  const publisher = await ContractPublisher.open(connection, { logger: silentLogger });
  const messages = Array.from({ length: count }, (_, i) => mtSubmitted(i));

  const publishStarted = performance.now();
  if (batchSize === 1) {
    await Promise.all(messages.map((m) => publisher.publish('MtSubmitted', m)));
  } else {
    const batches: Promise<unknown>[] = [];
    for (let i = 0; i < messages.length; i += batchSize) {
      batches.push(publisher.publishBatch('MtSubmitted', messages.slice(i, i + batchSize)));
    }
    await Promise.all(batches);
  }
  const publishMs = performance.now() - publishStarted;

  // Consume what is already queued: the drain rate alone.
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const consumeStarted = performance.now();
  const consumer = await consume(
    connection,
    'MtSubmitted',
    QUEUES.mt(0),
    () => {
      received += 1;
      if (received === count) done();
      return Promise.resolve();
    },
    { logger: silentLogger },
  );
  await all;
  const consumeMs = performance.now() - consumeStarted;

  console.log(
    `${queueType.padEnd(7)} batch=${String(batchSize).padEnd(3)} ${count} msgs: ` +
      `publish+confirm ${Math.round((count / publishMs) * 1000)} msg/s, ` +
      `consume+ack ${Math.round((count / consumeMs) * 1000)} msg/s`,
  );
  await consumer.close();
  await publisher.close();
  await connection.close();
  await vhost.drop();
}

for (const queueType of ['quorum', 'classic'] as const) {
  await run(queueType, 1);
  await run(queueType, 50);
}
