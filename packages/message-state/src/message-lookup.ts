import { getCdr, type Cdr, type Database } from '@smpp-gateway/db';
import type { Kysely } from 'kysely';
import type { MessageStateRecord, MessageStatus } from './message-state.schema.js';
import type { MessageStateStore } from './message-state.store.js';

export interface MessageLookup {
  /** Redis while the record lives (7 days), the CDR after that. */
  readonly from: 'redis' | 'postgres';
  readonly record: MessageStateRecord;
}

function statusFromCdr(cdr: Cdr): MessageStatus {
  if (cdr.deliveryStatus) return cdr.deliveryStatus;
  return cdr.submitStatus;
}

/** The CDR seen through the state record's shape (addresses without TON/NPI). */
export function recordFromCdr(cdr: Cdr): MessageStateRecord {
  const address = (addr: string) => ({ addr, ton: 0, npi: 0 });
  return {
    messageId: cdr.messageId,
    status: statusFromCdr(cdr),
    updatedAt: cdr.updatedAt.toISOString(),
    customerId: cdr.customerId,
    systemId: cdr.systemId,
    source: address(cdr.sourceAddr),
    destination: address(cdr.destinationAddr),
    segments: cdr.segments,
    acceptedAt: cdr.acceptedAt.toISOString(),
    ...(cdr.submittedAt ? { submittedAt: cdr.submittedAt.toISOString() } : {}),
    ...(cdr.doneAt ? { doneAt: cdr.doneAt.toISOString() } : {}),
    ...(cdr.vendorId ? { vendorId: cdr.vendorId } : {}),
    ...(cdr.routeId ? { routeId: cdr.routeId } : {}),
    ...(cdr.vendorMessageId ? { vendorMessageId: cdr.vendorMessageId } : {}),
    ...(cdr.error ? { error: cdr.error } : {}),
    ...(cdr.failureReason ? { failureReason: cdr.failureReason } : {}),
  };
}

/** Status of one message by our id; undefined when neither store knows it. */
export async function lookupMessage(
  store: MessageStateStore,
  db: Kysely<Database>,
  messageId: string,
): Promise<MessageLookup | undefined> {
  const record = await store.get(messageId);
  if (record) return { from: 'redis', record };
  const cdr = await getCdr(db, messageId);
  return cdr ? { from: 'postgres', record: recordFromCdr(cdr) } : undefined;
}
