import { z } from 'zod';
import {
  Base64,
  ConcatInfo,
  IsoTimestamp,
  MessageId,
  Micros,
  Priority,
  RawTlv,
  SmppAddress,
  envelope,
} from '../common.schema.js';

/** One attempt at a vendor that did not end in acceptance. */
export const VendorAttempt = z.object({
  vendorId: z.string().min(1),
  commandStatus: z.number().int().min(0).optional(),
  error: z.string().max(500),
  at: IsoTimestamp,
});
export type VendorAttempt = z.infer<typeof VendorAttempt>;

/** The MT as the customer submitted it; shared by MtSubmitted and MtRouted. */
export const MtBody = z.object({
  customerId: z.string().min(1),
  systemId: z.string().min(1).max(16),
  source: SmppAddress,
  destination: SmppAddress,
  serviceType: z.string().max(6).default(''),
  esmClass: z.number().int().min(0).max(255),
  protocolId: z.number().int().min(0).max(255),
  priority: Priority,
  registeredDelivery: z.number().int().min(0).max(255),
  dataCoding: z.number().int().min(0).max(255),
  scheduleDeliveryTime: z.string().max(17).default(''),
  validityPeriod: z.string().max(17).default(''),
  /** short_message exactly as received, UDH included when esm_class UDHI is set. */
  shortMessage: Base64,
  /** message_payload TLV, when the customer used it instead of short_message. */
  messagePayload: Base64.optional(),
  concat: ConcatInfo.optional(),
  /** Segments this PDU counts for (rate limits and prices count segments). */
  segments: z.number().int().min(1).max(255),
  /** Other TLVs, forwarded unchanged. */
  tlvs: z.array(RawTlv).default([]),
  /** When edge-server answered submit_sm_resp with our id. */
  acceptedAt: IsoTimestamp,
  /** Vendors already tried for this message (failover excludes them). */
  attempts: z.array(VendorAttempt).default([]),
  /**
   * Index in `attempts` where the current routing round starts. When every
   * vendor failed for a transient reason (no bind, timeout, vendor busy) the
   * router defers the MT and starts a new round: only attempts from
   * `roundStart` on are excluded, so the vendors are tried again.
   */
  roundStart: z.number().int().min(0).default(0),
});
export type MtBody = z.infer<typeof MtBody>;

/** edge-server → router-worker: a customer's submit_sm, accepted and confirmed. */
export const MtSubmitted = z.object({ ...envelope, ...MtBody.shape });
export type MtSubmitted = z.infer<typeof MtSubmitted>;

/** Customer price and vendor cost per segment (each in its own currency). */
export const Pricing = z.object({
  currency: z.string().length(3),
  pricePerSegmentMicros: Micros,
  costPerSegmentMicros: Micros,
  costCurrency: z.string().length(3),
  /**
   * The customer's balance is prepaid in `currency`: when a carrier accepts
   * the message, its CDR write takes the charge off that balance too.
   */
  prepaid: z.boolean().optional(),
});
export type Pricing = z.infer<typeof Pricing>;

/** router-worker → vendor-connector: the MT with its chosen vendor and price. */
export const MtRouted = z.object({
  ...envelope,
  ...MtBody.shape,
  vendorId: z.string().min(1),
  routeId: z.string().min(1),
  pricing: Pricing,
  routedAt: IsoTimestamp,
  /**
   * The router's input was a redelivery: it may have routed this MT before
   * (crashed after the publish confirm, before its ack). The connector then
   * checks its "already sent" marker instead of trusting a fresh delivery.
   */
  possibleRepeat: z.boolean().optional(),
});
export type MtRouted = z.infer<typeof MtRouted>;

export const SubmitOutcome = z.enum(['submitted', 'failed']);
export type SubmitOutcome = z.infer<typeof SubmitOutcome>;

export const FailureReason = z.enum([
  'no_route',
  'no_rate',
  'tendlc_rejected',
  'vendors_exhausted',
  'vendor_rejected',
  'invalid_message',
  'expired',
  /** The destination matches a block (routing.blocked_destinations). */
  'blocked',
]);
export type FailureReason = z.infer<typeof FailureReason>;

/**
 * → dlr-tracker (`dlr.events`): what happened to an MT. Published by
 * vendor-connector (submitted / vendor failure) and by router-worker (no route,
 * 10DLC rejection, vendors exhausted). Carries the MT context so the tracker
 * can write the CDR and build the customer receipt without another lookup.
 */
export const MtSubmitResult = z.object({
  ...envelope,
  outcome: SubmitOutcome,
  customerId: z.string().min(1),
  systemId: z.string().min(1).max(16),
  source: SmppAddress,
  destination: SmppAddress,
  registeredDelivery: z.number().int().min(0).max(255),
  dataCoding: z.number().int().min(0).max(255),
  /** First 20 characters of the text, for the receipt's `text:` field. */
  textPreview: z.string().max(20),
  segments: z.number().int().min(1).max(255),
  concat: ConcatInfo.optional(),
  acceptedAt: IsoTimestamp,
  vendorId: z.string().min(1).optional(),
  routeId: z.string().min(1).optional(),
  pricing: Pricing.optional(),
  vendorMessageId: z.string().min(1).max(64).optional(),
  /** Normalised vendor id (the key the receipt mapping uses). */
  vendorMessageKey: z.string().min(1).max(128).optional(),
  submittedAt: IsoTimestamp.optional(),
  failureReason: FailureReason.optional(),
  commandStatus: z.number().int().min(0).optional(),
  error: z.string().max(500).optional(),
  attempts: z.array(z.object({ vendorId: z.string(), error: z.string() })).default([]),
});
export type MtSubmitResult = z.infer<typeof MtSubmitResult>;

export { MessageId };
