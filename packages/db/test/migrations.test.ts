import { createTestDatabase, type TestDatabase } from '@smpp-gateway/testkit';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_TOKEN_SCOPES,
  CAMPAIGN_STATUSES,
  CUSTOMER_STATUSES,
  DATABASE_SCHEMAS,
  DELIVERY_STATUSES,
  BLOCK_ORIGINS,
  MESSAGE_ID_FORMATS,
  NUMBER_TYPES,
  RATE_KINDS,
  SOURCE_TYPES,
  SUBMIT_STATUSES,
  VENDOR_ALPHABETS,
  VENDOR_BIND_TYPES,
  VENDOR_STATUSES,
  createDatabase,
  knownMigrations,
  migrateDown,
  migrateReset,
  migrateToLatest,
  migrationStatus,
  type Database,
} from '../src/index.js';

const TABLES = [
  'vendor_mgmt.service_providers',
  'vendor_mgmt.retired_vendors',
  'customer_mgmt.accounts',
  'routing.rules',
  'routing.numbers',
  'routing.blocked_destinations',
  'messaging.tendlc_campaigns',
  'billing.rates',
  'messaging.cdrs',
  'messaging.mo_messages',
  'messaging.sweep_marks',
  'admin.api_tokens',
] satisfies (keyof Database)[];

let testDb: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url, { poolMax: 2 });
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

async function existingSchemas(): Promise<string[]> {
  const { rows } = await sql<{ nspname: string }>`
    SELECT nspname FROM pg_namespace WHERE nspname = ANY(${[...DATABASE_SCHEMAS]}) ORDER BY nspname`.execute(
    db,
  );
  return rows.map((r) => r.nspname);
}

