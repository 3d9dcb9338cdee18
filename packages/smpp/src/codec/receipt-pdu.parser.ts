// Turns the fields of a deliver_sm / data_sm into one normalised receipt.
// TLVs (receipted_message_id, message_state) are authoritative where present:
// they are typed, while the text is free-form and often carries the id in a
// different format. The text still supplies what TLVs cannot: dates, sub,
// dlvrd, err.

import type { DefaultAlphabet } from './data-coding.decoder.js';
import { isFinalState, statForState, toMessageState } from './message-state.js';
import type { MessageState, ReceiptStat } from './message-state.js';
import { parseReceiptText } from './receipt-text.codec.js';
import type { ParsedReceiptText } from './receipt-text.codec.js';
import { decodeText } from './text.codec.js';

/** esm_class bits 2-5 (mask 0x3C) for the receipt-like message types. */
export const EsmClassMessageType = {
  DEFAULT: 0x00,
  SMSC_DELIVERY_RECEIPT: 0x04,
  SME_DELIVERY_ACK: 0x08,
  SME_MANUAL_ACK: 0x10,
  INTERMEDIATE_NOTIFICATION: 0x20,
} as const;
const MESSAGE_TYPE_MASK = 0x3c;

export type ReceiptKind =
  'smsc-delivery-receipt' | 'sme-delivery-ack' | 'sme-manual-ack' | 'intermediate-notification';

const KIND_BY_TYPE: ReadonlyMap<number, ReceiptKind> = new Map([
  [EsmClassMessageType.SMSC_DELIVERY_RECEIPT, 'smsc-delivery-receipt'],
  [EsmClassMessageType.SME_DELIVERY_ACK, 'sme-delivery-ack'],
  [EsmClassMessageType.SME_MANUAL_ACK, 'sme-manual-ack'],
  [EsmClassMessageType.INTERMEDIATE_NOTIFICATION, 'intermediate-notification'],
]);

/** The receipt kind esm_class announces, or undefined for an ordinary (MO) message. */
export function receiptKindOf(esmClass: number): ReceiptKind | undefined {
  return KIND_BY_TYPE.get(esmClass & MESSAGE_TYPE_MASK);
}

/** network_error_code TLV: network type (1 octet) and error code (2 octets). */
export interface ReceiptNetworkError {
  readonly networkType: number;
  readonly networkTypeName: NetworkTypeName;
  readonly errorCode: number;
}

export type NetworkTypeName =
  | 'ansi-136-access-denied'
  | 'is-95-access-denied'
  | 'gsm'
  | 'ansi-136-cause'
  | 'is-95-cause'
  | 'ansi-41'
  | 'smpp'
  | 'message-center'
  | 'reserved';

// 1-3 from SMPP 3.4, 4-8 added by SMPP 5.0.
const NETWORK_TYPE_NAMES: readonly NetworkTypeName[] = [
  'reserved',
  'ansi-136-access-denied',
  'is-95-access-denied',
  'gsm',
  'ansi-136-cause',
  'is-95-cause',
  'ansi-41',
  'smpp',
  'message-center',
];

/** network_error_code as the session layer decodes it. */
export interface NetworkErrorCodeFields {
  readonly networkType: number;
  readonly errorCode: number;
}

/**
 * Reads a network_error_code value, raw (exactly 3 octets, else undefined) or
 * already split into type and code by the PDU decoder.
 */
export function parseNetworkErrorCode(
  value: Uint8Array | NetworkErrorCodeFields,
): ReceiptNetworkError | undefined {
  let networkType: number;
  let errorCode: number;
  if (value instanceof Uint8Array) {
    if (value.length !== 3) return undefined;
    networkType = value[0] ?? 0;
    errorCode = ((value[1] ?? 0) << 8) | (value[2] ?? 0);
  } else {
    ({ networkType, errorCode } = value);
    const isUint = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
    if (!isUint(networkType, 0xff) || !isUint(errorCode, 0xffff)) return undefined;
  }
  return {
    networkType,
    networkTypeName: NETWORK_TYPE_NAMES[networkType] ?? 'reserved',
    errorCode,
  };
}

/** The deliver_sm / data_sm fields a receipt is built from, as plain data. */
export interface ReceiptPduFields {
  readonly esmClass: number;
  readonly dataCoding: number;
  readonly shortMessage: Uint8Array;
  /** Some SMSCs put the receipt text here instead of short_message. */
  readonly messagePayload?: Uint8Array;
  /** C-octet string; as a string, or the raw TLV value (a trailing NUL is dropped). */
  readonly receiptedMessageId?: string | Uint8Array;
  readonly messageState?: number;
  /** Raw 3-octet TLV value, or the decoder's { networkType, errorCode }. */
  readonly networkErrorCode?: Uint8Array | NetworkErrorCodeFields;
}

export interface ReceiptFromPduOptions {
  /** What data_coding 0x00 means for this vendor. Defaults to GSM 03.38. */
  readonly defaultAlphabet?: DefaultAlphabet;
}

export interface DeliveryReceipt {
  readonly kind: ReceiptKind;
  /** The vendor's id for the message: receipted_message_id if present, else text id. */
  readonly messageId: string;
  readonly messageIdSource: 'tlv' | 'text';
  /** The id in the text, when there is one (it may be in another format than the TLV). */
  readonly textMessageId?: string;
  readonly state?: MessageState;
  readonly stateSource?: 'tlv' | 'text';
  readonly stat?: ReceiptStat;
  /** A final state was reported: no further receipt is expected. */
  readonly final: boolean;
  readonly submitDate?: Date;
  readonly doneDate?: Date;
  readonly sub?: number;
  readonly dlvrd?: number;
  readonly err?: string;
  readonly networkError?: ReceiptNetworkError;
  readonly text?: string;
  readonly warnings: readonly string[];
}

