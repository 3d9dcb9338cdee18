// User Data Header (TS 23.040 §9.2.3.24) at the start of a short_message when
// esm_class has UDHI (0x40) set, and the SAR TLV equivalent. Input comes from
// customers and vendors, so malformed data is a result, never an exception.

/** Concatenation: which part of which long message this is. */
export interface ConcatInfo {
  readonly reference: number;
  readonly total: number;
  /** 1-based. */
  readonly sequence: number;
  /** 8 for IEI 0x00, 16 for IEI 0x08 and for SAR TLVs. */
  readonly referenceBits: 8 | 16;
}

export interface InformationElement {
  readonly iei: number;
  /** A view into the input (shares its memory). */
  readonly data: Buffer;
}

/** Application port addressing (IEI 0x04 8-bit, 0x05 16-bit). */
export interface PortAddressing {
  readonly destination: number;
  readonly source: number;
  readonly bits: 8 | 16;
}

export const UdhIei = {
  CONCAT_8BIT_REF: 0x00,
  PORTS_8BIT: 0x04,
  PORTS_16BIT: 0x05,
  CONCAT_16BIT_REF: 0x08,
} as const;

export type UdhFailureReason =
  | 'empty' // UDHI set on an empty short_message
  | 'udh-length-past-end' // UDHL claims more octets than there are
  | 'ie-length-past-udh' // an IE runs past the end of the header
  | 'invalid-element'; // a known IE with the wrong length

export type UdhParseResult =
  | {
      readonly ok: true;
      /** Octets taken by the header, including the UDHL octet itself. */
      readonly headerLength: number;
      /** Every IE in order, unknown ones included. */
      readonly elements: readonly InformationElement[];
      readonly concat?: ConcatInfo;
      readonly ports?: PortAddressing;
      /** The user data after the header: a view into the input. */
      readonly payload: Buffer;
    }
  | { readonly ok: false; readonly reason: UdhFailureReason; readonly detail: string };

const EXPECTED_IE_LENGTH: Readonly<Record<number, number>> = {
  [UdhIei.CONCAT_8BIT_REF]: 3,
  [UdhIei.PORTS_8BIT]: 2,
  [UdhIei.PORTS_16BIT]: 4,
  [UdhIei.CONCAT_16BIT_REF]: 4,
};

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * TS 23.040 says a concat IE with total 0, sequence 0 or sequence > total is
 * to be ignored rather than rejected, so it yields no concat info.
 */
function concatFrom(reference: number, total: number, sequence: number, bits: 8 | 16) {
  if (total === 0 || sequence === 0 || sequence > total) return undefined;
  return { reference, total, sequence, referenceBits: bits } satisfies ConcatInfo;
}

/** Splits a UDHI short_message into header elements and payload. Never throws. */
export function parseUdh(shortMessage: Uint8Array): UdhParseResult {
  const input = asBuffer(shortMessage);
  const udhl = input[0];
  if (udhl === undefined) return { ok: false, reason: 'empty', detail: 'short_message is empty' };
  const headerLength = 1 + udhl;
  if (headerLength > input.length) {
    return {
      ok: false,
      reason: 'udh-length-past-end',
      detail: `UDHL ${udhl} needs ${headerLength} octets, short_message has ${input.length}`,
    };
  }

  const elements: InformationElement[] = [];
  let concat: ConcatInfo | undefined;
  let ports: PortAddressing | undefined;
  let offset = 1;
  while (offset < headerLength) {
    const iei = input[offset] ?? 0;
    const length = input[offset + 1];
    const dataStart = offset + 2;
    if (length === undefined || dataStart > headerLength || dataStart + length > headerLength) {
      return {
        ok: false,
        reason: 'ie-length-past-udh',
        detail: `IE 0x${iei.toString(16).padStart(2, '0')} at offset ${offset} runs past the ${headerLength}-octet header`,
      };
    }
    const data = input.subarray(dataStart, dataStart + length);
    const expected = EXPECTED_IE_LENGTH[iei];
    if (expected !== undefined && expected !== length) {
      return {
        ok: false,
        reason: 'invalid-element',
        detail: `IE 0x${iei.toString(16).padStart(2, '0')} must carry ${expected} octets, has ${length}`,
      };
    }
    // A repeated IE: TS 23.040 says the last occurrence wins.
    switch (iei) {
      case UdhIei.CONCAT_8BIT_REF:
        concat = concatFrom(data.readUInt8(0), data.readUInt8(1), data.readUInt8(2), 8);
        break;
      case UdhIei.CONCAT_16BIT_REF:
        concat = concatFrom(data.readUInt16BE(0), data.readUInt8(2), data.readUInt8(3), 16);
        break;
      case UdhIei.PORTS_8BIT:
        ports = { destination: data.readUInt8(0), source: data.readUInt8(1), bits: 8 };
        break;
      case UdhIei.PORTS_16BIT:
        ports = { destination: data.readUInt16BE(0), source: data.readUInt16BE(2), bits: 16 };
        break;
      default:
        break;
    }
    elements.push({ iei, data });
    offset = dataStart + length;
  }

  return {
    ok: true,
    headerLength,
    elements,
    ...(concat ? { concat } : {}),
    ...(ports ? { ports } : {}),
    payload: input.subarray(headerLength),
  };
}

/** The SAR TLVs of a submit_sm / deliver_sm / data_sm, as numbers. */
export interface SarFields {
  readonly sar_msg_ref_num: number;
  readonly sar_total_segments: number;
  readonly sar_segment_seqnum: number;
}

export type SarConcatResult =
  | { readonly ok: true; readonly concat: ConcatInfo | undefined }
  | {
      readonly ok: false;
      readonly reason: 'incomplete-sar' | 'invalid-sar';
      readonly detail: string;
    };

/**
 * SAR TLVs by their SMPP names, or by the camelCase names the session layer's
 * decoded `Tlvs` use, so either can be passed straight in.
 */
export type SarTlvInput = Partial<SarFields> & {
  readonly sarMsgRefNum?: number;
  readonly sarTotalSegments?: number;
  readonly sarSegmentSeqnum?: number;
};

/**
 * Concat info from SAR TLVs. No SAR TLV at all → `concat: undefined`; some but
 * not all three, or values out of range → a failure the caller can answer
 * with an error status.
 */
export function concatInfoFromSar(tlvs: SarTlvInput): SarConcatResult {
  const ref = tlvs.sar_msg_ref_num ?? tlvs.sarMsgRefNum;
  const total = tlvs.sar_total_segments ?? tlvs.sarTotalSegments;
  const seq = tlvs.sar_segment_seqnum ?? tlvs.sarSegmentSeqnum;
  if (ref === undefined && total === undefined && seq === undefined) {
    return { ok: true, concat: undefined };
  }
  if (ref === undefined || total === undefined || seq === undefined) {
    return {
      ok: false,
      reason: 'incomplete-sar',
      detail: 'sar_msg_ref_num, sar_total_segments and sar_segment_seqnum must come together',
    };
  }
  const inRange = (value: number, min: number, max: number) =>
    Number.isInteger(value) && value >= min && value <= max;
  if (!inRange(ref, 0, 0xffff) || !inRange(total, 1, 0xff) || !inRange(seq, 1, total)) {
    return {
      ok: false,
      reason: 'invalid-sar',
      detail: `SAR ref ${ref} total ${total} seqnum ${seq} out of range`,
    };
  }
  return { ok: true, concat: { reference: ref, total, sequence: seq, referenceBits: 16 } };
}
