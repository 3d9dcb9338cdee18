import { z } from 'zod';
import {
  Base64,
  IsoTimestamp,
  RawTlv,
  ReceiptStat,
  SmppAddress,
  envelope,
} from '../common.schema.js';

/** A delivery receipt for the customer, with OUR message id. */
export const ReceiptDelivery = z.object({
  kind: z.literal('receipt'),
  /** Our id of the message being reported on (goes in receipted_message_id). */
  receiptedMessageId: z.string().min(1).max(64),
  stat: ReceiptStat,
  err: z.string().max(16),
  submitDate: IsoTimestamp,
  doneDate: IsoTimestamp,
  textPreview: z.string().max(20),
  /** The receipt's addresses: source = the MT's destination, destination = the MT's source. */
  source: SmppAddress,
  destination: SmppAddress,
  networkErrorCode: z.string().max(16).optional(),
});
export type ReceiptDelivery = z.infer<typeof ReceiptDelivery>;

/** An inbound message for the customer, bytes unchanged from the vendor. */
export const MoDelivery = z.object({
  kind: z.literal('mo'),
  source: SmppAddress,
  destination: SmppAddress,
  esmClass: z.number().int().min(0).max(255),
  protocolId: z.number().int().min(0).max(255),
  dataCoding: z.number().int().min(0).max(255),
  shortMessage: Base64,
  messagePayload: Base64.optional(),
  tlvs: z.array(RawTlv).default([]),
  vendorId: z.string().min(1),
  receivedAt: IsoTimestamp,
});
export type MoDelivery = z.infer<typeof MoDelivery>;

/**
 * dlr-tracker / router-worker → edge-server (`deliver.{customerId}`): something
 * to send the customer as deliver_sm.
 */
export const CustomerDelivery = z.object({
  ...envelope,
  customerId: z.string().min(1),
  delivery: z.discriminatedUnion('kind', [ReceiptDelivery, MoDelivery]),
});
export type CustomerDelivery = z.infer<typeof CustomerDelivery>;
