import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import {
  FINAL_DELIVERY_STATUSES,
  type CdrRow,
  type CdrTable,
  type Database,
  type DeliveryStatus,
  type NewCdrRow,
  type SubmitStatus,
} from '../schema.js';
import { isUuid, toSafeInteger, toSafeIntegerOrNull } from './column-values.js';
import { pruneBefore, type PruneOptions, type PruneResult } from './prune.js';
import { keysetPage } from './pagination.js';

const TABLE = 'messaging.cdrs';

/** One row per message (per part for multipart traffic): the billing record. */
export interface Cdr {
  /** Our message id, as returned in submit_sm_resp. */
  readonly messageId: string;
  readonly customerId: string;
  readonly systemId: string;
  readonly vendorId: string | null;
  readonly vendorMessageId: string | null;
  /** The vendor's id under its declared format (null on rows from before it was archived). */
  readonly vendorMessageKey: string | null;
  readonly routeId: string | null;
  readonly sourceAddr: string;
  readonly destinationAddr: string;
  readonly segments: number;
  readonly concatRef: number | null;
  readonly partSeq: number | null;
  readonly partTotal: number | null;
  readonly pricePerSegmentMicros: number | null;
  readonly costPerSegmentMicros: number | null;
  readonly currency: string | null;
  readonly submitStatus: SubmitStatus;
  readonly deliveryStatus: DeliveryStatus | null;
  readonly error: string | null;
  readonly failureReason: string | null;
  readonly acceptedAt: Date;
  readonly submittedAt: Date | null;
  readonly doneAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** registered_delivery of the submit, and the addresses' TON/NPI (null on rows from before they were archived). */
  readonly registeredDelivery: number | null;
  readonly sourceTon: number | null;
  readonly sourceNpi: number | null;
  readonly destinationTon: number | null;
  readonly destinationNpi: number | null;
  /**
   * What the message cost the customer (segments × price per segment), set
   * once when a carrier accepted it; null before that and when it never was
   * (taken off a prepaid balance in the same statement).
   */
  readonly chargedMicros: number | null;
}

/** What the tracker knows about a message now; omitted fields mean "unknown". */
export interface CdrWrite {
  readonly messageId: string;
  readonly customerId: string;
  readonly systemId: string;
  readonly vendorId?: string | null;
  readonly vendorMessageId?: string | null;
  readonly vendorMessageKey?: string | null;
  readonly routeId?: string | null;
  readonly sourceAddr: string;
  readonly destinationAddr: string;
  readonly segments: number;
  readonly concatRef?: number | null;
  readonly partSeq?: number | null;
  readonly partTotal?: number | null;
  readonly pricePerSegmentMicros?: number | null;
  readonly costPerSegmentMicros?: number | null;
  readonly currency?: string | null;
  readonly submitStatus: SubmitStatus;
  readonly deliveryStatus?: DeliveryStatus | null;
  readonly error?: string | null;
  readonly failureReason?: string | null;
  readonly acceptedAt: Date;
  readonly submittedAt?: Date | null;
  readonly doneAt?: Date | null;
  readonly registeredDelivery?: number | null;
  readonly sourceTon?: number | null;
  readonly sourceNpi?: number | null;
  readonly destinationTon?: number | null;
  readonly destinationNpi?: number | null;
  /**
   * The router priced the message for a prepaid balance in `currency`: the
   * charge also comes off that balance (see the prepaid-credit migration).
   */
  readonly chargePrepaid?: boolean | null;
}

export function toCdr(row: CdrRow): Cdr {
  return {
    messageId: row.message_id,
    customerId: row.customer_id,
    systemId: row.system_id,
    vendorId: row.vendor_id,
    vendorMessageId: row.vendor_message_id,
    vendorMessageKey: row.vendor_message_key,
    routeId: row.route_id,
    sourceAddr: row.source_addr,
    destinationAddr: row.destination_addr,
    segments: row.segments,
    concatRef: row.concat_ref,
    partSeq: row.part_seq,
    partTotal: row.part_total,
    pricePerSegmentMicros: toSafeIntegerOrNull(row.price_per_segment_micros),
    costPerSegmentMicros: toSafeIntegerOrNull(row.cost_per_segment_micros),
    currency: row.currency,
    submitStatus: row.submit_status,
    deliveryStatus: row.delivery_status,
    error: row.error,
    failureReason: row.failure_reason,
    acceptedAt: row.accepted_at,
    submittedAt: row.submitted_at,
    doneAt: row.done_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    registeredDelivery: row.registered_delivery,
    sourceTon: row.source_ton,
    sourceNpi: row.source_npi,
    destinationTon: row.destination_ton,
    destinationNpi: row.destination_npi,
    chargedMicros: toSafeIntegerOrNull(row.charged_micros),
  };
}

