import { z } from 'zod';
import {
  Base64,
  ConcatInfo,
  IsoTimestamp,
  RawTlv,
  ReceiptStat,
  SmppAddress,
  envelope,
} from '../common.schema.js';

/** vendor-connector → dlr-tracker (`dlr.receipts`): a vendor's delivery receipt. */
export const VendorReceipt = z.object({
  ...envelope,
  vendorId: z.string().min(1),
  /** Id as the vendor wrote it (receipted_message_id TLV, else the text's id:). */
  vendorMessageId: z.string().min(1).max(64),
  /** Normalised per the vendor's id format: the same key the submit mapping used. */
  vendorMessageKey: z.string().min(1).max(128),
  stat: ReceiptStat,
  /** message_state TLV value when present. */
  messageState: z.number().int().min(0).max(255).optional(),
  err: z.string().max(16).default('000'),
  networkErrorCode: z.string().max(16).optional(),
  submitDate: IsoTimestamp.optional(),
  doneDate: IsoTimestamp.optional(),
  receivedAt: IsoTimestamp,
  source: SmppAddress.optional(),
  destination: SmppAddress.optional(),
});
export type VendorReceipt = z.infer<typeof VendorReceipt>;

/** vendor-connector → router-worker (`mo.messages`): an inbound (MO) message. */
export const MoReceived = z.object({
  ...envelope,
  vendorId: z.string().min(1),
  source: SmppAddress,
  destination: SmppAddress,
  esmClass: z.number().int().min(0).max(255),
  protocolId: z.number().int().min(0).max(255),
  dataCoding: z.number().int().min(0).max(255),
  shortMessage: Base64,
  messagePayload: Base64.optional(),
  concat: ConcatInfo.optional(),
  tlvs: z.array(RawTlv).default([]),
  receivedAt: IsoTimestamp,
});
export type MoReceived = z.infer<typeof MoReceived>;
