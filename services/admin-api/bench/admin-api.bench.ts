// Request throughput and latency of the admin API in-process against the real
// local PostgreSQL/Redis/RabbitMQ (an isolated database, prefix and vhost).
// Not a test: run `pnpm --filter @smpp-gateway/admin-api bench [requests] [concurrency]`.
import { createApiToken, createDatabase, migrateToLatest } from '@smpp-gateway/db';
import { MessageStateStore } from '@smpp-gateway/message-state';
import { silentLogger } from '@smpp-gateway/runtime';
import { createTestEnv } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { startAdminApi } from '../src/app.js';
import { loadAdminConfig } from '../src/config.js';

const total = Number(process.argv[2] ?? 5_000);
const concurrency = Number(process.argv[3] ?? 32);
let campaignSeq = 0;

interface Scenario {
  readonly name: string;
  readonly method: string;
  readonly path: (i: number) => string;
  readonly body?: (i: number) => unknown;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(baseUrl: string, token: string, scenario: Scenario, count: number) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        const body = scenario.body?.(i);
        const res = await fetch(`${baseUrl}${scenario.path(i)}`, {
          method: scenario.method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        await res.arrayBuffer();
        if (res.status >= 400) failures += 1;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    requests: count,
    failures,
    rps: Math.round(count / seconds),
    p50_ms: +percentile(latencies, 50).toFixed(2),
    p95_ms: +percentile(latencies, 95).toFixed(2),
    p99_ms: +percentile(latencies, 99).toFixed(2),
  };
}

const env = await createTestEnv();
const db = createDatabase(env.db.url);
try {
  await migrateToLatest(db);
  const { token } = await createApiToken(db, { name: 'bench', scope: 'write' });
  const redis = new Redis(env.redis.url, { keyPrefix: env.redis.keyPrefix, db: 0 });
  const store = new MessageStateStore({ redis });
  for (let i = 0; i < 100; i += 1) {
    await store.merge(`bench-${i}`, { status: 'DELIVRD', customerId: 'c', err: '000' });
  }
  redis.disconnect();

  const results = [];
  for (const cacheTtl of ['5000', '0']) {
    const api = await startAdminApi(
      loadAdminConfig({
        DATABASE_URL: env.db.url,
        REDIS_URL: env.redis.url,
        REDIS_KEY_PREFIX: env.redis.keyPrefix,
        AMQP_URL: env.amqp.url,
        AMQP_QUEUE_TYPE: 'classic',
        ADMIN_PORT: '0',
        ADMIN_HOST: '127.0.0.1',
        ADMIN_TOKEN_CACHE_TTL_MS: cacheTtl,
        LOG_LEVEL: 'error',
      }),
      { logger: silentLogger },
    );
    const baseUrl = `http://127.0.0.1:${api.port}`;
    const suffix = cacheTtl === '0' ? ' (token cache off)' : '';
    const scenarios: Scenario[] = [
      { name: `GET /api/v1/vendors${suffix}`, method: 'GET', path: () => '/api/v1/vendors' },
      {
        name: `GET /api/v1/messages/:id${suffix}`,
        method: 'GET',
        path: (i) => `/api/v1/messages/bench-${i % 100}`,
      },
    ];
    if (cacheTtl !== '0') {
      scenarios.push({
        name: 'POST /api/v1/campaigns (insert + confirmed control publish)',
        method: 'POST',
        path: () => '/api/v1/campaigns',
        body: () => ({
          campaignId: `C${(campaignSeq += 1)}`,
          brandId: 'B',
          brandName: 'Bench',
          tpm: 100,
          brandDailyCap: 1000,
        }),
      });
    }
    for (const scenario of scenarios) {
      await run(baseUrl, token, scenario, Math.min(200, total)); // warm-up
      results.push(await run(baseUrl, token, scenario, total));
    }
    await api.stop();
  }
  console.table(results);
} finally {
  await db.destroy();
  await env.destroy();
}
