// Batched deletion of rows older than a cutoff, shared by the CDR and MO
// archive retention (see pruneCdrs for why it is shaped this way).
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { withXactLockIfFree } from './advisory-lock.js';

/** What one prune call did. */
export interface PruneResult {
  /** Rows deleted. */
  readonly deleted: number;
  /** Stopped because another process was pruning (its batches hold the lock). */
  readonly yielded: boolean;
}

export interface PruneOptions {
  readonly before: Date;
  readonly batchSize?: number;
  readonly maxBatches?: number;
  /** Asked before each batch: true ends the run there (shutdown). */
  readonly shouldStop?: () => boolean;
}

/** A table, its time column (BRIN-indexed) and the advisory lock its pruning takes. */
export interface PruneTarget {
  readonly table: 'messaging.cdrs' | 'messaging.mo_messages';
  readonly column: 'accepted_at' | 'received_at';
  readonly lockKey: number;
}

export async function pruneBefore(
  db: Kysely<Database>,
  target: PruneTarget,
  options: PruneOptions,
): Promise<PruneResult> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const table = sql.table(target.table);
  const column = sql.ref(target.column);
  let deleted = 0;
  for (let batch = 0; batch < maxBatches && !options.shouldStop?.(); batch += 1) {
    const outcome = await withXactLockIfFree(db, target.lockKey, async (trx) => {
      const result = await sql`
        DELETE FROM ${table}
        WHERE ctid = ANY (ARRAY(
          SELECT ctid FROM ${table}
          WHERE ${column} < ${options.before}
          LIMIT ${batchSize}))`.execute(trx);
      return Number(result.numAffectedRows ?? 0n);
    });
    if (outcome === undefined) return { deleted, yielded: true };
    deleted += outcome;
    if (outcome < batchSize) break;
  }
  return { deleted, yielded: false };
}
