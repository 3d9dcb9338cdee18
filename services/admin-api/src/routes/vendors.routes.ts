import {
  createVendor,
  deleteVendor,
  getVendorById,
  listVendors,
  MESSAGE_ID_FORMATS,
  updateVendor,
  VENDOR_ALPHABETS,
  VENDOR_BIND_TYPES,
  VENDOR_STATUSES,
  type Vendor,
} from '@smpp-gateway/db';
import { parseReceiptTimeZone } from '@smpp-gateway/smpp';
import { z } from 'zod';
import { ApiError, notFound } from '../http/api-error.js';
import { nullIfUnavailable } from '../http/live-part.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import {
  Accepted,
  Currency,
  IdParams,
  iso,
  isoOrNull,
  mapPage,
  pageOf,
  pagination,
  QueryBoolean,
  SMPP_PASSWORD_MAX,
  Timestamp,
} from './common.schema.js';

const TAG = 'Vendors';

const vendorFields = {
  instanceName: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
      'must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit',
    )
    .describe('Unique name used in logs and metric labels'),
  displayName: z.string().trim().min(1).max(200),
  host: z
    .string()
    .regex(/^[A-Za-z0-9._:[\]-]{1,253}$/, 'must be a host name or an IP address')
    .describe('SMSC host name or IP address'),
  port: z.number().int().min(1).max(65535),
  useTls: z.boolean(),
  bindType: z.enum(VENDOR_BIND_TYPES).describe('tx_rx = a transmitter plus a receiver bind'),
  systemId: z.string().min(1).max(15).describe('SMPP system_id (at most 15 characters)'),
  password: z
    .string()
    .min(1)
    .max(SMPP_PASSWORD_MAX, `SMPP passwords are at most ${SMPP_PASSWORD_MAX} characters`)
    .describe('Write-only: stored encrypted (AES-256-GCM), never returned'),
  systemType: z.string().max(12),
  throughput: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .describe('Segments per second for the vendor, across all pods'),
  priority: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .describe(
      'Lower is preferred: ranks vendors whose routing rules tie on priority (after isPrimary, before cost)',
    ),
  isPrimary: z
    .boolean()
    .describe('Preferred to the other vendors whose routing rules tie on priority'),
  isActive: z.boolean(),
  maxBinds: z.number().int().min(1).max(1_000).describe('Binds shared by all connector pods'),
  windowSize: z.number().int().min(1).max(10_000),
  enquireLinkIntervalMs: z.number().int().min(1_000).max(3_600_000),
  responseTimeoutMs: z.number().int().min(100).max(600_000),
  defaultAlphabet: z.enum(VENDOR_ALPHABETS).describe('What the vendor means by data_coding 0'),
  messageIdFormat: z
    .enum(MESSAGE_ID_FORMATS)
    .describe(
      'Format of the message id in submit_sm_resp. auto reads an all-digit id as decimal: set hex explicitly for a vendor whose hex ids can be all digits',
    ),
  receiptMessageIdFormat: z
    .enum(MESSAGE_ID_FORMATS)
    .nullable()
    .describe(
      'Format of the message id in receipts when it differs from submit_sm_resp (e.g. hex resp, decimal receipt); null = the same as messageIdFormat',
    ),
  receiptTimeZone: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const zone = parseReceiptTimeZone(value);
      if (!zone.ok) ctx.addIssue({ code: 'custom', message: zone.reason });
    })
    .nullable()
    .describe(
      "The clock of the dates in the vendor's receipts (submit date, done date): an IANA name such as Europe/Berlin (daylight saving time followed) or a fixed offset such as +05:30; null = UTC",
    ),
  currency: Currency,
};

/**
 * A tx_rx vendor needs a transmitter and a receiver bind. On a create an
 * absent maxBinds means the default (1); on a patch it means "unchanged", so
 * only the database check can judge it against the stored row.
 */
