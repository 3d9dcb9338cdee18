// Receipt throughput, CDR rows/s and receipt → customer-delivery latency of
// the tracker alone, against the local PostgreSQL/Redis/RabbitMQ (isolated
// database, prefix and vhost, removed afterwards).
//
//   node --conditions=@smpp-gateway/source --import tsx bench/receipt-throughput.ts [messages] [paced-rate]
//
// Phase 1 (burst): N submit results, then N DELIVRD receipts published as
// fast as the broker takes them (batches of 100, like a busy vendor-connector);
// reports events/s, receipts/s until every customer receipt arrived, and CDR
// rows/s until every row holds DELIVRD. Phase 2 (paced): receipts at a fixed
// rate; reports p50/p95/p99 of receipt published → customer delivery received
// by a consumer (an upper bound of the tracker's own latency).
import { randomUUID } from 'node:crypto';
import { deliveryQueue, type ContractInput } from '@smpp-gateway/contracts';
import { createDatabase, migrateToLatest } from '@smpp-gateway/db';
import { MessageStateStore } from '@smpp-gateway/message-state';
import {
  AmqpConnection,
  assertTopology,
  ContractPublisher,
  silentLogger,
  topologyOptionsFrom,
} from '@smpp-gateway/runtime';
import { messageIdCandidates } from '@smpp-gateway/smpp';
import { createTestEnv } from '@smpp-gateway/testkit';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { startDlrTracker } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const total = Number(process.argv[2] ?? 20_000);
const pacedRate = Number(process.argv[3] ?? 1_000);
const pacedSeconds = 5;
const VENDOR_ID = '0196b6f0-0000-7000-8000-00000000a001';
const customerId = randomUUID();

const env = await createTestEnv();
const config = loadConfig({
  DATABASE_URL: env.db.url,
  REDIS_URL: env.redis.url,
  REDIS_KEY_PREFIX: env.redis.keyPrefix,
  AMQP_URL: env.amqp.url,
  AMQP_QUEUE_TYPE: process.env.AMQP_QUEUE_TYPE ?? 'classic',
  METRICS_PORT: '0',
  LOG_LEVEL: 'error',
});
const db = createDatabase(env.db.url);
await migrateToLatest(db);
const tracker = await startDlrTracker(config);
const redis = new Redis(env.redis.url, { keyPrefix: env.redis.keyPrefix, db: 0 });
const state = new MessageStateStore({ redis });
const amqp = new AmqpConnection({ url: env.amqp.url, name: 'bench', logger: silentLogger });
await amqp.start();
const publisher = await ContractPublisher.open(amqp, { logger: silentLogger });
const connection = await amqplib.connect(env.amqp.url);
const channel = await connection.createChannel();
await assertTopology(channel, {
  exchanges: [],
  queues: [deliveryQueue(customerId, topologyOptionsFrom(config))],
});

const receivedAt = new Map<string, number>();
const latencies: number[] = [];
const publishedAt = new Map<string, number>();
await channel.prefetch(1000);
await channel.consume(`deliver.${customerId}`, (msg) => {
  if (!msg) return;
  type Delivery = { delivery: { receiptedMessageId: string } };
  // Receipts of one customer settled in the same turn arrive as one batch (a JSON array).
  const body = JSON.parse(msg.content.toString('utf8')) as Delivery | Delivery[];
  const now = performance.now();
  for (const item of Array.isArray(body) ? body : [body]) {
    const id = item.delivery.receiptedMessageId;
    receivedAt.set(id, now);
    const sent = publishedAt.get(id);
    if (sent !== undefined) latencies.push(now - sent);
  }
  channel.ack(msg);
});

function result(index: number): ContractInput<'MtSubmitResult'> {
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    outcome: 'submitted',
    customerId,
    systemId: 'bench',
    source: { addr: '15550001000', ton: 1, npi: 1 },
    destination: { addr: `1512555${String(index % 10_000).padStart(4, '0')}`, ton: 1, npi: 1 },
    registeredDelivery: 1,
    dataCoding: 0,
    textPreview: 'bench message text',
    segments: 1,
    acceptedAt: now,
    vendorId: VENDOR_ID,
    pricing: {
      currency: 'USD',
      pricePerSegmentMicros: 7000,
      costPerSegmentMicros: 4000,
      costCurrency: 'USD',
    },
    vendorMessageId: `B${index.toString(16)}x`,
    submittedAt: now,
  };
}

