import type { Kysely } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import type { Database, RateKind, RateRow, RateUpdate } from '../schema.js';
import { definedOnly, isUuid, toSafeInteger } from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'billing.rates';

export interface Rate {
  readonly id: string;
  readonly kind: RateKind;
  /** Set for customer rates. */
  readonly pricePlan: string | null;
  /** Set for vendor rates. */
  readonly vendorId: string | null;
  /** Digits; '' matches every destination. */
  readonly destinationPrefix: string;
  readonly pricePerSegmentMicros: number;
  readonly currency: string;
  readonly effectiveFrom: Date;
}

interface RateFields {
  readonly destinationPrefix?: string;
  readonly pricePerSegmentMicros: number;
  readonly currency: string;
  /** Default: now. A future date schedules a price change. */
  readonly effectiveFrom?: Date;
}

/** What a customer on `pricePlan` pays us. */
export interface NewCustomerRate extends RateFields {
  readonly kind: 'customer';
  readonly pricePlan: string;
}

/** What a vendor charges us. */
export interface NewVendorRate extends RateFields {
  readonly kind: 'vendor';
  readonly vendorId: string;
}

export type NewRate = NewCustomerRate | NewVendorRate;

/** Kind and target are the rate's identity; to move a rate, create another. */
export type RatePatch = Partial<RateFields>;

export interface RateFilter extends PageRequest {
  readonly kind?: RateKind;
  readonly pricePlan?: string;
  readonly vendorId?: string;
}

export function toRate(row: RateRow): Rate {
  return {
    id: row.id,
    kind: row.kind,
    pricePlan: row.price_plan,
    vendorId: row.vendor_id,
    destinationPrefix: row.destination_prefix,
    pricePerSegmentMicros: toSafeInteger(row.price_per_segment_micros),
    currency: row.currency,
    effectiveFrom: row.effective_from,
  };
}

function rateColumns(input: RatePatch): RateUpdate {
  return definedOnly({
    destination_prefix: input.destinationPrefix,
    price_per_segment_micros: input.pricePerSegmentMicros,
    currency: input.currency,
    effective_from: input.effectiveFrom,
  });
}

/**
 * The rate in force at `at` (default: now) for every key (plan or vendor,
 * prefix): the row with the latest `effective_from` not in the future.
 * Scheduled rows are skipped until their time comes.
 */
export async function listEffectiveRates(
  db: Kysely<Database>,
  kind: RateKind,
  at: Date = new Date(),
): Promise<Rate[]> {
  const rows = await db
    .selectFrom(TABLE)
    .distinctOn(['kind', 'price_plan', 'vendor_id', 'destination_prefix'])
    .selectAll()
    .where('kind', '=', kind)
    .where('effective_from', '<=', at)
    .orderBy('kind')
    .orderBy('price_plan')
    .orderBy('vendor_id')
    .orderBy('destination_prefix')
    .orderBy('effective_from', 'desc')
    .execute();
  return rows.map(toRate);
}

export async function getRate(db: Kysely<Database>, id: string): Promise<Rate | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRate(row);
}

export async function listRates(
  db: Kysely<Database>,
  filter: RateFilter = {},
): Promise<Page<Rate>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
  if (filter.pricePlan !== undefined) query = query.where('price_plan', '=', filter.pricePlan);
  if (filter.vendorId !== undefined) {
    if (!isUuid(filter.vendorId)) return { items: [], total: 0, limit, offset };
    query = query.where('vendor_id', '=', filter.vendorId);
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('kind')
      .orderBy('price_plan')
      .orderBy('vendor_id')
      .orderBy('destination_prefix')
      .orderBy('effective_from', 'desc')
      .limit(limit)
      .offset(offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toRate), total: toSafeInteger(count.total), limit, offset };
}

/** ConflictError for a second rate with the same key and effective_from; ForeignKeyError for an unknown vendor. */
export async function createRate(db: Kysely<Database>, input: NewRate): Promise<Rate> {
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({
        ...rateColumns(input),
        kind: input.kind,
        price_plan: input.kind === 'customer' ? input.pricePlan : null,
        vendor_id: input.kind === 'vendor' ? input.vendorId : null,
        price_per_segment_micros: input.pricePerSegmentMicros,
        currency: input.currency,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toRate(row);
}

export async function updateRate(
  db: Kysely<Database>,
  id: string,
  patch: RatePatch,
): Promise<Rate | undefined> {
  if (!isUuid(id)) return undefined;
  const columns = rateColumns(patch);
  if (Object.keys(columns).length === 0) return getRate(db, id);
  const row = await withDataErrors(
    db.updateTable(TABLE).set(columns).where('id', '=', id).returningAll().executeTakeFirst(),
  );
  return row && toRate(row);
}

export async function deleteRate(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await withDataErrors(db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst());
  return result.numDeletedRows > 0n;
}
