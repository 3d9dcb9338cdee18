import {
  CAMPAIGN_STATUSES,
  createCampaign,
  deleteCampaign,
  getCampaignById,
  listCampaigns,
  updateCampaign,
  type TendlcCampaign,
} from '@smpp-gateway/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import { IdParams, iso, mapPage, pageOf, pagination, Timestamp } from './common.schema.js';

const TAG = '10DLC campaigns';

const campaignFields = {
  campaignId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -')
    .describe('The Campaign Registry id, e.g. CABC123'),
  brandId: z.string().trim().min(1).max(64),
  brandName: z.string().trim().min(1).max(200),
  status: z.enum(CAMPAIGN_STATUSES),
  tpm: z.number().int().min(1).max(10_000_000).describe('Segments per minute for the campaign'),
  brandDailyCap: z
    .number()
    .int()
    .min(1)
    .max(1_000_000_000)
    .describe('Segments per day across the brand'),
};

export const CampaignCreate = z
  .strictObject({
    campaignId: campaignFields.campaignId,
    brandId: campaignFields.brandId,
    brandName: campaignFields.brandName,
    status: campaignFields.status.optional(),
    tpm: campaignFields.tpm,
    brandDailyCap: campaignFields.brandDailyCap,
  })
  .meta({ id: 'CampaignCreate' });

export const CampaignUpdate = z
  .strictObject(campaignFields)
  .partial()
  .meta({ id: 'CampaignUpdate' });

export const CampaignView = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    brandId: z.string(),
    brandName: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    tpm: z.number().int(),
    brandDailyCap: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Campaign' });
export type CampaignView = z.infer<typeof CampaignView>;

export function toCampaignView(c: TendlcCampaign): CampaignView {
  return { ...c, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt) };
}

const CampaignListQuery = z.strictObject({
  ...pagination,
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  brandId: z.string().min(1).max(64).optional(),
});

export function campaignRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/campaigns',
      operationId: 'listCampaigns',
      tag: TAG,
      summary: 'List 10DLC campaigns',
      scope: 'read',
      query: CampaignListQuery,
      responses: { 200: { description: 'A page of campaigns', schema: pageOf(CampaignView) } },
      handler: async ({ deps, query }) => {
        const page = await listCampaigns(deps.db, query);
        return { status: 200, body: mapPage(page, toCampaignView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/campaigns',
      operationId: 'createCampaign',
      tag: TAG,
      summary: 'Register a 10DLC campaign',
      description: 'Announces reload-tendlc.',
      scope: 'write',
      body: CampaignCreate,
      announces: true,
      resource: 'campaign',
      responses: { 201: { description: 'The created campaign', schema: CampaignView } },
      handler: async ({ deps, body, auditResource, announce }) => {
        const campaign = await createCampaign(deps.db, body);
        auditResource(campaign.id);
        await announce({ type: 'reload-tendlc' });
        return {
          status: 201,
          body: toCampaignView(campaign),
          headers: { location: `/api/v1/campaigns/${campaign.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/campaigns/:id',
      operationId: 'getCampaign',
      tag: TAG,
      summary: 'Get a 10DLC campaign',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The campaign', schema: CampaignView } },
      handler: async ({ deps, params }) => {
        const campaign = await getCampaignById(deps.db, params.id);
        if (!campaign) throw notFound('campaign');
        return { status: 200, body: toCampaignView(campaign) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/campaigns/:id',
      operationId: 'updateCampaign',
      tag: TAG,
      summary: 'Change a 10DLC campaign (status, caps)',
      description: 'Announces reload-tendlc.',
      scope: 'write',
      params: IdParams,
      body: CampaignUpdate,
      announces: true,
      resource: 'campaign',
      responses: { 200: { description: 'The campaign after the change', schema: CampaignView } },
      handler: async ({ deps, params, body, announce }) => {
        const campaign = await updateCampaign(deps.db, params.id, body);
        if (!campaign) throw notFound('campaign');
        if (Object.keys(body).length > 0) await announce({ type: 'reload-tendlc' });
        return { status: 200, body: toCampaignView(campaign) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/campaigns/:id',
      operationId: 'deleteCampaign',
      tag: TAG,
      summary: 'Delete a 10DLC campaign',
      description:
        'Its numbers stay owned but lose the campaign, so 10DLC validation rejects traffic from them. Announces reload-tendlc.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'campaign',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, announce }) => {
        if (!(await deleteCampaign(deps.db, params.id))) throw notFound('campaign');
        await announce({ type: 'reload-tendlc' });
        return { status: 204 };
      },
    }),
  ];
}
