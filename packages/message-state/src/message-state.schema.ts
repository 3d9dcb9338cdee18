import { ConcatInfo, IsoTimestamp, MessageId, Pricing, SmppAddress } from '@smpp-gateway/contracts';
import { z } from 'zod';

/**
 * Lifecycle of one message (one SMPP part). Gateway stages are lower case;
 * vendor receipt states use the receipt's stat words; `failed` is our own
 * final failure (no route, 10DLC rejection, vendors exhausted).
 */
export const MESSAGE_STATUSES = [
  'accepted',
  'routed',
  'submitted',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'failed',
] as const;
export const MessageStatus = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatus>;

/**
 * Transitions only move to a higher rank, so a late ENROUTE never overwrites
 * DELIVRD and a replayed "submitted" never overwrites a receipt. Final states
 * share the top rank: the first final state wins.
 */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
  accepted: 10,
  routed: 20,
  submitted: 30,
  ENROUTE: 40,
  DELIVRD: 100,
  EXPIRED: 100,
  DELETED: 100,
  UNDELIV: 100,
  ACCEPTD: 100,
  UNKNOWN: 100,
  REJECTD: 100,
  failed: 100,
};

export const FINAL_RANK = 100;

export function isFinalStatus(status: MessageStatus): boolean {
  return STATUS_RANK[status] === FINAL_RANK;
}

/** Final statuses that count as success for registered_delivery purposes. */
export function isSuccessStatus(status: MessageStatus): boolean {
  return status === 'DELIVRD' || status === 'ACCEPTD';
}

/** The customer receipt's progress: pending = decided, not yet confirmed published. */
export const CustomerReceiptState = z.enum(['pending', 'sent', 'not_requested']);
export type CustomerReceiptState = z.infer<typeof CustomerReceiptState>;

export const MessageStateRecord = z.object({
  messageId: MessageId,
  status: MessageStatus,
  updatedAt: IsoTimestamp,
  customerId: z.string().optional(),
  systemId: z.string().optional(),
  source: SmppAddress.optional(),
  destination: SmppAddress.optional(),
  registeredDelivery: z.number().int().optional(),
  dataCoding: z.number().int().optional(),
  segments: z.number().int().optional(),
  concat: ConcatInfo.optional(),
  textPreview: z.string().max(20).optional(),
  acceptedAt: IsoTimestamp.optional(),
  routedAt: IsoTimestamp.optional(),
  submittedAt: IsoTimestamp.optional(),
  doneAt: IsoTimestamp.optional(),
  vendorId: z.string().optional(),
  routeId: z.string().optional(),
  vendorMessageId: z.string().optional(),
  vendorMessageKey: z.string().optional(),
  pricing: Pricing.optional(),
  /** Receipt details as the vendor reported them. */
  err: z.string().optional(),
  networkErrorCode: z.string().optional(),
  failureReason: z.string().optional(),
  error: z.string().optional(),
  customerReceipt: CustomerReceiptState.optional(),
});
export type MessageStateRecord = z.infer<typeof MessageStateRecord>;

/** Fields a writer may set; `status` is applied only when it advances. */
export type MessageStatePatch = Partial<Omit<MessageStateRecord, 'messageId' | 'updatedAt'>> & {
  status: MessageStatus;
};

/**
 * When the message was done, as the CDR, the customer's receipt and the
 * admin API report it: the vendor's done date (in UTC, see the vendor's
 * receipt time zone), never before the message was submitted to the vendor,
 * or accepted while the submit result is not known yet. SMPP receipt dates
 * are often to the minute (YYMMDDhhmm), so a message delivered within the
 * minute it was sent would otherwise be done before it was submitted; the
 * record itself keeps what the receipt said.
 */
export function reportedDoneAt(
  record: Pick<MessageStateRecord, 'doneAt' | 'submittedAt' | 'acceptedAt'>,
): string | undefined {
  const { doneAt } = record;
  const floor = doneAtFloor(record);
  if (doneAt === undefined || floor === undefined) return doneAt;
  return Date.parse(doneAt) < Date.parse(floor) ? floor : doneAt;
}

/** The earliest a message can have been done: its submit, else its acceptance. */
export function doneAtFloor(
  record: Pick<MessageStateRecord, 'submittedAt' | 'acceptedAt'>,
): string | undefined {
  return record.submittedAt ?? record.acceptedAt;
}
