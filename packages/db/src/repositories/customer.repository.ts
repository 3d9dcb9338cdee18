import { sql, type Kysely } from 'kysely';
import { ConflictError, withDataErrors } from '../db-errors.js';
import type { AccountRow, AccountUpdate, CustomerStatus, Database } from '../schema.js';
import { hashPassword } from '../secrets.js';
import {
  containsPattern,
  definedOnly,
  isUuid,
  requireCidrs,
  requireSourcePatterns,
  toSafeInteger,
  toSafeIntegerOrNull,
} from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'customer_mgmt.accounts';

export interface Customer {
  readonly id: string;
  readonly name: string;
  /** What the customer's ESME sends in bind_*. */
  readonly systemId: string;
  /** argon2id; check with `verifyPassword(customer.passwordHash, password)`. */
  readonly passwordHash: string;
  /** CIDRs allowed to bind; empty means any address. */
  readonly allowedIps: string[];
  /**
   * Sender IDs it may submit from: exact numbers (E.164 digits as stored,
   * short codes), digit prefixes ending in '*' ('1512555*'), exact
   * alphanumeric senders (case-sensitive); empty means any source. The edge
   * refuses other sources with ESME_RINVSRCADR.
   */
  readonly allowedSources: string[];
  /** Segments per second. */
  readonly throughput: number;
  readonly maxBinds: number;
  readonly status: CustomerStatus;
  /**
   * Prepaid balance in micro-units of `creditCurrency`; null = postpaid (no
   * limit). Carriers' acceptances lower it (see the prepaid-credit migration).
   */
  readonly creditMicros: number | null;
  /** ISO 4217 code of the prepaid balance; only prices in it are taken off. */
  readonly creditCurrency: string;
  readonly pricePlan: string;
  readonly moReassembly: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewCustomer {
  readonly name: string;
  readonly systemId: string;
  /** Plaintext; only its argon2id hash is stored. */
  readonly password: string;
  readonly allowedIps?: readonly string[];
  readonly allowedSources?: readonly string[];
  readonly throughput: number;
  readonly maxBinds: number;
  readonly status?: CustomerStatus;
  readonly creditMicros?: number | null;
  readonly creditCurrency?: string;
  readonly pricePlan?: string;
  readonly moReassembly?: boolean;
}

export type CustomerPatch = Partial<NewCustomer>;

export interface CustomerFilter extends PageRequest {
  readonly status?: CustomerStatus;
  /** Case-insensitive substring of the name or system_id. */
  readonly search?: string;
}

export function toCustomer(row: AccountRow): Customer {
  return {
    id: row.id,
    name: row.name,
    systemId: row.system_id,
    passwordHash: row.password_hash,
    allowedIps: row.allowed_ips,
    allowedSources: row.allowed_sources,
    throughput: row.throughput,
    maxBinds: row.max_binds,
    status: row.status,
    creditMicros: toSafeIntegerOrNull(row.credit_micros),
    creditCurrency: row.credit_currency,
    pricePlan: row.price_plan,
    moReassembly: row.mo_reassembly,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

async function customerColumns(input: CustomerPatch): Promise<AccountUpdate> {
  return definedOnly({
    name: input.name,
    system_id: input.systemId,
    password_hash: input.password !== undefined ? await hashPassword(input.password) : undefined,
    allowed_ips: input.allowedIps !== undefined ? requireCidrs(input.allowedIps) : undefined,
    allowed_sources:
      input.allowedSources !== undefined ? requireSourcePatterns(input.allowedSources) : undefined,
    throughput: input.throughput,
    max_binds: input.maxBinds,
    status: input.status,
    credit_micros: input.creditMicros,
    credit_currency: input.creditCurrency,
    price_plan: input.pricePlan,
    mo_reassembly: input.moReassembly,
  });
}

/** The bind-time lookup: edge pods cache the result, keyed by system_id. */
export async function getCustomerBySystemId(
  db: Kysely<Database>,
  systemId: string,
): Promise<Customer | undefined> {
  const row = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('system_id', '=', systemId)
    .executeTakeFirst();
  return row && toCustomer(row);
}

export async function getCustomerById(
  db: Kysely<Database>,
  id: string,
): Promise<Customer | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toCustomer(row);
}

export async function listCustomers(
  db: Kysely<Database>,
  filter: CustomerFilter = {},
): Promise<Page<Customer>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) =>
      eb.or([eb('name', 'ilike', pattern), eb('system_id', 'ilike', pattern)]),
    );
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('system_id').limit(limit).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toCustomer), total: toSafeInteger(count.total), limit, offset };
}