function txRxNeedsTwoBinds(mode: 'create' | 'patch') {
  return (
    value: { bindType?: string | undefined; maxBinds?: number | undefined },
    ctx: z.RefinementCtx,
  ): void => {
    const maxBinds = mode === 'create' ? (value.maxBinds ?? 1) : value.maxBinds;
    if (value.bindType === 'tx_rx' && maxBinds !== undefined && maxBinds < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxBinds'],
        message: 'must be at least 2 for bindType tx_rx',
      });
    }
  };
}

export const VendorCreate = z
  .strictObject({
    instanceName: vendorFields.instanceName,
    displayName: vendorFields.displayName,
    host: vendorFields.host,
    port: vendorFields.port,
    useTls: vendorFields.useTls.optional(),
    bindType: vendorFields.bindType,
    systemId: vendorFields.systemId,
    password: vendorFields.password,
    systemType: vendorFields.systemType.optional(),
    throughput: vendorFields.throughput,
    priority: vendorFields.priority.optional(),
    isPrimary: vendorFields.isPrimary.optional(),
    isActive: vendorFields.isActive.optional(),
    maxBinds: vendorFields.maxBinds.optional(),
    windowSize: vendorFields.windowSize.optional(),
    enquireLinkIntervalMs: vendorFields.enquireLinkIntervalMs.optional(),
    responseTimeoutMs: vendorFields.responseTimeoutMs.optional(),
    defaultAlphabet: vendorFields.defaultAlphabet.optional(),
    messageIdFormat: vendorFields.messageIdFormat.optional(),
    receiptMessageIdFormat: vendorFields.receiptMessageIdFormat.optional(),
    receiptTimeZone: vendorFields.receiptTimeZone.optional(),
    currency: vendorFields.currency.optional(),
  })
  .superRefine(txRxNeedsTwoBinds('create'))
  .meta({ id: 'VendorCreate' });

export const VendorUpdate = z
  .strictObject(vendorFields)
  .partial()
  .extend({
    expectedVersion: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Optimistic concurrency: 409 when the vendor changed since this version'),
  })
  .superRefine(txRxNeedsTwoBinds('patch'))
  .meta({ id: 'VendorUpdate' });

