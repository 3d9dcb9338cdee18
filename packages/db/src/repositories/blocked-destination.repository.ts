// Destination blocks (routing.blocked_destinations): the admin API manages
// them, router-worker records subscribers' opt-outs (STOP) as blocks of one
// customer, loads them all into its routing snapshot and fails a matching
// MT `blocked` before choosing a vendor.
import { sql, type Kysely } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import type { BlockedDestinationRow, BlockOrigin, Database } from '../schema.js';
import { isUuid, toSafeInteger } from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'routing.blocked_destinations';

export interface BlockedDestination {
  readonly id: string;
  /** Digits; a whole number is the longest prefix. */
  readonly prefix: string;
  /** Null: every customer. */
  readonly customerId: string | null;
  readonly reason: string;
  /** operator: made through the admin API; opt_out: the subscriber replied STOP. */
  readonly origin: BlockOrigin;
  readonly createdAt: Date;
}

export interface NewBlockedDestination {
  readonly prefix: string;
  readonly customerId?: string | null;
  readonly reason?: string;
}

export interface BlockedDestinationFilter extends PageRequest {
  /** Blocks of this customer only (global ones are listed with `global`). */
  readonly customerId?: string;
  /** Only the blocks that apply to every customer. */
  readonly global?: boolean;
  /** Blocks whose prefix starts a destination beginning with these digits, or that start with them. */
  readonly prefix?: string;
  readonly origin?: BlockOrigin;
}

function toBlockedDestination(row: BlockedDestinationRow): BlockedDestination {
  return {
    id: row.id,
    prefix: row.prefix,
    customerId: row.customer_id,
    reason: row.reason,
    origin: row.origin,
    createdAt: row.created_at,
  };
}

/** ConflictError for a prefix already blocked in that scope; ForeignKeyError for an unknown customer. */
export async function createBlockedDestination(
  db: Kysely<Database>,
  input: NewBlockedDestination,
): Promise<BlockedDestination> {
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({
        prefix: input.prefix,
        customer_id: input.customerId ?? null,
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toBlockedDestination(row);
}

/**
 * A subscriber's opt-out: its number blocked for the customer whose number
 * it replied STOP to. Idempotent (a redelivered STOP, or a number an
 * operator already blocked for that customer, changes nothing). True when a
 * block was added.
 */
export async function recordOptOut(
  db: Kysely<Database>,
  input: { readonly customerId: string; readonly number: string; readonly keyword: string },
): Promise<boolean> {
  const rows = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({
        prefix: input.number,
        customer_id: input.customerId,
        origin: 'opt_out',
        reason: `subscriber opted out (${input.keyword.slice(0, 20)})`,
      })
      .onConflict((oc) => oc.columns(['prefix', 'customer_id']).doNothing())
      .returning('id')
      .execute(),
  );
  return rows.length > 0;
}

/**
 * A subscriber's opt-in (START): lifts the block its opt-out made for that
 * customer, never one an operator made. True when a block was lifted.
 */
export async function clearOptOut(
  db: Kysely<Database>,
  input: { readonly customerId: string; readonly number: string },
): Promise<boolean> {
  if (!isUuid(input.customerId)) return false;
  const result = await db
    .deleteFrom(TABLE)
    .where('prefix', '=', input.number)
    .where('customer_id', '=', input.customerId)
    .where('origin', '=', 'opt_out')
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function getBlockedDestination(
  db: Kysely<Database>,
  id: string,
): Promise<BlockedDestination | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toBlockedDestination(row);
}

export async function deleteBlockedDestination(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function listBlockedDestinations(
  db: Kysely<Database>,
  filter: BlockedDestinationFilter = {},
): Promise<Page<BlockedDestination>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.customerId !== undefined) {
    if (!isUuid(filter.customerId)) return { items: [], total: 0, limit, offset };
    query = query.where('customer_id', '=', filter.customerId);
  }
  if (filter.global === true) query = query.where('customer_id', 'is', null);
  if (filter.global === false) query = query.where('customer_id', 'is not', null);
  if (filter.origin !== undefined) query = query.where('origin', '=', filter.origin);
  if (filter.prefix !== undefined) {
    // Digits only: they go into LIKE patterns.
    if (!/^[0-9]{1,15}$/u.test(filter.prefix)) return { items: [], total: 0, limit, offset };
    const digits = filter.prefix;
    // Both ways: the blocks a destination starting with `digits` could hit
    // (shorter prefixes of it) and the ones under it (longer ones).
    query = query.where((eb) =>
      eb.or([eb('prefix', 'like', `${digits}%`), sql<boolean>`${digits}::text LIKE prefix || '%'`]),
    );
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('prefix').orderBy('id').limit(limit).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return {
    items: rows.map(toBlockedDestination),
    total: toSafeInteger(count.total),
    limit,
    offset,
  };
}

/** Every block, for the router's snapshot (thousands of rows at most: a few hundred KB). */
export async function listAllBlockedDestinations(
  db: Kysely<Database>,
): Promise<BlockedDestination[]> {
  const rows = await db.selectFrom(TABLE).selectAll().orderBy('prefix').execute();
  return rows.map(toBlockedDestination);
}
