// Who put a destination block there: an operator (the admin API), or the
// subscriber, who replied STOP to one of the customer's numbers
// (router-worker records an opt-out as a block of the subscriber's number
// for that customer, and lifts it on START). A subscriber's START lifts only
// the block its STOP made, never an operator's.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE routing.blocked_destinations
    ADD COLUMN origin text NOT NULL DEFAULT 'operator'
      CONSTRAINT blocked_destinations_origin_check CHECK (origin IN ('operator', 'opt_out'))`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE routing.blocked_destinations DROP COLUMN origin`.execute(db);
}
