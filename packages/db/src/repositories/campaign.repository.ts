import { sql, type Kysely } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import type {
  CampaignStatus,
  Database,
  TendlcCampaignRow,
  TendlcCampaignUpdate,
} from '../schema.js';
import { definedOnly, isUuid, toSafeInteger } from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'messaging.tendlc_campaigns';

export interface TendlcCampaign {
  readonly id: string;
  /** The Campaign Registry id. */
  readonly campaignId: string;
  readonly brandId: string;
  readonly brandName: string;
  readonly status: CampaignStatus;
  /** Segments per minute. */
  readonly tpm: number;
  /** Segments per day across the brand. */
  readonly brandDailyCap: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewTendlcCampaign {
  readonly campaignId: string;
  readonly brandId: string;
  readonly brandName: string;
  readonly status?: CampaignStatus;
  readonly tpm: number;
  readonly brandDailyCap: number;
}

export type TendlcCampaignPatch = Partial<NewTendlcCampaign>;

export interface TendlcCampaignFilter extends PageRequest {
  readonly status?: CampaignStatus;
  readonly brandId?: string;
}

export function toTendlcCampaign(row: TendlcCampaignRow): TendlcCampaign {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    brandId: row.brand_id,
    brandName: row.brand_name,
    status: row.status,
    tpm: row.tpm,
    brandDailyCap: row.brand_daily_cap,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function campaignColumns(input: TendlcCampaignPatch): TendlcCampaignUpdate {
  return definedOnly({
    campaign_id: input.campaignId,
    brand_id: input.brandId,
    brand_name: input.brandName,
    status: input.status,
    tpm: input.tpm,
    brand_daily_cap: input.brandDailyCap,
  });
}

/** The campaign a sending number is registered under (10DLC validation). */
export async function getCampaignByNumber(
  db: Kysely<Database>,
  number: string,
): Promise<TendlcCampaign | undefined> {
  const row = await db
    .selectFrom('routing.numbers as n')
    .innerJoin('messaging.tendlc_campaigns as c', 'c.id', 'n.tendlc_campaign_id')
    .selectAll('c')
    .where('n.number', '=', number)
    .executeTakeFirst();
  return row && toTendlcCampaign(row);
}

export async function getCampaignById(
  db: Kysely<Database>,
  id: string,
): Promise<TendlcCampaign | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toTendlcCampaign(row);
}

export async function getCampaignByCampaignId(
  db: Kysely<Database>,
  campaignId: string,
): Promise<TendlcCampaign | undefined> {
  const row = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  return row && toTendlcCampaign(row);
}

export async function listCampaigns(
  db: Kysely<Database>,
  filter: TendlcCampaignFilter = {},
): Promise<Page<TendlcCampaign>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.brandId !== undefined) query = query.where('brand_id', '=', filter.brandId);
  const [rows, count] = await Promise.all([
    query.selectAll().orderBy('campaign_id').limit(limit).offset(offset).execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toTendlcCampaign), total: toSafeInteger(count.total), limit, offset };
}

export async function createCampaign(
  db: Kysely<Database>,
  input: NewTendlcCampaign,
): Promise<TendlcCampaign> {
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({
        ...campaignColumns(input),
        campaign_id: input.campaignId,
        brand_id: input.brandId,
        brand_name: input.brandName,
        tpm: input.tpm,
        brand_daily_cap: input.brandDailyCap,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toTendlcCampaign(row);
}

export async function updateCampaign(
  db: Kysely<Database>,
  id: string,
  patch: TendlcCampaignPatch,
): Promise<TendlcCampaign | undefined> {
  if (!isUuid(id)) return undefined;
  const columns = campaignColumns(patch);
  if (Object.keys(columns).length === 0) return getCampaignById(db, id);
  const row = await withDataErrors(
    db
      .updateTable(TABLE)
      .set({ ...columns, updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst(),
  );
  return row && toTendlcCampaign(row);
}

/** Numbers under the campaign keep their owner and lose the campaign (SET NULL). */
export async function deleteCampaign(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await withDataErrors(db.deleteFrom(TABLE).where('id', '=', id).executeTakeFirst());
  return result.numDeletedRows > 0n;
}
