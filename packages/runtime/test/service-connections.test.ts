// The factories services build their connections with take the whole group
// of shared variables, so none is left out: each is checked at the server
// it configures (real PostgreSQL, Redis, RabbitMQ).
import { DEFAULT_TOPOLOGY_OPTIONS, QUEUES, type QueueSpec } from '@smpp-gateway/contracts';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amqpFrom, postgresFrom, RedisDb, redisFrom, silentLogger } from '../src/index.js';

describe('service connections from the shared variables', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.destroy();
  });

  it('postgresFrom: the pool size, statement timeout and application name', async () => {
    const pg = postgresFrom<Record<string, never>>(
      {
        DATABASE_URL: env.db.url,
        PG_POOL_MAX: 3,
        PG_STATEMENT_TIMEOUT_MS: 1_234,
        PG_PREPARED_STATEMENTS: true,
      },
      { applicationName: 'factory-test', logger: silentLogger },
    );
    try {
      const { rows } = await sql<{
        timeout: string;
        app: string;
      }>`SELECT current_setting('statement_timeout') AS timeout, current_setting('application_name') AS app`.execute(
        pg.db,
      );
      expect(rows[0]).toEqual({ timeout: '1234ms', app: 'factory-test' });
      expect(pg.pool.options.max).toBe(3);
    } finally {
      await pg.destroy();
    }
  });

  it('redisFrom: the key prefix and the logical DB', async () => {
    const handle = redisFrom(
      { REDIS_URL: env.redis.url, REDIS_KEY_PREFIX: env.redis.keyPrefix },
      { db: RedisDb.rate, name: 'factory-test', logger: silentLogger },
    );
    const raw = new Redis(env.redis.url, { db: RedisDb.rate });
    try {
      await handle.client.set('factory:key', '1');
      expect(await raw.get(`${env.redis.keyPrefix}factory:key`)).toBe('1');
    } finally {
      raw.disconnect();
      await handle.close();
    }
  });

  it("amqpFrom: the shared queues with the configuration's arguments, plus the service's own", async () => {
    const own: QueueSpec = {
      name: 'factory.own',
      durable: false,
      exclusive: false,
      autoDelete: true,
      arguments: {},
      bindings: [],
    };
    const { amqp, topology } = amqpFrom(
      {
        AMQP_URL: env.amqp.url,
        AMQP_QUEUE_TYPE: 'classic',
        DELIVERY_TTL_MS: 60_000,
        DEFER_DELAY_MS: 1_500,
      },
      { name: 'factory-test', logger: silentLogger, queues: () => [own] },
    );
    try {
      await amqp.start();
      expect(topology).toMatchObject({ queueType: 'classic', deferDelayMs: 1_500 });
      await amqp.withChannel((ch) => ch.checkQueue(own.name));
      const redeclare = (ttl: number) =>
        amqp.withChannel(
          (ch) =>
            ch.assertQueue(QUEUES.mtDeferred(0), {
              durable: true,
              arguments: {
                'x-queue-type': 'classic',
                'x-dead-letter-exchange': 'smpp.direct',
                'x-dead-letter-routing-key': QUEUES.mt(0),
                'x-message-ttl': ttl,
              },
            }),
          { expectErrors: true },
        );
      // The broker refuses a declaration whose arguments differ: it was
      // declared with DEFER_DELAY_MS, not the default.
      expect(DEFAULT_TOPOLOGY_OPTIONS.deferDelayMs).not.toBe(1_500);
      await expect(redeclare(1_500)).resolves.toBeDefined();
      await expect(redeclare(DEFAULT_TOPOLOGY_OPTIONS.deferDelayMs)).rejects.toThrow(
        /PRECONDITION_FAILED/,
      );
    } finally {
      await amqp.close();
    }
  });
});
