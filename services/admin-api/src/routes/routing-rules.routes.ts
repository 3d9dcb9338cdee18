import {
  createRoutingRule,
  deleteRoutingRule,
  getRoutingRule,
  listRoutingRules,
  SOURCE_TYPES,
  updateRoutingRule,
  type RoutingRule,
} from '@smpp-gateway/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import {
  Digits15,
  IdParams,
  iso,
  mapPage,
  pageOf,
  pagination,
  QueryBoolean,
  Timestamp,
  Uuid,
} from './common.schema.js';

const TAG = 'Routing rules';

const ruleFields = {
  name: z.string().trim().min(1).max(200),
  destinationPrefix: Digits15.describe("Destination digits prefix; '' matches every destination"),
  countryCode: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'must be an E.164 country calling code (1-3 digits)')
    .nullable(),
  sourceType: z.enum(SOURCE_TYPES),
  customerId: Uuid.nullable().describe('null: the rule applies to every customer'),
  vendorId: Uuid,
  priority: z.number().int().min(0).max(1_000_000).describe('Lower is preferred'),
  active: z.boolean(),
};

export const RoutingRuleCreate = z
  .strictObject({
    name: ruleFields.name,
    destinationPrefix: ruleFields.destinationPrefix.optional(),
    countryCode: ruleFields.countryCode.optional(),
    sourceType: ruleFields.sourceType.optional(),
    customerId: ruleFields.customerId.optional(),
    vendorId: ruleFields.vendorId,
    priority: ruleFields.priority.optional(),
    active: ruleFields.active.optional(),
  })
  .meta({ id: 'RoutingRuleCreate' });

export const RoutingRuleUpdate = z
  .strictObject(ruleFields)
  .partial()
  .meta({ id: 'RoutingRuleUpdate' });

export const RoutingRuleView = z
  .object({
    id: z.string(),
    name: z.string(),
    destinationPrefix: z.string(),
    countryCode: z.string().nullable(),
    sourceType: z.enum(SOURCE_TYPES),
    customerId: z.string().nullable(),
    vendorId: z.string(),
    priority: z.number().int(),
    active: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'RoutingRule' });
export type RoutingRuleView = z.infer<typeof RoutingRuleView>;

export function toRoutingRuleView(r: RoutingRule): RoutingRuleView {
  return { ...r, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt) };
}

const RoutingRuleListQuery = z.strictObject({
  ...pagination,
  vendorId: Uuid.optional(),
  customerId: Uuid.optional(),
  active: QueryBoolean.optional(),
});

export function routingRuleRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/routing-rules',
      operationId: 'listRoutingRules',
      tag: TAG,
      summary: 'List routing rules',
      description: 'In preference order: priority, then longer prefixes first.',
      scope: 'read',
      query: RoutingRuleListQuery,
      responses: { 200: { description: 'A page of rules', schema: pageOf(RoutingRuleView) } },
      handler: async ({ deps, query }) => {
        const page = await listRoutingRules(deps.db, query);
        return { status: 200, body: mapPage(page, toRoutingRuleView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/routing-rules',
      operationId: 'createRoutingRule',
      tag: TAG,
      summary: 'Create a routing rule',
      description:
        'Announces reload-routing. 400 invalid_reference for an unknown vendor or customer.',
      scope: 'write',
      body: RoutingRuleCreate,
      announces: true,
      resource: 'routing-rule',
      responses: { 201: { description: 'The created rule', schema: RoutingRuleView } },
      handler: async ({ deps, body, auditResource, announce }) => {
        const rule = await createRoutingRule(deps.db, body);
        auditResource(rule.id);
        await announce({ type: 'reload-routing' });
        return {
          status: 201,
          body: toRoutingRuleView(rule),
          headers: { location: `/api/v1/routing-rules/${rule.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/routing-rules/:id',
      operationId: 'getRoutingRule',
      tag: TAG,
      summary: 'Get a routing rule',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The rule', schema: RoutingRuleView } },
      handler: async ({ deps, params }) => {
        const rule = await getRoutingRule(deps.db, params.id);
        if (!rule) throw notFound('routing rule');
        return { status: 200, body: toRoutingRuleView(rule) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/routing-rules/:id',
      operationId: 'updateRoutingRule',
      tag: TAG,
      summary: 'Change a routing rule',
      description: 'Announces reload-routing.',
      scope: 'write',
      params: IdParams,
      body: RoutingRuleUpdate,
      announces: true,
      resource: 'routing-rule',
      responses: { 200: { description: 'The rule after the change', schema: RoutingRuleView } },
      handler: async ({ deps, params, body, announce }) => {
        const rule = await updateRoutingRule(deps.db, params.id, body);
        if (!rule) throw notFound('routing rule');
        if (Object.keys(body).length > 0) await announce({ type: 'reload-routing' });
        return { status: 200, body: toRoutingRuleView(rule) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/routing-rules/:id',
      operationId: 'deleteRoutingRule',
      tag: TAG,
      summary: 'Delete a routing rule',
      description: 'Announces reload-routing.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'routing-rule',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, announce }) => {
        if (!(await deleteRoutingRule(deps.db, params.id))) throw notFound('routing rule');
        await announce({ type: 'reload-routing' });
        return { status: 204 };
      },
    }),
  ];
}
