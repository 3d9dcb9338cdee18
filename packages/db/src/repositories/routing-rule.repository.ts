import { sql, type Kysely } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import type {
  Database,
  RoutingRuleRow,
  RoutingRuleUpdate,
  SourceType,
  VendorStatus,
} from '../schema.js';
import { definedOnly, isUuid, toSafeInteger } from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'routing.rules';

export interface RoutingRule {
  readonly id: string;
  readonly name: string;
  /** Digits; '' matches every destination. */
  readonly destinationPrefix: string;
  /** E.164 country calling code ('1', '44'): the destination must start with it. */
  readonly countryCode: string | null;
  readonly sourceType: SourceType;
  /** Null: applies to every customer. */
  readonly customerId: string | null;
  readonly vendorId: string;
  /** Lower is preferred. */
  readonly priority: number;
  readonly active: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A usable rule with the vendor facts route selection needs. */
export interface ActiveRoute extends RoutingRule {
  readonly vendor: {
    readonly instanceName: string;
    readonly priority: number;
    readonly isPrimary: boolean;
    readonly status: VendorStatus;
    readonly version: number;
  };
}

export interface NewRoutingRule {
  readonly name: string;
  readonly destinationPrefix?: string;
  readonly countryCode?: string | null;
  readonly sourceType?: SourceType;
  readonly customerId?: string | null;
  readonly vendorId: string;
  readonly priority?: number;
  readonly active?: boolean;
}

export type RoutingRulePatch = Partial<NewRoutingRule>;

export interface RoutingRuleFilter extends PageRequest {
  readonly vendorId?: string;
  readonly customerId?: string;
  readonly active?: boolean;
}

export function toRoutingRule(row: RoutingRuleRow): RoutingRule {
  return {
    id: row.id,
    name: row.name,
    destinationPrefix: row.destination_prefix,
    countryCode: row.country_code,
    sourceType: row.source_type,
    customerId: row.customer_id,
    vendorId: row.vendor_id,
    priority: row.priority,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function ruleColumns(input: RoutingRulePatch): RoutingRuleUpdate {
  return definedOnly({
    name: input.name,
    destination_prefix: input.destinationPrefix,
    country_code: input.countryCode,
    source_type: input.sourceType,
    customer_id: input.customerId,
    vendor_id: input.vendorId,
    priority: input.priority,
    active: input.active,
  });
}

/**
 * Active rules whose vendor is active too, in preference order: rule
 * priority, then the longest (most specific) prefix, then the vendor's own
 * priority. The router applies its matching on this list; it is small enough
 * to cache and reload on a control message.
 */
export async function listActiveRoutes(db: Kysely<Database>): Promise<ActiveRoute[]> {
  const rows = await db
    .selectFrom('routing.rules as r')
    .innerJoin('vendor_mgmt.service_providers as v', 'v.id', 'r.vendor_id')
    .selectAll('r')
    .select([
      'v.instance_name as vendor_instance_name',
      'v.priority as vendor_priority',
      'v.is_primary as vendor_is_primary',
      'v.status as vendor_status',
      'v.version as vendor_version',
    ])
    .where('r.active', '=', true)
    .where('v.is_active', '=', true)
    .orderBy('r.priority')
    .orderBy(sql`char_length(r.destination_prefix)`, 'desc')
    .orderBy('v.priority')
    .orderBy('r.id')
    .execute();
  return rows.map((row) => ({
    ...toRoutingRule(row),
    vendor: {
      instanceName: row.vendor_instance_name,
      priority: row.vendor_priority,
      isPrimary: row.vendor_is_primary,
      status: row.vendor_status,
      version: row.vendor_version,
    },
  }));
}

export async function getRoutingRule(
  db: Kysely<Database>,
  id: string,
): Promise<RoutingRule | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRoutingRule(row);
}

export async function listRoutingRules(
  db: Kysely<Database>,
  filter: RoutingRuleFilter = {},
): Promise<Page<RoutingRule>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.vendorId !== undefined) {
    if (!isUuid(filter.vendorId)) return { items: [], total: 0, limit, offset };
    query = query.where('vendor_id', '=', filter.vendorId);
  }
  if (filter.customerId !== undefined) {
    if (!isUuid(filter.customerId)) return { items: [], total: 0, limit, offset };
    query = query.where('customer_id', '=', filter.customerId);
  }
  if (filter.active !== undefined) query = query.where('active', '=', filter.active);
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('priority')
      .orderBy('destination_prefix', 'desc')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toRoutingRule), total: toSafeInteger(count.total), limit, offset };
}

/** ForeignKeyError when the vendor or customer does not exist. */
export async function createRoutingRule(
  db: Kysely<Database>,
  input: NewRoutingRule,
): Promise<RoutingRule> {
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({ ...ruleColumns(input), name: input.name, vendor_id: input.vendorId })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toRoutingRule(row);
}

export async function updateRoutingRule(
  db: Kysely<Database>,
  id: string,
  patch: RoutingRulePatch,
): Promise<RoutingRule | undefined> {
  if (!isUuid(id)) return undefined;
  const columns = ruleColumns(patch);
  if (Object.keys(columns).length === 0) return getRoutingRule(db, id);
  const row = await withDataErrors(
    db
      .updateTable(TABLE)
      .set({ ...columns, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
  return row && toRoutingRule(row);
}

export async function deleteRoutingRule(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await withDataErrors(db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst());
  return result.numDeletedRows > 0n;
}