async function existingTables(): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
    WHERE table_schema = ANY(${[...DATABASE_SCHEMAS]}) ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  it('go up, all the way down, and up again', async () => {
    const up = await migrateToLatest(db);
    expect(up.map((s) => s.name)).toEqual(knownMigrations());
    expect(up.every((s) => s.direction === 'Up')).toBe(true);
    expect(await existingSchemas()).toEqual([...DATABASE_SCHEMAS].sort());
    expect(await existingTables()).toEqual([...TABLES].sort());
    expect(await migrateToLatest(db)).toEqual([]);

    const status = await migrationStatus(db);
    expect(status.map((s) => s.name)).toEqual(knownMigrations());
    expect(status.every((s) => s.executedAt instanceof Date)).toBe(true);

    const receiptFormatColumn = () =>
      sql<{ n: number }>`
      SELECT count(*)::int AS n FROM information_schema.columns
      WHERE table_schema = 'vendor_mgmt' AND table_name = 'service_providers'
        AND column_name = 'receipt_message_id_format'`.execute(db);
    const cdrReceiptContext = async () => {
      const columns = await sql<{ name: string }>`
        SELECT column_name AS name FROM information_schema.columns
        WHERE table_schema = 'messaging' AND table_name = 'cdrs'
          AND column_name IN ('vendor_message_key', 'registered_delivery', 'source_ton',
            'source_npi', 'destination_ton', 'destination_npi')`.execute(db);
      const indexes = await sql<{ name: string }>`
        SELECT indexname AS name FROM pg_indexes
        WHERE schemaname = 'messaging' AND tablename = 'cdrs' AND indexname LIKE 'cdrs_vendor%'`.execute(
        db,
      );
      return { columns: columns.rows.length, indexes: indexes.rows.map((r) => r.name) };
    };
    const cdrOptions = async () => {
      const { rows } = await sql<{ options: string[] | null }>`
        SELECT reloptions AS options FROM pg_class
        WHERE oid = 'messaging.cdrs'::regclass`.execute(db);
      return rows[0]?.options ?? null;
    };
    expect((await receiptFormatColumn()).rows[0]?.n).toBe(1);
    expect(await cdrReceiptContext()).toEqual({
      columns: 6,
      indexes: ['cdrs_vendor_message_key_idx'],
    });
    expect(await cdrOptions()).toEqual(['fillfactor=60']);

    const prepaidCredit = async () => {
      const columns = await sql<{ name: string }>`
        SELECT table_name || '.' || column_name AS name FROM information_schema.columns
        WHERE (table_schema, table_name, column_name) IN
          (('customer_mgmt', 'accounts', 'credit_currency'), ('messaging', 'cdrs', 'charged_micros'),
           ('messaging', 'cdrs', 'charge_prepaid'))
        ORDER BY 1`.execute(db);
      const triggers = await sql<{ name: string }>`
        SELECT tgname AS name FROM pg_trigger
        WHERE tgrelid = 'messaging.cdrs'::regclass AND NOT tgisinternal ORDER BY 1`.execute(db);
      return {
        columns: columns.rows.map((r) => r.name),
        triggers: triggers.rows.map((r) => r.name),
      };
    };
    expect(await prepaidCredit()).toEqual({
      columns: ['accounts.credit_currency', 'cdrs.charge_prepaid', 'cdrs.charged_micros'],
      triggers: ['cdrs_charge', 'cdrs_debit_inserted', 'cdrs_debit_updated'],
    });

    const acceptedBrin = async () =>
      (
        await sql<{ name: string }>`
        SELECT indexname AS name FROM pg_indexes
        WHERE schemaname = 'messaging' AND tablename = 'cdrs' AND indexname = 'cdrs_accepted_at_brin'`.execute(
          db,
        )
      ).rows.length;
    expect(await acceptedBrin()).toBe(1);

    /** 1 when the column exists, else 0. */
    const columnCount = async (schema: string, table: string, column: string) =>
      (
        await sql<{ name: string }>`
        SELECT column_name AS name FROM information_schema.columns
        WHERE table_schema = ${schema} AND table_name = ${table}
          AND column_name = ${column}`.execute(db)
      ).rows.length;
    const allowedSources = () => columnCount('customer_mgmt', 'accounts', 'allowed_sources');
    expect(await allowedSources()).toBe(1);

    const blockOrigin = () => columnCount('routing', 'blocked_destinations', 'origin');
    expect(await blockOrigin()).toBe(1);
    const originDown = await migrateDown(db);
    expect(originDown).toEqual([{ name: knownMigrations().at(-1), direction: 'Down' }]);
    // The last migration recorded who made a block.
    expect(await blockOrigin()).toBe(0);

    const receiptZone = () => columnCount('vendor_mgmt', 'service_providers', 'receipt_time_zone');
    expect(await receiptZone()).toBe(1);
    const zoneDown = await migrateDown(db);
    expect(zoneDown).toEqual([{ name: knownMigrations().at(-2), direction: 'Down' }]);
    // The one before added the vendors' receipt time zone.
    expect(await receiptZone()).toBe(0);
    expect(await allowedSources()).toBe(1);

    const sourcesDown = await migrateDown(db);
    expect(sourcesDown).toEqual([{ name: knownMigrations().at(-3), direction: 'Down' }]);
    // The one before added the customers' allowed sources.
    expect(await allowedSources()).toBe(0);
    expect(await existingTables()).toContain('routing.blocked_destinations');
    // An account from before it can send from any source again.
    await sql`INSERT INTO customer_mgmt.accounts (name, system_id, password_hash, throughput, max_binds)
      VALUES ('Before', 'before', '$argon2id$x', 10, 1)`.execute(db);
    expect((await migrateToLatest(db)).map((s) => s.name)).toEqual(knownMigrations().slice(-3));
    const { rows: before } = await sql<{ sources: string[] }>`
      SELECT allowed_sources AS sources FROM customer_mgmt.accounts WHERE system_id = 'before'`.execute(
      db,
    );
    expect(before).toEqual([{ sources: [] }]);
    await sql`DELETE FROM customer_mgmt.accounts WHERE system_id = 'before'`.execute(db);
    await migrateDown(db);
    await migrateDown(db);
    await migrateDown(db);

    const blocksDown = await migrateDown(db);
    expect(blocksDown).toEqual([{ name: knownMigrations().at(-4), direction: 'Down' }]);
    // The one before added destination blocks.
    expect(await existingTables()).not.toContain('routing.blocked_destinations');

    const marksDown = await migrateDown(db);
    expect(marksDown).toEqual([{ name: knownMigrations().at(-5), direction: 'Down' }]);
    // The last migration added the sweeps' marks.
    expect(await existingTables()).not.toContain('messaging.sweep_marks');

    const retiredDown = await migrateDown(db);
    expect(retiredDown).toEqual([{ name: knownMigrations().at(-6), direction: 'Down' }]);
    // The last migration added deleted vendors' tombstones.
    expect(await existingTables()).not.toContain('vendor_mgmt.retired_vendors');

    const moDown = await migrateDown(db);
    expect(moDown).toEqual([{ name: knownMigrations().at(-7), direction: 'Down' }]);
    // The last migration added the MO archive.
    expect(await existingTables()).not.toContain('messaging.mo_messages');

    const brinDown = await migrateDown(db);
    expect(brinDown).toEqual([{ name: knownMigrations().at(-8), direction: 'Down' }]);
    // The last migration indexed accepted_at for retention.
    expect(await acceptedBrin()).toBe(0);

    const oneDown = await migrateDown(db);
    expect(oneDown).toEqual([{ name: knownMigrations().at(-9), direction: 'Down' }]);
    // The one before charges messages to prepaid balances.
    expect(await prepaidCredit()).toEqual({ columns: [], triggers: [] });
    expect(await cdrOptions()).toEqual(['fillfactor=60']);

    const twoDown = await migrateDown(db);
    expect(twoDown).toEqual([{ name: knownMigrations().at(-10), direction: 'Down' }]);
    // The one before left room on the CDR pages for the receipt's update.
    expect(await cdrOptions()).toBeNull();
    expect((await cdrReceiptContext()).columns).toBe(6);

    const threeDown = await migrateDown(db);
    expect(threeDown).toEqual([{ name: knownMigrations().at(-11), direction: 'Down' }]);
    // The one before that archived the receipt context in the CDRs.
    expect(await cdrReceiptContext()).toEqual({
      columns: 0,
      indexes: ['cdrs_vendor_message_idx'],
    });
    expect((await receiptFormatColumn()).rows[0]?.n).toBe(1);
    expect((await migrationStatus(db)).at(-1)?.executedAt).toBeUndefined();

    const reset = await migrateReset(db);
    expect(reset.map((s) => s.name)).toEqual(knownMigrations().slice(0, -11).reverse());
    expect(await existingTables()).toEqual([]);
    expect(await existingSchemas()).toEqual([]);
    expect(await migrateReset(db)).toEqual([]);

    expect((await migrateToLatest(db)).map((s) => s.name)).toEqual(knownMigrations());
    expect(await existingTables()).toEqual([...TABLES].sort());
  });

  it('keeps a CDR key index an operator built beforehand (CONCURRENTLY), and checks the new columns', async () => {
    await migrateToLatest(db);
    const receiptContextMigration = '202611260200_cdr-receipt-context';
    while (
      (await migrationStatus(db)).find((m) => m.name === receiptContextMigration)?.executedAt
    ) {
      await migrateDown(db);
    }
    // docs/deploy.md: the column, then the index online, before the upgrade.
    await sql`ALTER TABLE messaging.cdrs ADD COLUMN IF NOT EXISTS vendor_message_key text`.execute(
      db,
    );
    await sql`CREATE INDEX CONCURRENTLY IF NOT EXISTS cdrs_vendor_message_key_idx
      ON messaging.cdrs (vendor_id, (COALESCE(vendor_message_key, vendor_message_id)))`.execute(db);
    const upAgain = (await migrateToLatest(db)).map((s) => s.name);
    expect(upAgain[0]).toBe(receiptContextMigration);
    const { rows } = await sql<{ name: string }>`
      SELECT indexname AS name FROM pg_indexes
      WHERE schemaname = 'messaging' AND tablename = 'cdrs' AND indexname LIKE 'cdrs_vendor%'`.execute(
      db,
    );
    expect(rows.map((r) => r.name)).toEqual(['cdrs_vendor_message_key_idx']);
    // NOT VALID skips the existing rows, not the new ones.
    await expect(
      sql`INSERT INTO messaging.cdrs (message_id, customer_id, system_id, source_addr,
            destination_addr, segments, submit_status, accepted_at, registered_delivery)
          VALUES ('m-300', gen_random_uuid(), 's', '1', '2', 1, 'accepted', now(), 300)`.execute(
        db,
      ),
    ).rejects.toThrow(/cdrs_registered_delivery_check/);
  });

  it('serialise concurrent runs (pods starting together)', async () => {
    await migrateReset(db);
    const other = createDatabase(testDb.url, { poolMax: 2 });
    try {
      const [a, b] = await Promise.all([migrateToLatest(db), migrateToLatest(other)]);
      expect([...a, ...b].map((s) => s.name).sort()).toEqual(knownMigrations());
    } finally {
      await other.destroy();
    }
  });

  // The migrations spell their CHECK lists out literally; this keeps them and
  // the TypeScript unions in schema.ts from drifting apart.
  it.each([
    ['vendor_mgmt', 'service_providers_bind_type_check', VENDOR_BIND_TYPES],
    ['vendor_mgmt', 'service_providers_status_check', VENDOR_STATUSES],
    ['vendor_mgmt', 'service_providers_default_alphabet_check', VENDOR_ALPHABETS],
    ['vendor_mgmt', 'service_providers_message_id_format_check', MESSAGE_ID_FORMATS],
    ['vendor_mgmt', 'service_providers_receipt_message_id_format_check', MESSAGE_ID_FORMATS],
    ['customer_mgmt', 'accounts_status_check', CUSTOMER_STATUSES],
    ['routing', 'rules_source_type_check', SOURCE_TYPES],
    ['routing', 'numbers_number_type_check', NUMBER_TYPES],
    ['routing', 'blocked_destinations_origin_check', BLOCK_ORIGINS],
    ['messaging', 'tendlc_campaigns_status_check', CAMPAIGN_STATUSES],
    ['billing', 'rates_kind_check', RATE_KINDS],
    ['messaging', 'cdrs_submit_status_check', SUBMIT_STATUSES],
    ['messaging', 'cdrs_delivery_status_check', DELIVERY_STATUSES],
    ['admin', 'api_tokens_scope_check', API_TOKEN_SCOPES],
  ] as const)('%s.%s allows exactly the TypeScript values', async (schema, constraint, values) => {
    await migrateToLatest(db);
    const { rows } = await sql<{ def: string }>`
      SELECT pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = ${schema} AND c.conname = ${constraint}`.execute(db);
    const def = rows[0]?.def ?? '';
    const listed = [...def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(values));
  });
});
