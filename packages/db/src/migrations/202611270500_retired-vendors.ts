// A deleted vendor leaves a tombstone. MTs can still sit in its broker queues
// (a backlog, or MTs routed in the moment before the routers reloaded), and
// the vendor-connector pods that saw the deletion hand them back to the
// router. A pod that did not see it (down, or started later) knew nothing of
// the vendor any more, so what was left stayed in the queue for good, with
// no receipt. The tombstone keeps what a connector needs to drain those
// queues at start, as it does for an inactive vendor. Rows are kept: they
// are few (one per deleted vendor) and the check they cost at a connector's
// start is two passive queue lookups each.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vendor_mgmt.retired_vendors')
    .ifNotExists()
    .addColumn('vendor_id', 'uuid', (c) => c.primaryKey())
    .addColumn('instance_name', 'text', (c) => c.notNull())
    .addColumn('default_alphabet', 'text', (c) => c.notNull())
    .addColumn('message_id_format', 'text', (c) => c.notNull())
    .addColumn('receipt_message_id_format', 'text')
    .addColumn('retired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('vendor_mgmt.retired_vendors').ifExists().execute();
}
