// RabbitMQ's own cost per message on this machine, apart from the gateway:
// publishes with confirms at a fixed rate into one durable queue, consumes
// and acks them, and reads the broker's CPU (beam.smp, from /proc) over the
// run. Answers "what does one more AMQP message per SMS cost", which on a
// quorum queue depends strongly on the rate: at low rates every message is
// its own Raft/WAL round, at high rates rounds carry many messages
// (docs/performance.md). Prints a table and writes
// bench-results/broker-<timestamp>.json.
//
//   node scripts/bench-broker.mjs [--rates 200,1000,5000] [--batches 1,5,20]
//        [--queue-type quorum] [--duration 6] [--item-bytes 500]
//
// Uses AMQP_URL (default amqp://guest:guest@127.0.0.1:5672); declares one
// uniquely named queue per scenario and deletes it afterwards (also on Ctrl-C).
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listProcesses, processCpuMs, writeBenchResults } from './proc-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// amqplib is a dependency of packages/runtime, not of the workspace root.
const amqp = createRequire(join(root, 'packages/runtime/package.json'))('amqplib');

const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '200,1000,5000' },
    batches: { type: 'string', default: '1,5,20' },
    'queue-type': { type: 'string', default: 'quorum' },
    duration: { type: 'string', default: '6' },
    'item-bytes': { type: 'string', default: '500' },
  },
});
const list = (text) =>
  text.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${v}`);
    return n;
  });
const rates = list(values.rates);
const batches = list(values.batches);
const durationS = Number(values.duration);
const itemBytes = Number(values['item-bytes']);
const queueType = values['queue-type'];
if (!['quorum', 'classic'].includes(queueType)) throw new Error('--queue-type quorum|classic');

const pid = listProcesses().find((p) => p.comm === 'beam.smp')?.pid;
function brokerCpuMs() {
  return pid === undefined ? undefined : processCpuMs(pid);
}

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const connection = await amqp.connect(url, { noDelay: true });
const publishChannel = await connection.createConfirmChannel();
const consumeChannel = await connection.createChannel();
await consumeChannel.prefetch(300);
const declared = new Set();
async function cleanup() {
  for (const queue of declared) await publishChannel.deleteQueue(queue).catch(() => undefined);
  await connection.close().catch(() => undefined);
}
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function scenario(rate, batch) {
  const queue = `bench-broker-${process.pid}-${rate}-${batch}`;
  await publishChannel.assertQueue(queue, {
    durable: true,
    arguments: { 'x-queue-type': queueType },
  });
  declared.add(queue);
  let consumed = 0;
  const { consumerTag } = await consumeChannel.consume(queue, (message) => {
    if (message === null) return;
    consumed += 1;
    consumeChannel.ack(message);
  });
  const item = { messageId: '0'.repeat(36), payload: 'x'.repeat(itemBytes) };
  const body = Buffer.from(JSON.stringify(batch === 1 ? item : Array(batch).fill(item)));
  const messagesPerSecond = rate / batch;
  const cpuBefore = brokerCpuMs();
  const started = Date.now();
  let sent = 0;
  let confirmed = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - started;
      const due = Math.floor((elapsed / 1000) * messagesPerSecond) - sent;
      for (let i = 0; i < due; i += 1) {
        sent += 1;
        publishChannel.publish('', queue, body, { persistent: true }, (err) => {
          if (!err) confirmed += 1;
        });
      }
      if (elapsed >= durationS * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await publishChannel.waitForConfirms();
  while (consumed < sent) await new Promise((resolve) => setTimeout(resolve, 20));
  const cpuMs = cpuBefore === undefined ? undefined : brokerCpuMs() - cpuBefore;
  await consumeChannel.cancel(consumerTag);
  await publishChannel.deleteQueue(queue);
  declared.delete(queue);
  return {
    rate,
    batch,
    amqpMessages: sent,
    confirmed,
    items: sent * batch,
    brokerCpuPercent: cpuMs === undefined ? null : cpuMs / durationS / 10,
    brokerMicrosPerAmqpMessage: cpuMs === undefined ? null : (cpuMs * 1000) / sent,
    brokerMicrosPerItem: cpuMs === undefined ? null : (cpuMs * 1000) / (sent * batch),
  };
}

const results = [];
for (const rate of rates) {
  for (const batch of batches) {
    if (batch > rate) continue;
    const result = await scenario(rate, batch);
    results.push(result);
  }
}
await cleanup();

const fmt = (v, digits = 0) => (v === null ? 'n/a' : v.toFixed(digits));
console.log(
  `\nRabbitMQ cost per message (${queueType} queue, ${itemBytes}-byte items, publisher confirms, ${durationS} s each${pid === undefined ? '; broker CPU not visible: not on this machine' : ''})`,
);
console.log('items/s  batch  AMQP msgs/s  broker CPU %  µs per AMQP msg  µs per item');
for (const r of results) {
  console.log(
    [
      String(r.rate).padStart(7),
      String(r.batch).padStart(6),
      String(Math.round(r.rate / r.batch)).padStart(12),
      fmt(r.brokerCpuPercent, 1).padStart(13),
      fmt(r.brokerMicrosPerAmqpMessage).padStart(16),
      fmt(r.brokerMicrosPerItem).padStart(12),
    ].join(' '),
  );
}
const file = writeBenchResults('broker', {
  node: process.version,
  cpus: cpus().length,
  queueType,
  itemBytes,
  durationS,
  results,
});
console.log(`\nwrote ${file}`);
