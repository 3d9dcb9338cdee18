import {
  createCustomer,
  CUSTOMER_STATUSES,
  customerUsage,
  deleteCustomer,
  getCustomerById,
  listCustomers,
  updateCustomer,
  type Customer,
} from '@smpp-gateway/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type ControlCommandBody, type Route } from '../http/route-definition.js';
import {
  Cidr,
  IdParams,
  iso,
  mapPage,
  Micros,
  pageOf,
  pagination,
  queryWindow,
  SMPP_PASSWORD_MAX,
  Timestamp,
} from './common.schema.js';

const TAG = 'Customers';
/** We choose customer passwords ourselves, so a floor costs nothing; SMPP caps them at 8. */
const CUSTOMER_PASSWORD_MIN = 6;

const customerFields = {
  name: z.string().trim().min(1).max(200),
  systemId: z
    .string()
    .regex(/^[!-~]{1,15}$/, 'must be 1-15 printable ASCII characters without spaces')
    .describe('What the customer sends as system_id in bind_*'),
  password: z
    .string()
    .min(CUSTOMER_PASSWORD_MIN, `must be at least ${CUSTOMER_PASSWORD_MIN} characters`)
    .max(SMPP_PASSWORD_MAX, `SMPP passwords are at most ${SMPP_PASSWORD_MAX} characters`)
    .describe('Write-only: stored as an argon2id hash, never returned'),
  allowedIps: z
    .array(Cidr)
    .max(100)
    .describe('Addresses or CIDRs allowed to bind; empty = any address'),
  throughput: z.number().int().min(1).max(1_000_000).describe('Segments per second'),
  maxBinds: z.number().int().min(1).max(1_000),
  status: z.enum(CUSTOMER_STATUSES),
  creditMicros: Micros.nullable().describe('Prepaid balance in micros; null = unlimited'),
  pricePlan: z.string().trim().min(1).max(64),
  moReassembly: z.boolean().describe('Deliver concatenated MO as one message'),
};

export const CustomerCreate = z
  .strictObject({
    name: customerFields.name,
    systemId: customerFields.systemId,
    password: customerFields.password,
    allowedIps: customerFields.allowedIps.optional(),
    throughput: customerFields.throughput,
    maxBinds: customerFields.maxBinds,
    status: customerFields.status.optional(),
    creditMicros: customerFields.creditMicros.optional(),
    pricePlan: customerFields.pricePlan.optional(),
    moReassembly: customerFields.moReassembly.optional(),
  })
  .meta({ id: 'CustomerCreate' });

export const CustomerUpdate = z
  .strictObject(customerFields)
  .partial()
  .meta({ id: 'CustomerUpdate' });

