import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';

const execFileAsync = promisify(execFile);

/** Everything a test needs to reach the local servers; overridable by env. */
export const testServers = {
  pgAdminUrl: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqpHost: process.env.TEST_AMQP_HOST ?? '127.0.0.1:5672',
  amqpUser: process.env.TEST_AMQP_USER ?? 'guest',
  amqpPassword: process.env.TEST_AMQP_PASSWORD ?? 'guest',
  rabbitmqctl: process.env.TEST_RABBITMQCTL ?? 'rabbitmqctl',
} as const;

const NAME_PREFIX = 'smppgw_t_';
/** Leftovers older than this are assumed to belong to a dead run. */
const STALE_AFTER_MS = 2 * 60 * 60 * 1000;

/** `smppgw_t_<epoch ms>_<random>`: sortable by age, unique per call. */
export function uniqueTestName(): string {
  return `${NAME_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
}

function ageOf(name: string): number | undefined {
  const match = /^smppgw_t_(\d+)_/.exec(name);
  return match?.[1] ? Date.now() - Number(match[1]) : undefined;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export interface TestDatabase {
  readonly name: string;
  /** Connection string for the new, empty database. */
  readonly url: string;
  /**
   * A PostgreSQL outage for this database alone (the server and every other
   * database stay up): new connections are refused, superusers' included,
   * and the open ones are ended. Resolves with the function that ends it.
   */
  cutOff(): Promise<() => Promise<void>>;
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: testServers.pgAdminUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Ends every server connection whose application_name is `applicationName`
 * (what a server restart or an administrator does to a pool's connections).
 * Resolves with how many were ended.
 */
export async function terminateConnections(applicationName: string): Promise<number> {
  const client = new pg.Client({ connectionString: testServers.pgAdminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rowCount ?? 0;
  } finally {
    await client.end();
  }
}

/** Creates an empty database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = uniqueTestName();
  await adminQuery(`CREATE DATABASE "${name}"`);
  return {
    name,
    url: withDatabase(testServers.pgAdminUrl, name),
    cutOff: async () => {
      await adminQuery(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await adminQuery(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
      );
      return async () => {
        await adminQuery(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      };
    },
    drop: async () => {
      // FORCE: a pool the test forgot to end must not keep the database alive.
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export interface TestRedis {
  /** Key prefix to pass to every Redis client the code under test creates. */
  readonly keyPrefix: string;
  readonly url: string;
  /** Deletes every key under the prefix in DB 0, 1 and 2. */
  cleanup(): Promise<void>;
}

async function deleteByPattern(url: string, db: number, pattern: string): Promise<void> {
  const redis = new Redis(url, { db, lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function createTestRedis(): TestRedis {
  const keyPrefix = `${uniqueTestName()}:`;
  return {
    keyPrefix,
    url: testServers.redisUrl,
    cleanup: async () => {
      for (const db of [0, 1, 2]) await deleteByPattern(testServers.redisUrl, db, `${keyPrefix}*`);
    },
  };
}

export interface TestVhost {
  readonly vhost: string;
  /** amqp:// URL pointing at the new vhost. */
  readonly url: string;
  drop(): Promise<void>;
}

async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(testServers.rabbitmqctl, ['-q', ...args], {
    timeout: 30_000,
  });
  return stdout;
}

/**
 * A vhost per test file keeps the production exchange and queue names intact
 * (they are an interface) while isolating runs from each other and from a
 * live stack on the same broker.
 */
export async function createTestVhost(): Promise<TestVhost> {
  const vhost = uniqueTestName();
  await rabbitmqctl('add_vhost', vhost);
  await rabbitmqctl('set_permissions', '-p', vhost, testServers.amqpUser, '.*', '.*', '.*');
  const url = `amqp://${encodeURIComponent(testServers.amqpUser)}:${encodeURIComponent(
    testServers.amqpPassword,
  )}@${testServers.amqpHost}/${encodeURIComponent(vhost)}`;
  return { vhost, url, drop: async () => void (await rabbitmqctl('delete_vhost', vhost)) };
}

export interface TestEnv {
  readonly db: TestDatabase;
  readonly redis: TestRedis;
  readonly amqp: TestVhost;
  destroy(): Promise<void>;
}

/** All three isolated resources at once; `destroy` removes them all. */
export async function createTestEnv(): Promise<TestEnv> {
  const [db, amqp] = await Promise.all([createTestDatabase(), createTestVhost()]);
  const redis = createTestRedis();
  return {
    db,
    redis,
    amqp,
    destroy: async () => {
      const results = await Promise.allSettled([db.drop(), amqp.drop(), redis.cleanup()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/**
 * Removes databases and vhosts left by test runs that died before cleaning up
 * (older than two hours, so a concurrent run is never touched). Called from
 * vitest global setup.
 */
export async function sweepStaleTestResources(): Promise<{ databases: number; vhosts: number }> {
  const rows = await adminQuery(
    `SELECT datname FROM pg_database WHERE datname LIKE '${NAME_PREFIX}%'`,
  );
  let databases = 0;
  for (const row of rows.rows as { datname: string }[]) {
    const age = ageOf(row.datname);
    if (age !== undefined && age > STALE_AFTER_MS) {
      await adminQuery(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
      databases += 1;
    }
  }
  let vhosts = 0;
  const listed = await rabbitmqctl('list_vhosts', 'name');
  for (const line of listed.split('\n').map((l) => l.trim())) {
    const age = ageOf(line);
    if (age !== undefined && age > STALE_AFTER_MS) {
      await rabbitmqctl('delete_vhost', line);
      vhosts += 1;
    }
  }
  return { databases, vhosts };
}