/**
 * The inserted columns and their PostgreSQL types: a batch travels as one
 * array per column (`unnest`), so the statement has one parameter per column
 * (29) whatever the batch size. A multi-row VALUES list had that many per
 * row (2 800 for 100 rows), which kysely compiled and PostgreSQL parsed and
 * planned anew for every batch.
 */
const INSERT_COLUMNS = [
  ['message_id', 'text'],
  ['customer_id', 'uuid'],
  ['system_id', 'text'],
  ['vendor_id', 'uuid'],
  ['vendor_message_id', 'text'],
  ['route_id', 'uuid'],
  ['source_addr', 'text'],
  ['destination_addr', 'text'],
  ['segments', 'int4'],
  ['concat_ref', 'int4'],
  ['part_seq', 'int4'],
  ['part_total', 'int4'],
  ['price_per_segment_micros', 'int8'],
  ['cost_per_segment_micros', 'int8'],
  ['currency', 'bpchar'],
  ['submit_status', 'text'],
  ['delivery_status', 'text'],
  ['error', 'text'],
  ['failure_reason', 'text'],
  ['accepted_at', 'timestamptz'],
  ['submitted_at', 'timestamptz'],
  ['done_at', 'timestamptz'],
  ['vendor_message_key', 'text'],
  ['registered_delivery', 'int2'],
  ['source_ton', 'int2'],
  ['source_npi', 'int2'],
  ['destination_ton', 'int2'],
  ['destination_npi', 'int2'],
  ['charge_prepaid', 'bool'],
] as const satisfies readonly (readonly [keyof NewCdrRow, string])[];

type InsertColumn = (typeof INSERT_COLUMNS)[number][0];

function toNewCdrRow(write: CdrWrite): Required<Pick<NewCdrRow, InsertColumn>> {
  return {
    message_id: write.messageId,
    customer_id: write.customerId,
    system_id: write.systemId,
    vendor_id: write.vendorId ?? null,
    vendor_message_id: write.vendorMessageId ?? null,
    route_id: write.routeId ?? null,
    source_addr: write.sourceAddr,
    destination_addr: write.destinationAddr,
    segments: write.segments,
    concat_ref: write.concatRef ?? null,
    part_seq: write.partSeq ?? null,
    part_total: write.partTotal ?? null,
    price_per_segment_micros: write.pricePerSegmentMicros ?? null,
    cost_per_segment_micros: write.costPerSegmentMicros ?? null,
    currency: write.currency ?? null,
    submit_status: write.submitStatus,
    delivery_status: write.deliveryStatus ?? null,
    error: write.error ?? null,
    failure_reason: write.failureReason ?? null,
    accepted_at: write.acceptedAt,
    submitted_at: write.submittedAt ?? null,
    done_at: write.doneAt ?? null,
    vendor_message_key: write.vendorMessageKey ?? null,
    registered_delivery: write.registeredDelivery ?? null,
    source_ton: write.sourceTon ?? null,
    source_npi: write.sourceNpi ?? null,
    destination_ton: write.destinationTon ?? null,
    destination_npi: write.destinationNpi ?? null,
    charge_prepaid: write.chargePrepaid ?? null,
  };
}

/**
 * Rows per statement: a tracker batch (CDR_BATCH_MAX_ROWS ≤ 2000) is one
 * statement; bigger inputs are split so one statement's arrays stay modest.
 */
const MAX_ROWS_PER_STATEMENT = 2000;

const FINAL_LIST = sql.join(FINAL_DELIVERY_STATUSES.map((status) => sql.lit(status)));

