// What the handlers need from the outside world. Adapters (Redis, PostgreSQL,
// RabbitMQ) implement these; the handlers import no I/O library.
import type { CustomerDelivery, VendorReceipt } from '@smpp-gateway/contracts';
import type { Cdr, CdrWrite, VendorMessageRef } from '@smpp-gateway/db';
import type {
  AggregateIdentity,
  MergeResult,
  MessageAggregate,
  MessageStatePatch,
  MessageStateRecord,
  MessageStatus,
  ReceiptClaim,
  MergeAndClaimOptions,
  MergeAndClaimResult,
  VendorIdKeys,
  VendorLookup,
} from '@smpp-gateway/message-state';

/** The message-state store (MessageStateStore satisfies it). */
export interface StatePort {
  merge(messageId: string, patch: MessageStatePatch): Promise<MergeResult>;
  /** merge + decide the customer receipt + take its lease, in one step (see MessageStateStore). */
  mergeAndClaim(
    messageId: string,
    patch: MessageStatePatch,
    options: MergeAndClaimOptions,
  ): Promise<MergeAndClaimResult>;
  get(messageId: string): Promise<MessageStateRecord | undefined>;
  compareAndSet(
    messageId: string,
    field: 'customerReceipt',
    expected: string | undefined,
    value: string,
  ): Promise<boolean>;
  claimCustomerReceipt(messageId: string, owner: string, leaseMs: number): Promise<ReceiptClaim>;
  /** pending → sent, after the receipt's publish was confirmed (by the lease holder). */
  markCustomerReceiptSent(messageId: string): Promise<void>;
  releaseCustomerReceipt(messageId: string, owner: string): Promise<void>;
  lookupVendorId(vendorId: string, keys: VendorIdKeys): Promise<VendorLookup>;
}

export interface AggregatePort {
  updatePart(
    identity: AggregateIdentity,
    sequence: number,
    messageId: string,
    status: MessageStatus,
  ): Promise<MessageAggregate>;
}

/** Resolves once the row is in PostgreSQL (its batch committed); rejects if that batch failed. */
export interface CdrSink {
  write(row: CdrWrite, eventAt: Date): Promise<void>;
}

/** The CDR archive, for receipts whose Redis mapping is gone. */
export interface CdrArchivePort {
  /**
   * By the receipt's canonical key, or its raw id for rows archived without a
   * key, then (vendors declaring 'auto') by an unambiguous reading.
   */
  findByVendorMessageId(vendorId: string, ref: VendorMessageRef): Promise<Cdr | undefined>;
  /** By our message id (the mapping survived, the record did not). */
  findByMessageId(messageId: string): Promise<Cdr | undefined>;
}

/** Resolves on the broker's confirm of the delivery to `deliver.{customerId}`. */
export interface DeliveryPort {
  publishCustomerDelivery(delivery: CustomerDelivery): Promise<void>;
}

/** Resolves on the broker's confirm that the receipt is parked in the retry queue. */
export interface ReceiptDeferralPort {
  defer(receipt: VendorReceipt): Promise<void>;
}

/**
 * How many times a receipt was deferred, keyed by the receipt's own envelope
 * id. The broker cannot count for us: each deferral is a fresh publish, so
 * the `x-death` history of the previous pass is not carried over.
 */
export interface DeferralLedger {
  passes(receiptId: string): Promise<number>;
  recordDeferral(receiptId: string): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
