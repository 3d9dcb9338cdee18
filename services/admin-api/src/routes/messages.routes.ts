import { ReceiptStat } from '@smpp-gateway/contracts';
import {
  DELIVERY_STATUSES,
  getCdrByVendorMessageId,
  getCustomerById,
  getRetiredVendor,
  getVendorById,
  searchCdrs,
  SUBMIT_STATUSES,
  type Cdr,
  type Database,
  type Vendor,
} from '@smpp-gateway/db';
import {
  CustomerReceiptState,
  isFinalStatus,
  lookupMessage,
  recordFromCdr,
  reportedDoneAt,
  MessageStateRecord,
  MessageStatus,
  type MessageLookup,
} from '@smpp-gateway/message-state';
import { keysMeetingReadings, normalizeMessageId } from '@smpp-gateway/smpp';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import {
  AddressFilter,
  cursorPageOf,
  encodeWindowCursor,
  messageIdParams,
  messageIdString,
  pagination,
  searchWindow,
  Timestamp,
  Uuid,
  windowCursorParam,
} from './common.schema.js';

const TAG = 'Messages';

const MessageParams = messageIdParams('Our message id, as returned in submit_sm_resp');

const VendorMessageParams = z.strictObject({
  id: Uuid.describe('The vendor (a deleted one too)'),
  vendorMessageId: messageIdString(
    "The vendor's own message id, from its submit_sm_resp or from a receipt, in any case, padding or base its declared formats allow",
  ),
});

const Source = z
  .enum(['redis', 'postgres'])
  .describe('redis while the live record exists (7 days), then the CDR in PostgreSQL');

/**
 * The state record minus its text preview: message content stays out of the
 * API as it stays out of the logs.
 */
export const MessageStatusView = MessageStateRecord.omit({ textPreview: true })
  .extend({ final: z.boolean(), from: Source })
  .meta({ id: 'MessageStatus' });
export type MessageStatusView = z.infer<typeof MessageStatusView>;

export const MessageReceiptView = z
  .object({
    messageId: z.string(),
    status: MessageStatus,
    final: z.boolean(),
    from: Source,
    receipt: z
      .object({
        stat: ReceiptStat,
        err: z.string().nullable().describe('The receipt err: field as the vendor sent it'),
        networkErrorCode: z.string().nullable(),
        doneAt: Timestamp.nullable(),
      })
      .nullable()
      .describe('null until a vendor receipt arrived'),
    vendorId: z.string().nullable(),
    vendorMessageId: z.string().nullable(),
    submittedAt: Timestamp.nullable(),
    customerReceipt: CustomerReceiptState.nullable().describe(
      'Whether the receipt to the customer was requested and sent',
    ),
    failureReason: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'MessageReceipt' });
export type MessageReceiptView = z.infer<typeof MessageReceiptView>;

export function toMessageStatusView(found: MessageLookup): MessageStatusView {
  const { textPreview: _text, ...record } = found.record;
  const doneAt = reportedDoneAt(record);
  return {
    ...record,
    ...(doneAt !== undefined ? { doneAt } : {}),
    final: isFinalStatus(record.status),
    from: found.from,
  };
}

export function toMessageReceiptView(found: MessageLookup): MessageReceiptView {
  const r = found.record;
  const stat = ReceiptStat.safeParse(r.status);
  return {
    messageId: r.messageId,
    status: r.status,
    final: isFinalStatus(r.status),
    from: found.from,
    receipt: stat.success
      ? {
          stat: stat.data,
          // A CDR keeps the receipt's err code in its `error` column.
          err: r.err ?? (found.from === 'postgres' ? (r.error ?? null) : null),
          networkErrorCode: r.networkErrorCode ?? null,
          doneAt: reportedDoneAt(r) ?? null,
        }
      : null,
    vendorId: r.vendorId ?? null,
    vendorMessageId: r.vendorMessageId ?? null,
    submittedAt: r.submittedAt ?? null,
    customerReceipt: r.customerReceipt ?? null,
    failureReason: r.failureReason ?? null,
    error: r.error ?? null,
  };
}

const MessageSearchQuery = z
  .strictObject({
    customerId: Uuid.describe('Whose messages (required: searches are per customer)'),
    from: Timestamp.optional().describe('Accepted at or after (default: 24 h before `to`)'),
    to: Timestamp.optional().describe('Accepted before (default: now)'),
    status: z
      .enum([...SUBMIT_STATUSES, ...DELIVERY_STATUSES])
      .optional()
      .describe("The message's status: its receipt's once it has one, else its submit status"),
    destination: AddressFilter.optional().describe('Destination address as stored (E.164 digits)'),
    source: AddressFilter.optional(),
    vendorId: Uuid.optional(),
    limit: pagination.limit,
    cursor: windowCursorParam,
  })
  .transform((q, ctx) => {
    const { from, to, after } = searchWindow(q, ctx);
    return {
      ...q,
      from,
      to,
      after: after && { acceptedAt: after.at, messageId: after.id },
    };
  });

const MessagePage = cursorPageOf(MessageStatusView).meta({ id: 'MessagePage' });

/**
 * The newest CDR of `vendor` whose vendor message id is `id`. Carriers quote
 * their own id in disputes, copied from the submit_sm_resp or from a
 * receipt, and a vendor may write the two in different formats (hex in the
 * resp, decimal in the receipt). A CDR is keyed by the resp's id under the
 * resp format, so `id` is read under the resp format first (the id the
 * tracker archived), then under the receipt format when that reads it
 * differently. The readings are what the tracker passes for a late receipt:
 * the repository tries them for vendors declaring 'auto' only.
 */