export const VendorView = z
  .object({
    id: z.string(),
    instanceName: z.string(),
    displayName: z.string(),
    host: z.string(),
    port: z.number().int(),
    useTls: z.boolean(),
    bindType: z.enum(VENDOR_BIND_TYPES),
    systemId: z.string(),
    systemType: z.string(),
    throughput: z.number().int(),
    priority: z.number().int(),
    isPrimary: z.boolean(),
    isActive: z.boolean(),
    status: z.enum(VENDOR_STATUSES),
    statusDetail: z.string().nullable(),
    statusUpdatedAt: Timestamp.nullable(),
    maxBinds: z.number().int(),
    windowSize: z.number().int(),
    enquireLinkIntervalMs: z.number().int(),
    responseTimeoutMs: z.number().int(),
    defaultAlphabet: z.enum(VENDOR_ALPHABETS),
    messageIdFormat: z.enum(MESSAGE_ID_FORMATS),
    receiptMessageIdFormat: z.enum(MESSAGE_ID_FORMATS).nullable(),
    receiptTimeZone: z.string().nullable().describe('null = UTC'),
    currency: z.string(),
    version: z.number().int().describe('Bumped by every configuration change'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Vendor' });
export type VendorView = z.infer<typeof VendorView>;

/** The API's view of a vendor: everything but the password, in any form. */
export function toVendorView(v: Vendor): VendorView {
  return {
    id: v.id,
    instanceName: v.instanceName,
    displayName: v.displayName,
    host: v.host,
    port: v.port,
    useTls: v.useTls,
    bindType: v.bindType,
    systemId: v.systemId,
    systemType: v.systemType,
    throughput: v.throughput,
    priority: v.priority,
    isPrimary: v.isPrimary,
    isActive: v.isActive,
    status: v.status,
    statusDetail: v.statusDetail,
    statusUpdatedAt: isoOrNull(v.statusUpdatedAt),
    maxBinds: v.maxBinds,
    windowSize: v.windowSize,
    enquireLinkIntervalMs: v.enquireLinkIntervalMs,
    responseTimeoutMs: v.responseTimeoutMs,
    defaultAlphabet: v.defaultAlphabet,
    messageIdFormat: v.messageIdFormat,
    receiptMessageIdFormat: v.receiptMessageIdFormat,
    receiptTimeZone: v.receiptTimeZone,
    currency: v.currency,
    version: v.version,
    createdAt: iso(v.createdAt),
    updatedAt: iso(v.updatedAt),
  };
}

export const VendorStatusView = z
  .object({
    vendorId: z.string(),
    instanceName: z.string(),
    isActive: z.boolean(),
    status: z.enum(VENDOR_STATUSES).describe('Last state a vendor-connector reported'),
    statusDetail: z.string().nullable(),
    statusUpdatedAt: Timestamp.nullable(),
    ageMs: z.number().int().nullable().describe('Milliseconds since that report'),
    stale: z
      .boolean()
      .describe('No report within VENDOR_STATUS_STALE_MS: no connector is reporting this vendor'),
    fleet: z
      .object({
        binds: z.number().int().describe('Binds the live connector pods hold together'),
        sendingPods: z
          .number()
          .int()
          .describe('Live connector pods that hold a share of the bind budget'),
        down: z
          .boolean()
          .describe(
            "Every one of them has had no usable bind for BIND_WAIT_MS: the routers rank this vendor after the route's other vendors",
          ),
      })
      .nullable()
      .describe(
        'What the connector pods report in Redis now (at once on an outage or its end); null without a live report or when Redis cannot be read',
      ),
    queued: z
      .object({
        priority: z
          .number()
          .int()
          .describe('In vendor.{id}.priority (submit_sm priority_flag 1-3), sent first'),
        bulk: z.number().int().describe('In vendor.{id} (priority_flag 0)'),
      })
      .nullable()
      .describe(
        'Routed MTs waiting for the vendor in RabbitMQ now (ready, not yet taken by a connector); null when the broker cannot be asked. A vendor that is connected but slower than its traffic shows here first',
      ),
  })
  .meta({ id: 'VendorStatus' });

const VendorListQuery = z.strictObject({
  ...pagination,
  isActive: QueryBoolean.optional(),
  status: z.enum(VENDOR_STATUSES).optional(),
  search: z.string().min(1).max(100).optional().describe('Substring of instance or display name'),
});

export function vendorRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/vendors',
      operationId: 'listVendors',
      tag: TAG,
      summary: 'List vendors',
      scope: 'read',
      query: VendorListQuery,
      responses: { 200: { description: 'A page of vendors', schema: pageOf(VendorView) } },
      handler: async ({ deps, query }) => {
        const page = await listVendors(deps.db, query);
        return { status: 200, body: mapPage(page, toVendorView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/vendors',
      operationId: 'createVendor',
      tag: TAG,
      summary: 'Create a vendor',
      description: 'Announces reload-vendors: running connectors bind it without a restart.',
      scope: 'write',
      body: VendorCreate,
      announces: true,
      resource: 'vendor',
      responses: { 201: { description: 'The created vendor', schema: VendorView } },
      handler: async ({ deps, body, auditResource, announce }) => {
        const vendor = await createVendor(deps.db, body, deps.vendorSecretKey);
        auditResource(vendor.id);
        await announce({ type: 'reload-vendors' });
        return {
          status: 201,
          body: toVendorView(vendor),
          headers: { location: `/api/v1/vendors/${vendor.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/vendors/:id',
      operationId: 'getVendor',
      tag: TAG,
      summary: 'Get a vendor',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The vendor', schema: VendorView } },
      handler: async ({ deps, params }) => {
        const vendor = await getVendorById(deps.db, params.id);
        if (!vendor) throw notFound('vendor');
        return { status: 200, body: toVendorView(vendor) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/vendors/:id',
      operationId: 'updateVendor',
      tag: TAG,
      summary: 'Change a vendor',
      description:
        'Only the fields sent change; the version is bumped. Announces reload-vendors (connectors rebind when the bind settings changed) and reload-routing.',
      scope: 'write',
      params: IdParams,
      body: VendorUpdate,
      announces: true,
      resource: 'vendor',
      responses: { 200: { description: 'The vendor after the change', schema: VendorView } },
      handler: async ({ deps, params, body, announce }) => {
        const { expectedVersion, ...patch } = body;
        const vendor = await updateVendor(deps.db, params.id, patch, {
          secretKey: deps.vendorSecretKey,
          ...(expectedVersion !== undefined ? { expectedVersion } : {}),
        });
        if (!vendor) throw notFound('vendor');
        if (Object.keys(patch).length > 0) {
          await announce({ type: 'reload-vendors' }, { type: 'reload-routing' });
        }
        return { status: 200, body: toVendorView(vendor) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/vendors/:id',
      operationId: 'deleteVendor',
      tag: TAG,
      summary: 'Delete a vendor',
      description:
        'Also deletes its routing rules and vendor rates; CDRs keep its id. MTs still queued for it are handed back to the routers by the vendor-connectors (failover, or a failed receipt). To take a vendor out of service but keep it, PATCH isActive=false instead.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'vendor',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, announce }) => {
        if (!(await deleteVendor(deps.db, params.id))) throw notFound('vendor');
        await announce(
          { type: 'reload-vendors' },
          { type: 'reload-routing' },
          { type: 'reload-rates' },
        );
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/vendors/:id/status',
      operationId: 'getVendorStatus',
      tag: TAG,
      summary: 'Connection status of a vendor',
      description:
        'What the vendor-connectors last reported (they write it to PostgreSQL every 30 s), whether that report is stale, and in `fleet` their live view from Redis: whether the routers currently route around the vendor.',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The reported status', schema: VendorStatusView } },
      handler: async ({ deps, params }) => {
        const vendor = await getVendorById(deps.db, params.id);
        if (!vendor) throw notFound('vendor');
        const now = (deps.now ?? (() => new Date()))().getTime();
        const ageMs =
          vendor.statusUpdatedAt === null
            ? null
            : Math.max(0, now - vendor.statusUpdatedAt.getTime());
        // Both live views are additions: PostgreSQL's answer stands without
        // Redis or the broker, each null on its own; asked at once, as the
        // customer status asks its two.
        const [fleet, queued] = await Promise.all([
          nullIfUnavailable(
            deps.vendorStatus.read([vendor.id]).then((statuses) => statuses.get(vendor.id) ?? null),
            deps.logger,
            'vendor status not read from redis',
            { vendor_id: vendor.id },
          ),
          nullIfUnavailable(
            deps.vendorQueues.depths(vendor.id),
            deps.logger,
            'vendor queue depths not read from the broker',
            { vendor_id: vendor.id },
          ),
        ]);
        return {
          status: 200,
          body: {
            vendorId: vendor.id,
            instanceName: vendor.instanceName,
            isActive: vendor.isActive,
            status: vendor.status,
            statusDetail: vendor.statusDetail,
            statusUpdatedAt: isoOrNull(vendor.statusUpdatedAt),
            ageMs,
            stale: ageMs === null || ageMs > deps.options.vendorStatusStaleMs,
            fleet,
            queued,
          } satisfies z.infer<typeof VendorStatusView>,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/vendors/:id/reconnect',
      operationId: 'reconnectVendor',
      tag: TAG,
      summary: 'Force every connector to rebind a vendor',
      description:
        'Announces reconnect-vendor on smpp.control; every vendor-connector pod holding binds of this vendor drops and re-establishes them.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'vendor',
      responses: { 202: { description: 'Announced', schema: Accepted } },
      handler: async ({ deps, params, announce }) => {
        const vendor = await getVendorById(deps.db, params.id);
        if (!vendor) throw notFound('vendor');
        if (!vendor.isActive) {
          throw new ApiError(
            409,
            'conflict',
            'the vendor is not active, so no connector holds a bind to it',
          );
        }
        await announce({ type: 'reconnect-vendor', vendorId: vendor.id });
        return { status: 202, body: { accepted: true, commands: ['reconnect-vendor'] } };
      },
    }),
  ];
}
