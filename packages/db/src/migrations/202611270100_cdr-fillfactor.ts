// A CDR row whose message requested a receipt is written twice: inserted at
// the submit result and updated when the receipt arrives, seconds later.
// Packed full (fillfactor 100), a page has no room for the row's new
// version, so the update goes to another page and adds an entry to every index (primary key, customer, vendor
// key), which vacuum must clean up later. With 40 % of each page left free
// the new version stays on the row's page and no index is touched, since
// the receipt changes no indexed column (`pnpm bench:cdr`: 0 → 67–70 % of
// updates HOT, ≈ 20 µs less PostgreSQL CPU per SMS; docs/performance.md,
// ninth round). The table takes more pages for rows never updated (no
// receipt requested); those that are updated took two versions anyway.
//
// SET (fillfactor) takes a SHARE UPDATE EXCLUSIVE lock (reads and writes go
// on) and applies to pages filled from now on; existing pages keep their
// packing until a rewrite (VACUUM FULL, pg_repack), which is not needed.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE messaging.cdrs SET (fillfactor = 60)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE messaging.cdrs RESET (fillfactor)`.execute(db);
}
