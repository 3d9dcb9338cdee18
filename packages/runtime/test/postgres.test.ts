import { PassThrough } from 'node:stream';
import { createTestEnv, terminateConnections, type TestEnv } from '@smpp-gateway/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKysely, createLogger, preparedStatementName, silentLogger } from '../src/index.js';

interface DB {
  probe: { id: number; note: string };
}

describe('createKysely (real PostgreSQL)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv();
  });
  afterAll(async () => {
    await env.destroy();
  });

  it('queries through kysely and reports ready', async () => {
    const pgh = createKysely<DB>({
      url: env.db.url,
      logger: silentLogger,
      applicationName: 'runtime-test',
    });
    await sql`CREATE TABLE probe (id int primary key, note text not null)`.execute(pgh.db);
    await pgh.db.insertInto('probe').values({ id: 1, note: 'a' }).execute();
    expect(await pgh.db.selectFrom('probe').selectAll().execute()).toEqual([{ id: 1, note: 'a' }]);
    await expect(Promise.resolve(pgh.readiness.check())).resolves.toBeUndefined();
    await pgh.destroy();
    await pgh.destroy(); // idempotent: shutdown may call it twice
  });

  it('applies statement_timeout to every pooled connection', async () => {
    const pgh = createKysely<DB>({
      url: env.db.url,
      logger: silentLogger,
      statementTimeoutMs: 100,
    });
    await expect(sql`SELECT pg_sleep(2)`.execute(pgh.db)).rejects.toThrow(/statement timeout/);
    await pgh.destroy();
  });

  it('is not ready when the server is unreachable, without throwing at creation', async () => {
    const pgh = createKysely<DB>({
      url: 'postgres://postgres@127.0.0.1:1/none',
      logger: silentLogger,
      connectionTimeoutMs: 500,
    });
    await expect(Promise.resolve().then(() => pgh.readiness.check())).rejects.toThrow();
    await pgh.destroy();
  });

  it('logs an idle client killed by the server instead of crashing, and recovers', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const logger = createLogger({ service: 'test', level: 'error', stream });
    const pgh = createKysely<DB>({ url: env.db.url, logger, applicationName: 'runtime-victim' });
    await sql`SELECT 1`.execute(pgh.db); // leaves one idle client in the pool

    await terminateConnections('runtime-victim');

    const deadline = Date.now() + 5_000;
    while (!lines.some((l) => l.includes('idle postgres client failed')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(lines.some((l) => l.includes('idle postgres client failed'))).toBe(true);
    // The pool replaces the dead client.
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(pgh.db);
    expect(rows).toEqual([{ one: 1 }]);
    await pgh.destroy();
  });

  it('survives a connection that dies while checked out (inside a transaction), and recovers', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const logger = createLogger({ service: 'test', level: 'warn', stream });
    const pgh = createKysely<DB>({ url: env.db.url, logger, applicationName: 'runtime-in-use' });
    const transaction = pgh.db.transaction().execute(async (trx) => {
      await sql`SELECT 1`.execute(trx);
      // Checked out and idle between two statements while the server ends it.
      await terminateConnections('runtime-in-use');
      const deadline = Date.now() + 5_000;
      while (!lines.some((l) => l.includes('failed while in use')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await sql`SELECT 2`.execute(trx);
    });
    await expect(transaction).rejects.toThrow();
    expect(lines.some((l) => l.includes('postgres connection failed while in use'))).toBe(true);
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(pgh.db);
    expect(rows).toEqual([{ one: 1 }]);
    await pgh.destroy();
  });

  describe('statements marked /* prepare:name */', () => {
    // What the connection has prepared: pg_prepared_statements is per session,
    // so the pool holds one connection and the view is read through it.
    async function prepared(db: ReturnType<typeof createKysely<DB>>['db']): Promise<string[]> {
      const { rows } = await sql<{
        name: string;
      }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(db);
      return rows.map((r) => r.name);
    }
    const marked = (n: number) =>
      sql<{ n: number }>`/* prepare:probe_echo */ SELECT ${n}::int AS n`;

    it('run as named prepared statements, once parsed per connection, with their own parameters', async () => {
      const pgh = createKysely<DB>({ url: env.db.url, logger: silentLogger, poolMax: 1 });
      expect(await prepared(pgh.db)).toEqual([]);
      expect((await marked(1).execute(pgh.db)).rows).toEqual([{ n: 1 }]);
      expect((await marked(2).execute(pgh.db)).rows).toEqual([{ n: 2 }]);
      expect(await prepared(pgh.db)).toEqual(['probe_echo']);
      // Unmarked statements stay unnamed.
      await sql`SELECT 1`.execute(pgh.db);
      expect(await prepared(pgh.db)).toEqual(['probe_echo']);
      await pgh.destroy();
    });

    it('are prepared again on a new connection after the server ended the old one', async () => {
      const pgh = createKysely<DB>({
        url: env.db.url,
        logger: silentLogger,
        poolMax: 1,
        applicationName: 'runtime-prepared-victim',
      });
      expect((await marked(1).execute(pgh.db)).rows).toEqual([{ n: 1 }]);
      await terminateConnections('runtime-prepared-victim');
      // The dead client is dropped (its error event, or this query failing once).
      let rows: { n: number }[] | undefined;
      for (let attempt = 0; attempt < 20 && rows === undefined; attempt += 1) {
        rows = await marked(3)
          .execute(pgh.db)
          .then((r) => r.rows)
          .catch(() => undefined);
      }
      expect(rows).toEqual([{ n: 3 }]);
      expect(await prepared(pgh.db)).toEqual(['probe_echo']);
      await pgh.destroy();
    });

    it('run unnamed when preparedStatements is false (a pooler that cannot keep them)', async () => {
      const pgh = createKysely<DB>({
        url: env.db.url,
        logger: silentLogger,
        poolMax: 1,
        preparedStatements: false,
      });
      expect((await marked(1).execute(pgh.db)).rows).toEqual([{ n: 1 }]);
      expect(await prepared(pgh.db)).toEqual([]);
      await pgh.destroy();
    });
  });
});

describe('preparedStatementName', () => {
  it('reads the name of a well-formed marker only', () => {
    expect(preparedStatementName('/* prepare:smppgw_cdr_upsert */ insert into t')).toBe(
      'smppgw_cdr_upsert',
    );
    expect(preparedStatementName('select 1')).toBeUndefined();
    expect(preparedStatementName(' /* prepare:late */ select 1')).toBeUndefined();
    expect(preparedStatementName('/* prepare:unterminated select 1')).toBeUndefined();
    expect(preparedStatementName('/* prepare:Bad-Name */ select 1')).toBeUndefined();
    expect(preparedStatementName('/* prepare: */ select 1')).toBeUndefined();
    expect(preparedStatementName(`/* prepare:${'a'.repeat(64)} */ select 1`)).toBeUndefined();
  });
});