export async function createCustomer(db: Kysely<Database>, input: NewCustomer): Promise<Customer> {
  const { password, ...rest } = input;
  const columns = await customerColumns(rest);
  const passwordHash = await hashPassword(password);
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({
        ...columns,
        name: input.name,
        system_id: input.systemId,
        password_hash: passwordHash,
        throughput: input.throughput,
        max_binds: input.maxBinds,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toCustomer(row);
}

/** Undefined when the customer does not exist; an empty patch changes nothing. */
export async function updateCustomer(
  db: Kysely<Database>,
  id: string,
  patch: CustomerPatch,
): Promise<Customer | undefined> {
  if (!isUuid(id)) return undefined;
  const columns = await customerColumns(patch);
  if (Object.keys(columns).length === 0) return getCustomerById(db, id);
  const row = await withDataErrors(
    db
      .updateTable(TABLE)
      .set({ ...columns, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
  return row && toCustomer(row);
}

/** A prepaid customer's balance. */
export interface PrepaidBalance {
  readonly customerId: string;
  readonly creditMicros: number;
  readonly creditCurrency: string;
}

/**
 * Adds `amountMicros` (negative to take off) to a prepaid balance in one
 * statement, so top-ups never race the charges the CDR triggers make.
 * Undefined when the customer does not exist; ConflictError when it is
 * postpaid (no balance to add to: set `creditMicros` first).
 */
export async function adjustCustomerCredit(
  db: Kysely<Database>,
  id: string,
  amountMicros: number,
): Promise<PrepaidBalance | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await withDataErrors(
    db
      .updateTable(TABLE)
      .set({ credit_micros: sql`credit_micros + ${amountMicros}::int8` })
      .where('id', '=', id)
      .where('credit_micros', 'is not', null)
      .returning(['id', 'credit_micros', 'credit_currency'])
      .executeTakeFirst(),
  );
  if (row) {
    return {
      customerId: row.id,
      creditMicros: toSafeInteger(row.credit_micros ?? 0),
      creditCurrency: row.credit_currency,
    };
  }
  const exists = await db.selectFrom(TABLE).select('id').where('id', '=', id).executeTakeFirst();
  if (!exists) return undefined;
  throw new ConflictError(`customer ${id} is postpaid: it has no prepaid balance to adjust`);
}

/**
 * The balances of those of `ids` that are prepaid (one indexed read): what
 * the edge re-reads for its bound customers to refuse submits once a balance
 * is spent.
 */
export async function prepaidBalances(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<PrepaidBalance[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return (await selectPrepaid(db).where('id', 'in', valid).execute()).map(toPrepaidBalance);
}

/**
 * Every active prepaid customer's balance (the admin API's balance gauge).
 * Takes a transaction too, so the caller can bound it with a
 * statement_timeout of its own.
 */
export async function activePrepaidBalances(db: Kysely<Database>): Promise<PrepaidBalance[]> {
  return (await selectPrepaid(db).where('status', '=', 'active').execute()).map(toPrepaidBalance);
}

/** Ids of every active customer (the admin API's delivery backlog gauges). */
export async function activeCustomerIds(db: Kysely<Database>): Promise<string[]> {
  const rows = await db
    .selectFrom(TABLE)
    .select('id')
    .where('status', '=', 'active')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

function selectPrepaid(db: Kysely<Database>) {
  return db
    .selectFrom(TABLE)
    .select(['id', 'credit_micros', 'credit_currency'])
    .where('credit_micros', 'is not', null);
}

function toPrepaidBalance(row: {
  id: string;
  credit_micros: string | number | bigint | null;
  credit_currency: string;
}): PrepaidBalance {
  return {
    customerId: row.id,
    creditMicros: toSafeInteger(row.credit_micros ?? 0),
    creditCurrency: row.credit_currency,
  };
}

/**
 * Deletes the account and its customer-specific routing rules. Refused with
 * ForeignKeyError while it still owns numbers (reassign them first).
 */
export async function deleteCustomer(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await withDataErrors(db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst());
  return result.numDeletedRows > 0n;
}
