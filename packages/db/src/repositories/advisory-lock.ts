// Periodic jobs that every replica runs but only one may run at a time (CDR
// and MO retention, the receipt-timeout sweep) take a transaction-level
// advisory lock first: it is released with the transaction, so a replica
// that dies mid-batch cannot leave it held.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Runs `work` in a transaction holding advisory lock `key`; undefined, with
 * nothing done, when another session holds it.
 */
export function withXactLockIfFree<T>(
  db: Kysely<Database>,
  key: number,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T | undefined> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(${key}) AS locked`.execute(trx);
    return rows[0]?.locked ? work(trx) : undefined;
  });
}
