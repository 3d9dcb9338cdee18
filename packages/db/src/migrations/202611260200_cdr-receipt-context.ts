// The CDR is where the tracker finds a message again when Redis lost its
// state (a failover to a replica that lagged, a restart without persistence,
// an operator's flush). Two things kept such a receipt from reaching the
// customer:
// - the archive was searched by the vendor's raw id, while a vendor that
//   answers the submit in hex and quotes the receipt in decimal (or drops
//   leading zeros, or changes case) only meets under the canonical key the
//   connector maps both sides to: `vendor_message_key` is that key;
// - registered_delivery and the addresses' TON/NPI were not archived, so a
//   message restored from its CDR could be billed but not receipted.
// All new columns are NULL on rows written before this migration; the key's
// index falls back to the raw id for them, so those rows are still found
// the way they were before (by an identical raw id).
import { sql, type Kysely } from 'kysely';

const SMALL_COLUMNS = [
  'registered_delivery',
  'source_ton',
  'source_npi',
  'destination_ton',
  'destination_npi',
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  // Nullable columns without a default: no table rewrite. IF NOT EXISTS: an
  // operator may have added the key column to build its index beforehand.
  await sql`ALTER TABLE messaging.cdrs
    ADD COLUMN IF NOT EXISTS vendor_message_key text,
    ${sql.join(
      SMALL_COLUMNS.map((column) => sql`ADD COLUMN IF NOT EXISTS ${sql.ref(column)} smallint`),
    )}`.execute(db);
  // NOT VALID: every existing row holds NULL there, so checking them would
  // only be five full scans of the biggest table under an exclusive lock.
  // New rows are checked all the same.
  for (const column of SMALL_COLUMNS) {
    await sql`ALTER TABLE messaging.cdrs ADD CONSTRAINT ${sql.id(`cdrs_${column}_check`)}
      CHECK (${sql.ref(column)} BETWEEN 0 AND 255) NOT VALID`.execute(db);
  }
  // One index for both generations of rows: new rows by their key, older
  // ones by their raw id. It replaces the raw-id index (only the receipt
  // fallback searched it), so the hot insert path maintains as many indexes
  // as before. Building it blocks CDR writes on a large table (receipts wait
  // in their queues meanwhile, nothing is lost); an operator can build it
  // beforehand with CREATE INDEX CONCURRENTLY under this name (docs/deploy.md),
  // and this step then finds it.
  await sql`CREATE INDEX IF NOT EXISTS cdrs_vendor_message_key_idx ON messaging.cdrs
    (vendor_id, (COALESCE(vendor_message_key, vendor_message_id)))`.execute(db);
  await sql`DROP INDEX IF EXISTS messaging.cdrs_vendor_message_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('cdrs_vendor_message_idx')
    .on('messaging.cdrs')
    .columns(['vendor_id', 'vendor_message_id'])
    .execute();
  await sql`DROP INDEX messaging.cdrs_vendor_message_key_idx`.execute(db);
  let table = db.schema.alterTable('messaging.cdrs').dropColumn('vendor_message_key');
  for (const column of SMALL_COLUMNS) table = table.dropColumn(column);
  await table.execute();
}
