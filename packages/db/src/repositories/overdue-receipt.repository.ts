// Messages a vendor accepted and never reported on: the CDRs still
// `submitted` with no final delivery status a long time after acceptance.
// dlr-tracker's receipt timeout walks them in acceptance order, one bounded
// slice of acceptance time per batch, and remembers how far it has come in
// messaging.sweep_marks, so a restart (or another replica) resumes where the
// last batch ended instead of rescanning the table or skipping a stretch.
import { sql, type Kysely } from 'kysely';
import { FINAL_DELIVERY_STATUSES, type Database } from '../schema.js';
import { withXactLockIfFree } from './advisory-lock.js';

/** Advisory lock of the sweep (any constant unique to this use): one replica sweeps at a time. */
const SWEEP_LOCK_KEY = 0x5347_5254; // "SGRT"
const MARK = 'receipt-timeout';

export interface OverdueSubmission {
  readonly messageId: string;
  readonly vendorId: string;
  readonly vendorMessageId: string;
  /** The id under the vendor's declared format; null on rows archived before the key existed. */
  readonly vendorMessageKey: string | null;
  readonly acceptedAt: Date;
}

export interface OverdueSweepOptions {
  /** Messages accepted before this and still without a final status are overdue. */
  readonly before: Date;
  /** Most messages handed to `handle` per batch. */
  readonly limit: number;
  /**
   * Most acceptance time one batch scans (the CDRs are found through the
   * BRIN index on accepted_at): a sweep that resumes after a long pause
   * reads the backlog in slices instead of in one query over all of it.
   */
  readonly spanMs: number;
  /**
   * Called inside the batch's transaction with the overdue messages found;
   * the mark advances only when it resolves (a rejection rolls the batch
   * back and the next run finds the same messages again).
   */
  readonly handle: (overdue: readonly OverdueSubmission[]) => Promise<void>;
}

export type OverdueSweepBatch =
  /** Another replica holds the sweep. */
  | { readonly kind: 'yielded' }
  /** The first batch ever: the mark is set at `before`; older CDRs are not swept. */
  | { readonly kind: 'started' }
  | {
      readonly kind: 'swept';
      readonly found: number;
      /** The mark reached `before`: nothing more is due now. */
      readonly caughtUp: boolean;
    };

/** One batch of the receipt-timeout sweep, in one transaction under the sweep's advisory lock. */
export async function sweepOverdueSubmissions(
  db: Kysely<Database>,
  options: OverdueSweepOptions,
): Promise<OverdueSweepBatch> {
  const batch = await withXactLockIfFree(db, SWEEP_LOCK_KEY, async (trx) => {
    const mark = await trx
      .selectFrom('messaging.sweep_marks')
      .select(['until_at', 'until_id'])
      .where('name', '=', MARK)
      .executeTakeFirst();
    if (!mark) {
      // Not from the beginning of the table: on an upgrade that would turn
      // every old unreported message into a receipt at once.
      await trx
        .insertInto('messaging.sweep_marks')
        .values({ name: MARK, until_at: options.before, until_id: '', updated_at: new Date() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      return { kind: 'started' } as const;
    }

    const from = mark.until_at;
    const end = new Date(Math.min(options.before.getTime(), from.getTime() + options.spanMs));
    if (end.getTime() <= from.getTime())
      return { kind: 'swept', found: 0, caughtUp: true } as const;

    const overdue = await trx
      .selectFrom('messaging.cdrs')
      .select(['message_id', 'vendor_id', 'vendor_message_id', 'vendor_message_key', 'accepted_at'])
      // The range bounds use the BRIN index; the row comparison resumes
      // within one instant.
      .where('accepted_at', '>=', from)
      .where('accepted_at', '<', end)
      .where(sql<boolean>`(accepted_at, message_id) > (${from}::timestamptz, ${mark.until_id})`)
      .where('submit_status', '=', 'submitted')
      .where((eb) =>
        eb.or([
          eb('delivery_status', 'is', null),
          eb('delivery_status', 'not in', [...FINAL_DELIVERY_STATUSES]),
        ]),
      )
      .where('vendor_id', 'is not', null)
      .where('vendor_message_id', 'is not', null)
      .orderBy('accepted_at')
      .orderBy('message_id')
      .limit(options.limit)
      .execute();

    const found = overdue.map((r) => ({
      messageId: r.message_id,
      vendorId: r.vendor_id as string,
      vendorMessageId: r.vendor_message_id as string,
      vendorMessageKey: r.vendor_message_key,
      acceptedAt: r.accepted_at,
    }));
    if (found.length > 0) await options.handle(found);

    // A full page ends at its last message (the rest of the slice is the
    // next batch's); otherwise the whole slice has been looked at.
    const full = found.length === options.limit;
    const last = found.at(-1);
    const next = full && last ? { at: last.acceptedAt, id: last.messageId } : { at: end, id: '' };
    await trx
      .updateTable('messaging.sweep_marks')
      .set({ until_at: next.at, until_id: next.id, updated_at: new Date() })
      .where('name', '=', MARK)
      .execute();
    return {
      kind: 'swept',
      found: found.length,
      caughtUp: !full && end.getTime() >= options.before.getTime(),
    } as const;
  });
  return batch ?? { kind: 'yielded' };
}
