// Integration plumbing: an isolated PG database / Redis prefix / RabbitMQ
// vhost, the router started in-process against them, and a probe connection
// that plays the other services (publishes MTs, MOs and control commands,
// reads what the router produced).
import { randomUUID } from 'node:crypto';
import {
  controlCommandOf,
  DEFAULT_TOPOLOGY_OPTIONS,
  EXCHANGE_SPECS,
  staticQueues,
  type ContractInput,
  type ContractName,
} from '@smpp-gateway/contracts';
import {
  createCustomer,
  createDatabase,
  createRate,
  createRoutingRule,
  createVendor,
  DEV_VENDOR_SECRET_KEY,
  migrateToLatest,
  parseSecretKey,
  type Database,
} from '@smpp-gateway/db';
import {
  AmqpConnection,
  ContractPublisher,
  silentLogger,
  topologySetup,
  type PublishOptions,
} from '@smpp-gateway/runtime';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import type { GetMessage } from 'amqplib';
import type { Kysely } from 'kysely';
import { startRouterWorker, type RouterOverrides, type RouterWorker } from '../../src/app.js';
import { loadConfig, type RouterConfig } from '../../src/config.js';

export interface Harness {
  readonly env: TestEnv;
  readonly db: Kysely<Database>;
  readonly probe: AmqpConnection;
  readonly publisher: ContractPublisher;
  startRouter(
    extraEnv?: Record<string, string>,
    overrides?: RouterOverrides,
  ): Promise<RouterWorker>;
  publish<N extends ContractName>(
    name: N,
    message: ContractInput<N>,
    options?: PublishOptions,
  ): Promise<void>;
  /**
   * Waits for the next contract message on `queue` (batches are unpacked, the
   * rest of a batch is kept for the next call); `message` is the AMQP message
   * it came in.
   */
  take(queue: string, timeoutMs?: number): Promise<{ body: unknown; message: GetMessage }>;
  /** Messages ready in `queue` right now (0 when the queue does not exist yet). */
  depth(queue: string): Promise<number>;
  /** Everything on `queue` within `settleMs` of quiet. */
  drainQueue(queue: string, settleMs?: number): Promise<unknown[]>;
  destroy(): Promise<void>;
}

/** Short deferral so 10DLC tests see a deferred MT come back within seconds. */
export const TEST_DEFER_DELAY_MS = 1_500;
const classic = {
  ...DEFAULT_TOPOLOGY_OPTIONS,
  queueType: 'classic' as const,
  deferDelayMs: TEST_DEFER_DELAY_MS,
};

