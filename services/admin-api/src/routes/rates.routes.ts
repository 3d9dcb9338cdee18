import {
  createRate,
  deleteRate,
  getRate,
  listRates,
  RATE_KINDS,
  updateRate,
  type Rate,
} from '@smpp-gateway/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import {
  Currency,
  Digits15,
  IdParams,
  iso,
  mapPage,
  Micros,
  pageOf,
  pagination,
  Timestamp,
  Uuid,
} from './common.schema.js';

const TAG = 'Rates';

const EffectiveFrom = Timestamp.transform((text) => new Date(text)).describe(
  'When the price takes effect (default now); a future time schedules a change',
);

const rateFields = {
  destinationPrefix: Digits15.describe("Destination digits prefix; '' matches every destination"),
  pricePerSegmentMicros: Micros,
  currency: Currency,
  effectiveFrom: EffectiveFrom,
};

const PricePlan = z.string().trim().min(1).max(64);

export const RateCreate = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('customer').describe('What customers on pricePlan pay'),
      pricePlan: PricePlan,
      destinationPrefix: rateFields.destinationPrefix.optional(),
      pricePerSegmentMicros: rateFields.pricePerSegmentMicros,
      currency: rateFields.currency,
      effectiveFrom: rateFields.effectiveFrom.optional(),
    }),
    z.strictObject({
      kind: z.literal('vendor').describe('What the vendor charges us'),
      vendorId: Uuid,
      destinationPrefix: rateFields.destinationPrefix.optional(),
      pricePerSegmentMicros: rateFields.pricePerSegmentMicros,
      currency: rateFields.currency,
      effectiveFrom: rateFields.effectiveFrom.optional(),
    }),
  ])
  .meta({ id: 'RateCreate' });

/** Kind and target are a rate's identity: to move a rate, create another. */
export const RateUpdate = z.strictObject(rateFields).partial().meta({ id: 'RateUpdate' });

export const RateView = z
  .object({
    id: z.string(),
    kind: z.enum(RATE_KINDS),
    pricePlan: z.string().nullable(),
    vendorId: z.string().nullable(),
    destinationPrefix: z.string(),
    pricePerSegmentMicros: z.number().int(),
    currency: z.string(),
    effectiveFrom: Timestamp,
  })
  .meta({ id: 'Rate' });
export type RateView = z.infer<typeof RateView>;

export function toRateView(r: Rate): RateView {
  return { ...r, effectiveFrom: iso(r.effectiveFrom) };
}

const RateListQuery = z.strictObject({
  ...pagination,
  kind: z.enum(RATE_KINDS).optional(),
  pricePlan: PricePlan.optional(),
  vendorId: Uuid.optional(),
});

export function rateRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/rates',
      operationId: 'listRates',
      tag: TAG,
      summary: 'List rates (customer prices and vendor costs)',
      scope: 'read',
      query: RateListQuery,
      responses: { 200: { description: 'A page of rates', schema: pageOf(RateView) } },
      handler: async ({ deps, query }) => {
        const page = await listRates(deps.db, query);
        return { status: 200, body: mapPage(page, toRateView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/rates',
      operationId: 'createRate',
      tag: TAG,
      summary: 'Create a rate',
      description: 'Announces reload-rates.',
      scope: 'write',
      body: RateCreate,
      announces: true,
      resource: 'rate',
      responses: { 201: { description: 'The created rate', schema: RateView } },
      handler: async ({ deps, body, auditResource, announce }) => {
        const rate = await createRate(deps.db, body);
        auditResource(rate.id);
        await announce({ type: 'reload-rates' });
        return {
          status: 201,
          body: toRateView(rate),
          headers: { location: `/api/v1/rates/${rate.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rates/:id',
      operationId: 'getRate',
      tag: TAG,
      summary: 'Get a rate',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The rate', schema: RateView } },
      handler: async ({ deps, params }) => {
        const rate = await getRate(deps.db, params.id);
        if (!rate) throw notFound('rate');
        return { status: 200, body: toRateView(rate) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/rates/:id',
      operationId: 'updateRate',
      tag: TAG,
      summary: 'Change a rate',
      description: 'Announces reload-rates.',
      scope: 'write',
      params: IdParams,
      body: RateUpdate,
      announces: true,
      resource: 'rate',
      responses: { 200: { description: 'The rate after the change', schema: RateView } },
      handler: async ({ deps, params, body, announce }) => {
        const rate = await updateRate(deps.db, params.id, body);
        if (!rate) throw notFound('rate');
        if (Object.keys(body).length > 0) await announce({ type: 'reload-rates' });
        return { status: 200, body: toRateView(rate) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/rates/:id',
      operationId: 'deleteRate',
      tag: TAG,
      summary: 'Delete a rate',
      description: 'Announces reload-rates.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'rate',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, announce }) => {
        if (!(await deleteRate(deps.db, params.id))) throw notFound('rate');
        await announce({ type: 'reload-rates' });
        return { status: 204 };
      },
    }),
  ];
}
