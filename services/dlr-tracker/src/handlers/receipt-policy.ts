import type { FailureReason, ReceiptStat } from '@smpp-gateway/contracts';
import {
  isFinalStatus,
  isSuccessStatus,
  MESSAGE_STATUSES,
  type MessageStatus,
  type ReceiptDecisions,
} from '@smpp-gateway/message-state';

/**
 * registered_delivery bits 0-1 (SMPP 3.4 §5.2.17; value 3 from SMPP 5.0
 * §4.7.21): which final outcomes the customer wants a receipt for.
 */
export const RECEIPT_REQUESTS = [
  'none',
  'success_and_failure',
  'failure_only',
  'success_only',
] as const;
export type ReceiptRequest = (typeof RECEIPT_REQUESTS)[number];

export function receiptRequest(registeredDelivery: number): ReceiptRequest {
  return RECEIPT_REQUESTS[registeredDelivery & 0x03] as ReceiptRequest;
}

/** Whether a message that ended in `status` gets a customer receipt. Non-final states never do. */
export function wantsFinalReceipt(registeredDelivery: number, status: MessageStatus): boolean {
  if (!isFinalStatus(status)) return false;
  const request = receiptRequest(registeredDelivery);
  switch (request) {
    case 'none':
      return false;
    case 'success_and_failure':
      return true;
    case 'failure_only':
      return !isSuccessStatus(status);
    case 'success_only':
      return isSuccessStatus(status);
  }
}

/**
 * `wantsFinalReceipt` as a table, for the merge script that decides the
 * customer receipt inside Redis (MessageStateStore.mergeAndClaim): the
 * policy stays here, the script only looks it up.
 */
export const RECEIPT_DECISIONS: ReceiptDecisions = Object.fromEntries(
  (['0', '1', '2', '3'] as const).map((bits) => [
    bits,
    Object.fromEntries(
      MESSAGE_STATUSES.filter(isFinalStatus).map((status) => [
        status,
        wantsFinalReceipt(Number(bits), status) ? 'pending' : 'not_requested',
      ]),
    ),
  ]),
) as unknown as ReceiptDecisions;

/**
 * The stat the customer sees. Our own failures (no route, 10DLC rejection,
 * vendors exhausted...) are reported as UNDELIV, an ended validity period as
 * EXPIRED: the customer's parser only knows the SMPP words.
 */
export function customerStat(
  status: MessageStatus,
  failureReason?: string,
): ReceiptStat | undefined {
  switch (status) {
    case 'accepted':
    case 'routed':
    case 'submitted':
      return undefined;
    case 'failed':
      // The validity period ended before we could send it: the SMPP word
      // for that exists, and a customer's ESME may act on it.
      return failureReason === 'expired' ? 'EXPIRED' : 'UNDELIV';
    case 'ENROUTE':
    case 'DELIVRD':
    case 'EXPIRED':
    case 'DELETED':
    case 'UNDELIV':
    case 'ACCEPTD':
    case 'UNKNOWN':
    case 'REJECTD':
      return status;
  }
}

/**
 * `err:` of the receipt for a failure of ours. A vendor's command_status is
 * passed through as three decimal digits (0x45 → "069"), as carriers do;
 * failures without one get a fixed code in the 9xx range, which SMPP leaves
 * to the SMSC.
 */
export const FAILURE_ERROR_CODES: Readonly<Record<FailureReason, string>> = {
  no_route: '901',
  no_rate: '902',
  tendlc_rejected: '903',
  vendors_exhausted: '904',
  vendor_rejected: '905',
  invalid_message: '906',
  expired: '907',
  blocked: '909',
};
export const UNSPECIFIED_FAILURE_CODE = '999';
/**
 * `err:` of the UNKNOWN the receipt timeout gives a message its vendor never
 * reported on (RECEIPT_TIMEOUT_MS): in our 9xx range, so a customer (and an
 * operator reading a CDR) can tell it from an UNKNOWN the carrier sent.
 */
export const RECEIPT_TIMEOUT_ERROR_CODE = '908';

export function failureErrorCode(
  reason: FailureReason | undefined,
  commandStatus: number | undefined,
): string {
  if (commandStatus !== undefined && commandStatus !== 0) {
    return commandStatus.toString(10).padStart(3, '0');
  }
  return reason ? FAILURE_ERROR_CODES[reason] : UNSPECIFIED_FAILURE_CODE;
}