export type ReceiptFromPduResult =
  | { readonly ok: true; readonly receipt: DeliveryReceipt }
  | {
      readonly ok: false;
      readonly reason: 'not-a-receipt' | 'no-message-id';
      readonly detail: string;
    };

function cString(value: string | Uint8Array): string {
  if (typeof value === 'string') return value.replace(/\0+$/u, '').trim();
  const nul = value.indexOf(0);
  const end = nul < 0 ? value.length : nul;
  return Buffer.from(value.buffer, value.byteOffset, end).toString('latin1').trim();
}

function receiptText(fields: ReceiptPduFields, options: ReceiptFromPduOptions): string {
  const bytes =
    fields.shortMessage.length === 0 && fields.messagePayload !== undefined
      ? fields.messagePayload
      : fields.shortMessage;
  const decoded = decodeText(bytes, fields.dataCoding, {
    defaultAlphabet: options.defaultAlphabet ?? 'gsm7',
    lenient: true,
  });
  // Receipt text is ASCII in practice even when data_coding claims binary.
  return decoded.ok
    ? decoded.text
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/**
 * What a receipt is read from in a decoded deliver_sm / data_sm (the session
 * layer's PDU satisfies it; data_sm has no short_message).
 */
export interface DeliverPduLike {
  readonly esmClass: number;
  readonly dataCoding: number;
  readonly shortMessage?: Uint8Array;
  readonly tlvs: {
    readonly messagePayload?: Uint8Array;
    readonly receiptedMessageId?: string;
    readonly messageState?: number;
    readonly networkErrorCode?: NetworkErrorCodeFields;
  };
}

/** `receiptFromPdu` over a decoded deliver_sm / data_sm, every receipt TLV included. */
export function receiptFromDeliverPdu(
  pdu: DeliverPduLike,
  options: ReceiptFromPduOptions = {},
): ReceiptFromPduResult {
  const { messagePayload, receiptedMessageId, messageState, networkErrorCode } = pdu.tlvs;
  return receiptFromPdu(
    {
      esmClass: pdu.esmClass,
      dataCoding: pdu.dataCoding,
      shortMessage: pdu.shortMessage ?? EMPTY,
      ...(messagePayload !== undefined ? { messagePayload } : {}),
      ...(receiptedMessageId !== undefined ? { receiptedMessageId } : {}),
      ...(messageState !== undefined ? { messageState } : {}),
      ...(networkErrorCode !== undefined ? { networkErrorCode } : {}),
    },
    options,
  );
}

const EMPTY = new Uint8Array(0);

/**
 * Decides whether a deliver_sm / data_sm is a receipt (esm_class) and, if so,
 * builds one receipt from TLVs and text. Never throws on peer data.
 */
export function receiptFromPdu(
  fields: ReceiptPduFields,
  options: ReceiptFromPduOptions = {},
): ReceiptFromPduResult {
  const kind = receiptKindOf(fields.esmClass);
  if (kind === undefined) {
    return {
      ok: false,
      reason: 'not-a-receipt',
      detail: `esm_class 0x${fields.esmClass.toString(16).padStart(2, '0')} is not a receipt type`,
    };
  }

  const warnings: string[] = [];
  const parsed = parseReceiptText(receiptText(fields, options));
  const text: ParsedReceiptText | undefined = parsed.ok ? parsed.receipt : undefined;
  if (text) warnings.push(...text.warnings);
  else warnings.push('receipt text is not in the Appendix B format');

  const tlvId = fields.receiptedMessageId === undefined ? '' : cString(fields.receiptedMessageId);
  const messageId = tlvId || text?.id;
  if (messageId === undefined) {
    return {
      ok: false,
      reason: 'no-message-id',
      detail: 'neither receipted_message_id nor an id: in the text',
    };
  }

  let state: MessageState | undefined;
  let stateSource: 'tlv' | 'text' | undefined;
  if (fields.messageState !== undefined) {
    state = toMessageState(fields.messageState);
    if (state === undefined) warnings.push(`message_state ${fields.messageState} is not defined`);
    else stateSource = 'tlv';
  }
  if (state === undefined && text?.state !== undefined) {
    state = text.state;
    stateSource = 'text';
  }

  let networkError;
  if (fields.networkErrorCode !== undefined) {
    networkError = parseNetworkErrorCode(fields.networkErrorCode);
    if (networkError === undefined) {
      const code = fields.networkErrorCode;
      warnings.push(
        code instanceof Uint8Array
          ? `network_error_code has ${code.length} octets, expected 3`
          : `network_error_code ${code.networkType}/${code.errorCode} is out of range`,
      );
    }
  }

  const receipt: DeliveryReceipt = {
    kind,
    messageId,
    messageIdSource: tlvId ? 'tlv' : 'text',
    ...(text?.id !== undefined ? { textMessageId: text.id } : {}),
    ...(state !== undefined ? { state, stat: statForState(state) } : {}),
    ...(stateSource !== undefined ? { stateSource } : {}),
    final: state !== undefined && isFinalState(state),
    ...(text?.submitDate ? { submitDate: text.submitDate } : {}),
    ...(text?.doneDate ? { doneDate: text.doneDate } : {}),
    ...(text?.sub !== undefined ? { sub: text.sub } : {}),
    ...(text?.dlvrd !== undefined ? { dlvrd: text.dlvrd } : {}),
    ...(text?.err !== undefined ? { err: text.err } : {}),
    ...(networkError ? { networkError } : {}),
    ...(text?.text !== undefined ? { text: text.text } : {}),
    warnings,
  };
  return { ok: true, receipt };
}