/** The stored row already reached the end of its life: later writes may only fill gaps. */
const STORED_IS_FINAL = sql<boolean>`(cdrs.submit_status = 'failed' OR cdrs.delivery_status IN (${FINAL_LIST}))`;

/** Columns that follow the latest news until the row is final, then only fill gaps. */
const MUTABLE_COLUMNS = [
  'vendor_id',
  'vendor_message_id',
  'vendor_message_key',
  'route_id',
  'price_per_segment_micros',
  'cost_per_segment_micros',
  'currency',
  'charge_prepaid',
  'error',
  'failure_reason',
  'submitted_at',
  'done_at',
] as const;

/** Set when the message was accepted; later writes only fill what was missing. */
const FILL_ONLY_COLUMNS = [
  'concat_ref',
  'part_seq',
  'part_total',
  'registered_delivery',
  'source_ton',
  'source_npi',
  'destination_ton',
  'destination_npi',
] as const;

function stored(column: string): RawBuilder<never> {
  return sql.ref(`cdrs.${column}`);
}
function incoming(column: string): RawBuilder<never> {
  return sql.ref(`excluded.${column}`);
}

/**
 * How a conflicting write merges into the stored row, so that replays and
 * out-of-order events (a receipt before the submit result, a stale retry after
 * a final receipt) never move a message backwards:
 * - submit_status only advances: accepted → submitted → failed;
 * - delivery_status takes the incoming word unless the stored one is final
 *   (every stat except ENROUTE): the first final state wins;
 * - mutable columns take incoming non-null values until the stored row is
 *   final (failed, or a final delivery status), then only fill gaps; a null
 *   never erases a value;
 * - identity columns (parties, segments, accepted_at) keep the first write.
 */
// RawBuilder<never> is assignable to every column's expression type: the
// CASE expressions are typed by the columns they read.
type Assignments = Partial<Record<keyof CdrTable, RawBuilder<never>>>;

function mergeAssignments(): Assignments {
  const assignments: Assignments = {
    submit_status: sql`CASE
      WHEN (CASE excluded.submit_status WHEN 'failed' THEN 2 WHEN 'submitted' THEN 1 ELSE 0 END)
         > (CASE cdrs.submit_status WHEN 'failed' THEN 2 WHEN 'submitted' THEN 1 ELSE 0 END)
      THEN excluded.submit_status ELSE cdrs.submit_status END`,
    delivery_status: sql`CASE
      WHEN excluded.delivery_status IS NOT NULL
       AND (cdrs.delivery_status IS NULL OR cdrs.delivery_status NOT IN (${FINAL_LIST}))
      THEN excluded.delivery_status ELSE cdrs.delivery_status END`,
    updated_at: sql`now()`,
  };
  for (const column of MUTABLE_COLUMNS) {
    assignments[column] = sql`CASE WHEN ${STORED_IS_FINAL}
      THEN COALESCE(${stored(column)}, ${incoming(column)})
      ELSE COALESCE(${incoming(column)}, ${stored(column)}) END`;
  }
  for (const column of FILL_ONLY_COLUMNS) {
    assignments[column] = sql`COALESCE(${stored(column)}, ${incoming(column)})`;
  }
  return assignments;
}

const MERGE_ASSIGNMENTS = mergeAssignments();

/**
 * Skip the update (keep the row version and updated_at) unless the merge
 * actually changes a column: replays and stale events are then free.
 */
const MERGED_COLUMNS = [
  'submit_status',
  'delivery_status',
  ...MUTABLE_COLUMNS,
  ...FILL_ONLY_COLUMNS,
] as const;
const MERGE_CHANGES_SOMETHING = sql<boolean>`(${sql.join(
  MERGED_COLUMNS.map((column) => MERGE_ASSIGNMENTS[column] ?? stored(column)),
)}) IS DISTINCT FROM (${sql.join(MERGED_COLUMNS.map(stored))})`;

const TIMESTAMP_COLUMNS: ReadonlySet<InsertColumn> = new Set(
  INSERT_COLUMNS.filter(([, type]) => type === 'timestamptz').map(([column]) => column),
);

