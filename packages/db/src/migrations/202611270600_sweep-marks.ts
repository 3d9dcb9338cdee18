// How far a periodic sweep over the CDRs has come, so that it resumes there
// after a restart or on another replica instead of rescanning (or skipping)
// what it has not seen. One row per sweep; the first user is the receipt
// timeout (dlr-tracker: a message the vendor accepted but never reported on
// gets a final UNKNOWN once RECEIPT_TIMEOUT_MS has passed).
import { type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messaging.sweep_marks')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    // Everything accepted before (until_at, until_id) in (accepted_at,
    // message_id) order has been looked at.
    .addColumn('until_at', 'timestamptz', (c) => c.notNull())
    .addColumn('until_id', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('messaging.sweep_marks').ifExists().execute();
}
