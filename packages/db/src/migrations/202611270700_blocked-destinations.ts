// Destinations the operator refuses to send to: number ranges abused for
// artificially inflated traffic (SMS pumping to premium or revenue-share
// ranges), regulatory blocks, a number that asked not to be messaged. A
// prefix of digits (a whole number is the longest prefix), for every
// customer or for one. The router fails a matching MT `blocked` before it
// chooses a vendor, so it never costs a carrier fee.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('routing.blocked_destinations')
    .ifNotExists()
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('prefix', 'text', (c) => c.notNull())
    // Null: every customer. A customer's own block goes with the customer.
    .addColumn('customer_id', 'uuid', (c) =>
      c.references('customer_mgmt.accounts.id').onDelete('cascade'),
    )
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // E.164 digits or a short code: 1 to 15 digits, as destinations are stored.
    .addCheckConstraint('blocked_destinations_prefix_check', sql`prefix ~ '^[0-9]{1,15}$'`)
    .addCheckConstraint('blocked_destinations_reason_check', sql`char_length(reason) <= 200`)
    .execute();
  // One block per prefix and scope (a global one and a customer's may coexist).
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS blocked_destinations_prefix_scope_idx
    ON routing.blocked_destinations (prefix, customer_id) NULLS NOT DISTINCT`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('routing.blocked_destinations').ifExists().execute();
}
