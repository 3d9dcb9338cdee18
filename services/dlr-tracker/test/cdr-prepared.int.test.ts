// The CDR upsert is the tracker's hot statement: db marks it and runtime's
// createKysely (the tracker's pool) runs it as a named prepared statement.
// The two halves live in two packages; this checks, in real PostgreSQL, that
// they meet: through the tracker's kind of pool the upsert is prepared once
// per connection and still merges rows as before.
import {
  getCdr,
  migrateToLatest,
  upsertCdrs,
  type CdrWrite,
  type Database,
} from '@smpp-gateway/db';
import { createKysely, silentLogger } from '@smpp-gateway/runtime';
import { createTestDatabase, type TestDatabase } from '@smpp-gateway/testkit';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  const pgh = createKysely<Database>({ url: database.url, logger: silentLogger });
  await migrateToLatest(pgh.db);
  await pgh.destroy();
});

afterAll(async () => {
  await database.drop();
});

const submitted = (messageId: string): CdrWrite => ({
  messageId,
  customerId: '00000000-0000-4000-8000-000000000001',
  systemId: 'prepared',
  vendorId: '00000000-0000-4000-8000-000000000002',
  vendorMessageId: `V-${messageId}`,
  vendorMessageKey: `v-${messageId}`,
  sourceAddr: '15550001000',
  destinationAddr: '15125550100',
  segments: 1,
  submitStatus: 'submitted',
  acceptedAt: new Date('2026-11-26T00:00:00.000Z'),
  submittedAt: new Date('2026-11-26T00:00:00.100Z'),
  registeredDelivery: 1,
});

async function preparedNames(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM pg_prepared_statements ORDER BY name`.execute(db);
  return rows.map((r) => r.name);
}

describe('CDR upsert through the tracker pool', () => {
  it('is a named prepared statement, parsed once per connection, merging as before', async () => {
    // One connection, so pg_prepared_statements (per session) sees the upsert's.
    const pgh = createKysely<Database>({ url: database.url, logger: silentLogger, poolMax: 1 });
    try {
      await upsertCdrs(pgh.db, [submitted('prep-1'), submitted('prep-2')]);
      // The receipt's row, and a batch repeating one id (two statements in a transaction).
      await upsertCdrs(pgh.db, [
        { ...submitted('prep-1'), deliveryStatus: 'ENROUTE' },
        { ...submitted('prep-1'), deliveryStatus: 'DELIVRD', doneAt: new Date() },
      ]);
      expect(await preparedNames(pgh.db)).toEqual(['smppgw_cdr_upsert']);
      expect(await getCdr(pgh.db, 'prep-1')).toMatchObject({ deliveryStatus: 'DELIVRD' });
      expect(await getCdr(pgh.db, 'prep-2')).toMatchObject({
        submitStatus: 'submitted',
        deliveryStatus: null,
      });
    } finally {
      await pgh.destroy();
    }
  });

  it('runs unnamed with PG_PREPARED_STATEMENTS=false', async () => {
    const pgh = createKysely<Database>({
      url: database.url,
      logger: silentLogger,
      poolMax: 1,
      preparedStatements: false,
    });
    try {
      await upsertCdrs(pgh.db, [submitted('unprep-1')]);
      expect(await preparedNames(pgh.db)).toEqual([]);
      expect(await getCdr(pgh.db, 'unprep-1')).toMatchObject({ submitStatus: 'submitted' });
    } finally {
      await pgh.destroy();
    }
  });
});
