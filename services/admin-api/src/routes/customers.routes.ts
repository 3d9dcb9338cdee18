import {
  adjustCustomerCredit,
  ConflictError,
  createCustomer,
  CUSTOMER_STATUSES,
  customerUsage,
  deleteCustomer,
  getCustomerById,
  listCustomers,
  updateCustomer,
  type Customer,
  type PrepaidBalance,
} from '@smpp-gateway/db';
import { z } from 'zod';
import { ApiError, ErrorResponse, notFound } from '../http/api-error.js';
import { nullIfUnavailable } from '../http/live-part.js';
import { defineRoute, type ControlCommandBody, type Route } from '../http/route-definition.js';
import {
  Cidr,
  Currency,
  IdParams,
  iso,
  mapPage,
  Micros,
  pageOf,
  pagination,
  queryWindow,
  SMPP_PASSWORD_MAX,
  SourcePattern,
  Timestamp,
} from './common.schema.js';

const TAG = 'Customers';
/** We choose customer passwords ourselves, so a floor costs nothing; SMPP caps them at 8. */
const CUSTOMER_PASSWORD_MIN = 6;
/** Entries of allowedSources: a typo guard; ranges ('1512555*') cover blocks of numbers. */
const MAX_ALLOWED_SOURCES = 100;

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
  allowedSources: z
    .array(SourcePattern)
    .max(
      MAX_ALLOWED_SOURCES,
      `at most ${MAX_ALLOWED_SOURCES} entries (use ranges such as 1512555*)`,
    )
    .describe(
      "Sender IDs (source addresses) the customer may submit from; empty = any source. Each is an exact number as the edge normalises it (E.164 digits without '+', e.g. 15125550100, or a short code), a number range (digits and a trailing '*', e.g. 1512555*), or an exact alphanumeric sender of 1-11 printable characters (case-sensitive: 'ACME' does not allow 'Acme'). A submit from any other source is refused with ESME_RINVSRCADR.",
    ),
  throughput: z.number().int().min(1).max(1_000_000).describe('Segments per second'),
  maxBinds: z.number().int().min(1).max(1_000),
  status: z.enum(CUSTOMER_STATUSES),
  creditMicros: Micros.nullable().describe(
    'Prepaid balance in micro-units of creditCurrency (1 = 0.000001); null = postpaid (no limit). Lowered as carriers accept messages (segments × price, prices in creditCurrency only). Setting it here overwrites the balance: to add to it or take from it, use POST /api/v1/customers/{id}/credit, which cannot lose the charges made meanwhile.',
  ),
  creditCurrency: Currency.describe(
    'ISO 4217 code of the prepaid balance (default USD); only prices in it are taken off. Changing it does not convert the balance.',
  ),
  pricePlan: z.string().trim().min(1).max(64),
  moReassembly: z.boolean().describe('Deliver concatenated MO as one message'),
};

