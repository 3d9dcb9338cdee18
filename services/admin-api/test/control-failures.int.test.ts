import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { findApiToken, getVendorByInstanceName } from '@smpp-gateway/db';
import { MessageStateStore, VendorStatusStore } from '@smpp-gateway/message-state';
import {
  AmqpConnection,
  createLogger,
  createMetricsRegistry,
  Readiness,
} from '@smpp-gateway/runtime';
import { testServers } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmqpDeadLetterQueue } from '../src/adapters/dead-letter.queue.js';
import { RedisAuthFailureLimiter } from '../src/adapters/redis-auth-failure-limiter.js';
import { CachedTokenAuthenticator } from '../src/auth/token-authenticator.js';
import { ControlUnavailableError, type ControlNotifier } from '../src/control/control-notifier.js';
import { createAdminApp } from '../src/http/admin-app.js';
import { sampleVendor, startHarness, type Harness } from './harness.js';

const execFileAsync = promisify(execFile);
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function rabbitmqctl(...args: string[]): Promise<void> {
  await execFileAsync(testServers.rabbitmqctl, ['-q', ...args], { timeout: 30_000 });
}

async function waitForReady(expected: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.request('GET', '/ready', { token: null });
    if (res.status === expected) return;
    if (Date.now() > deadline) throw new Error(`/ready stayed ${res.status}, wanted ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('while RabbitMQ is unreachable (a real outage of this vhost)', () => {
  it('refuses changes with 503 and changes nothing; reads keep working; recovers by itself', async () => {
    const vhost = h.env.amqp.vhost;
    await rabbitmqctl('set_vhost_limits', '--vhost', vhost, '{"max-connections": 0}');
    await rabbitmqctl(
      'close_all_connections',
      '--vhost',
      vhost,
      '--limit',
      '100',
      'admin-api test outage',
    );
    try {
      await waitForReady(503);
      const res = await h.request('POST', '/api/v1/vendors', { body: sampleVendor() });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({
        code: 'control_unavailable',
        details: { changeSaved: false },
      });
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await getVendorByInstanceName(h.db, 'sinch-chicago')).toBeUndefined();
      expect((await h.request('GET', '/api/v1/vendors')).status).toBe(200);
      expect((await h.request('POST', '/api/v1/admin/reload-vendors')).status).toBe(503);
      // The dead-letter queue cannot be read, replayed or discarded from: a clear 503, nothing moved.
      for (const res of [
        await h.request('GET', '/api/v1/dead-letters'),
        await h.request('POST', '/api/v1/dead-letters/replay', { body: {} }),
        await h.request('POST', '/api/v1/dead-letters/discard', { body: { limit: 10 } }),
      ]) {
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe('broker_unavailable');
        expect(res.headers.get('retry-after')).toBe('5');
      }
    } finally {
      await rabbitmqctl('clear_vhost_limits', '--vhost', vhost);
    }
    await waitForReady(200);
    // The publisher channel reopens after the connection: allow it a moment.
    const deadline = Date.now() + 10_000;
    let created = await h.request('POST', '/api/v1/vendors', { body: sampleVendor() });
    while (created.status === 503 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      created = await h.request('POST', '/api/v1/vendors', { body: sampleVendor() });
    }
    expect(created.status).toBe(201);
  }, 90_000);
});

/**
 * The narrow windows a live broker cannot be made to hit on cue: it dies
 * between the commit and the confirm, or something unexpected throws. The
 * rest of the app is real (PostgreSQL, Redis, tokens).
 */
describe('failures after the change is committed', () => {
  let server: Server;
  let baseUrl: string;
  let redis: Redis;
  let announce: ControlNotifier['announce'];
  const lines: string[] = [];

  beforeAll(async () => {
    redis = new Redis(h.env.redis.url, { keyPrefix: h.env.redis.keyPrefix, db: 1 });
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) =>
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)),
    );
    const notifier: ControlNotifier = {
      isAvailable: true,
      announce: (commands, issuedBy) => announce(commands, issuedBy),
    };
    const app = createAdminApp({
      db: h.db,
      messageState: new MessageStateStore({ redis }),
      vendorStatus: new VendorStatusStore(redis),
      // Not reached by these tests.
      vendorQueues: { depths: () => Promise.reject(new Error('not connected')) },
      customerBinds: { live: () => Promise.reject(new Error('not connected')) },
      customerDeliveries: { counts: () => Promise.reject(new Error('not connected')) },
      control: notifier,
      // Never connected: these tests do not reach it.
      deadLetters: new AmqpDeadLetterQueue({
        connection: new AmqpConnection({
          url: h.env.amqp.url,
          name: 'unused',
          logger: createLogger({ service: 'admin-api', stream }),
        }),
        confirmTimeoutMs: 1_000,
        logger: createLogger({ service: 'admin-api', stream }),
        registry: createMetricsRegistry({ service: 'admin-api', defaultMetrics: false }),
      }),
      tokens: new CachedTokenAuthenticator({ lookup: (t) => findApiToken(h.db, t), ttlMs: 0 }),
      authLimiter: new RedisAuthFailureLimiter({
        redis,
        limit: 100,
        windowMs: 60_000,
        blockMs: 60_000,
      }),
      vendorSecretKey: Buffer.alloc(32, 7),
      logger: createLogger({ service: 'admin-api', stream }),
      registry: createMetricsRegistry({ service: 'admin-api', defaultMetrics: false }),
      readiness: new Readiness(),
      options: {
        trustProxy: false,
        bodyLimitKb: 100,
        vendorStatusStaleMs: 90_000,
        docsEnabled: false,
      },
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    redis.disconnect();
  });

  function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.writeToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('503 with changeSaved: true when the announcement fails after the commit', async () => {
    announce = () =>
      Promise.reject(new ControlUnavailableError('channel closed before the confirm'));
    const res = await post(
      '/api/v1/vendors',
      sampleVendor({ instanceName: 'saved-not-announced' }),
    );
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; details: unknown } };
    expect(body.error).toMatchObject({
      code: 'control_unavailable',
      details: { changeSaved: true, commands: ['reload-vendors'] },
    });
    expect(await getVendorByInstanceName(h.db, 'saved-not-announced')).toBeDefined();
  });

  it('500 for the unexpected: a generic message, no stack, the detail only in the log', async () => {
    announce = () => Promise.reject(new Error('kaboom at secret-internal-path.ts:42'));
    const res = await post('/api/v1/vendors', sampleVendor({ instanceName: 'unexpected' }));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { code: 'internal', message: 'internal error', requestId: expect.any(String) },
    });
    expect(text).not.toMatch(/kaboom|secret-internal-path|at .*:\d+/);
    const logged = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'request failed');
    expect(JSON.stringify(logged)).toContain('kaboom');
  });
});
