// Concatenated MO: which part of which message an inbound PDU is, and how the
// parts become one delivery. Pure; the bytes are never re-encoded.
import type { ContractInput, MoReceived, RawTlv } from '@smpp-gateway/contracts';
import { concatInfoFromSar, parseUdh } from '@smpp-gateway/smpp';

const UDHI = 0x40;
export const SarTag = {
  msgRefNum: 0x020c,
  totalSegments: 0x020e,
  segmentSeqnum: 0x020f,
} as const;
const SAR_TAGS = new Set<number>(Object.values(SarTag));

export interface MoPartInfo {
  /** Source + destination + reference + total: one long message. */
  readonly key: string;
  readonly sequence: number;
  readonly total: number;
}

function sarNumber(tlvs: readonly RawTlv[], tag: number): number | undefined {
  const tlv = tlvs.find((t) => t.tag === tag);
  if (!tlv) return undefined;
  const bytes = Buffer.from(tlv.value, 'base64');
  if (bytes.length === 1) return bytes.readUInt8(0);
  if (bytes.length === 2) return bytes.readUInt16BE(0);
  return Number.NaN; // out of range: concatInfoFromSar rejects it
}

/**
 * The part's place in a long message, or undefined when it is a whole message
 * (or its concatenation data is malformed, or the UDH carries more than
 * concatenation, e.g. port addressing): such PDUs are delivered as they are.
 */
export function moPartInfo(mo: MoReceived): MoPartInfo | undefined {
  const concat = moConcat(mo);
  if (!concat) return undefined;
  return {
    key: `${mo.source.addr}|${mo.destination.addr}|${concat.reference}|${concat.total}`,
    sequence: concat.sequence,
    total: concat.total,
  };
}

/** The part's concatenation data (contract, UDH or SAR), when it is one of several. */
export function moConcat(
  mo: MoReceived,
): { reference: number; total: number; sequence: number } | undefined {
  let concat: { reference: number; total: number; sequence: number } | undefined = mo.concat;
  if (!concat && (mo.esmClass & UDHI) !== 0) {
    const udh = parseUdh(Buffer.from(mo.shortMessage, 'base64'));
    if (!udh.ok || udh.elements.length !== 1) return undefined;
    concat = udh.concat;
  }
  if (!concat) {
    const sar = concatInfoFromSar({
      sar_msg_ref_num: sarNumber(mo.tlvs, SarTag.msgRefNum),
      sar_total_segments: sarNumber(mo.tlvs, SarTag.totalSegments),
      sar_segment_seqnum: sarNumber(mo.tlvs, SarTag.segmentSeqnum),
    });
    if (!sar.ok) return undefined;
    concat = sar.concat;
  }
  if (!concat || concat.total < 2) return undefined;
  return { reference: concat.reference, total: concat.total, sequence: concat.sequence };
}

/** The length of a part's user data (message_payload, or short_message with its UDH). */
export function moOctets(mo: MoReceived): number {
  return Buffer.from(mo.messagePayload ?? mo.shortMessage, 'base64').length;
}

/** The user data of a part without its UDH. */
function partPayload(mo: MoReceived): Buffer {
  if (mo.messagePayload !== undefined) return Buffer.from(mo.messagePayload, 'base64');
  const bytes = Buffer.from(mo.shortMessage, 'base64');
  if ((mo.esmClass & UDHI) === 0) return bytes;
  const udh = parseUdh(bytes);
  return udh.ok ? udh.payload : bytes;
}

function sarTlvs(concat: NonNullable<MoReceived['concat']>): RawTlv[] {
  const ref = Buffer.alloc(2);
  ref.writeUInt16BE(concat.reference);
  return [
    { tag: SarTag.msgRefNum, value: ref.toString('base64') },
    { tag: SarTag.totalSegments, value: Buffer.from([concat.total]).toString('base64') },
    { tag: SarTag.segmentSeqnum, value: Buffer.from([concat.sequence]).toString('base64') },
  ];
}

/** One part (or a whole message) for the customer, bytes as received. */
export function singleDelivery(
  mo: MoReceived,
  customerId: string,
  now: Date,
): ContractInput<'CustomerDelivery'> {
  // A vendor-connector that lifted SAR TLVs into `concat` must not make the
  // customer lose them: the part is only meaningful with its SAR data.
  const lifted = mo.concat?.method === 'sar' && !mo.tlvs.some((t) => t.tag === SarTag.msgRefNum);
  return {
    v: 1,
    messageId: mo.messageId,
    occurredAt: now.toISOString(),
    customerId,
    delivery: {
      kind: 'mo',
      source: mo.source,
      destination: mo.destination,
      esmClass: mo.esmClass,
      protocolId: mo.protocolId,
      dataCoding: mo.dataCoding,
      shortMessage: mo.shortMessage,
      ...(mo.messagePayload !== undefined ? { messagePayload: mo.messagePayload } : {}),
      tlvs: lifted && mo.concat ? [...mo.tlvs, ...sarTlvs(mo.concat)] : mo.tlvs,
      vendorId: mo.vendorId,
      receivedAt: mo.receivedAt,
    },
  };
}

/**
 * All parts of one message (any order) as ONE delivery: payloads joined in
 * sequence order into `message_payload`, UDH and SAR TLVs removed. The id and
 * envelope are the first part's, so a replayed reassembly yields the same id.
 */
export function joinedDelivery(
  parts: readonly { readonly mo: MoReceived; readonly sequence: number }[],
  customerId: string,
  now: Date,
): ContractInput<'CustomerDelivery'> {
  const ordered = [...parts].sort((a, b) => a.sequence - b.sequence);
  const first = ordered[0]?.mo;
  if (!first) throw new Error('joinedDelivery needs at least one part');
  const payload = Buffer.concat(ordered.map((p) => partPayload(p.mo)));
  return {
    v: 1,
    messageId: first.messageId,
    occurredAt: now.toISOString(),
    customerId,
    delivery: {
      kind: 'mo',
      source: first.source,
      destination: first.destination,
      esmClass: first.esmClass & ~UDHI,
      protocolId: first.protocolId,
      dataCoding: first.dataCoding,
      shortMessage: '',
      messagePayload: payload.toString('base64'),
      tlvs: first.tlvs.filter((t) => !SAR_TAGS.has(t.tag)),
      vendorId: first.vendorId,
      receivedAt: first.receivedAt,
    },
  };
}
