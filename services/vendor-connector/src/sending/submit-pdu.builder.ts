// Builds the submit_sm for a vendor from the MT exactly as the customer sent
// it. Bytes are forwarded unchanged; the exceptions are data_coding 0x00
// towards a vendor whose default alphabet is Latin-1 (see convertForVendor)
// and the receipt request (see vendorRegisteredDelivery).
import type { MtRouted } from '@smpp-gateway/contracts';
import {
  decodeGsm7,
  encodeText,
  isEncodable,
  parseUdh,
  type PduInit,
  type RawTlv,
  type Tlvs,
} from '@smpp-gateway/smpp';

/** registered_delivery bits 0–1: the SMSC delivery receipt asked for (SMPP 3.4, 5.2.17). */
const SMSC_RECEIPT_MASK = 0x03;
const SMSC_RECEIPT_FINAL = 0x01;

/**
 * The vendor is always asked for a final receipt, success or failure,
 * whatever the customer asked: the receipt is what gives the message its
 * final status in the CDR and the admin API (billing disputes, a vendor's
 * delivery rate), and the dlr-tracker decides by itself whether the
 * customer gets one, from the customer's own registered_delivery kept in
 * the MT and the message state. The customer's other bits (SME
 * acknowledgement, intermediate notification) pass unchanged.
 */
export function vendorRegisteredDelivery(customer: number): number {
  return (customer & ~SMSC_RECEIPT_MASK) | SMSC_RECEIPT_FINAL;
}

/** What data_coding 0x00 means to the vendor (vendor_mgmt.service_providers.default_alphabet). */
export type VendorAlphabet = 'gsm7' | 'latin1';

const UDHI = 0x40;
const DC_DEFAULT = 0x00;
const DC_UCS2 = 0x08;
/** One air-interface SMS carries 140 octets of user data, UDH included. */
const SMS_OCTETS = 140;

const TAG = {
  sarMsgRefNum: 0x020c,
  sarTotalSegments: 0x020e,
  sarSegmentSeqnum: 0x020f,
  messagePayload: 0x0424,
} as const;

/** How the text was carried to the vendor; counted so lossy conversions are visible. */
export type AlphabetConversion =
  /** Bytes unchanged (the usual case). */
  | 'none'
  /** GSM 03.38 → Latin-1, lossless. */
  | 'latin1'
  /** GSM 03.38 → UCS2 (data_coding 0x08): characters Latin-1 lacks, and it still fits. */
  | 'ucs2'
  /** GSM 03.38 → Latin-1 with '?' for what Latin-1 lacks: UCS2 would not fit the part. */
  | 'latin1_lossy';

export interface BuiltSubmit {
  readonly pdu: PduInit<'submit_sm'>;
  readonly conversion: AlphabetConversion;
}

interface UserData {
  readonly dataCoding: number;
  readonly shortMessage: Buffer;
  readonly messagePayload: Buffer | undefined;
  readonly conversion: AlphabetConversion;
}

/**
 * Converts GSM 03.38 user data for a vendor that reads data_coding 0x00 as
 * Latin-1. The rule (a UDH part cannot be re-split, and we never change how
 * many parts a message has):
 *
 * 1. Text Latin-1 can carry → Latin-1 octets, data_coding stays 0x00.
 * 2. Otherwise (Greek capitals, €, …) → UCS2 with data_coding 0x08 when the
 *    part still fits one SMS (140 octets with its UDH) or travels in
 *    message_payload (the vendor segments it).
 * 3. Otherwise → Latin-1 with '?' for the missing characters. Losing a Δ is
 *    better than losing the message or garbling every character.
 *
 * The UDH, when present, is kept byte for byte in front of the new text.
 * Octets that are not valid GSM 03.38 are forwarded unchanged.
 */