/**
 * A timestamp as the ISO text PostgreSQL reads: pg's own Date formatting
 * (local time, padded piece by piece) was a visible share of the tracker's
 * allocations. An invalid Date stays a Date, so PostgreSQL still refuses it
 * as a data error, as before.
 */
function timestampParam(value: unknown): unknown {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value;
}

/**
 * The statement's text, compiled once: it does not depend on the rows (one
 * array parameter per column, in INSERT_COLUMNS order), and building and
 * compiling kysely's tree for every batch was the tracker's largest cost in
 * kysely. Only the parameters change from batch to batch. Compiled without
 * plugins, so the text does not depend on which instance asked first; the
 * precompiled query bypasses query-transforming plugins anyway.
 *
 * The leading comment marks it for runtime's createKysely, which runs it as a
 * named prepared statement: parsing and planning this statement was about a
 * fifth of PostgreSQL's CPU per CDR row (docs/performance.md, ninth round).
 * Through another pool it is an ordinary comment.
 */
const UPSERT_MARKER = '/* prepare:smppgw_cdr_upsert */ ';

let upsertText: string | undefined;

function upsertSql(db: Kysely<Database>): string {
  if (upsertText !== undefined) return upsertText;
  const arrays = INSERT_COLUMNS.map(([, type]) => sql`${[]}::${sql.raw(type)}[]`);
  const compiled = db
    .withoutPlugins()
    .insertInto(TABLE)
    .columns(INSERT_COLUMNS.map(([column]) => column))
    .expression(sql`SELECT * FROM unnest(${sql.join(arrays)})`)
    .onConflict((oc) =>
      oc.column('message_id').doUpdateSet(MERGE_ASSIGNMENTS).where(MERGE_CHANGES_SOMETHING),
    )
    .compile();
  // The parameters are bound by position: the merge clauses must stay free of them.
  if (compiled.parameters.length !== INSERT_COLUMNS.length) {
    throw new Error(
      `CDR upsert compiled with ${compiled.parameters.length} parameters, expected ${INSERT_COLUMNS.length}`,
    );
  }
  upsertText = UPSERT_MARKER + compiled.sql;
  return upsertText;
}

