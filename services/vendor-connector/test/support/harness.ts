// Integration harness: an isolated PG database / Redis prefix / RabbitMQ
// vhost (testkit), the bundled SMSC simulator over real TCP, vendor rows
// created through the db package, and in-process connector instances.
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import {
  CONTRACT_HEADER,
  controlCommandOf,
  EXCHANGES,
  vendorLane,
  type MtRouted,
} from '@smpp-gateway/contracts';
import {
  createDatabase,
  createVendor,
  DEV_VENDOR_SECRET_KEY,
  migrateToLatest,
  type Database,
  type NewVendor,
  type Vendor,
} from '@smpp-gateway/db';
import { createLogger, type Logger } from '@smpp-gateway/runtime';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '@smpp-gateway/smsc-simulator';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import { loadConfig } from '../../src/config.js';
import { startVendorConnector, type VendorConnector } from '../../src/app.js';

export const SECRET = Buffer.from(DEV_VENDOR_SECRET_KEY, 'hex');

export function quietLogger(): Logger {
  const level = process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'fatal';
  return createLogger({
    service: 'vendor-connector-test',
    level,
    ...(level === 'fatal' ? { stream: new Writable({ write: (_c, _e, cb) => cb() }) } : {}),
  });
}

export interface Harness {
  readonly env: TestEnv;
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  readonly amqp: ChannelModel;
  readonly channel: Channel;
  readonly connectors: VendorConnector[];
  readonly simulators: Simulator[];
  simulator(options?: SimulatorOptions): Promise<Simulator>;
  vendor(sim: Pick<Simulator, 'port'>, patch?: Partial<NewVendor>): Promise<Vendor>;
  connector(extraEnv?: Record<string, string>): Promise<VendorConnector>;
  /**
   * Collects every message of a queue (one consumer per queue for the whole
   * file, so consumers never split a queue's messages between them).
   */
  collect(queue: string): Promise<Collector>;
  publishRouted(mt: MtRouted): void;
  control(
    command: { type: 'reload-vendors' } | { type: 'reconnect-vendor'; vendorId: string },
  ): void;
  close(): Promise<void>;
}