export function convertForVendor(
  mt: Pick<MtRouted, 'dataCoding' | 'esmClass'>,
  shortMessage: Buffer,
  messagePayload: Buffer | undefined,
  alphabet: VendorAlphabet,
): UserData {
  const unchanged: UserData = {
    dataCoding: mt.dataCoding,
    shortMessage,
    messagePayload,
    conversion: 'none',
  };
  if (mt.dataCoding !== DC_DEFAULT || alphabet === 'gsm7') return unchanged;

  const inPayload = messagePayload !== undefined && messagePayload.length > 0;
  const carrier = inPayload ? messagePayload : shortMessage;
  let header: Buffer = Buffer.alloc(0);
  let body: Buffer = carrier;
  if (!inPayload && (mt.esmClass & UDHI) !== 0) {
    const udh = parseUdh(carrier);
    if (!udh.ok) return unchanged;
    header = carrier.subarray(0, udh.headerLength);
    body = udh.payload;
  }
  const decoded = decodeGsm7(body, false);
  if (!decoded.ok) return unchanged;
  const text = decoded.text;

  const rebuild = (bytes: Buffer, dataCoding: number, conversion: AlphabetConversion): UserData =>
    inPayload
      ? { dataCoding, shortMessage, messagePayload: bytes, conversion }
      : {
          dataCoding,
          shortMessage: Buffer.concat([header, bytes]),
          messagePayload,
          conversion,
        };

  if (isEncodable(text, 'latin1')) {
    return rebuild(Buffer.from(text, 'latin1'), DC_DEFAULT, 'latin1');
  }
  const ucs2 = encodeText(text, 'ucs2');
  if (ucs2.ok && (inPayload || header.length + ucs2.bytes.length <= SMS_OCTETS)) {
    return rebuild(ucs2.bytes, DC_UCS2, 'ucs2');
  }
  const lossy = encodeText(text, 'latin1', { replacement: '?' });
  return lossy.ok ? rebuild(lossy.bytes, DC_DEFAULT, 'latin1_lossy') : unchanged;
}

/**
 * submit_sm for the vendor. SAR TLVs are rebuilt from `concat` when the
 * customer used SAR and the edge did not also forward them raw; every other
 * TLV goes out as received (`tlvs` carries the ones we do not interpret).
 */
export function buildSubmitSm(mt: MtRouted, alphabet: VendorAlphabet): BuiltSubmit {
  const shortMessage = Buffer.from(mt.shortMessage, 'base64');
  const payload =
    mt.messagePayload === undefined ? undefined : Buffer.from(mt.messagePayload, 'base64');
  const data = convertForVendor(mt, shortMessage, payload, alphabet);

  const other: RawTlv[] = mt.tlvs.map((t) => ({
    tag: t.tag,
    value: Buffer.from(t.value, 'base64'),
  }));
  const has = (tag: number): boolean => other.some((t) => t.tag === tag);
  const tlvs: Tlvs = {};
  if (data.messagePayload !== undefined) {
    // A converted payload replaces a raw copy of the TLV, never duplicates it.
    const index = other.findIndex((t) => t.tag === TAG.messagePayload);
    if (index >= 0) other.splice(index, 1);
    tlvs.messagePayload = data.messagePayload;
  }
  if (
    mt.concat?.method === 'sar' &&
    !has(TAG.sarMsgRefNum) &&
    !has(TAG.sarTotalSegments) &&
    !has(TAG.sarSegmentSeqnum)
  ) {
    tlvs.sarMsgRefNum = mt.concat.reference;
    tlvs.sarTotalSegments = mt.concat.total;
    tlvs.sarSegmentSeqnum = mt.concat.sequence;
  }
  if (other.length > 0) tlvs.other = other;

  return {
    conversion: data.conversion,
    pdu: {
      command: 'submit_sm',
      serviceType: mt.serviceType,
      sourceAddrTon: mt.source.ton,
      sourceAddrNpi: mt.source.npi,
      sourceAddr: mt.source.addr,
      destAddrTon: mt.destination.ton,
      destAddrNpi: mt.destination.npi,
      destinationAddr: mt.destination.addr,
      esmClass: mt.esmClass,
      protocolId: mt.protocolId,
      priorityFlag: mt.priority,
      scheduleDeliveryTime: mt.scheduleDeliveryTime,
      validityPeriod: mt.validityPeriod,
      registeredDelivery: vendorRegisteredDelivery(mt.registeredDelivery),
      replaceIfPresentFlag: 0,
      dataCoding: data.dataCoding,
      smDefaultMsgId: 0,
      shortMessage: data.shortMessage,
      tlvs,
    },
  };
}