async function findCdrByVendorMessageId(
  db: Kysely<Database>,
  vendor: Pick<Vendor, 'id' | 'messageIdFormat' | 'receiptMessageIdFormat'>,
  id: string,
): Promise<Cdr | undefined> {
  const readings = keysMeetingReadings(id);
  const respKey = normalizeMessageId(id, vendor.messageIdFormat);
  const asResp = await getCdrByVendorMessageId(db, vendor.id, { id, key: respKey, readings });
  if (asResp) return asResp;
  const receiptFormat = vendor.receiptMessageIdFormat ?? vendor.messageIdFormat;
  const receiptKey = normalizeMessageId(id, receiptFormat);
  // The same key would only repeat the same query.
  if (receiptKey === respKey) return undefined;
  return getCdrByVendorMessageId(db, vendor.id, { id, key: receiptKey, readings });
}

export function messageRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/messages',
      operationId: 'searchMessages',
      tag: TAG,
      summary: "A customer's messages in a time window",
      description:
        'Newest first, found in the CDRs (the tracker writes them within milliseconds of each event) by status, addresses or vendor; each shown as GET /messages/:id shows it (the live record while Redis holds it, else the CDR). One customer per search and a window of at most 31 days.',
      scope: 'read',
      query: MessageSearchQuery,
      responses: { 200: { description: 'One page of messages', schema: MessagePage } },
      handler: async ({ deps, query }) => {
        if (!(await getCustomerById(deps.db, query.customerId))) throw notFound('customer');
        const page = await searchCdrs(deps.db, {
          customerId: query.customerId,
          from: query.from,
          to: query.to,
          limit: query.limit,
          ...(query.status !== undefined ? { status: query.status } : {}),
          ...(query.destination !== undefined ? { destination: query.destination } : {}),
          ...(query.source !== undefined ? { source: query.source } : {}),
          ...(query.vendorId !== undefined ? { vendorId: query.vendorId } : {}),
          ...(query.after !== undefined ? { after: query.after } : {}),
        });
        // As GET /messages/:id: the live record while Redis holds it (fresher,
        // and it knows whether the customer's receipt went out), else the CDR.
        const live = await deps.messageState.getMany(page.items.map((cdr) => cdr.messageId));
        return {
          status: 200,
          body: {
            items: page.items.map((cdr) => {
              const record = live.get(cdr.messageId);
              return toMessageStatusView(
                record
                  ? { from: 'redis', record }
                  : { from: 'postgres', record: recordFromCdr(cdr) },
              );
            }),
            next: page.next
              ? encodeWindowCursor({
                  at: page.next.acceptedAt,
                  id: page.next.messageId,
                  from: query.from,
                })
              : null,
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/messages/:id',
      operationId: 'getMessage',
      tag: TAG,
      summary: 'Status of a message',
      description: 'From the live state in Redis, or from its CDR once that has expired.',
      scope: 'read',
      params: MessageParams,
      responses: { 200: { description: 'Where the message stands', schema: MessageStatusView } },
      handler: async ({ deps, params }) => {
        const found = await lookupMessage(deps.messageState, deps.db, params.id);
        if (!found) throw notFound('message');
        return { status: 200, body: toMessageStatusView(found) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/messages/:id/dlr',
      operationId: 'getMessageReceipt',
      tag: TAG,
      summary: 'Delivery receipt details of a message',
      scope: 'read',
      params: MessageParams,
      responses: {
        200: { description: 'The receipt (null while none arrived)', schema: MessageReceiptView },
      },
      handler: async ({ deps, params }) => {
        const found = await lookupMessage(deps.messageState, deps.db, params.id);
        if (!found) throw notFound('message');
        return { status: 200, body: toMessageReceiptView(found) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/vendors/:id/messages/:vendorMessageId',
      operationId: 'getMessageByVendorMessageId',
      tag: TAG,
      summary: "A message found by the vendor's (carrier's) message id",
      description:
        "For a carrier's dispute or ticket that quotes its own message id: the id from the vendor's submit_sm_resp or from its receipt, read under the vendor's declared formats (so hex, upper or lower case, padded with zeros, or the receipt's decimal of a hex resp id all find the message). Searched in the CDRs of that vendor only, then shown as GET /messages/:id shows it (the live record while Redis holds it, else the CDR). Vendors recycle ids: the newest message with that id is answered. An id both formats can read (all digits, for hex resp ids and decimal receipts) is read as the resp's first; the answer's vendorMessageId shows which id matched. A deleted vendor's messages are still found: its tombstone keeps its id formats.",
      scope: 'read',
      params: VendorMessageParams,
      responses: {
        200: { description: 'Where the message stands', schema: MessageStatusView },
      },
      handler: async ({ deps, params }) => {
        // CDRs keep a deleted vendor's id, and disputes can come after the
        // deletion: its tombstone still says how it wrote its ids.
        const vendor =
          (await getVendorById(deps.db, params.id)) ?? (await getRetiredVendor(deps.db, params.id));
        if (!vendor) throw notFound('vendor');
        const cdr = await findCdrByVendorMessageId(deps.db, vendor, params.vendorMessageId);
        if (!cdr) throw notFound('message');
        // Our id found, the answer is GET /messages/:id's. Undefined only if
        // the CDR was pruned between the two reads.
        const found = await lookupMessage(deps.messageState, deps.db, cdr.messageId);
        if (!found) throw notFound('message');
        return { status: 200, body: toMessageStatusView(found) };
      },
    }),
  ];
}