async function upsertStatement(
  db: Kysely<Database>,
  rows: Required<Pick<NewCdrRow, InsertColumn>>[],
): Promise<number> {
  const parameters = INSERT_COLUMNS.map(([column]) =>
    TIMESTAMP_COLUMNS.has(column)
      ? rows.map((row) => timestampParam(row[column]))
      : rows.map((row) => row[column]),
  );
  const result = await withDataErrors(
    db.executeQuery(CompiledQuery.raw(upsertSql(db), parameters)),
  );
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Writes CDRs as one INSERT … SELECT FROM unnest(…) ON CONFLICT (message_id) DO UPDATE
 * (see `mergeAssignments` for the merge rules). Rows are sorted by customer,
 * then message id, so concurrent tracker pods lock CDR rows, and the prepaid
 * balances the triggers debit, in the same order and cannot deadlock.
 * PostgreSQL refuses to update one row twice in a statement, so a batch that
 * repeats a message id is applied as successive statements in one
 * transaction, oldest event first; a batch larger than 2000 rows is split the
 * same way. Returns the number of rows inserted or changed (a replay counts 0).
 */
export async function upsertCdrs(
  db: Kysely<Database>,
  writes: readonly CdrWrite[],
): Promise<number> {
  if (writes.length === 0) return 0;
  const statements: Required<Pick<NewCdrRow, InsertColumn>>[][] = [];
  const occurrences = new Map<string, number>();
  for (const write of writes) {
    const round = occurrences.get(write.messageId) ?? 0;
    occurrences.set(write.messageId, round + 1);
    (statements[round] ??= []).push(toNewCdrRow(write));
  }
  const chunks = statements.flatMap((rows) => {
    rows.sort((a, b) =>
      a.customer_id !== b.customer_id
        ? a.customer_id < b.customer_id
          ? -1
          : 1
        : a.message_id < b.message_id
          ? -1
          : a.message_id > b.message_id
            ? 1
            : 0,
    );
    const parts: Required<Pick<NewCdrRow, InsertColumn>>[][] = [];
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
      parts.push(rows.slice(i, i + MAX_ROWS_PER_STATEMENT));
    }
    return parts;
  });
  const [only] = chunks;
  if (chunks.length === 1 && only) return upsertStatement(db, only);
  const run = async (tx: Kysely<Database>): Promise<number> => {
    let written = 0;
    for (const chunk of chunks) written += await upsertStatement(tx, chunk);
    return written;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

export async function getCdr(db: Kysely<Database>, messageId: string): Promise<Cdr | undefined> {
  const row = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('message_id', '=', messageId)
    .executeTakeFirst();
  return row && toCdr(row);
}

/** Where a page of `searchCdrs` ended: the next page starts after this row. */
export interface CdrCursor {
  readonly acceptedAt: Date;
  readonly messageId: string;
}

/** One customer's messages accepted in [from, to), newest first. */
export interface CdrSearch {
  readonly customerId: string;
  readonly from: Date;
  readonly to: Date;
  /** The message's status: its receipt's when it has one, else its submit status. */
  readonly status?: DeliveryStatus | SubmitStatus;
  readonly destination?: string;
  readonly source?: string;
  readonly vendorId?: string;
  readonly limit: number;
  readonly after?: CdrCursor;
}

/**
 * A page of one customer's CDRs in a time window (support: "what happened to
 * my messages to this number this morning"). The window and the customer
 * ride the (customer_id, accepted_at) index; the other filters are applied
 * to the rows in it, so the caller bounds the window. Keyset pagination on
 * (accepted_at, message_id): stable while rows are added, no OFFSET scan.
 * accepted_at is written from the edge's millisecond timestamps, so a
 * cursor's Date holds it exactly.
 */
export async function searchCdrs(
  db: Kysely<Database>,
  search: CdrSearch,
): Promise<{ items: Cdr[]; next: CdrCursor | undefined }> {
  if (!isUuid(search.customerId)) return { items: [], next: undefined };
  let query = db
    .selectFrom(TABLE)
    .selectAll()
    .where('customer_id', '=', search.customerId)
    .where('accepted_at', '>=', search.from)
    .where('accepted_at', '<', search.to);
  if (search.status !== undefined) {
    query = query.where(sql<string>`COALESCE(delivery_status, submit_status)`, '=', search.status);
  }
  if (search.destination !== undefined)
    query = query.where('destination_addr', '=', search.destination);
  if (search.source !== undefined) query = query.where('source_addr', '=', search.source);
  if (search.vendorId !== undefined) {
    if (!isUuid(search.vendorId)) return { items: [], next: undefined };
    query = query.where('vendor_id', '=', search.vendorId);
  }
  const after = search.after;
  if (after !== undefined) {
    query = query.where(
      sql<boolean>`(accepted_at, message_id) < (${after.acceptedAt}, ${after.messageId})`,
    );
  }
  const rows = await query
    .orderBy('accepted_at', 'desc')
    .orderBy('message_id', 'desc')
    .limit(search.limit + 1)
    .execute();
  return keysetPage(rows, search.limit, toCdr, (cdr) => ({
    acceptedAt: cdr.acceptedAt,
    messageId: cdr.messageId,
  }));
}

export type UsageInterval = 'hour' | 'day';

/** A customer's traffic in one currency over some time. */
export interface UsageFigures {
  /** null for messages without a price (no rate matched). */
  readonly currency: string | null;
  /** Accepted submits (each part of a multipart message is one). */
  readonly messages: number;
  readonly segments: number;
  /** Messages by status: the receipt's once there is one, else the submit's. */
  readonly byStatus: Readonly<Record<string, number>>;
  /**
   * Price to the customer: segments × price per segment, summed over every
   * priced message, whether a carrier accepted it or not.
   */
  readonly priceMicros: number;
  /**
   * What was charged: `charged_micros` summed, set once per message when a
   * carrier accepted it (prepaid-credit migration); 0 when none was. The
   * charges in a prepaid balance's currency, made while the customer was
   * prepaid, are what that balance was lowered by.
   */
  readonly chargedMicros: number;
  /** The vendors' cost: segments × cost per segment, summed. */
  readonly costMicros: number;
}

/** One hour or day (UTC) of a customer's traffic, in one currency. */
export interface UsageBucket extends UsageFigures {
  readonly start: Date;
}

export interface CustomerUsage {
  /** Per (start, currency), in time order. */
  readonly buckets: UsageBucket[];
  /** The whole window, per currency. */
  readonly totals: UsageFigures[];
}

type Tally = { -readonly [K in keyof UsageFigures]: UsageFigures[K] } & {
  byStatus: Record<string, number>;
};

/**
 * A customer's traffic per hour or day (UTC) in [from, to): what billing
 * and support ask first. One pass over the customer's CDRs in the window
 * (the (customer_id, accepted_at) index), grouped in PostgreSQL; each
 * (start, currency, status) row is added to its bucket and to its
 * currency's total. A charge counts in its message's bucket (by accepted_at),
 * like the rest: it is made moments later, when the carrier accepts.
 */
export async function customerUsage(
  db: Kysely<Database>,
  query: { customerId: string; from: Date; to: Date; interval: UsageInterval },
): Promise<CustomerUsage> {
  if (!isUuid(query.customerId)) return { buckets: [], totals: [] };
  const start = sql<Date>`date_trunc(${query.interval}, accepted_at, 'UTC')`;
  const status = sql<string>`COALESCE(delivery_status, submit_status)`;
  const rows = await db
    .selectFrom(TABLE)
    .select([
      start.as('start'),
      'currency',
      status.as('status'),
      sql<string>`count(*)`.as('messages'),
      sql<string>`sum(segments)`.as('segments'),
      sql<string>`COALESCE(sum(segments::int8 * price_per_segment_micros), 0)`.as('price'),
      sql<string>`COALESCE(sum(charged_micros), 0)`.as('charged'),
      sql<string>`COALESCE(sum(segments::int8 * cost_per_segment_micros), 0)`.as('cost'),
    ])
    .where('customer_id', '=', query.customerId)
    .where('accepted_at', '>=', query.from)
    .where('accepted_at', '<', query.to)
    .groupBy([sql`1`, sql`2`, sql`3`])
    .orderBy(sql`1`)
    .orderBy(sql`2`)
    .execute();
  const buckets = new Map<string, Tally & { start: Date }>();
  const totals = new Map<string, Tally>();
  const tally = (currency: string | null): Tally => ({
    currency,
    messages: 0,
    segments: 0,
    byStatus: {},
    priceMicros: 0,
    chargedMicros: 0,
    costMicros: 0,
  });
  for (const row of rows) {
    const bucketStart = new Date(row.start);
    const bucketKey = `${bucketStart.getTime()}|${row.currency ?? ''}`;
    let bucket = buckets.get(bucketKey);
    if (!bucket) buckets.set(bucketKey, (bucket = { ...tally(row.currency), start: bucketStart }));
    let total = totals.get(row.currency ?? '');
    if (!total) totals.set(row.currency ?? '', (total = tally(row.currency)));
    const messages = toSafeInteger(row.messages);
    const segments = toSafeInteger(row.segments);
    const price = toSafeInteger(row.price);
    const charged = toSafeInteger(row.charged);
    const cost = toSafeInteger(row.cost);
    for (const t of [bucket, total]) {
      t.byStatus[row.status] = (t.byStatus[row.status] ?? 0) + messages;
      t.messages += messages;
      t.segments += segments;
      t.priceMicros += price;
      t.chargedMicros += charged;
      t.costMicros += cost;
    }
  }
  return { buckets: [...buckets.values()], totals: [...totals.values()] };
}

/** How a receipt names its message: the vendor's raw id and its canonical key. */
export interface VendorMessageRef {
  /** The id as the receipt quoted it. */
  readonly id: string;
  /** The id under the vendor's declared receipt format (normalizeMessageId). */
  readonly key: string;
  /**
   * Keys the submit may have been archived under if the two sides of an
   * 'auto' vendor only meet through a guess (`keysMeetingReadings` of the
   * receipt's id). Tried only when the vendor declares 'auto' for either
   * side, and only after the key and the raw id found nothing.
   */
  readonly readings?: readonly string[];
}

/**
 * Fallback for a receipt whose vendor-id mapping is no longer in Redis. Rows
 * are matched by their canonical key (the submit's id under the vendor's
 * resp format), so a vendor that quotes the receipt in another base, case or
 * padding still meets its message; rows archived before the key existed are
 * matched by an identical raw id. A key match wins over a raw one, then the
 * newest message (vendors recycle ids).
 *
 * Only then the readings, for vendors declaring 'auto': the archive keeps a
 * submit's key, not the other readings Redis's candidate space held for it,
 * so an all-digit hex resp id ("12345678", key "bc614e" under 'auto') quoted
 * in decimal by its receipt ("305419896") is found through the readings'
 * own 'auto' keys. As in the candidate space, a guess that matches two
 * different keys matches neither (undefined): the receipt is never given to
 * the wrong message.
 */
export async function getCdrByVendorMessageId(
  db: Kysely<Database>,
  vendorId: string,
  ref: VendorMessageRef,
): Promise<Cdr | undefined> {
  if (!isUuid(vendorId)) return undefined;
  // The expression must read exactly as cdrs_vendor_message_key_idx does.
  const matchKey = sql<string>`COALESCE(vendor_message_key, vendor_message_id)`;
  const exact = [ref.key, ref.id];
  const readings = [...new Set(ref.readings ?? [])].filter((k) => !exact.includes(k));
  // The newest row per matched key: at most one per key tried.
  const rows = await db
    .selectFrom(TABLE)
    .distinctOn(matchKey)
    .selectAll()
    .select(matchKey.as('match_key'))
    .where('vendor_id', '=', vendorId)
    .where((eb) =>
      eb.or([
        eb(matchKey, '=', sql<string>`ANY(${exact}::text[])`),
        ...(readings.length === 0
          ? []
          : [
              eb.and([
                eb(matchKey, '=', sql<string>`ANY(${readings}::text[])`),
                // A deleted vendor's formats live on in its tombstone: its
                // CDRs are still looked up (a carrier's dispute).
                sql<boolean>`EXISTS (SELECT 1 FROM vendor_mgmt.service_providers sp
                  WHERE sp.id = ${vendorId}::uuid
                    AND 'auto' IN (sp.message_id_format,
                                   COALESCE(sp.receipt_message_id_format, sp.message_id_format))
                  UNION ALL
                  SELECT 1 FROM vendor_mgmt.retired_vendors rv
                  WHERE rv.vendor_id = ${vendorId}::uuid
                    AND 'auto' IN (rv.message_id_format,
                                   COALESCE(rv.receipt_message_id_format, rv.message_id_format)))`,
              ]),
            ]),
      ]),
    )
    .orderBy(matchKey)
    .orderBy('accepted_at', 'desc')
    .execute();
  const byKey = new Map(rows.map((row) => [row.match_key, row]));
  // Only readings matched: one key or none (two messages share the guess).
  const found =
    byKey.get(ref.key) ?? byKey.get(ref.id) ?? (rows.length === 1 ? rows[0] : undefined);
  if (!found) return undefined;
  const { match_key: _key, ...row } = found;
  return toCdr(row);
}

/** Advisory lock key of CDR pruning (any constant unique to this use). */
const PRUNE_LOCK_KEY = 0x5347_4344; // "SGCD"

/**
 * Deletes the CDRs of messages accepted before `before`, `batchSize` rows per
 * transaction, until none is left or `maxBatches` ran: a retention policy for
 * a table that gains a row per message. Short transactions keep row locks
 * and WAL bursts small next to the tracker's writes; the rows are found
 * through the BRIN index on accepted_at and deleted by ctid.
 *
 * Each batch takes a transaction-level advisory lock first: when several
 * processes prune (every tracker replica runs the job), one deletes and the
 * others see the lock taken and stop (`yielded`), instead of fighting over
 * the same rows.
 */
export function pruneCdrs(db: Kysely<Database>, options: PruneOptions): Promise<PruneResult> {
  return pruneBefore(
    db,
    { table: 'messaging.cdrs', column: 'accepted_at', lockKey: PRUNE_LOCK_KEY },
    options,
  );
}
