import { createTestDatabase, terminateConnections, type TestDatabase } from '@smpp-gateway/testkit';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatabaseUrlError,
  createDatabase,
  describeDatabaseUrl,
  parseDatabaseUrl,
} from '../src/index.js';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb?.drop();
});

describe('createDatabase', () => {
  it('survives the server killing an idle pooled connection', async () => {
    const errors: Error[] = [];
    const applicationName = `smppgw-pool-test-${process.pid}`;
    const db = createDatabase(testDb.url, {
      applicationName,
      onPoolError: (error) => errors.push(error),
    });
    try {
      await sql`SELECT 1`.execute(db);
      expect(await terminateConnections(applicationName)).toBe(1);
      await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0);
      // The pool replaced the dead client: the next query just works.
      const { rows } = await sql<{ ok: number }>`SELECT 1 AS ok`.execute(db);
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('survives a connection that dies while checked out (inside a transaction)', async () => {
    const errors: Error[] = [];
    const applicationName = `smppgw-pool-inuse-${process.pid}`;
    const db = createDatabase(testDb.url, {
      applicationName,
      onPoolError: (error) => errors.push(error),
    });
    try {
      const transaction = db.transaction().execute(async (trx) => {
        await sql`SELECT 1`.execute(trx);
        await terminateConnections(applicationName);
        await expect.poll(() => errors.length, { timeout: 10_000 }).toBeGreaterThan(0);
        await sql`SELECT 2`.execute(trx);
      });
      await expect(transaction).rejects.toThrow();
      const { rows } = await sql<{ ok: number }>`SELECT 1 AS ok`.execute(db);
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  it('applies statement_timeout when asked', async () => {
    const db = createDatabase(testDb.url, { statementTimeoutMs: 50 });
    try {
      await expect(sql`SELECT pg_sleep(1)`.execute(db)).rejects.toMatchObject({ code: '57014' });
    } finally {
      await db.destroy();
    }
  });
});

describe('parseDatabaseUrl', () => {
  it('accepts postgres URLs and describes them without the password', () => {
    const url = parseDatabaseUrl('postgresql://gw:s3cret@db.internal:6432/smpp_gateway');
    expect(describeDatabaseUrl(url)).toBe('gw@db.internal:6432/smpp_gateway');
    expect(describeDatabaseUrl(parseDatabaseUrl('postgres://127.0.0.1/x'))).toBe(
      '127.0.0.1:5432/x',
    );
  });

  it.each([
    ['', /not a valid URL/],
    ['127.0.0.1:5432/x', /not a valid URL/],
    ['mysql://127.0.0.1/x', /not mysql:/],
    ['postgres://127.0.0.1', /names no database/],
    ['postgres://127.0.0.1/', /names no database/],
  ])('rejects %j', (text, message) => {
    expect(() => parseDatabaseUrl(text)).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl(text)).toThrow(message);
  });
});
