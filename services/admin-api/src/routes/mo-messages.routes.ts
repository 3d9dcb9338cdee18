// The MO archive (messaging.mo_messages) over HTTP: which inbound parts the
// router handed to which customer, when, and in which deliver_sm. Metadata
// only: the text is not stored, so it cannot be shown.
import { getCustomerById, getMoMessage, searchMoMessages, type MoMessage } from '@smpp-gateway/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';
import {
  AddressFilter,
  cursorPageOf,
  encodeWindowCursor,
  iso,
  messageIdParams,
  pagination,
  searchWindow,
  Timestamp,
  Uuid,
  windowCursorParam,
} from './common.schema.js';

const TAG = 'MO messages';

const MoMessageParams = messageIdParams(
  'Our id of the MO part, as the archive and the logs show it',
);

const Octet = z.number().int().min(0).max(255);

export const MoMessageView = z
  .object({
    messageId: z.string().describe('Our id of this MO part'),
    customerId: z.string().describe('The customer it was routed to (the owner of `destination`)'),
    vendorId: z
      .string()
      .nullable()
      .describe('The vendor (carrier connection) it came in on; null when unknown'),
    source: z.string().describe('Source address as received (the mobile subscriber)'),
    destination: z
      .string()
      .describe("Destination address as received (the customer's number or short code)"),
    esmClass: Octet.describe('esm_class of the deliver_sm the vendor sent'),
    dataCoding: Octet.describe('data_coding of the deliver_sm the vendor sent'),
    octets: z
      .number()
      .int()
      .min(0)
      .describe(
        'Length of the user data (short_message or message_payload) in octets; the text itself is not stored',
      ),
    concat: z
      .object({
        reference: z.number().int().describe('Concatenation reference shared by the parts'),
        sequence: z.number().int().describe('This part, 1-based'),
        total: z.number().int().describe('How many parts the message has'),
      })
      .nullable()
      .describe('The concatenation header (UDH or SAR) of a multi-part message; null for one part'),
    receivedAt: Timestamp.describe('When vendor-connector received it from the carrier'),
    routedAt: Timestamp.describe(
      "When router-worker handed it to the customer's delivery queue (not the customer's deliver_sm_resp)",
    ),
    deliveryMessageId: z
      .string()
      .describe(
        'The deliver_sm (CustomerDelivery) that carried it to the customer; the parts of a reassembled message share it',
      ),
  })
  .meta({ id: 'MoMessage' });
export type MoMessageView = z.infer<typeof MoMessageView>;

export function toMoMessageView(m: MoMessage): MoMessageView {
  return {
    messageId: m.messageId,
    customerId: m.customerId,
    vendorId: m.vendorId,
    source: m.source,
    destination: m.destination,
    esmClass: m.esmClass,
    dataCoding: m.dataCoding,
    octets: m.octets,
    concat: m.concat ? { ...m.concat } : null,
    receivedAt: iso(m.receivedAt),
    routedAt: iso(m.routedAt),
    deliveryMessageId: m.deliveryMessageId,
  };
}

const MoMessageSearchQuery = z
  .strictObject({
    customerId: Uuid.describe('Whose MO parts (required: searches are per customer)'),
    from: Timestamp.optional().describe('Received at or after (default: 24 h before `to`)'),
    to: Timestamp.optional().describe('Received before (default: now)'),
    source: AddressFilter.optional().describe('Source address as received (the mobile subscriber)'),
    destination: AddressFilter.optional().describe(
      "Destination address as received (the customer's number or short code)",
    ),
    limit: pagination.limit,
    cursor: windowCursorParam,
  })
  .transform((q, ctx) => {
    const { from, to, after } = searchWindow(q, ctx);
    return {
      ...q,
      from,
      to,
      after: after && { receivedAt: after.at, messageId: after.id },
    };
  });

const MoMessagePage = cursorPageOf(MoMessageView).meta({ id: 'MoMessagePage' });

export function moMessageRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/mo-messages',
      operationId: 'searchMoMessages',
      tag: TAG,
      summary: "A customer's inbound (MO) message parts in a time window",
      description:
        'Newest first, from the MO archive the router writes before it queues each part for delivery to its customer; filtered by source (the subscriber) or destination (the customer\'s number). Answers "did my customer get the STOP from this number?": search with `source` = that number; a part listed was routed to the customer, and its `deliveryMessageId` names the deliver_sm that carried it. Metadata only, never the text. One customer per search and a window of at most 31 days; an unknown customer is a 404.',
      scope: 'read',
      query: MoMessageSearchQuery,
      responses: { 200: { description: 'One page of MO parts', schema: MoMessagePage } },
      handler: async ({ deps, query }) => {
        if (!(await getCustomerById(deps.db, query.customerId))) throw notFound('customer');
        const page = await searchMoMessages(deps.db, {
          customerId: query.customerId,
          from: query.from,
          to: query.to,
          limit: query.limit,
          ...(query.source !== undefined ? { source: query.source } : {}),
          ...(query.destination !== undefined ? { destination: query.destination } : {}),
          ...(query.after !== undefined ? { after: query.after } : {}),
        });
        return {
          status: 200,
          body: {
            items: page.items.map(toMoMessageView),
            next: page.next
              ? encodeWindowCursor({
                  at: page.next.receivedAt,
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
      path: '/api/v1/mo-messages/:id',
      operationId: 'getMoMessage',
      tag: TAG,
      summary: 'One inbound (MO) message part',
      description:
        'From the MO archive, by our message id (as a search or the logs show it): who sent it to which number, on which vendor, when it was received and handed to the customer, and in which deliver_sm. Metadata only, never the text.',
      scope: 'read',
      params: MoMessageParams,
      responses: { 200: { description: 'The MO part', schema: MoMessageView } },
      handler: async ({ deps, params }) => {
        const found = await getMoMessage(deps.db, params.id);
        if (!found) throw notFound('mo message');
        return { status: 200, body: toMoMessageView(found) };
      },
    }),
  ];
}
