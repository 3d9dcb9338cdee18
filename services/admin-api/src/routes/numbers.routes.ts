import {
  createNumber,
  deleteNumber,
  getNumber,
  listNumbers,
  NUMBER_TYPES,
  updateNumber,
  type OwnedNumber,
} from '@smpp-gateway/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type ControlCommandBody, type Route } from '../http/route-definition.js';
import { iso, mapPage, pageOf, pagination, Timestamp, Uuid } from './common.schema.js';

const TAG = 'Numbers';

const PhoneNumber = z
  .string()
  .regex(/^[0-9]{3,15}$/, 'must be 3-15 digits (E.164 without +, or a short code)');

const NumberParams = z.strictObject({ number: PhoneNumber });

const numberFields = {
  customerId: Uuid.nullable().describe('Who receives MO sent to this number; null = unassigned'),
  tendlcCampaignId: Uuid.nullable().describe('10DLC campaign (numbers of type 10dlc only)'),
  numberType: z.enum(NUMBER_TYPES),
};

function campaignNeedsTenDlc(
  value: { numberType?: string | undefined; tendlcCampaignId?: string | null | undefined },
  ctx: z.RefinementCtx,
): void {
  // On a patch without numberType the stored type decides; the database check covers that.
  if (
    value.numberType !== undefined &&
    value.numberType !== '10dlc' &&
    typeof value.tendlcCampaignId === 'string'
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['tendlcCampaignId'],
      message: 'only numbers of numberType 10dlc can have a campaign',
    });
  }
}

export const NumberCreate = z
  .strictObject({
    number: PhoneNumber,
    customerId: numberFields.customerId.optional(),
    tendlcCampaignId: numberFields.tendlcCampaignId.optional(),
    numberType: numberFields.numberType,
  })
  .superRefine(campaignNeedsTenDlc)
  .meta({ id: 'NumberCreate' });

export const NumberUpdate = z
  .strictObject(numberFields)
  .partial()
  .superRefine(campaignNeedsTenDlc)
  .meta({ id: 'NumberUpdate' });

export const NumberView = z
  .object({
    number: z.string(),
    customerId: z.string().nullable(),
    tendlcCampaignId: z.string().nullable(),
    numberType: z.enum(NUMBER_TYPES),
    createdAt: Timestamp,
  })
  .meta({ id: 'Number' });
export type NumberView = z.infer<typeof NumberView>;

export function toNumberView(n: OwnedNumber): NumberView {
  return { ...n, createdAt: iso(n.createdAt) };
}

const NumberListQuery = z.strictObject({
  ...pagination,
  customerId: Uuid.optional(),
  tendlcCampaignId: Uuid.optional(),
});

/** MO routing (owner) lives in the router's snapshot; number → campaign in the 10DLC cache. */
const NUMBERS_CHANGED: ControlCommandBody[] = [
  { type: 'reload-routing' },
  { type: 'reload-tendlc' },
];

export function numberRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/numbers',
      operationId: 'listNumbers',
      tag: TAG,
      summary: 'List owned numbers',
      scope: 'read',
      query: NumberListQuery,
      responses: { 200: { description: 'A page of numbers', schema: pageOf(NumberView) } },
      handler: async ({ deps, query }) => {
        const page = await listNumbers(deps.db, query);
        return { status: 200, body: mapPage(page, toNumberView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/numbers',
      operationId: 'createNumber',
      tag: TAG,
      summary: 'Register a number',
      description: 'Announces reload-routing and reload-tendlc.',
      scope: 'write',
      body: NumberCreate,
      announces: true,
      resource: 'number',
      responses: { 201: { description: 'The registered number', schema: NumberView } },
      handler: async ({ deps, body, auditResource, announce }) => {
        const created = await createNumber(deps.db, body);
        auditResource(created.number);
        await announce(...NUMBERS_CHANGED);
        return {
          status: 201,
          body: toNumberView(created),
          headers: { location: `/api/v1/numbers/${created.number}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/numbers/:number',
      operationId: 'getNumber',
      tag: TAG,
      summary: 'Get a number',
      scope: 'read',
      params: NumberParams,
      responses: { 200: { description: 'The number', schema: NumberView } },
      handler: async ({ deps, params }) => {
        const found = await getNumber(deps.db, params.number);
        if (!found) throw notFound('number');
        return { status: 200, body: toNumberView(found) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/numbers/:number',
      operationId: 'updateNumber',
      tag: TAG,
      summary: 'Reassign a number or change its campaign',
      description: 'Announces reload-routing and reload-tendlc.',
      scope: 'write',
      params: NumberParams,
      body: NumberUpdate,
      announces: true,
      resource: 'number',
      responses: { 200: { description: 'The number after the change', schema: NumberView } },
      handler: async ({ deps, params, body, announce }) => {
        const updated = await updateNumber(deps.db, params.number, body);
        if (!updated) throw notFound('number');
        if (Object.keys(body).length > 0) await announce(...NUMBERS_CHANGED);
        return { status: 200, body: toNumberView(updated) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/numbers/:number',
      operationId: 'deleteNumber',
      tag: TAG,
      summary: 'Release a number',
      description: 'Announces reload-routing and reload-tendlc.',
      scope: 'write',
      params: NumberParams,
      announces: true,
      resource: 'number',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, announce }) => {
        if (!(await deleteNumber(deps.db, params.number))) throw notFound('number');
        await announce(...NUMBERS_CHANGED);
        return { status: 204 };
      },
    }),
  ];
}
