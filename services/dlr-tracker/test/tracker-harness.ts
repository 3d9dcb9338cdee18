// Shared set-up for the integration tests: a tracker started in-process
// against the test's own database, Redis prefix and vhost, plus the pieces of
// the other services it talks to (a publisher for events and receipts, the
// vendor-connector's mapping writes, a customer's delivery queue).
import { randomUUID } from 'node:crypto';
import {
  deliveryQueue,
  type ContractInput,
  type CustomerDelivery,
  type MtSubmitResult,
  type VendorReceipt,
} from '@smpp-gateway/contracts';
import { createDatabase, migrateToLatest, type Database } from '@smpp-gateway/db';
import { MessageAggregateStore, MessageStateStore } from '@smpp-gateway/message-state';
import {
  AmqpConnection,
  assertTopology,
  ContractPublisher,
  silentLogger,
  topologyOptionsFrom,
} from '@smpp-gateway/runtime';
import { messageIdCandidates } from '@smpp-gateway/smpp';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { startDlrTracker, type DlrTracker } from '../src/app.js';
import { loadConfig, type DlrTrackerConfig } from '../src/config.js';

export interface Harness {
  readonly env: TestEnv;
  readonly config: DlrTrackerConfig;
  readonly tracker: DlrTracker;
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  readonly state: MessageStateStore;
  readonly aggregates: MessageAggregateStore;
  readonly publisher: ContractPublisher;
  /** Starts collecting `deliver.{customerId}`. */
  deliveriesOf(customerId: string): Promise<CustomerDelivery[]>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const testEnv = await createTestEnv();
  const config = loadConfig({
    DATABASE_URL: testEnv.db.url,
    REDIS_URL: testEnv.redis.url,
    REDIS_KEY_PREFIX: testEnv.redis.keyPrefix,
    AMQP_URL: testEnv.amqp.url,
    AMQP_QUEUE_TYPE: 'classic',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    LOG_LEVEL: 'fatal',
    CDR_FLUSH_INTERVAL_MS: '20',
    RECEIPT_HOLD_MS: '200',
    RECEIPT_RETRY_DELAY_MS: '300',
    RECEIPT_MAX_AGE_MS: '1500',
    ...env,
  });
  const db = createDatabase(testEnv.db.url);
  await migrateToLatest(db);
  const tracker = await startDlrTracker(config);
  const redis = new Redis(testEnv.redis.url, { keyPrefix: testEnv.redis.keyPrefix, db: 0 });
  const amqp = new AmqpConnection({
    url: testEnv.amqp.url,
    name: 'test-peer',
    logger: silentLogger,
  });
  await amqp.start();
  const publisher = await ContractPublisher.open(amqp, { logger: silentLogger });
  const connection = await amqplib.connect(testEnv.amqp.url);
  const channel = await connection.createChannel();

  return {
    env: testEnv,
    config,
    tracker,
    db,
    redis,
    state: new MessageStateStore({ redis }),
    aggregates: new MessageAggregateStore({ redis }),
    publisher,
    deliveriesOf: async (customerId) => {
      const received: CustomerDelivery[] = [];
      await assertTopology(channel, {
        exchanges: [],
        queues: [deliveryQueue(customerId, topologyOptionsFrom(config))],
      });
      await channel.consume(
        `deliver.${customerId}`,
        (msg) => {
          if (!msg) return;
          // Receipts settled in the same turn travel as one batch (header x-batch, a JSON array).
          const body = JSON.parse(msg.content.toString('utf8')) as
            CustomerDelivery | CustomerDelivery[];
          received.push(...(Array.isArray(body) ? body : [body]));
        },
        { noAck: true },
      );
      return received;
    },
    close: async () => {
      await tracker.stop();
      await publisher.close();
      await amqp.close();
      await connection.close();
      redis.disconnect();
      await db.destroy();
      await testEnv.destroy();
    },
  };
}

export const VENDOR_ID = '0196b6f0-0000-7000-8000-00000000a001';
export const ROUTE_ID = '0196b6f0-0000-7000-8000-00000000b001';

export function newCustomerId(): string {
  return randomUUID();
}

/** A submit result as vendor-connector publishes it, for one part. */
export function submitResult(
  customerId: string,
  overrides: Partial<ContractInput<'MtSubmitResult'>> = {},
): ContractInput<'MtSubmitResult'> {
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    outcome: 'submitted',
    customerId,
    systemId: 'acme',
    source: { addr: '15550001000', ton: 1, npi: 1 },
    destination: { addr: '15125550100', ton: 1, npi: 1 },
    registeredDelivery: 1,
    dataCoding: 0,
    textPreview: 'Your code is 123456',
    segments: 1,
    acceptedAt: now,
    vendorId: VENDOR_ID,
    routeId: ROUTE_ID,
    pricing: {
      currency: 'USD',
      pricePerSegmentMicros: 7_000,
      costPerSegmentMicros: 4_000,
      costCurrency: 'USD',
    },
    vendorMessageId: `V${Math.floor(Math.random() * 1e12)}`,
    submittedAt: now,
    ...overrides,
  };
}

/** What vendor-connector stores right after submit_sm_resp, before publishing the result. */
export async function mapVendorId(
  h: Harness,
  result: ContractInput<'MtSubmitResult'>,
): Promise<void> {
  const vendorMessageId = result.vendorMessageId as string;
  const [exact, ...candidates] = messageIdCandidates(vendorMessageId);
  await h.state.mapVendorId(
    result.vendorId as string,
    { exact: exact as string, candidates },
    result.messageId,
  );
}

export function vendorReceipt(
  result: ContractInput<'MtSubmitResult'>,
  stat: VendorReceipt['stat'],
  overrides: Partial<ContractInput<'VendorReceipt'>> = {},
): ContractInput<'VendorReceipt'> {
  const vendorMessageId = result.vendorMessageId as string;
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    vendorId: result.vendorId as string,
    vendorMessageId,
    vendorMessageKey: messageIdCandidates(vendorMessageId)[0] as string,
    stat,
    err: stat === 'DELIVRD' ? '000' : '004',
    doneDate: now,
    receivedAt: now,
    ...overrides,
  };
}

export async function eventually<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function metricValue(
  tracker: DlrTracker,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = tracker.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

export type { MtSubmitResult };
