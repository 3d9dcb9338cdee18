import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { getCdr, pruneCdrs, upsertCdrs, type CdrWrite, type Database } from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;

useMigratedDatabase((ready) => (db = ready));

beforeEach(async () => {
  await sql`TRUNCATE messaging.cdrs`.execute(db);
});

const DAY = 86_400_000;
const customerId = randomUUID();

function cdr(messageId: string, acceptedAt: Date): CdrWrite {
  return {
    messageId,
    customerId,
    systemId: 'ret',
    sourceAddr: '15550001000',
    destinationAddr: '15551234567',
    segments: 1,
    submitStatus: 'submitted',
    acceptedAt,
  };
}

/** `count` CDRs accepted `daysAgo` days ago, ids prefixed. */
async function written(prefix: string, count: number, daysAgo: number): Promise<string[]> {
  const at = new Date(Date.now() - daysAgo * DAY);
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await upsertCdrs(
    db,
    ids.map((id) => cdr(id, at)),
  );
  return ids;
}

async function remaining(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM messaging.cdrs`.execute(
    db,
  );
  return rows[0]!.n;
}

describe('pruneCdrs', () => {
  it('deletes the CDRs accepted before the cutoff, batch by batch, and nothing else', async () => {
    const old = await written('old', 23, 40);
    const kept = await written('new', 9, 10);
    const result = await pruneCdrs(db, { before: new Date(Date.now() - 30 * DAY), batchSize: 7 });
    expect(result).toEqual({ deleted: 23, yielded: false });
    expect(await remaining()).toBe(9);
    expect(await getCdr(db, old[0]!)).toBeUndefined();
    expect(await getCdr(db, kept[0]!)).toBeDefined();
    expect(await pruneCdrs(db, { before: new Date(Date.now() - 30 * DAY) })).toEqual({
      deleted: 0,
      yielded: false,
    });
  });

  it('stops after maxBatches, leaving the rest for the next run', async () => {
    await written('old', 20, 40);
    const cutoff = new Date(Date.now() - 30 * DAY);
    expect(await pruneCdrs(db, { before: cutoff, batchSize: 5, maxBatches: 2 })).toEqual({
      deleted: 10,
      yielded: false,
    });
    expect(await remaining()).toBe(10);
  });

  it('yields to another process that is pruning', async () => {
    await written('old', 5, 40);
    const cutoff = new Date(Date.now() - 30 * DAY);
    // Another replica's batch in progress: it holds the advisory lock.
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${0x5347_4344})`.execute(trx);
      expect(await pruneCdrs(db, { before: cutoff })).toEqual({ deleted: 0, yielded: true });
    });
    expect(await remaining()).toBe(5);
    expect((await pruneCdrs(db, { before: cutoff })).deleted).toBe(5);
  });

  it('finds the rows through the BRIN index on accepted_at in a table of realistic size', async () => {
    // 200 000 rows of 50 customers written in acceptance order over 60 days.
    await sql`
      INSERT INTO messaging.cdrs (message_id, customer_id, system_id, source_addr,
        destination_addr, segments, submit_status, accepted_at)
      SELECT 'bulk-' || g, ('00000000-0000-4000-8000-' || lpad((g % 50)::text, 12, '0'))::uuid,
        'ret', '15550001000', '15551234567', 1, 'submitted',
        now() - interval '60 days' + g * interval '25 seconds'
      FROM generate_series(1, 200000) AS g`.execute(db);
    await sql`ANALYZE messaging.cdrs`.execute(db);
    const { rows } = await sql<{ 'QUERY PLAN': string }>`
      EXPLAIN SELECT ctid FROM messaging.cdrs
      WHERE accepted_at < ${new Date(Date.now() - 30 * DAY)} LIMIT 5000`.execute(db);
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('cdrs_accepted_at_brin');
  });

  it('refuses a batch size that is not a positive integer', async () => {
    await expect(pruneCdrs(db, { before: new Date(), batchSize: 0 })).rejects.toThrow(RangeError);
  });
});