function receipt(r: ContractInput<'MtSubmitResult'>): ContractInput<'VendorReceipt'> {
  const now = new Date().toISOString();
  const vendorMessageId = r.vendorMessageId as string;
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    vendorId: VENDOR_ID,
    vendorMessageId,
    vendorMessageKey: messageIdCandidates(vendorMessageId)[0] as string,
    stat: 'DELIVRD',
    err: '000',
    doneDate: now,
    receivedAt: now,
  };
}

async function prepare(count: number, offset: number) {
  const results = Array.from({ length: count }, (_, i) => result(offset + i));
  // The vendor-connector's mappings, as it stores them before publishing.
  for (let i = 0; i < results.length; i += 500) {
    await Promise.all(
      results.slice(i, i + 500).map((r) => {
        const [exact, ...candidates] = messageIdCandidates(r.vendorMessageId as string);
        return state.mapVendorId(VENDOR_ID, { exact: exact as string, candidates }, r.messageId);
      }),
    );
  }
  return results;
}

async function publishInBatches<N extends 'MtSubmitResult' | 'VendorReceipt'>(
  name: N,
  items: ContractInput<N>[],
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < items.length; i += 100)
    pending.push(publisher.publishBatch(name, items.slice(i, i + 100)));
  await Promise.all(pending);
}

async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('bench timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function countCdrs(where: 'submitted' | 'delivered'): Promise<number> {
  const row = await sql<{ n: string }>`SELECT count(*) AS n FROM messaging.cdrs WHERE ${
    where === 'delivered' ? sql`delivery_status = 'DELIVRD'` : sql`submit_status = 'submitted'`
  }`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

// ---- phase 1: burst ---------------------------------------------------------
const burst = await prepare(total, 0);
let t0 = performance.now();
await publishInBatches('MtSubmitResult', burst);
await waitFor(async () => (await countCdrs('submitted')) >= total);
const eventsSeconds = (performance.now() - t0) / 1000;

const receipts = burst.map(receipt);
t0 = performance.now();
await publishInBatches('VendorReceipt', receipts);
const publishSeconds = (performance.now() - t0) / 1000;
await waitFor(() => receivedAt.size >= total);
const receiptsSeconds = (performance.now() - t0) / 1000;
await waitFor(async () => (await countCdrs('delivered')) >= total);
const cdrSeconds = (performance.now() - t0) / 1000;

// ---- phase 2: paced latency ---------------------------------------------------
const pacedCount = pacedRate * pacedSeconds;
const paced = await prepare(pacedCount, total);
await publishInBatches('MtSubmitResult', paced);
await waitFor(async () => (await countCdrs('submitted')) >= total + pacedCount);
latencies.length = 0;
const tick = 10; // ms
const perTick = Math.max(1, Math.round((pacedRate * tick) / 1000));
const started = performance.now();
for (let i = 0; i < paced.length; i += perTick) {
  const due = started + (i / perTick) * tick;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  for (const r of paced.slice(i, i + perTick)) {
    publishedAt.set(r.messageId, performance.now());
    void publisher.publish('VendorReceipt', receipt(r));
  }
}
await waitFor(() => receivedAt.size >= total + pacedCount);
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;

const text = await tracker.registry.metrics();
const pick = (name: string) =>
  text.split('\n').find((l) => l.startsWith(name)) ?? `${name} (absent)`;
console.log(
  JSON.stringify(
    {
      messages: total,
      queueType: config.AMQP_QUEUE_TYPE,
      submitResultsPerSecond: Math.round(total / eventsSeconds),
      receiptsPublishSeconds: Number(publishSeconds.toFixed(2)),
      receiptsPerSecond: Math.round(total / receiptsSeconds),
      cdrRowsPerSecondDuringReceipts: Math.round(total / cdrSeconds),
      pacedRate,
      pacedLatencyMs: { p50: pct(50).toFixed(1), p95: pct(95).toFixed(1), p99: pct(99).toFixed(1) },
      cdrBatchSizeSum: pick('dlr_cdr_batch_size_sum'),
      cdrBatchSizeCount: pick('dlr_cdr_batch_size_count'),
      cdrFlushSecondsSum: pick('dlr_cdr_flush_seconds_sum'),
      customerReceiptSecondsSum: pick('dlr_customer_receipt_seconds_sum'),
      customerReceiptSecondsCount: pick('dlr_customer_receipt_seconds_count'),
    },
    null,
    2,
  ),
);

await tracker.stop();
await publisher.close();
await amqp.close();
await connection.close();
redis.disconnect();
await db.destroy();
await env.destroy();
