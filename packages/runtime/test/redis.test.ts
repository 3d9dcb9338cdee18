import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, RedisDb, silentLogger } from '../src/index.js';
import { countSocketWrites } from './support/socket-writes.js';

describe('createRedis (real Redis)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.destroy();
  });

  it('selects the logical DB, applies the key prefix, and reports ready', async () => {
    const handle = createRedis({
      url: env.redis.url,
      db: RedisDb.rate,
      keyPrefix: env.redis.keyPrefix,
      name: 'rate',
      logger: silentLogger,
    });
    await handle.client.set('rate:customer:c1', '5');
    await expect(Promise.resolve(handle.readiness.check())).resolves.toBeUndefined();

    const raw = new Redis(env.redis.url, { db: RedisDb.rate });
    expect(await raw.get(`${env.redis.keyPrefix}rate:customer:c1`)).toBe('5');
    raw.disconnect();
    const dlrDb = new Redis(env.redis.url, { db: RedisDb.dlr });
    expect(await dlrDb.exists(`${env.redis.keyPrefix}rate:customer:c1`)).toBe(0);
    dlrDb.disconnect();
    await handle.close();
    await handle.close();
  });

  it('sends the commands of one tick in one socket write, on every connection it makes', async () => {
    const handle = createRedis({
      url: env.redis.url,
      db: RedisDb.dlr,
      keyPrefix: env.redis.keyPrefix,
      name: 'cork',
      logger: silentLogger,
    });
    const client = handle.client;
    await client.ping();
    const burst = async () => {
      const counts = countSocketWrites((client as unknown as { stream: unknown }).stream);
      const values = await Promise.all(
        Array.from({ length: 50 }, (_, i) => client.set(`cork:${i}`, String(i))),
      );
      counts.restore();
      expect(values.every((v) => v === 'OK')).toBe(true);
      return counts.writes;
    };
    expect(await burst()).toBe(1);
    expect(await client.get('cork:49')).toBe('49');

    // A new socket after a reconnect is corked too.
    client.disconnect(true);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    expect(await burst()).toBe(1);
    await handle.close();
  });

  it('keeps retrying an unreachable server without throwing, and is not ready meanwhile', async () => {
    let reconnects = 0;
    const handle = createRedis({
      url: 'redis://127.0.0.1:1',
      db: RedisDb.dlr,
      name: 'down',
      logger: silentLogger,
      maxReconnectDelayMs: 50,
    });
    handle.client.on('reconnecting', () => (reconnects += 1));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(reconnects).toBeGreaterThan(2);
    expect(handle.client.status).not.toBe('end');
    await expect(Promise.resolve().then(() => handle.readiness.check())).rejects.toThrow(
      /redis status is/,
    );
    // A command fails after a bounded number of retries instead of hanging the caller.
    await expect(handle.client.get('x')).rejects.toThrow();
    await handle.close();
  });

  it('reconnects after the server kills the connection', async () => {
    const handle = createRedis({
      url: env.redis.url,
      db: RedisDb.tendlc,
      keyPrefix: env.redis.keyPrefix,
      name: 'tendlc-victim',
      logger: silentLogger,
    });
    await handle.client.set('10dlc:campaign:1555', 'c1');
    const reconnected = new Promise<void>((resolve) =>
      handle.client.once('reconnecting', () => resolve()),
    );
    // Kill only our own client, found by its connection name (the server is shared).
    const admin = new Redis(env.redis.url);
    const clients = (await admin.client('LIST')) as string;
    const ids = clients
      .split('\n')
      .filter((line) => line.includes(' name=tendlc-victim '))
      .map((line) => /id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    expect(ids).toHaveLength(1);
    await admin.client('KILL', 'ID', ids[0]!);
    admin.disconnect();
    await reconnected;
    // Not instantaneous; poll the command rather than the status.
    const deadline = Date.now() + 5_000;
    let value: string | null = null;
    while (Date.now() < deadline) {
      value = await handle.client.get('10dlc:campaign:1555').catch(() => null);
      if (value !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(value).toBe('c1');
    await handle.close();
  });
});
