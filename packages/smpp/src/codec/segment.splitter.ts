// Segment arithmetic and splitting of an already-encoded payload. Counting and
// splitting share one boundary walk, so the price we charge (countSegments)
// is always the number of PDUs we send (splitMessage).

import type { SegmentUnit } from './data-coding.decoder.js';
import { GSM7_ESCAPE } from './gsm7.codec.js';
import { UdhIei } from './udh.parser.js';
import type { ConcatInfo, SarFields } from './udh.parser.js';

/** How a long message is carried: UDH with 8- or 16-bit reference, or SAR TLVs. */
export type ConcatMethod = 'udh8' | 'udh16' | 'sar';
/** ConcatMethod, or one PDU with the whole text in message_payload. */
export type SplitMethod = ConcatMethod | 'payload';

export interface SegmentLimits {
  /** Units (septets / octets / octets) that fit in one unsplit message. */
  readonly single: number;
  /** Units per part of a concatenated message. */
  readonly perPart: number;
}

// 140 octets of user data per SMS. A UDH costs 6 octets (8-bit ref) or 7
// (16-bit ref); in 7-bit text that is 7 or 8 septets once padded to a septet
// boundary. UCS2 parts stay even so a code unit is never cut in half.
const LIMITS = {
  gsm7: { single: 160, udh8: 153, udh16: 152 },
  '8bit': { single: 140, udh8: 134, udh16: 133 },
  ucs2: { single: 140, udh8: 134, udh16: 132 },
} as const satisfies Record<SegmentUnit, { single: number; udh8: number; udh16: number }>;

/** Parts in a concatenated message: the total is one octet. */
export const MAX_PARTS = 255;
/** message_payload's length field is 16 bits. */
export const MAX_MESSAGE_PAYLOAD = 0xffff;

/**
 * Octets (GSM: septets) per segment. SAR is sized like a 16-bit-reference UDH:
 * sar_msg_ref_num is 16 bits and the SMSC has to carry it over the air in IEI
 * 0x08 to keep it intact.
 */
export function segmentLimits(unit: SegmentUnit, method: ConcatMethod = 'udh8'): SegmentLimits {
  const limits = LIMITS[unit];
  return { single: limits.single, perPart: method === 'udh8' ? limits.udh8 : limits.udh16 };
}

/**
 * End (exclusive) of the part starting at `start`. Backs off one septet when
 * the part would end on an escape that opens a pair, and one code unit when it
 * would end on a high surrogate.
 */
function partEnd(bytes: Uint8Array, start: number, limit: number, unit: SegmentUnit): number {
  const end = start + limit;
  if (end >= bytes.length) return bytes.length;
  if (unit === 'gsm7') {
    // Parts start on pair boundaries, so in the run of ESCs ending the part the
    // ESCs pair up from its start: an odd run leaves the last ESC opening a
    // pair whose second septet is in the next part.
    let run = 0;
    for (let i = end - 1; i >= start && bytes[i] === GSM7_ESCAPE; i--) run++;
    return run % 2 === 1 && end - 1 > start ? end - 1 : end;
  }
  if (unit === 'ucs2') {
    const lastUnitHigh = bytes[end - 2] ?? 0;
    const isHighSurrogate = lastUnitHigh >= 0xd8 && lastUnitHigh <= 0xdb;
    return isHighSurrogate && end - 2 > start ? end - 2 : end;
  }
  return end;
}

/**
 * Segments an encoded payload costs over the air: 1 when it fits a single
 * message (an empty message is still one SMS), otherwise the number of parts
 * `splitMessage` would produce with the same method.
 */
export function countSegments(
  bytes: Uint8Array,
  unit: SegmentUnit,
  method: ConcatMethod = 'udh8',
): number {
  const { single, perPart } = segmentLimits(unit, method);
  if (bytes.length <= single) return 1;
  let parts = 0;
  for (let start = 0; start < bytes.length; parts++) {
    start = partEnd(bytes, start, perPart, unit);
  }
  return parts;
}