export const CustomerCreate = z
  .strictObject({
    name: customerFields.name,
    systemId: customerFields.systemId,
    password: customerFields.password,
    allowedIps: customerFields.allowedIps.optional(),
    allowedSources: customerFields.allowedSources.optional(),
    throughput: customerFields.throughput,
    maxBinds: customerFields.maxBinds,
    status: customerFields.status.optional(),
    creditMicros: customerFields.creditMicros.optional(),
    creditCurrency: customerFields.creditCurrency.optional(),
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
    allowedSources: z
      .array(z.string())
      .describe('Sender IDs the customer may submit from; empty = any source'),
    throughput: z.number().int(),
    maxBinds: z.number().int(),
    status: z.enum(CUSTOMER_STATUSES),
    creditMicros: z
      .number()
      .int()
      .nullable()
      .describe(
        'Prepaid balance in micro-units of creditCurrency; null = postpaid. Lowered as carriers accept messages, so it can go below zero by what was in flight',
      ),
    creditCurrency: z.string().describe('ISO 4217 code of the prepaid balance'),
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
    allowedSources: c.allowedSources,
    throughput: c.throughput,
    maxBinds: c.maxBinds,
    status: c.status,
    creditMicros: c.creditMicros,
    creditCurrency: c.creditCurrency,
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
 * Edge pods cache accounts (bind auth, throughput, IP and source allow-lists)
 * and the router keeps customer profiles (price plan, MO reassembly) in its
 * snapshot: both must hear about every change.
 */
function customerChanged(customerId: string): ControlCommandBody[] {
  return [{ type: 'invalidate-customer', customerId }, { type: 'reload-routing' }];
}

export const CustomerStatusView = z
  .object({
    customerId: z.string(),
    systemId: z.string(),
    status: z.enum(CUSTOMER_STATUSES),
    isActive: z
      .boolean()
      .describe(
        'status is active: the only status the edge admits binds of (it unbinds a customer that leaves it)',
      ),
    binds: z
      .object({
        live: z
          .number()
          .int()
          .describe(
            'Binds held now across every edge pod (their unexpired bind leases; a pod that died stops counting within one lease TTL)',
          ),
        max: z.number().int().describe('maxBinds: further binds are refused'),
      })
      .nullable()
      .describe("From the edge pods' bind leases in Redis; null when Redis cannot be read"),
    deliveries: z
      .object({
        queued: z
          .number()
          .int()
          .describe(
            'Receipts and MOs waiting in deliver.{id} (ready, not yet taken by an edge pod)',
          ),
        consumers: z
          .number()
          .int()
          .describe(
            'Edge pods consuming them: each pod that holds a receiver or transceiver bind of the customer. Binds but 0 consumers = bound as a transmitter only, which gets no receipts',
          ),
      })
      .nullable()
      .describe('From RabbitMQ; null when the broker cannot be asked'),
  })
  .meta({ id: 'CustomerStatus' });

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
  priceMicros: Micros.describe(
    "The messages' price to the customer (segments × price per segment), accepted by a carrier or not",
  ),
  chargedMicros: Micros.describe(
    'What was charged: segments × price, once per message, when a carrier accepted it (0 when none was). Charges in the currency of a prepaid balance, made while the customer was prepaid, are what that balance went down by',
  ),
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

/** At most a billion units of the currency per adjustment: a typo guard, far inside 2^53 micros. */
export const MAX_CREDIT_ADJUSTMENT_MICROS = 1_000_000_000_000_000;

export const CreditAdjustment = z
  .strictObject({
    amountMicros: z
      .number()
      .int('must be an integer')
      .min(
        -MAX_CREDIT_ADJUSTMENT_MICROS,
        `must be at least -${MAX_CREDIT_ADJUSTMENT_MICROS} (a billion units)`,
      )
      .max(
        MAX_CREDIT_ADJUSTMENT_MICROS,
        `must be at most ${MAX_CREDIT_ADJUSTMENT_MICROS} (a billion units)`,
      )
      .refine((amount) => amount !== 0, 'must not be zero')
      .describe(
        'Added to the balance, in micro-units of creditCurrency (1 = 0.000001): positive for a top-up, negative for a correction or debit. Non-zero, at most 10^15 either way',
      ),
  })
  .meta({ id: 'CreditAdjustment' });

export const PrepaidBalanceView = z
  .object({
    customerId: z.string(),
    creditMicros: z
      .number()
      .int()
      .describe('The balance after the adjustment, in micro-units of creditCurrency'),
    creditCurrency: z.string().describe('ISO 4217 code of the balance'),
  })
  .meta({ id: 'PrepaidBalance' });

/**
 * Adds to a prepaid balance. Not a PATCH of creditMicros: that sets an
 * absolute value, so an operator's read-then-write would overwrite the
 * charges the CDR triggers made in between; this is one atomic
 * `credit_micros + amount` (adjustCustomerCredit) that loses nothing.
 *
 * In a transaction so that a result outside ±(2^53 − 1), which the
 * repository cannot hand back as a number (RangeError), is rolled back
 * rather than committed: such a balance would make the account unreadable
 * everywhere it is read.
 */
async function adjustCredit(
  db: Parameters<typeof adjustCustomerCredit>[0],
  customerId: string,
  amountMicros: number,
): Promise<PrepaidBalance | undefined> {
  try {
    return await db
      .transaction()
      .execute((trx) => adjustCustomerCredit(trx, customerId, amountMicros));
  } catch (err) {
    // Without a constraint: the repository's own "postpaid" refusal.
    if (err instanceof ConflictError && err.constraint === undefined) {
      throw new ApiError(
        409,
        'conflict',
        'the customer is postpaid (creditMicros is null), so it has no balance to adjust; make it prepaid first by setting creditMicros with PATCH /api/v1/customers/{id}',
      );
    }
    if (err instanceof RangeError) {
      throw new ApiError(
        400,
        'invalid_value',
        `the balance after this adjustment would be beyond ±${Number.MAX_SAFE_INTEGER} micros; nothing was changed`,
      );
    }
    throw err;
  }
}

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
      method: 'get',
      path: '/api/v1/customers/:id/status',
      operationId: 'getCustomerStatus',
      tag: TAG,
      summary: 'Binds and waiting deliveries of a customer',
      description:
        'For "I get no delivery receipts": whether the customer is bound now across every edge pod (`binds`, from Redis), and how many receipts and MOs wait for it in the broker and whether any edge pod consumes them (`deliveries`, from RabbitMQ).',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The live status', schema: CustomerStatusView } },
      handler: async ({ deps, params }) => {
        const customer = await getCustomerById(deps.db, params.id);
        if (!customer) throw notFound('customer');
        // Both live views are additions: PostgreSQL's answer stands without
        // Redis or the broker, each null on its own.
        const [binds, deliveries] = await Promise.all([
          nullIfUnavailable(
            deps.customerBinds.live(customer.id).then((live) => ({ live, max: customer.maxBinds })),
            deps.logger,
            'customer bind leases not read from redis',
            { customer_id: customer.id },
          ),
          nullIfUnavailable(
            deps.customerDeliveries.counts(customer.id),
            deps.logger,
            'customer delivery queue not read from the broker',
            { customer_id: customer.id },
          ),
        ]);
        return {
          status: 200,
          body: {
            customerId: customer.id,
            systemId: customer.systemId,
            status: customer.status,
            isActive: customer.status === 'active',
            binds,
            deliveries,
          } satisfies z.infer<typeof CustomerStatusView>,
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
        'Only the fields sent change. Announces invalidate-customer and reload-routing; edge pods re-check the account on the next bind, and check allowedSources from the next submit of sessions already bound.',
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
      method: 'post',
      path: '/api/v1/customers/:id/credit',
      operationId: 'adjustCustomerCredit',
      tag: TAG,
      summary: "Top up (or correct) a prepaid customer's balance",
      description:
        'Adds amountMicros (negative to take off) to creditMicros atomically and answers the balance after. Use this rather than PATCH creditMicros: that sets an absolute value, so it would undo the charges made (as carriers accept messages) between your read and your write. Announces invalidate-customer, so edge pods re-read the balance at once (a customer refused for a spent balance can submit again).',
      scope: 'write',
      params: IdParams,
      body: CreditAdjustment,
      announces: true,
      resource: 'customer',
      responses: {
        200: { description: 'The balance after the adjustment', schema: PrepaidBalanceView },
        400: {
          description:
            'Invalid amount (missing, zero, not an integer, beyond ±10^15), or a balance after it beyond ±(2^53 − 1) (invalid_value; nothing changed)',
          schema: ErrorResponse,
        },
        404: { description: 'No such customer', schema: ErrorResponse },
        409: {
          description: 'The customer is postpaid (creditMicros null): set creditMicros first',
          schema: ErrorResponse,
        },
      },
      handler: async ({ deps, params, body, announce, auditDetails }) => {
        const balance = await adjustCredit(deps.db, params.id, body.amountMicros);
        if (!balance) throw notFound('customer');
        // Before announcing: if that fails (503, changeSaved) the change still is logged.
        auditDetails({
          amount_micros: body.amountMicros,
          credit_micros: balance.creditMicros,
          credit_currency: balance.creditCurrency,
        });
        await announce({ type: 'invalidate-customer', customerId: balance.customerId });
        const view: z.infer<typeof PrepaidBalanceView> = {
          customerId: balance.customerId,
          creditMicros: balance.creditMicros,
          creditCurrency: balance.creditCurrency,
        };
        return { status: 200, body: view };
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
