import type { Kysely } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import type { CustomerStatus, Database, NumberRow, NumberType, NumberUpdate } from '../schema.js';
import { definedOnly, isUuid, toSafeInteger } from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'routing.numbers';

export interface OwnedNumber {
  /** E.164 digits without '+', or a short code. */
  readonly number: string;
  readonly customerId: string | null;
  readonly tendlcCampaignId: string | null;
  readonly numberType: NumberType;
  readonly createdAt: Date;
}

/** Who receives MO traffic sent to a number. */
export interface NumberOwner {
  readonly number: string;
  readonly customerId: string;
  readonly systemId: string;
  readonly customerStatus: CustomerStatus;
  readonly moReassembly: boolean;
}

export interface NewOwnedNumber {
  readonly number: string;
  readonly customerId?: string | null;
  readonly tendlcCampaignId?: string | null;
  readonly numberType: NumberType;
}

export type OwnedNumberPatch = Partial<Omit<NewOwnedNumber, 'number'>>;

export interface OwnedNumberFilter extends PageRequest {
  readonly customerId?: string;
  readonly tendlcCampaignId?: string;
}

export function toOwnedNumber(row: NumberRow): OwnedNumber {
  return {
    number: row.number,
    customerId: row.customer_id,
    tendlcCampaignId: row.tendlc_campaign_id,
    numberType: row.number_type,
    createdAt: row.created_at,
  };
}

function numberColumns(input: OwnedNumberPatch): NumberUpdate {
  return definedOnly({
    customer_id: input.customerId,
    tendlc_campaign_id: input.tendlcCampaignId,
    number_type: input.numberType,
  });
}

/** The customer owning `number`, for MO routing; undefined when unassigned or unknown. */
export async function getNumberOwner(
  db: Kysely<Database>,
  number: string,
): Promise<NumberOwner | undefined> {
  const row = await db
    .selectFrom('routing.numbers as n')
    .innerJoin('customer_mgmt.accounts as a', 'a.id', 'n.customer_id')
    .select([
      'n.number',
      'a.id as customer_id',
      'a.system_id',
      'a.status as customer_status',
      'a.mo_reassembly',
    ])
    .where('n.number', '=', number)
    .executeTakeFirst();
  return (
    row && {
      number: row.number,
      customerId: row.customer_id,
      systemId: row.system_id,
      customerStatus: row.customer_status,
      moReassembly: row.mo_reassembly,
    }
  );
}

export async function getNumber(
  db: Kysely<Database>,
  number: string,
): Promise<OwnedNumber | undefined> {
  const row = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('number', '=', number)
    .executeTakeFirst();
  return row && toOwnedNumber(row);
}

export async function listNumbers(
  db: Kysely<Database>,
  filter: OwnedNumberFilter = {},
): Promise<Page<OwnedNumber>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.customerId !== undefined) {
    if (!isUuid(filter.customerId)) return { items: [], total: 0, limit, offset };
    query = query.where('customer_id', '=', filter.customerId);
  }
  if (filter.tendlcCampaignId !== undefined) {
    if (!isUuid(filter.tendlcCampaignId)) return { items: [], total: 0, limit, offset };
    query = query.where('tendlc_campaign_id', '=', filter.tendlcCampaignId);
  }
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('number').limit(limit).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toOwnedNumber), total: toSafeInteger(count.total), limit, offset };
}

/** ForeignKeyError when the customer or campaign does not exist; ConflictError when the number is taken. */
export async function createNumber(
  db: Kysely<Database>,
  input: NewOwnedNumber,
): Promise<OwnedNumber> {
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({ ...numberColumns(input), number: input.number, number_type: input.numberType })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toOwnedNumber(row);
}

export async function updateNumber(
  db: Kysely<Database>,
  number: string,
  patch: OwnedNumberPatch,
): Promise<OwnedNumber | undefined> {
  const columns = numberColumns(patch);
  if (Object.keys(columns).length === 0) return getNumber(db, number);
  const row = await withDataErrors(
    db
      .updateTable(TABLE)
      .set(columns)
      .where('number', '=', number)
      .returningAll()
      .executeTakeFirst(),
  );
  return row && toOwnedNumber(row);
}

export async function deleteNumber(db: Kysely<Database>, number: string): Promise<boolean> {
  const result = await withDataErrors(
    db.deleteFrom(TABLE).where('number', '=', number).executeTakeFirst(),
  );
  return result.numDeletedRows > 0n;
}