export type MessagePart =
  | { readonly kind: 'single'; readonly shortMessage: Buffer; readonly esmClassUdhi: false }
  | {
      readonly kind: 'udh';
      /** UDH + chunk: send with esm_class UDHI (0x40). */
      readonly shortMessage: Buffer;
      readonly esmClassUdhi: true;
      readonly concat: ConcatInfo;
    }
  | {
      readonly kind: 'sar';
      readonly shortMessage: Buffer;
      readonly esmClassUdhi: false;
      readonly sar: SarFields;
      readonly concat: ConcatInfo;
    }
  | {
      readonly kind: 'payload';
      /** Goes in the message_payload TLV with an empty short_message. */
      readonly messagePayload: Buffer;
      readonly esmClassUdhi: false;
    };

export interface SplitOptions {
  readonly unit: SegmentUnit;
  readonly method: SplitMethod;
  /**
   * Concatenation reference shared by every part: 0-255 for udh8, 0-65535 for
   * udh16 and sar. Ignored for payload.
   */
  readonly reference: number;
}

export type SplitFailureReason = 'odd-length-ucs2' | 'too-many-parts' | 'payload-too-large';

export type SplitResult =
  | { readonly ok: true; readonly parts: readonly MessagePart[] }
  | { readonly ok: false; readonly reason: SplitFailureReason; readonly detail: string };

function udhHeader(method: 'udh8' | 'udh16', concat: ConcatInfo): Buffer {
  return method === 'udh8'
    ? Buffer.from([
        0x05,
        UdhIei.CONCAT_8BIT_REF,
        0x03,
        concat.reference,
        concat.total,
        concat.sequence,
      ])
    : Buffer.from([
        0x06,
        UdhIei.CONCAT_16BIT_REF,
        0x04,
        concat.reference >> 8,
        concat.reference & 0xff,
        concat.total,
        concat.sequence,
      ]);
}

/**
 * Splits an encoded payload into the PDUs that carry it. A payload that fits
 * one message comes back as one `single` part whatever the method. Parts never
 * cut a GSM escape pair or a UTF-16 surrogate pair; every part owns its bytes.
 * Throws RangeError only for a bad `reference` (a programming error).
 */
export function splitMessage(bytes: Uint8Array, options: SplitOptions): SplitResult {
  const { unit, method, reference } = options;
  const maxReference = method === 'udh8' ? 0xff : 0xffff;
  if (
    method !== 'payload' &&
    (!Number.isInteger(reference) || reference < 0 || reference > maxReference)
  ) {
    throw new RangeError(
      `reference for ${method} must be an integer 0-${maxReference}, got ${reference}`,
    );
  }
  if (unit === 'ucs2' && bytes.length % 2 !== 0) {
    return {
      ok: false,
      reason: 'odd-length-ucs2',
      detail: `${bytes.length} octets is not whole UCS2 units`,
    };
  }

  const limits = segmentLimits(unit, method === 'payload' ? 'udh8' : method);
  if (bytes.length <= limits.single) {
    return {
      ok: true,
      parts: [{ kind: 'single', shortMessage: Buffer.from(bytes), esmClassUdhi: false }],
    };
  }

  if (method === 'payload') {
    if (bytes.length > MAX_MESSAGE_PAYLOAD) {
      return {
        ok: false,
        reason: 'payload-too-large',
        detail: `${bytes.length} octets exceed the ${MAX_MESSAGE_PAYLOAD}-octet message_payload`,
      };
    }
    return {
      ok: true,
      parts: [{ kind: 'payload', messagePayload: Buffer.from(bytes), esmClassUdhi: false }],
    };
  }

  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length;) {
    const end = partEnd(bytes, start, limits.perPart, unit);
    chunks.push(bytes.subarray(start, end));
    start = end;
    if (chunks.length > MAX_PARTS) {
      return {
        ok: false,
        reason: 'too-many-parts',
        detail: `${bytes.length} units need more than ${MAX_PARTS} parts`,
      };
    }
  }

  const total = chunks.length;
  const parts = chunks.map((chunk, index): MessagePart => {
    const concat: ConcatInfo = {
      reference,
      total,
      sequence: index + 1,
      referenceBits: method === 'udh8' ? 8 : 16,
    };
    if (method === 'sar') {
      return {
        kind: 'sar',
        shortMessage: Buffer.from(chunk),
        esmClassUdhi: false,
        sar: {
          sar_msg_ref_num: reference,
          sar_total_segments: total,
          sar_segment_seqnum: index + 1,
        },
        concat,
      };
    }
    return {
      kind: 'udh',
      shortMessage: Buffer.concat([udhHeader(method, concat), chunk]),
      esmClassUdhi: true,
      concat,
    };
  });
  return { ok: true, parts };
}
