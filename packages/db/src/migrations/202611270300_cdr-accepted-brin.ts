// CDR retention (`pruneCdrs`, run by dlr-tracker when CDR_RETENTION_DAYS is
// set) deletes rows by accepted_at, which no index served alone: the only
// one on it is (customer_id, accepted_at). A B-tree on accepted_at would
// be one more index every CDR insert maintains (the tracker's hottest
// write); a BRIN index keeps only the min/max per 128 pages, a few pages
// for millions of rows, and costs an insert almost nothing. It fits because
// rows are written in acceptance order (a message's receipt updates its row
// in place, fillfactor 60), so each block range covers a narrow time span.
//
// A plain CREATE INDEX blocks CDR writes while it builds (receipts wait in
// their queues, nothing is lost); BRIN builds in one sequential scan. On a
// large table, build it beforehand without blocking (docs/deploy.md):
//   CREATE INDEX CONCURRENTLY IF NOT EXISTS cdrs_accepted_at_brin
//     ON messaging.cdrs USING brin (accepted_at);
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS cdrs_accepted_at_brin
    ON messaging.cdrs USING brin (accepted_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS messaging.cdrs_accepted_at_brin`.execute(db);
}
