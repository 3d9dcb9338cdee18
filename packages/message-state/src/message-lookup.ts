import { getCdr, type Cdr, type Database } from '@smpp-gateway/db';
import type { Kysely } from 'kysely';
import {
  aggregateStatus,
  type AggregatePart,
  type MessageAggregate,
  type MessageAggregateStore,
} from './message-aggregate.store.js';
import type { MessageStateRecord, MessageStatus } from './message-state.schema.js';
import type { MessageStateStore } from './message-state.store.js';

export interface MessageLookup {
  /** Redis while the record lives (7 days), the CDR after that. */
  readonly from: 'redis' | 'postgres';
  readonly record: MessageStateRecord;
  /** The whole message, when this is one part of a multipart message and the caller asked for it. */
  readonly aggregate?: MessageAggregate;
}

export interface LookupOptions {
  /** Also report the multipart aggregate (Redis, or rebuilt from the parts' CDRs after expiry). */
  readonly aggregates?: MessageAggregateStore;
}

/** Parts of one message are accepted within seconds of each other; this bounds the CDR search. */
const PART_WINDOW_MS = 60 * 60 * 1000;

function statusFromCdr(cdr: Cdr): MessageStatus {
  if (cdr.deliveryStatus) return cdr.deliveryStatus;
  return cdr.submitStatus;
}

/**
 * The CDR seen through the state record's shape. Rows archived before
 * registered_delivery and TON/NPI were have addresses with TON/NPI 0 and no
 * registeredDelivery.
 */
export function recordFromCdr(cdr: Cdr): MessageStateRecord {
  const address = (addr: string, ton: number | null, npi: number | null) => ({
    addr,
    ton: ton ?? 0,
    npi: npi ?? 0,
  });
  return {
    messageId: cdr.messageId,
    status: statusFromCdr(cdr),
    updatedAt: cdr.updatedAt.toISOString(),
    customerId: cdr.customerId,
    systemId: cdr.systemId,
    source: address(cdr.sourceAddr, cdr.sourceTon, cdr.sourceNpi),
    destination: address(cdr.destinationAddr, cdr.destinationTon, cdr.destinationNpi),
    segments: cdr.segments,
    acceptedAt: cdr.acceptedAt.toISOString(),
    ...(cdr.registeredDelivery !== null ? { registeredDelivery: cdr.registeredDelivery } : {}),
    ...(cdr.submittedAt ? { submittedAt: cdr.submittedAt.toISOString() } : {}),
    ...(cdr.doneAt ? { doneAt: cdr.doneAt.toISOString() } : {}),
    ...(cdr.vendorId ? { vendorId: cdr.vendorId } : {}),
    ...(cdr.routeId ? { routeId: cdr.routeId } : {}),
    ...(cdr.vendorMessageId ? { vendorMessageId: cdr.vendorMessageId } : {}),
    ...(cdr.vendorMessageKey ? { vendorMessageKey: cdr.vendorMessageKey } : {}),
    ...(cdr.error ? { error: cdr.error } : {}),
    ...(cdr.failureReason ? { failureReason: cdr.failureReason } : {}),
  };
}

async function aggregateFromCdrs(
  db: Kysely<Database>,
  cdr: Cdr,
): Promise<MessageAggregate | undefined> {
  if (cdr.concatRef === null || cdr.partTotal === null) return undefined;
  const rows = await db
    .selectFrom('messaging.cdrs')
    .select(['message_id', 'part_seq', 'submit_status', 'delivery_status'])
    .where('customer_id', '=', cdr.customerId)
    .where('accepted_at', '>=', new Date(cdr.acceptedAt.getTime() - PART_WINDOW_MS))
    .where('accepted_at', '<=', new Date(cdr.acceptedAt.getTime() + PART_WINDOW_MS))
    .where('source_addr', '=', cdr.sourceAddr)
    .where('destination_addr', '=', cdr.destinationAddr)
    .where('concat_ref', '=', cdr.concatRef)
    .where('part_total', '=', cdr.partTotal)
    .orderBy('accepted_at', 'desc')
    .execute();
  // A reused reference inside the window: keep the newest part per sequence.
  const bySequence = new Map<number, AggregatePart>();
  for (const row of rows) {
    if (row.part_seq === null || bySequence.has(row.part_seq)) continue;
    bySequence.set(row.part_seq, {
      sequence: row.part_seq,
      messageId: row.message_id,
      status: row.delivery_status ?? row.submit_status,
    });
  }
  const parts = [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
  return {
    status: aggregateStatus(cdr.partTotal, parts),
    reference: cdr.concatRef,
    total: cdr.partTotal,
    parts,
  };
}

async function aggregateFromRedis(
  aggregates: MessageAggregateStore,
  record: MessageStateRecord,
): Promise<MessageAggregate | undefined> {
  const { customerId, source, destination, concat } = record;
  if (!customerId || !source || !destination || !concat || concat.total < 2) return undefined;
  return aggregates.get({ customerId, source, destination, concat });
}

/** Status of one message by our id; undefined when neither store knows it. */
export async function lookupMessage(
  store: MessageStateStore,
  db: Kysely<Database>,
  messageId: string,
  options: LookupOptions = {},
): Promise<MessageLookup | undefined> {
  const record = await store.get(messageId);
  if (record) {
    const aggregate = options.aggregates && (await aggregateFromRedis(options.aggregates, record));
    return aggregate ? { from: 'redis', record, aggregate } : { from: 'redis', record };
  }
  const cdr = await getCdr(db, messageId);
  if (!cdr) return undefined;
  const aggregate = options.aggregates && (await aggregateFromCdrs(db, cdr));
  return aggregate
    ? { from: 'postgres', record: recordFromCdr(cdr), aggregate }
    : { from: 'postgres', record: recordFromCdr(cdr) };
}
