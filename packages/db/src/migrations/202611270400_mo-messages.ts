// The MO archive: one row per inbound message part the router handed to its
// owning customer (the MT side has messaging.cdrs). Metadata only, like the
// CDRs: the text stays out of the database as it stays out of the logs and
// the API; its length is kept. Written by router-worker before it publishes
// the delivery, so every delivered MO has its row.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messaging.mo_messages')
    .ifNotExists()
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('vendor_id', 'uuid')
    .addColumn('source_addr', 'text', (c) => c.notNull())
    .addColumn('destination_addr', 'text', (c) => c.notNull())
    .addColumn('esm_class', 'integer', (c) => c.notNull())
    .addColumn('data_coding', 'integer', (c) => c.notNull())
    .addColumn('octets', 'integer', (c) => c.notNull())
    .addColumn('concat_ref', 'integer')
    .addColumn('part_seq', 'integer')
    .addColumn('part_total', 'integer')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('routed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('delivery_message_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mo_messages_customer_received_idx')
    .ifNotExists()
    .on('messaging.mo_messages')
    .columns(['customer_id', 'received_at'])
    .execute();
  // Retention deletes by received_at (see 202611270300_cdr-accepted-brin).
  await sql`CREATE INDEX IF NOT EXISTS mo_messages_received_at_brin
    ON messaging.mo_messages USING brin (received_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('messaging.mo_messages').ifExists().execute();
}
