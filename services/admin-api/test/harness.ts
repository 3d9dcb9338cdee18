// The admin API in-process against the real local PostgreSQL, Redis and
// RabbitMQ (one database, key prefix and vhost per test file), called over
// real HTTP.
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { EXCHANGES, ControlCommand } from '@smpp-gateway/contracts';
import {
  createApiToken,
  createCustomer,
  createDatabase,
  migrateToLatest,
  type Customer,
  type Database,
} from '@smpp-gateway/db';
import { createLogger } from '@smpp-gateway/runtime';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Kysely } from 'kysely';
import { startAdminApi, type AdminApi } from '../src/app.js';
import { loadAdminConfig } from '../src/config.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are inspected loosely in tests
export interface HttpResult<T = any> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly token?: string | null;
  readonly body?: unknown;
  /** Sent as is (not JSON-encoded) when a string. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface Harness {
  readonly env: TestEnv;
  readonly db: Kysely<Database>;
  readonly api: AdminApi;
  readonly baseUrl: string;
  readonly writeToken: string;
  readonly readToken: string;
  /** Every log line the service wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  readonly logText: () => string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see HttpResult
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<HttpResult<T>>;
  close(): Promise<void>;
}

export async function startHarness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const env = await createTestEnv();
  const db = createDatabase(env.db.url);
  await migrateToLatest(db);
  const { token: writeToken } = await createApiToken(db, { name: 'ops-write', scope: 'write' });
  const { token: readToken } = await createApiToken(db, { name: 'dashboard-read', scope: 'read' });

  const stream = new PassThrough();
  const logs: Record<string, unknown>[] = [];
  const rawLines: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) {
        rawLines.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      newline = pending.indexOf('\n');
    }
  });
  const logger = createLogger({ service: 'admin-api', level: 'debug', stream });

  const config = loadAdminConfig({
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    AMQP_URL: env.amqp.url,
    AMQP_QUEUE_TYPE: 'classic',
    ADMIN_PORT: '0',
    ADMIN_HOST: '127.0.0.1',
    // Tests speak for other clients through X-Forwarded-For from loopback.
    ADMIN_TRUST_PROXY: 'loopback',
    INSTANCE_ID: 'admin-test',
    ...extraEnv,
  });
  const api = await startAdminApi(config, { logger });
  const baseUrl = `http://127.0.0.1:${api.port}`;

  async function request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? writeToken : options.token;
    if (token !== null) headers.authorization ??= `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text && (response.headers.get('content-type') ?? '').includes('json')) {
      parsed = JSON.parse(text);
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }

  return {
    env,
    db,
    api,
    baseUrl,
    writeToken,
    readToken,
    logs,
    logText: () => rawLines.join('\n'),
    request,
    close: async () => {
      await api.stop();
      await db.destroy();
      await env.destroy();
    },
  };
}

/**
 * Stands in for one pod of another service: its own exclusive queue bound to
 * the `smpp.control` fanout, like every real pod has.
 */
export class ControlListener {
  readonly received: ControlCommand[] = [];
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: Channel,
  ) {}

  static async open(amqpUrl: string, name: string): Promise<ControlListener> {
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue(`control.test.${name}`, {
      exclusive: true,
      autoDelete: true,
      durable: false,
    });
    await channel.bindQueue(queue, EXCHANGES.control, '');
    const listener = new ControlListener(connection, channel);
    await channel.consume(
      queue,
      (message) => {
        if (!message) return;
        listener.received.push(ControlCommand.parse(JSON.parse(message.content.toString('utf8'))));
        channel.ack(message);
        for (const wake of listener.waiters.splice(0)) wake();
      },
      { noAck: false },
    );
    return listener;
  }

  /** Resolves with the commands received from `fromIndex` on, once `count` have arrived. */
  async waitFor(count: number, fromIndex = 0, timeoutMs = 5_000): Promise<ControlCommand[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length - fromIndex < count) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `expected ${count} control commands, got ${this.received.length - fromIndex}: ${JSON.stringify(
            this.received.slice(fromIndex),
          )}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.slice(fromIndex, fromIndex + count);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

export const sampleVendor = (overrides: Record<string, unknown> = {}) => ({
  instanceName: 'sinch-chicago',
  displayName: 'Sinch Chicago',
  host: '127.0.0.1',
  port: 2775,
  bindType: 'transceiver',
  systemId: 'gw-chi',
  password: 's3cr3tpw',
  throughput: 100,
  ...overrides,
});

export const sampleCustomer = (overrides: Record<string, unknown> = {}) => ({
  name: 'Acme Ltd',
  systemId: 'acme',
  password: 'acmepw12',
  throughput: 50,
  maxBinds: 2,
  allowedIps: ['10.0.0.0/8', '192.0.2.10'],
  ...overrides,
});

/** A customer with a unique system id (`prefix-xxxxxxxx`), for tests that only need one to exist. */
export function addCustomer(db: Kysely<Database>, prefix: string): Promise<Customer> {
  const systemId = `${prefix}-${randomUUID().slice(0, 8)}`;
  return createCustomer(db, {
    name: systemId,
    systemId,
    password: 'secret12',
    throughput: 50,
    maxBinds: 2,
  });
}
