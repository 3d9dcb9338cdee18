// Shared set-up for the integration tests: an isolated PG/Redis/RabbitMQ
// environment, a migrated database with test customers, and an in-process
// edge-server listening on ephemeral ports.
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import {
  CONTRACT_HEADER,
  controlCommandOf,
  EXCHANGES,
  PRIORITIES,
  QUEUES,
  type ContractInput,
} from '@smpp-gateway/contracts';
import {
  createCustomer,
  createDatabase,
  migrateToLatest,
  type Customer,
  type NewCustomer,
} from '@smpp-gateway/db';
import { silentLogger, type Logger } from '@smpp-gateway/runtime';
import {
  connectSmpp,
  type BindType,
  type ConnectSmppOptions,
  type PduOf,
  type SmppSession,
} from '@smpp-gateway/smpp';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import amqp from 'amqplib';
import { startEdgeServer, type EdgeServer } from '../src/app.js';
import { loadConfig, type EdgeConfig } from '../src/config.js';

export interface Harness {
  readonly env: TestEnv;
  readonly customers: Record<string, Customer>;
  edge: EdgeServer;
  config: EdgeConfig;
  connect(
    systemId: string,
    password: string,
    bindType?: BindType,
    extra?: Partial<ConnectSmppOptions>,
  ): Promise<SmppSession>;
  destroy(): Promise<void>;
}

export async function setUpDatabase(
  env: TestEnv,
  customers: Record<string, NewCustomer>,
): Promise<Record<string, Customer>> {
  const db = createDatabase(env.db.url);
  try {
    await migrateToLatest(db);
    const created: Record<string, Customer> = {};
    for (const [key, input] of Object.entries(customers))
      created[key] = await createCustomer(db, input);
    return created;
  } finally {
    await db.destroy();
  }
}

export function edgeConfig(env: TestEnv, extra: Record<string, string> = {}): EdgeConfig {
  return loadConfig({
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    AMQP_URL: env.amqp.url,
    AMQP_QUEUE_TYPE: 'classic',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    SMPP_PORT: '0',
    SMPP_TLS_PORT: '0',
    SMPP_HOST: '127.0.0.1',
    INSTANCE_ID: `edge-test-${process.pid}`,
    BIND_TIMEOUT_MS: '1000',
    AMQP_CONFIRM_TIMEOUT_MS: '2000',
    DELIVERY_RETRY_DELAY_MS: '200',
    LOG_LEVEL: 'error',
    ...extra,
  });
}

export async function startHarness(
  customers: Record<string, NewCustomer>,
  extraConfig: Record<string, string> = {},
  logger: Logger = silentLogger,
): Promise<Harness> {
  const env = await createTestEnv();
  const created = await setUpDatabase(env, customers);
  const config = edgeConfig(env, extraConfig);
  const edge = await startEdgeServer(config, { logger });
  const open: SmppSession[] = [];
  const harness: Harness = {
    env,
    customers: created,
    edge,
    config,
    connect: async (systemId, password, bindType = 'transceiver', extra = {}) => {
      const session = await connectSmpp({
        host: '127.0.0.1',
        port: harness.edge.smppPort,
        bindType,
        systemId,
        password,
        responseTimeoutMs: 5_000,
        enquireLinkIntervalMs: 0,
        ...extra,
      });
      open.push(session);
      return session;
    },
    destroy: async () => {
      await Promise.all(open.map((s) => s.close().catch(() => undefined)));
      await harness.edge.stop();
      await env.destroy();
    },
  };
  return harness;
}

/** Waits until `probe` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** One message from a queue of the test vhost (basic.get), acked; undefined when empty. */
export async function getOne(url: string, queue: string): Promise<amqp.GetMessage | undefined> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const message = await channel.get(queue, { noAck: true });
    return message === false ? undefined : message;
  } finally {
    await connection.close();
  }
}

/** Publishes a control command on smpp.control, as the admin API announces one. */
export async function control(
  url: string,
  command: ContractInput<'ControlCommand'>['command'],
): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    const body = controlCommandOf(command, 'test');
    channel.publish(EXCHANGES.control, '', Buffer.from(JSON.stringify(body)), {
      contentType: 'application/json',
      headers: { [CONTRACT_HEADER]: 'ControlCommand' },
    });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

export async function queueDepth(url: string, queue: string): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

/** MTs waiting in every priority's mt.messages queue: what the edge handed to the router. */
export async function mtQueued(h: Harness): Promise<number> {
  let total = 0;
  for (const p of PRIORITIES) total += await queueDepth(h.env.amqp.url, QUEUES.mt(p));
  return total;
}

/** The edge's smpp_server_submit_sm_total for one customer and status. */
export async function submitCount(h: Harness, customerId: string, status: string): Promise<number> {
  const metric = await h.edge.metrics.submits.get();
  return (
    metric.values.find((v) => v.labels.customer_id === customerId && v.labels.status === status)
      ?.value ?? 0
  );
}

export { tempDir, writeCertificate } from './certificates.js';
export { writeFile };

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A valid submit_sm from a customer, with receipts requested. */
export function submitInit(overrides: Partial<PduOf<'submit_sm'>> = {}) {
  return {
    command: 'submit_sm' as const,
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    sourceAddr: '14155550100',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: '447700900123',
    registeredDelivery: 1,
    priorityFlag: 2,
    shortMessage: Buffer.from('hello'),
    ...overrides,
  };
}
