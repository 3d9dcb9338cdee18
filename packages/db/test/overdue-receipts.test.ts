// The receipt-timeout sweep over the CDRs: which messages are overdue, in
// what order, and that its mark makes every overdue message come up once
// (paging within one instant, slices of acceptance time, a failed batch
// found again, one replica at a time). Real PostgreSQL, its own database.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  sweepOverdueSubmissions,
  upsertCdrs,
  type CdrWrite,
  type Database,
  type OverdueSubmission,
  type OverdueSweepBatch,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;

useMigratedDatabase((ready) => (db = ready));

const customerId = randomUUID();
const vendorId = randomUUID();
const HOUR = 3_600_000;
const t0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (hours: number) => new Date(t0 + hours * HOUR);

function cdr(
  messageId: string,
  acceptedHours: number,
  overrides: Partial<CdrWrite> = {},
): CdrWrite {
  return {
    messageId,
    customerId,
    systemId: 'demo',
    vendorId,
    vendorMessageId: `V-${messageId}`,
    vendorMessageKey: `v-${messageId}`,
    sourceAddr: '15550001000',
    destinationAddr: '15551234567',
    segments: 1,
    submitStatus: 'submitted',
    acceptedAt: at(acceptedHours),
    submittedAt: at(acceptedHours),
    ...overrides,
  };
}

/** One batch; what it handed over, in order. */
async function sweep(
  beforeHours: number,
  options: { limit?: number; spanHours?: number; fail?: boolean } = {},
): Promise<{ batch: OverdueSweepBatch; ids: string[] }> {
  const ids: string[] = [];
  const batch = await sweepOverdueSubmissions(db, {
    before: at(beforeHours),
    limit: options.limit ?? 100,
    spanMs: (options.spanHours ?? 1_000) * HOUR,
    handle: (overdue: readonly OverdueSubmission[]) => {
      if (options.fail) return Promise.reject(new Error('broker away'));
      ids.push(...overdue.map((o) => o.messageId));
      return Promise.resolve();
    },
  });
  return { batch, ids };
}

describe('sweepOverdueSubmissions', () => {
  it('starts at its first cutoff, then hands over each unreported message once, in acceptance order', async () => {
    await upsertCdrs(db, [cdr('before-start', 0.5)]);
    expect((await sweep(1)).batch).toEqual({ kind: 'started' });

    await upsertCdrs(db, [
      cdr('m3-silent', 3),
      cdr('m2-enroute', 2, { deliveryStatus: 'ENROUTE' }),
      cdr('m4-delivered', 4, { deliveryStatus: 'DELIVRD', doneAt: at(4) }),
      cdr('m5-unknown', 5, { deliveryStatus: 'UNKNOWN', doneAt: at(5) }),
      cdr('m6-not-sent', 6, { submitStatus: 'accepted', submittedAt: null }),
      cdr('m7-failed', 7, { submitStatus: 'failed', failureReason: 'no_route' }),
      cdr('m8-silent', 8),
      cdr('m20-not-yet', 20),
    ]);
    const first = await sweep(10);
    // Older than the first cutoff: never (an upgrade does not flood old ones).
    expect(first.ids).toEqual(['m2-enroute', 'm3-silent', 'm8-silent']);
    expect(first.batch).toEqual({ kind: 'swept', found: 3, caughtUp: true });
    expect((await sweep(10)).ids).toEqual([]);

    const later = await sweep(21);
    expect(later.ids).toEqual(['m20-not-yet']);
  });

  it('pages through messages accepted in the same instant without repeating or skipping one', async () => {
    const same = ['s-e', 's-a', 's-d', 's-b', 's-c'];
    await upsertCdrs(
      db,
      same.map((id) => cdr(id, 30)),
    );
    const seen: string[] = [];
    const batches: OverdueSweepBatch[] = [];
    for (let i = 0; i < 4; i += 1) {
      const { batch, ids } = await sweep(31, { limit: 2 });
      batches.push(batch);
      seen.push(...ids);
    }
    expect(seen).toEqual(['s-a', 's-b', 's-c', 's-d', 's-e']);
    expect(batches.map((b) => (b.kind === 'swept' ? [b.found, b.caughtUp] : b.kind))).toEqual([
      [2, false],
      [2, false],
      [1, true],
      [0, true],
    ]);
  });

  it('reads a long backlog in slices of acceptance time', async () => {
    await upsertCdrs(db, [cdr('slice-1', 40), cdr('slice-2', 43), cdr('slice-3', 46)]);
    const slices: string[][] = [];
    let caughtUp = false;
    while (!caughtUp) {
      const { batch, ids } = await sweep(48, { spanHours: 2 });
      slices.push(ids);
      caughtUp = batch.kind === 'swept' && batch.caughtUp;
    }
    // From the mark at 31 h: 31–33, 33–35, …, 47–48.
    expect(slices.flat()).toEqual(['slice-1', 'slice-2', 'slice-3']);
    expect(slices.length).toBe(9);
    expect(slices.filter((s) => s.length > 0)).toEqual([['slice-1'], ['slice-2'], ['slice-3']]);
  });

  it('does not move past a batch whose handling failed', async () => {
    await upsertCdrs(db, [cdr('retry-me', 50)]);
    await expect(sweep(51, { fail: true })).rejects.toThrow('broker away');
    expect((await sweep(51)).ids).toEqual(['retry-me']);
  });

  it('lets one replica sweep at a time', async () => {
    await upsertCdrs(db, [cdr('held', 60)]);
    let release!: () => void;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holding = sweepOverdueSubmissions(db, {
      before: at(61),
      limit: 100,
      spanMs: 1_000 * HOUR,
      handle: () => {
        entered();
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await inside;
    expect((await sweep(61)).batch).toEqual({ kind: 'yielded' });
    release();
    expect(await holding).toEqual({ kind: 'swept', found: 1, caughtUp: true });
  });
});