export const CustomerView = z
  .object({
    id: z.string(),
    name: z.string(),
    systemId: z.string(),
    allowedIps: z.array(z.string()),
    throughput: z.number().int(),
    maxBinds: z.number().int(),
    status: z.enum(CUSTOMER_STATUSES),
    creditMicros: z.number().int().nullable(),
    pricePlan: z.string(),
    moReassembly: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Customer' });
export type CustomerView = z.infer<typeof CustomerView>;

/** Everything but the password hash. */
export function toCustomerView(c: Customer): CustomerView {
  return {
    id: c.id,
    name: c.name,
    systemId: c.systemId,
    allowedIps: c.allowedIps,
    throughput: c.throughput,
    maxBinds: c.maxBinds,
    status: c.status,
    creditMicros: c.creditMicros,
    pricePlan: c.pricePlan,
    moReassembly: c.moReassembly,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

const CustomerListQuery = z.strictObject({
  ...pagination,
  status: z.enum(CUSTOMER_STATUSES).optional(),
  search: z.string().min(1).max(100).optional().describe('Substring of name or system_id'),
});

/**
 * Edge pods cache accounts (bind auth, throughput, allow-list) and the router
 * keeps customer profiles (price plan, MO reassembly) in its snapshot: both
 * must hear about every change.
 */
function customerChanged(customerId: string): ControlCommandBody[] {
  return [{ type: 'invalidate-customer', customerId }, { type: 'reload-routing' }];
}

/** Widest window per interval: at most 168 hourly or 92 daily buckets per currency. */
const USAGE_MAX_MS = { hour: 7 * 24 * 3_600_000, day: 92 * 24 * 3_600_000 } as const;
const USAGE_DEFAULT_MS = { hour: 24 * 3_600_000, day: 7 * 24 * 3_600_000 } as const;

const UsageQuery = z
  .strictObject({
    interval: z.enum(['hour', 'day']).default('day').describe('Bucket size (UTC)'),
    from: Timestamp.optional().describe(
      'Accepted at or after (default: 7 days, or 24 h by the hour, before `to`)',
    ),
    to: Timestamp.optional().describe('Accepted before (default: now)'),
  })
  .transform((q, ctx) => ({
    interval: q.interval,
    ...queryWindow(q, ctx, {
      defaultFrom: (to) => new Date(to.getTime() - USAGE_DEFAULT_MS[q.interval]),
      maxMs: USAGE_MAX_MS[q.interval],
      tooWide:
        q.interval === 'hour'
          ? 'hourly usage spans at most 7 days'
          : 'daily usage spans at most 92 days',
    }),
  }));

const UsageFigures = {
  currency: z.string().nullable().describe('null: messages no rate priced'),
  messages: z
    .number()
    .int()
    .min(0)
    .describe('Accepted submits (each part of a long message is one)'),
  segments: z.number().int().min(0),
  byStatus: z
    .record(z.string(), z.number().int().min(0))
    .describe("Messages by status: the receipt's once there is one, else the submit's"),
  priceMicros: Micros.describe('Charged to the customer'),
  costMicros: Micros.describe("The vendors' cost"),
};

const UsageView = z
  .object({
    customerId: z.string(),
    interval: z.enum(['hour', 'day']),
    from: Timestamp,
    to: Timestamp,
    buckets: z.array(z.object({ start: Timestamp, ...UsageFigures })),
    totals: z.array(z.object(UsageFigures)).describe('The whole window, per currency'),
  })
  .meta({ id: 'CustomerUsage' });

export function customerRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/customers',
      operationId: 'listCustomers',
      tag: TAG,
      summary: 'List customers',
      scope: 'read',
      query: CustomerListQuery,
      responses: { 200: { description: 'A page of customers', schema: pageOf(CustomerView) } },
      handler: async ({ deps, query }) => {
        const page = await listCustomers(deps.db, query);
        return { status: 200, body: mapPage(page, toCustomerView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/customers',
      operationId: 'createCustomer',
      tag: TAG,
      summary: 'Create a customer account',
      description: 'Announces invalidate-customer and reload-routing.',
      scope: 'write',
      body: CustomerCreate,
      announces: true,
      resource: 'customer',
      responses: { 201: { description: 'The created customer', schema: CustomerView } },
      handler: async ({ deps, body, auditResource, announce }) => {
        const customer = await createCustomer(deps.db, body);
        auditResource(customer.id);
        await announce(...customerChanged(customer.id));
        return {
          status: 201,
          body: toCustomerView(customer),
          headers: { location: `/api/v1/customers/${customer.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/customers/:id',
      operationId: 'getCustomer',
      tag: TAG,
      summary: 'Get a customer',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The customer', schema: CustomerView } },
      handler: async ({ deps, params }) => {
        const customer = await getCustomerById(deps.db, params.id);
        if (!customer) throw notFound('customer');
        return { status: 200, body: toCustomerView(customer) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/customers/:id/usage',
      operationId: 'getCustomerUsage',
      tag: TAG,
      summary: "A customer's traffic and charges per hour or day",
      description:
        'From the CDRs: accepted messages, segments, messages by status, price and vendor cost, per UTC hour or day and currency, with totals. Up to 7 days by the hour, 92 by the day.',
      scope: 'read',
      params: IdParams,
      query: UsageQuery,
      responses: { 200: { description: 'Usage per bucket and in total', schema: UsageView } },
      handler: async ({ deps, params, query }) => {
        if (!(await getCustomerById(deps.db, params.id))) throw notFound('customer');
        const usage = await customerUsage(deps.db, { customerId: params.id, ...query });
        return {
          status: 200,
          body: {
            customerId: params.id,
            interval: query.interval,
            from: iso(query.from),
            to: iso(query.to),
            buckets: usage.buckets.map((b) => ({ ...b, start: iso(b.start) })),
            totals: usage.totals,
          },
        };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/customers/:id',
      operationId: 'updateCustomer',
      tag: TAG,
      summary: 'Change a customer',
      description:
        'Only the fields sent change. Announces invalidate-customer and reload-routing; edge pods re-check the account on the next bind.',
      scope: 'write',
      params: IdParams,
      body: CustomerUpdate,
      announces: true,
      resource: 'customer',
      responses: { 200: { description: 'The customer after the change', schema: CustomerView } },
      handler: async ({ deps, params, body, announce }) => {
        const customer = await updateCustomer(deps.db, params.id, body);
        if (!customer) throw notFound('customer');
        if (Object.keys(body).length > 0) await announce(...customerChanged(customer.id));
        return { status: 200, body: toCustomerView(customer) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/customers/:id',
      operationId: 'deleteCustomer',
      tag: TAG,
      summary: 'Delete a customer',
      description:
        'Also deletes its customer-specific routing rules. Refused (409 still_referenced) while the customer owns numbers.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'customer',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, announce }) => {
        if (!(await deleteCustomer(deps.db, params.id))) throw notFound('customer');
        await announce(...customerChanged(params.id));
        return { status: 204 };
      },
    }),
  ];
}
