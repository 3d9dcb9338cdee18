// Vendors that put their message id in one format in submit_sm_resp and in
// another in receipts (hex in the resp, decimal in the receipt is the common
// case) need both declared: with one format the gateway had to guess, and an
// all-digit hex id reads as decimal. NULL = the receipt uses the resp's
// format (every existing vendor keeps its behaviour).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('vendor_mgmt.service_providers')
    .addColumn('receipt_message_id_format', 'text')
    .execute();
  await db.schema
    .alterTable('vendor_mgmt.service_providers')
    .addCheckConstraint(
      'service_providers_receipt_message_id_format_check',
      sql`receipt_message_id_format IS NULL OR receipt_message_id_format IN ('auto', 'hex', 'decimal', 'uuid', 'raw')`,
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('vendor_mgmt.service_providers')
    .dropConstraint('service_providers_receipt_message_id_format_check')
    .execute();
  await db.schema
    .alterTable('vendor_mgmt.service_providers')
    .dropColumn('receipt_message_id_format')
    .execute();
}
