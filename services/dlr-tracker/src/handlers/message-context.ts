import type { CustomerDelivery, ReceiptDelivery, SmppAddress } from '@smpp-gateway/contracts';
import { DELIVERY_STATUSES, type Cdr, type CdrWrite } from '@smpp-gateway/db';
import {
  isFinalStatus,
  isSuccessStatus,
  recordFromCdr,
  reportedDoneAt,
  type MessageStatePatch,
  type MessageStateRecord,
  type MessageStatus,
} from '@smpp-gateway/message-state';
import { customerStat } from './receipt-policy.js';

/** What the CDR row needs: its NOT NULL identity columns. */
export interface CdrContext {
  readonly customerId: string;
  readonly systemId: string;
  readonly source: SmppAddress;
  readonly destination: SmppAddress;
  readonly segments: number;
  readonly acceptedAt: string;
}

/** What the customer receipt needs on top: who asked for what. */
export interface ReceiptContext {
  readonly customerId: string;
  readonly registeredDelivery: number;
  readonly source: SmppAddress;
  readonly destination: SmppAddress;
  readonly acceptedAt: string;
}

export function cdrContext(record: MessageStateRecord): CdrContext | undefined {
  const { customerId, systemId, source, destination, segments, acceptedAt } = record;
  if (
    !customerId ||
    !systemId ||
    !source ||
    !destination ||
    segments === undefined ||
    !acceptedAt
  ) {
    return undefined;
  }
  return { customerId, systemId, source, destination, segments, acceptedAt };
}

/** The record fields `receiptContext` needs (also read by the merge script that decides receipts). */
export const RECEIPT_CONTEXT_FIELDS = [
  'customerId',
  'registeredDelivery',
  'source',
  'destination',
  'acceptedAt',
] as const satisfies readonly (keyof ReceiptContext)[];

export function receiptContext(record: MessageStateRecord): ReceiptContext | undefined {
  const { customerId, registeredDelivery, source, destination, acceptedAt } = record;
  if (!customerId || registeredDelivery === undefined || !source || !destination || !acceptedAt) {
    return undefined;
  }
  return { customerId, registeredDelivery, source, destination, acceptedAt };
}

/** Statuses that are a delivery state in the CDR (the receipt stats). */
const DELIVERY_STATES = new Set<MessageStatus>(DELIVERY_STATUSES);

type SubmitStatus = CdrWrite['submitStatus'];
type DeliveryStatus = NonNullable<CdrWrite['deliveryStatus']>;

function submitStatusOf(status: MessageStatus): SubmitStatus {
  if (status === 'failed') return 'failed';
  if (status === 'accepted' || status === 'routed') return 'accepted';
  // A receipt implies the vendor accepted the submit.
  return 'submitted';
}

function date(iso: string | undefined): Date | null {
  return iso === undefined ? null : new Date(iso);
}

/**
 * The CDR as the merged state record knows the message now. The record is
 * monotonic and the upsert merges monotonically too, so writing the whole
 * snapshot each time is idempotent and order-tolerant.
 */
export function cdrWriteFromRecord(record: MessageStateRecord): CdrWrite | undefined {
  const context = cdrContext(record);
  if (!context) return undefined;
  const delivery = DELIVERY_STATES.has(record.status) ? (record.status as DeliveryStatus) : null;
  const failedReceipt = isFinalStatus(record.status) && !isSuccessStatus(record.status);
  const concat = record.concat && record.concat.total > 1 ? record.concat : undefined;
  return {
    messageId: record.messageId,
    customerId: context.customerId,
    systemId: context.systemId,
    vendorId: record.vendorId ?? null,
    vendorMessageId: record.vendorMessageId ?? null,
    vendorMessageKey: record.vendorMessageKey ?? null,
    routeId: record.routeId ?? null,
    sourceAddr: context.source.addr,
    destinationAddr: context.destination.addr,
    segments: context.segments,
    concatRef: concat?.reference ?? null,
    partSeq: concat?.sequence ?? null,
    partTotal: concat?.total ?? null,
    pricePerSegmentMicros: record.pricing?.pricePerSegmentMicros ?? null,
    costPerSegmentMicros: record.pricing?.costPerSegmentMicros ?? null,
    currency: record.pricing?.currency ?? null,
    chargePrepaid: record.pricing?.prepaid ?? null,
    submitStatus: submitStatusOf(record.status),
    deliveryStatus: delivery,
    // Our failures carry a description; a vendor failure keeps its err code.
    error: record.error ?? (failedReceipt && record.err ? `err:${record.err}` : null),
    failureReason: record.failureReason ?? null,
    acceptedAt: new Date(context.acceptedAt),
    submittedAt: date(record.submittedAt),
    doneAt: date(reportedDoneAt(record)),
    // What a receipt needs if Redis loses the record (contextPatchFromCdr).
    registeredDelivery: record.registeredDelivery ?? null,
    sourceTon: context.source.ton,
    sourceNpi: context.source.npi,
    destinationTon: context.destination.ton,
    destinationNpi: context.destination.npi,
  };
}

/**
 * Context recovered from the CDR when Redis lost the record (after expiry or
 * a flush): the archived row as a record (recordFromCdr) without its
 * outcome. Enough for the customer receipt, since registered_delivery and
 * the addresses' TON/NPI are archived; rows archived before they were come
 * back with TON/NPI 0 and no registered_delivery, so such a message can be
 * tracked and billed but not receipted. The text preview is not archived:
 * the receipt's `text:` field stays empty.
 */
export function contextPatchFromCdr(cdr: Cdr): MessageStatePatch {
  const {
    messageId: _id,
    updatedAt: _updated,
    status: _status,
    doneAt: _done,
    error: _error,
    failureReason: _reason,
    ...context
  } = recordFromCdr(cdr);
  // Lowest rank: the merge only fills what is missing, never moves the status.
  return { ...context, status: 'accepted' };
}

/**
 * The customer's receipt for a final record: OUR id, the addresses swapped
 * (the receipt travels from the handset back to the sender).
 */
export function customerReceiptFor(
  record: MessageStateRecord,
  context: ReceiptContext,
  envelope: { readonly messageId: string; readonly occurredAt: string },
): CustomerDelivery | undefined {
  const stat = customerStat(record.status, record.failureReason);
  if (!stat) return undefined;
  const delivery: ReceiptDelivery = {
    kind: 'receipt',
    receiptedMessageId: record.messageId,
    stat,
    err: record.err ?? (isSuccessStatus(record.status) ? '000' : '999'),
    submitDate: context.acceptedAt,
    doneDate: reportedDoneAt(record) ?? envelope.occurredAt,
    textPreview: record.textPreview ?? '',
    source: context.destination,
    destination: context.source,
    ...(record.networkErrorCode ? { networkErrorCode: record.networkErrorCode } : {}),
  };
  return {
    v: 1,
    messageId: envelope.messageId,
    occurredAt: envelope.occurredAt,
    customerId: context.customerId,
    delivery,
  };
}
