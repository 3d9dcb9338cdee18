import { ReceiptStat } from '@smpp-gateway/contracts';
import {
  CustomerReceiptState,
  isFinalStatus,
  lookupMessage,
  MessageStateRecord,
  MessageStatus,
  type MessageLookup,
} from '@smpp-gateway/message-state';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import { Timestamp } from './common.schema.js';

const TAG = 'Messages';

const MessageParams = z.strictObject({
  id: z
    .string()
    .regex(/^[!-~]{1,64}$/, 'must be 1-64 printable ASCII characters')
    .describe('Our message id, as returned in submit_sm_resp'),
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
  return { ...record, final: isFinalStatus(record.status), from: found.from };
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
          doneAt: r.doneAt ?? null,
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

export function messageRoutes(): Route[] {
  return [
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
  ];
}
