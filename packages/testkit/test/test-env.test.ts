import { Redis } from 'ioredis';
import amqp from 'amqplib';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, createTestEnv } from '../src/index.js';

describe('createTestEnv', () => {
  it('creates isolated PG database, Redis prefix and RabbitMQ vhost, then removes them', async () => {
    const env = await createTestEnv();
    const client = new pg.Client({ connectionString: env.db.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    expect(rows[0]?.db).toBe(env.db.name);
    await client.end();

    const redis = new Redis(env.redis.url, { keyPrefix: env.redis.keyPrefix });
    await redis.set('probe', '1');
    const conn = await amqp.connect(env.amqp.url);
    const ch = await conn.createChannel();
    await ch.assertQueue('probe');
    await conn.close();

    await env.destroy();

    const raw = new Redis(env.redis.url);
    expect(await raw.exists(`${env.redis.keyPrefix}probe`)).toBe(0);
    raw.disconnect();
    const admin = new pg.Client({ connectionString: env.db.url.replace(env.db.name, 'postgres') });
    await admin.connect();
    const gone = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [env.db.name]);
    expect(gone.rowCount).toBe(0);
    await admin.end();
    await expect(amqp.connect(env.amqp.url)).rejects.toThrow();
    await redis.quit();
  });

  it('cuts one database off (open connections ended, new ones refused, superuser included) and lets it back', async () => {
    const db = await createTestDatabase();
    try {
      const open = new pg.Client({ connectionString: db.url });
      open.on('error', () => undefined);
      await open.connect();
      const restore = await db.cutOff();
      await expect(open.query('SELECT 1')).rejects.toThrow();
      const refused = new pg.Client({ connectionString: db.url });
      await expect(refused.connect()).rejects.toThrow(/not currently accepting connections/);
      await restore();
      const back = new pg.Client({ connectionString: db.url });
      await back.connect();
      expect((await back.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
      await back.end();
    } finally {
      await db.drop();
    }
  });
});
