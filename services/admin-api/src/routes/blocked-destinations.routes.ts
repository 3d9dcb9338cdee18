// Destination blocks: number ranges abused for SMS pumping / IRSF, regulatory
// blocks, a number that asked not to be messaged. The routers hold every block
// in their routing snapshot and fail a matching MT `blocked` (UNDELIV, err 909)
// before choosing a vendor, so a change here only takes effect once they
// reload: every mutation announces reload-routing, as a routing rule does.
// Subscribers' opt-outs (STOP to a customer's number) are blocks too, made by
// router-worker (origin opt_out): listed here, and an operator may lift one.
import {
  BLOCK_ORIGINS,
  createBlockedDestination,
  deleteBlockedDestination,
  getBlockedDestination,
  listBlockedDestinations,
  type BlockedDestination,
} from '@smpp-gateway/db';
import { maskLongPrefix } from '@smpp-gateway/runtime';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type AuditDetails, type Route } from '../http/route-definition.js';
import {
  IdParams,
  iso,
  mapPage,
  pageOf,
  pagination,
  QueryBoolean,
  Timestamp,
  Uuid,
} from './common.schema.js';

const TAG = 'Blocked destinations';

/**
 * Destinations are stored as E.164 digits without '+', so a '+4477' block
 * would never match anything: refused, and the message says why.
 */
const BlockPrefix = z
  .string()
  .regex(
    /^[0-9]{1,15}$/,
    "must be 1-15 digits, without a leading '+' (E.164 digits as destinations are stored, or a short code)",
  );

export const BlockedDestinationCreate = z
  .strictObject({
    prefix: BlockPrefix.describe(
      'Destination digits prefix (a whole number is the longest prefix); no leading +',
    ),
    customerId: Uuid.nullable()
      .optional()
      .describe("null or absent: blocked for every customer; else only for this customer's MTs"),
    reason: z
      .string()
      .max(200, 'must be at most 200 characters')
      .optional()
      .describe('Why (fraud, regulatory, opt-out request); for operators only'),
  })
  .meta({ id: 'BlockedDestinationCreate' });

export const BlockedDestinationView = z
  .object({
    id: z.string(),
    prefix: z.string(),
    customerId: z.string().nullable().describe('null: applies to every customer'),
    reason: z.string(),
    origin: z
      .enum(BLOCK_ORIGINS)
      .describe(
        "operator: made through this API; opt_out: the subscriber replied STOP (or another opt-out keyword) to one of the customer's numbers, lifted by its START",
      ),
    createdAt: Timestamp,
  })
  .meta({ id: 'BlockedDestination' });
export type BlockedDestinationView = z.infer<typeof BlockedDestinationView>;

export function toBlockedDestinationView(b: BlockedDestination): BlockedDestinationView {
  return {
    id: b.id,
    prefix: b.prefix,
    customerId: b.customerId,
    reason: b.reason,
    origin: b.origin,
    createdAt: iso(b.createdAt),
  };
}

const BlockedDestinationListQuery = z
  .strictObject({
    ...pagination,
    customerId: Uuid.optional().describe("This customer's own blocks (not the global ones)"),
    global: QueryBoolean.optional().describe(
      'true: only blocks for every customer; false: only customer-scoped ones',
    ),
    prefix: BlockPrefix.optional().describe(
      'Blocks a destination starting with these digits could hit (shorter prefixes), and those under it (longer ones)',
    ),
    origin: z
      .enum(BLOCK_ORIGINS)
      .optional()
      .describe("operator: the API's blocks; opt_out: subscribers' opt-outs"),
  })
  .superRefine((q, ctx) => {
    // A global block has no customer: together they would always answer an
    // empty page, which reads as "nothing blocked" when the caller meant
    // something else. Say so instead.
    if (q.global === true && q.customerId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['global'],
        message:
          "global=true (blocks for every customer) contradicts customerId (one customer's own blocks): give one or the other",
      });
    }
  });

/**
 * What the audit line may carry: the prefix (masked when it may be a whole
 * number) and its scope (null = every customer). Not the reason: free text
 * an operator may fill with anything.
 */
function blockAudit(prefix: string, customerId: string | null | undefined): AuditDetails {
  // A block of a whole number (an opted-out subscriber) is masked like one.
  return { prefix: maskLongPrefix(prefix), customer_id: customerId ?? null };
}

export function blockedDestinationRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/blocked-destinations',
      operationId: 'listBlockedDestinations',
      tag: TAG,
      summary: 'List blocked destinations',
      description:
        'Ordered by prefix. `global=true` and `customerId` together are a 400 (a global block has no customer).',
      scope: 'read',
      query: BlockedDestinationListQuery,
      responses: {
        200: { description: 'A page of blocks', schema: pageOf(BlockedDestinationView) },
      },
      handler: async ({ deps, query }) => {
        const page = await listBlockedDestinations(deps.db, query);
        return { status: 200, body: mapPage(page, toBlockedDestinationView) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/blocked-destinations',
      operationId: 'createBlockedDestination',
      tag: TAG,
      summary: 'Block a destination prefix',
      description:
        'The routers fail matching MTs `blocked` (UNDELIV, err 909) once they reload. Announces reload-routing. 409 for a prefix already blocked in that scope; 400 invalid_reference for an unknown customer.',
      scope: 'write',
      body: BlockedDestinationCreate,
      announces: true,
      resource: 'blocked-destination',
      responses: { 201: { description: 'The created block', schema: BlockedDestinationView } },
      handler: async ({ deps, body, auditResource, auditDetails, announce }) => {
        // Before the insert: a refused attempt (duplicate, unknown customer)
        // is audited with what it tried to block.
        auditDetails(blockAudit(body.prefix, body.customerId));
        const block = await createBlockedDestination(deps.db, body);
        auditResource(block.id);
        await announce({ type: 'reload-routing' });
        return {
          status: 201,
          body: toBlockedDestinationView(block),
          headers: { location: `/api/v1/blocked-destinations/${block.id}` },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/blocked-destinations/:id',
      operationId: 'getBlockedDestination',
      tag: TAG,
      summary: 'Get a blocked destination',
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The block', schema: BlockedDestinationView } },
      handler: async ({ deps, params }) => {
        const block = await getBlockedDestination(deps.db, params.id);
        if (!block) throw notFound('blocked destination');
        return { status: 200, body: toBlockedDestinationView(block) };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/blocked-destinations/:id',
      operationId: 'deleteBlockedDestination',
      tag: TAG,
      summary: 'Unblock a destination prefix',
      description: 'Announces reload-routing: the routers route it again once they reload.',
      scope: 'write',
      params: IdParams,
      announces: true,
      resource: 'blocked-destination',
      responses: { 204: { description: 'Deleted' } },
      handler: async ({ deps, params, auditDetails, announce }) => {
        // Read first so the audit line says what was unblocked (the id alone
        // means nothing once the row is gone).
        const block = await getBlockedDestination(deps.db, params.id);
        if (!block) throw notFound('blocked destination');
        auditDetails(blockAudit(block.prefix, block.customerId));
        if (!(await deleteBlockedDestination(deps.db, params.id))) {
          throw notFound('blocked destination');
        }
        await announce({ type: 'reload-routing' });
        return { status: 204 };
      },
    }),
  ];
}
