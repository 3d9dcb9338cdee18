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
  let table = db.schema.alterTable('messaging.cdrs').addColumn('vendor_message_key', 'text');
  for (const column of SMALL_COLUMNS) table = table.addColumn(column, 'smallint');
  await table.execute();
  for (const column of SMALL_COLUMNS) {
    await db.schema
      .alterTable('messaging.cdrs')
      .addCheckConstraint(`cdrs_${column}_check`, sql`${sql.ref(column)} BETWEEN 0 AND 255`)
      .execute();
  }
  // One index for both generations of rows: new rows by their key, older
  // ones by their raw id. It replaces the raw-id index (only the receipt
  // fallback searched it), so the hot insert path maintains as many indexes
  // as before.
  await sql`CREATE INDEX cdrs_vendor_message_key_idx ON messaging.cdrs
    (vendor_id, (COALESCE(vendor_message_key, vendor_message_id)))`.execute(db);
  await sql`DROP INDEX messaging.cdrs_vendor_message_idx`.execute(db);
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