export interface Collector {
  /** Bodies, flattened when a publisher batched them. */
  readonly items: Record<string, unknown>[];
  /** Waits for `count` items passing `filter` (all items by default) and returns them. */
  waitFor(
    count: number,
    filter?: (item: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>[]>;
}

/** Items about the given messages (by messageId). */
export const about =
  (messages: readonly { messageId: string }[]) =>
  (item: Record<string, unknown>): boolean =>
    messages.some((m) => m.messageId === item.messageId);

export async function createHarness(): Promise<Harness> {
  const env = await createTestEnv();
  const db = createDatabase(env.db.url);
  await migrateToLatest(db);
  const redis = new Redis(env.redis.url, { keyPrefix: env.redis.keyPrefix });
  const model = await amqp.connect(env.amqp.url);
  const channel = await model.createChannel();
  const connectors: VendorConnector[] = [];
  const simulators: Simulator[] = [];
  const collectorChannels: Channel[] = [];
  const collectors = new Map<string, Promise<Collector>>();
  let instance = 0;

  const baseEnv = (): Record<string, string> => ({
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    AMQP_URL: env.amqp.url,
    AMQP_QUEUE_TYPE: 'classic',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    INSTANCE_ID: `vc-test-${++instance}`,
    VENDOR_SECRET_KEY: DEV_VENDOR_SECRET_KEY,
    HEALTH_INTERVAL_MS: '500',
    VENDOR_REFRESH_INTERVAL_MS: '0',
    BIND_LEASE_REFRESH_MS: '200',
    BIND_LEASE_TTL_MS: '2000',
    DRAIN_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'fatal',
  });

  async function startCollector(queue: string): Promise<Collector> {
    const ch = await model.createChannel();
    collectorChannels.push(ch);
    const items: Record<string, unknown>[] = [];
    await ch.consume(
      queue,
      (msg: ConsumeMessage | null) => {
        if (!msg) return;
        const body = JSON.parse(msg.content.toString()) as unknown;
        for (const item of Array.isArray(body) ? body : [body])
          items.push(item as Record<string, unknown>);
        ch.ack(msg);
      },
      { noAck: false },
    );
    return {
      items,
      async waitFor(count, filter = () => true, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const matching = items.filter(filter);
          if (matching.length >= count) return matching;
          if (Date.now() > deadline) {
            throw new Error(
              `waited ${timeoutMs} ms for ${count} messages on ${queue}, got ${matching.length}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
    };
  }

  const harness: Harness = {
    env,
    db,
    redis,
    amqp: model,
    channel,
    connectors,
    simulators,
    async simulator(options = {}) {
      const sim = await startSimulator({
        port: 0,
        controlPort: null,
        receiptDelayMs: 20,
        ...options,
      });
      simulators.push(sim);
      return sim;
    },
    vendor(sim, patch = {}) {
      return createVendor(
        db,
        {
          instanceName: `sim-${randomUUID().slice(0, 8)}`,
          displayName: 'Simulator',
          host: '127.0.0.1',
          port: sim.port,
          bindType: 'transceiver',
          systemId: 'gateway',
          password: 'gw-pass',
          throughput: 10_000,
          maxBinds: 1,
          windowSize: 10,
          enquireLinkIntervalMs: 30_000,
          responseTimeoutMs: 5_000,
          messageIdFormat: 'auto',
          ...patch,
        },
        SECRET,
      );
    },
    async connector(extraEnv = {}) {
      const config = loadConfig({ ...baseEnv(), ...extraEnv });
      const c = await startVendorConnector(config, {
        logger: quietLogger(),
        defaultMetrics: false,
      });
      connectors.push(c);
      await c.loaded;
      return c;
    },
    collect(queue) {
      let existing = collectors.get(queue);
      if (!existing) {
        existing = startCollector(queue);
        collectors.set(queue, existing);
      }
      return existing;
    },
    publishRouted(mt) {
      channel.publish(
        EXCHANGES.direct,
        // As the router publishes: the vendor's lane for the MT's priority.
        vendorLane(mt.vendorId, mt.priority),
        Buffer.from(JSON.stringify(mt)),
        {
          persistent: true,
          contentType: 'application/json',
          headers: { [CONTRACT_HEADER]: 'MtRouted' },
        },
      );
    },
    control(command) {
      const body = controlCommandOf(command, 'test');
      channel.publish(EXCHANGES.control, '', Buffer.from(JSON.stringify(body)), {
        contentType: 'application/json',
        headers: { [CONTRACT_HEADER]: 'ControlCommand' },
      });
    },
    async close() {
      await Promise.allSettled(connectors.map((c) => c.stop()));
      await Promise.allSettled(simulators.map((s) => s.stop()));
      for (const ch of collectorChannels) await ch.close().catch(() => undefined);
      await channel.close().catch(() => undefined);
      await model.close().catch(() => undefined);
      redis.disconnect();
      await db.destroy();
      await env.destroy();
    },
  };
  return harness;
}

let counter = 0;

/** An MtRouted for `vendorId` with GSM text. */
export function routed(vendorId: string, overrides: Partial<MtRouted> = {}): MtRouted {
  counter += 1;
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    customerId: 'cust-1',
    systemId: 'customer',
    source: { addr: '15550001', ton: 1, npi: 1 },
    destination: { addr: `1555${String(counter).padStart(7, '0')}`, ton: 1, npi: 1 },
    serviceType: '',
    esmClass: 0,
    protocolId: 0,
    priority: 1,
    registeredDelivery: 1,
    dataCoding: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    shortMessage: Buffer.from(`msg ${counter}`, 'latin1').toString('base64'),
    segments: 1,
    tlvs: [],
    acceptedAt: now,
    attempts: [],
    roundStart: 0,
    vendorId,
    routeId: 'route-1',
    pricing: {
      currency: 'USD',
      pricePerSegmentMicros: 5000,
      costPerSegmentMicros: 3000,
      costCurrency: 'USD',
    },
    routedAt: now,
    ...overrides,
  };
}

/** Polls `check` until it returns true (generous deadline for socket work). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