export async function createHarness(): Promise<Harness> {
  const env = await createTestEnv();
  const db = createDatabase(env.db.url);
  await migrateToLatest(db);
  const probe = new AmqpConnection({ url: env.amqp.url, name: 'probe', logger: silentLogger });
  void probe.addSetup(
    'topology',
    topologySetup({ exchanges: EXCHANGE_SPECS, queues: staticQueues(classic) }),
  );
  await probe.start();
  const publisher = await ContractPublisher.open(probe, { logger: silentLogger });
  const routers: RouterWorker[] = [];

  const baseEnv = (): Record<string, string> => ({
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    AMQP_URL: env.amqp.url,
    AMQP_QUEUE_TYPE: 'classic',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    INSTANCE_ID: `router-${routers.length + 1}`,
    AMQP_RETRY_DELAY_MS: '100',
    DEFER_DELAY_MS: String(TEST_DEFER_DELAY_MS),
    SHUTDOWN_TIMEOUT_MS: '15000',
  });

  const buffered = new Map<string, { body: unknown; message: GetMessage }[]>();

  /** The next item on `queue`, unpacking a batch message into its items. */
  async function nextItem(
    queue: string,
  ): Promise<{ body: unknown; message: GetMessage } | undefined> {
    const waiting = buffered.get(queue);
    if (waiting && waiting.length > 0) return waiting.shift();
    const message = await getOne(queue);
    if (!message) return undefined;
    const body = JSON.parse(message.content.toString()) as unknown;
    if (message.properties.headers?.['x-batch'] === undefined) return { body, message };
    const [first, ...rest] = (body as unknown[]).map((item) => ({ body: item, message }));
    buffered.set(queue, rest);
    return first;
  }

  async function getOne(queue: string): Promise<GetMessage | false> {
    return probe.withChannel(async (channel) => {
      const message = await channel.get(queue, { noAck: true }).catch(() => false as const);
      return message;
    });
  }

  return {
    env,
    db,
    probe,
    publisher,
    async startRouter(extraEnv = {}, overrides = {}) {
      const config: RouterConfig = loadConfig({ ...baseEnv(), ...extraEnv });
      const router = await startRouterWorker(config, {
        logger: silentLogger,
        defaultMetrics: false,
        ...overrides,
      });
      routers.push(router);
      return router;
    },
    async publish(name, message, options) {
      await publisher.publish(name, message, options);
    },
    async take(queue, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const item = await nextItem(queue);
        if (item) return item;
        if (Date.now() > deadline)
          throw new Error(`nothing arrived on ${queue} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async depth(queue) {
      return probe.withChannel(async (channel) => {
        const ok = await channel.checkQueue(queue).catch(() => undefined);
        return ok?.messageCount ?? 0;
      });
    },
    async drainQueue(queue, settleMs = 500) {
      const bodies: unknown[] = [];
      let quietSince = Date.now();
      while (Date.now() - quietSince < settleMs) {
        const item = await nextItem(queue);
        if (item) {
          bodies.push(item.body);
          quietSince = Date.now();
        } else {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      return bodies;
    },
    async destroy() {
      for (const router of routers) await router.stop();
      await publisher.close();
      await probe.close();
      await db.destroy();
      await env.destroy();
    },
  };
}

export const vendorSecretKey = parseSecretKey(DEV_VENDOR_SECRET_KEY);

/**
 * One rule sending every destination to `vendor`, with a vendor cost (1 000
 * µUSD per segment) and a customer price on the 'standard' plan (2 000).
 */
export async function routeEverythingTo(
  db: Kysely<Database>,
  vendor: { readonly id: string },
  ruleName: string,
) {
  await createRoutingRule(db, { name: ruleName, vendorId: vendor.id });
  await createRate(db, {
    kind: 'vendor',
    vendorId: vendor.id,
    pricePerSegmentMicros: 1000,
    currency: 'USD',
  });
  await createRate(db, {
    kind: 'customer',
    pricePlan: 'standard',
    pricePerSegmentMicros: 2000,
    currency: 'USD',
  });
}

let vendorCount = 0;
export async function addVendor(db: Kysely<Database>, name: string, priority = 100) {
  vendorCount += 1;
  return createVendor(
    db,
    {
      instanceName: `${name}-${vendorCount}`,
      displayName: name,
      host: '127.0.0.1',
      port: 1,
      bindType: 'transceiver',
      systemId: `sys${vendorCount}`,
      password: 'secret',
      throughput: 100,
      priority,
    },
    vendorSecretKey,
  );
}

let customerCount = 0;
export async function addCustomer(
  db: Kysely<Database>,
  options: {
    pricePlan?: string;
    moReassembly?: boolean;
    creditMicros?: number | null;
    creditCurrency?: string;
  } = {},
) {
  customerCount += 1;
  return createCustomer(db, {
    name: `customer ${customerCount}`,
    systemId: `esme${customerCount}_${randomUUID().slice(0, 4)}`,
    password: 'pw',
    throughput: 100,
    maxBinds: 2,
    pricePlan: options.pricePlan ?? 'standard',
    moReassembly: options.moReassembly ?? false,
    creditMicros: options.creditMicros ?? null,
    ...(options.creditCurrency ? { creditCurrency: options.creditCurrency } : {}),
  });
}

export function mtSubmitted(
  over: Partial<ContractInput<'MtSubmitted'>> & { customerId: string },
): ContractInput<'MtSubmitted'> {
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    systemId: 'esme',
    source: { addr: '447700900001', ton: 1, npi: 1 },
    destination: { addr: '447700900123', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    priority: 0,
    registeredDelivery: 1,
    dataCoding: 0,
    shortMessage: Buffer.from('Hello from the router test').toString('base64'),
    segments: 1,
    acceptedAt: now,
    ...over,
  };
}

export function moReceived(
  over: Partial<ContractInput<'MoReceived'>> = {},
): ContractInput<'MoReceived'> {
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    vendorId: 'vendor-x',
    source: { addr: '447700900555', ton: 1, npi: 1 },
    destination: { addr: '15125550100', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    dataCoding: 0,
    shortMessage: Buffer.from('hi').toString('base64'),
    receivedAt: now,
    ...over,
  };
}

export function controlCommand(
  command: ContractInput<'ControlCommand'>['command'],
): ContractInput<'ControlCommand'> {
  return controlCommandOf(command, 'test');
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A counter's value for one label set, from a router's registry. */
export async function counterValue(
  router: RouterWorker,
  name: string,
  labels: Record<string, string> = {},
) {
  const metric = router.registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Waits until a counter reaches `atLeast`. Handlers count an outcome only
 * after the broker confirmed what they published, and a consumer can see the
 * message before that confirm arrives, so reading the counter right after
 * taking the message races.
 */
export async function counterReaches(
  router: RouterWorker,
  name: string,
  labels: Record<string, string>,
  atLeast: number,
  timeoutMs = 5_000,
) {
  await waitFor(
    async () => (await counterValue(router, name, labels)) >= atLeast,
    `${name}${JSON.stringify(labels)} ≥ ${atLeast}`,
    timeoutMs,
  );
  return counterValue(router, name, labels);
}
