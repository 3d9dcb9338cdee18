// SMPP 3.4 PDU encoding and decoding over the layouts in pdu.schema.ts.
//
// decodePdu never throws: any input, however hostile, becomes either a typed
// PDU or a typed error that says which generic_nack status answers it and
// carries the sequence number when the header was readable. encodePdu throws
// SmppEncodeError for values that cannot be put on the wire; that is a bug in
// the caller, and failing loudly beats sending a PDU the peer misreads.
//
// Octet strings come out as Buffers that are views into the input: the
// session copies each frame off the socket before decoding, so callers may
// keep them.
import {
  CommandId,
  commandNameOf,
  isResponseId,
  PDU_HEADER_SIZE,
  PDU_LAYOUT,
  TLV_SPEC_BY_TAG,
  TLV_SPECS,
  type FieldSpec,
  type TlvKind,
} from './pdu.schema.js';
import type {
  CommandName,
  NetworkErrorCode,
  Pdu,
  PduInit,
  PduOf,
  RawTlv,
  Tlvs,
} from './pdu.types.js';
import { SmppEncodeError } from './session.errors.js';
import { SmppStatus } from './smpp-status.js';

export type PduDecodeErrorKind =
  /** Shorter than a header, or command_length disagrees with the bytes given. */
  | 'invalid_command_length'
  | 'unknown_command'
  /** The body ends before the mandatory parameters do. */
  | 'truncated_body'
  /** A C-Octet String has no terminating NUL inside the PDU. */
  | 'bad_cstring'
  /** sm_length points past the end of the PDU. */
  | 'bad_sm_length'
  /** Optional-parameter area malformed: a partial TLV header or a length past the end. */
  | 'bad_tlv';

export interface PduDecodeError {
  readonly kind: PduDecodeErrorKind;
  readonly message: string;
  /** The generic_nack command_status that answers this PDU. */
  readonly nackStatus: number;
  /** Present when at least the 16 header octets were readable. */
  readonly commandId?: number;
  readonly sequenceNumber?: number;
}

export type PduDecodeResult =
  { readonly ok: true; readonly pdu: Pdu } | { readonly ok: false; readonly error: PduDecodeError };

/** interface_version we speak and announce: SMPP 3.4. */
export const SMPP_VERSION_34 = 0x34;

const MAX_TLV_VALUE = 0xffff;
/** Shared default for octet fields: a zero-length Buffer has nothing to mutate. */
const EMPTY_OCTETS = Buffer.alloc(0);
/** A UTF-16 code unit that does not fit in one octet. */
const WIDE_CHAR = /[\u0100-\uffff]/;
const MAX_SHORT_MESSAGE = 0xff;

function fail(
  kind: PduDecodeErrorKind,
  nackStatus: number,
  message: string,
  commandId?: number,
  sequenceNumber?: number,
): PduDecodeResult {
  return { ok: false, error: { kind, nackStatus, message, commandId, sequenceNumber } };
}

function defaultFor(field: FieldSpec): number | string | Buffer {
  switch (field.kind) {
    case 'u8':
      return field.key === 'interfaceVersion' ? SMPP_VERSION_34 : 0;
    case 'cstring':
      return '';
    case 'shortMessage':
      return EMPTY_OCTETS;
  }
}

/** Decodes exactly one PDU; `buffer.length` must equal its command_length. */
export function decodePdu(buffer: Buffer): PduDecodeResult {
  if (buffer.length < PDU_HEADER_SIZE) {
    return fail(
      'invalid_command_length',
      SmppStatus.ESME_RINVCMDLEN,
      `PDU of ${buffer.length} octets is shorter than the 16-octet header`,
    );
  }
  const commandLength = buffer.readUInt32BE(0);
  const commandId = buffer.readUInt32BE(4);
  const commandStatus = buffer.readUInt32BE(8);
  const sequenceNumber = buffer.readUInt32BE(12);
  if (commandLength !== buffer.length) {
    return fail(
      'invalid_command_length',
      SmppStatus.ESME_RINVCMDLEN,
      `command_length ${commandLength} does not match the ${buffer.length} octets given`,
      commandId,
      sequenceNumber,
    );
  }
  const command = commandNameOf(commandId);
  if (command === undefined) {
    return fail(
      'unknown_command',
      SmppStatus.ESME_RINVCMDID,
      `unknown command_id 0x${commandId.toString(16).padStart(8, '0')}`,
      commandId,
      sequenceNumber,
    );
  }

  const out: Record<string, unknown> = { command, commandStatus, sequenceNumber };
  const fields = PDU_LAYOUT[command];
  const end = buffer.length;
  let offset = PDU_HEADER_SIZE;

  // Peers commonly send error responses (and sometimes deliver_sm_resp) with
  // no body at all; SMPP 3.4 even requires it for failed submit_sm_resp.
  // An empty response body therefore decodes to defaults rather than failing.
  const bodyless = offset === end && isResponseId(commandId);
  for (const field of fields) {
    if (bodyless) {
      out[field.key] = defaultFor(field);
      continue;
    }
    if (offset >= end) {
      return fail(
        'truncated_body',
        SmppStatus.ESME_RINVCMDLEN,
        `${command} ends before mandatory parameter ${field.key}`,
        commandId,
        sequenceNumber,
      );
    }
    switch (field.kind) {
      case 'u8':
        out[field.key] = buffer[offset];
        offset += 1;
        break;
      case 'cstring': {
        const nul = buffer.indexOf(0, offset);
        if (nul === -1) {
          return fail(
            'bad_cstring',
            SmppStatus.ESME_RINVCMDLEN,
            `${command} parameter ${field.key} has no terminating NUL`,
            commandId,
            sequenceNumber,
          );
        }
        // latin1 maps each octet to one code unit, so the string re-encodes to the same bytes.
        out[field.key] = buffer.toString('latin1', offset, nul);
        offset = nul + 1;
        break;
      }
      case 'shortMessage': {
        const smLength = buffer[offset] ?? 0;
        offset += 1;
        if (offset + smLength > end) {
          return fail(
            'bad_sm_length',
            SmppStatus.ESME_RINVMSGLEN,
            `${command} sm_length ${smLength} runs past the end of the PDU`,
            commandId,
            sequenceNumber,
          );
        }
        out[field.key] = buffer.subarray(offset, offset + smLength);
        offset += smLength;
        break;
      }
    }
  }

  const tlvs = decodeTlvs(buffer, offset);
  if (typeof tlvs === 'string') {
    return fail(
      'bad_tlv',
      SmppStatus.ESME_RINVOPTPARSTREAM,
      `${command}: ${tlvs}`,
      commandId,
      sequenceNumber,
    );
  }
  out.tlvs = tlvs;
  return { ok: true, pdu: out as unknown as Pdu };
}

/** Returns the TLVs, or a string describing why the optional-parameter area is malformed. */
function decodeTlvs(buffer: Buffer, start: number): Tlvs | string {
  const typed: Record<string, unknown> = {};
  const other: RawTlv[] = [];
  let offset = start;
  while (offset < buffer.length) {
    if (buffer.length - offset < 4) {
      return `${buffer.length - offset} stray octet(s) after the last TLV`;
    }
    const tag = buffer.readUInt16BE(offset);
    const length = buffer.readUInt16BE(offset + 2);
    offset += 4;
    if (offset + length > buffer.length) {
      return `TLV 0x${tag.toString(16).padStart(4, '0')} length ${length} runs past the end of the PDU`;
    }
    const value = buffer.subarray(offset, offset + length);
    offset += length;
    const spec = TLV_SPEC_BY_TAG.get(tag);
    // A duplicate or a value that does not fit its type is kept raw instead of
    // failing the PDU: a vendor's odd receipt is still a receipt, and nothing is lost.
    const decoded =
      spec && typed[spec.key] === undefined ? decodeTlvValue(spec.kind, value) : undefined;
    if (spec && decoded !== undefined) {
      typed[spec.key] = decoded;
    } else {
      other.push({ tag, value });
    }
  }
  if (other.length > 0) {
    typed.other = other;
  }
  return typed;
}

function decodeTlvValue(
  kind: TlvKind,
  value: Buffer,
): number | string | Buffer | NetworkErrorCode | undefined {
  switch (kind) {
    case 'u8':
      return value.length === 1 ? value.readUInt8(0) : undefined;
    case 'u16':
      return value.length === 2 ? value.readUInt16BE(0) : undefined;
    case 'u32':
      return value.length === 4 ? value.readUInt32BE(0) : undefined;
    case 'networkErrorCode':
      return value.length === 3
        ? { networkType: value.readUInt8(0), errorCode: value.readUInt16BE(1) }
        : undefined;
    case 'octets':
      return value;
    case 'cstring': {
      const nul = value.indexOf(0);
      if (nul === value.length - 1) {
        return value.toString('latin1', 0, nul);
      }
      // Some SMSCs omit the NUL of receipted_message_id; the id itself is intact.
      return nul === -1 ? value.toString('latin1') : undefined;
    }
  }
}

/** A complete PDU from an init: every field not given gets its default. */
export function createPdu<C extends CommandName>(init: PduInit<C>): PduOf<C> {
  const out: Record<string, unknown> = {
    command: init.command,
    commandStatus: init.commandStatus ?? 0,
    sequenceNumber: init.sequenceNumber ?? 0,
    tlvs: init.tlvs ?? {},
  };
  const source = init as Record<string, unknown>;
  for (const field of layoutOf(init.command)) {
    out[field.key] = source[field.key] ?? defaultFor(field);
  }
  return out as unknown as PduOf<C>;
}

function layoutOf(command: string): readonly FieldSpec[] {
  const fields = (PDU_LAYOUT as Partial<Record<string, readonly FieldSpec[]>>)[command];
  if (fields === undefined) {
    throw new SmppEncodeError(`unknown command ${JSON.stringify(command)}`);
  }
  return fields;
}

// The field name is passed in two parts and joined only when an error is
// thrown: building it for every field of every PDU showed up in profiles.
function fieldName(where: string, key: string | undefined): string {
  return key === undefined ? where : `${where}.${key}`;
}

function checkUint(value: unknown, max: number, where: string, key?: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new SmppEncodeError(
      `${fieldName(where, key)} must be an integer in 0..${max}, got ${String(value)}`,
    );
  }
  return value;
}

function checkCString(
  value: unknown,
  max: number | undefined,
  where: string,
  key?: string,
): string {
  if (typeof value !== 'string') {
    throw new SmppEncodeError(`${fieldName(where, key)} must be a string`);
  }
  if (max !== undefined && value.length > max - 1) {
    throw new SmppEncodeError(
      `${fieldName(where, key)} is ${value.length} characters, at most ${max - 1} allowed`,
    );
  }
  const bad = value.includes('\u0000') ? '\u0000' : WIDE_CHAR.exec(value)?.[0];
  if (bad !== undefined) {
    throw new SmppEncodeError(
      `${fieldName(where, key)} contains character code ${bad.charCodeAt(0)} that is not a non-NUL octet`,
    );
  }
  return value;
}

function checkBytes(value: unknown, max: number, where: string, key?: string): Buffer {
  if (!Buffer.isBuffer(value)) {
    throw new SmppEncodeError(`${fieldName(where, key)} must be a Buffer`);
  }
  if (value.length > max) {
    throw new SmppEncodeError(
      `${fieldName(where, key)} is ${value.length} octets, at most ${max} allowed`,
    );
  }
  return value;
}

type TlvValue = number | string | Buffer | NetworkErrorCode;

function tlvValueSize(kind: TlvKind, value: TlvValue, key: string): number {
  const what = 'tlvs';
  switch (kind) {
    case 'u8':
      checkUint(value, 0xff, what, key);
      return 1;
    case 'u16':
      checkUint(value, 0xffff, what, key);
      return 2;
    case 'u32':
      checkUint(value, 0xffffffff, what, key);
      return 4;
    case 'cstring':
      return checkCString(value, MAX_TLV_VALUE, what, key).length + 1;
    case 'octets':
      return checkBytes(value, MAX_TLV_VALUE, what, key).length;
    case 'networkErrorCode': {
      const code = value as Partial<NetworkErrorCode>;
      checkUint(code.networkType, 0xff, `${what}.${key}`, 'networkType');
      checkUint(code.errorCode, 0xffff, `${what}.${key}`, 'errorCode');
      return 3;
    }
  }
}

function writeTlvValue(kind: TlvKind, value: TlvValue, target: Buffer, offset: number): void {
  switch (kind) {
    case 'u8':
      target.writeUInt8(value as number, offset);
      return;
    case 'u16':
      target.writeUInt16BE(value as number, offset);
      return;
    case 'u32':
      target.writeUInt32BE(value as number, offset);
      return;
    case 'cstring': {
      const text = value as string;
      target.write(text, offset, 'latin1');
      target[offset + text.length] = 0;
      return;
    }
    case 'octets':
      (value as Buffer).copy(target, offset);
      return;
    case 'networkErrorCode': {
      const code = value as NetworkErrorCode;
      target.writeUInt8(code.networkType, offset);
      target.writeUInt16BE(code.errorCode, offset + 1);
      return;
    }
  }
}

function isDefault(value: unknown, field: FieldSpec): boolean {
  if (field.kind === 'shortMessage') {
    return (value as Buffer).length === 0;
  }
  return value === defaultFor(field);
}

/**
 * Encodes one PDU. Missing body fields take their defaults; sequenceNumber
 * defaults to 0 (the session assigns the real one). A failed response whose
 * body is all defaults is sent header-only, as SMPP 3.4 prescribes.
 */
export function encodePdu<C extends CommandName>(pdu: PduInit<C>): Buffer {
  const fields = layoutOf(pdu.command);
  const commandId = CommandId[pdu.command];
  const commandStatus = checkUint(pdu.commandStatus ?? 0, 0xffffffff, 'command_status');
  const sequenceNumber = checkUint(pdu.sequenceNumber ?? 0, 0xffffffff, 'sequence_number');
  const source = pdu as Record<string, unknown>;

  const values: (number | string | Buffer)[] = [];
  let bodySize = 0;
  let allDefault = true;
  for (const field of fields) {
    const raw = source[field.key] ?? defaultFor(field);
    switch (field.kind) {
      case 'u8':
        values.push(checkUint(raw, 0xff, pdu.command, field.key));
        bodySize += 1;
        break;
      case 'cstring': {
        const text = checkCString(raw, field.max, pdu.command, field.key);
        values.push(text);
        bodySize += text.length + 1;
        break;
      }
      case 'shortMessage': {
        const bytes = checkBytes(raw, MAX_SHORT_MESSAGE, pdu.command, field.key);
        values.push(bytes);
        bodySize += 1 + bytes.length;
        break;
      }
    }
    allDefault &&= isDefault(raw, field);
  }

  const tlvs = pdu.tlvs ?? {};
  const tlvSource = tlvs as Record<string, TlvValue | undefined>;
  let tlvSize = 0;
  // Most PDUs carry no TLVs; skip the per-spec walk for them.
  const hasTlvs = Object.keys(tlvs).length > 0;
  const typedSizes: number[] = [];
  if (hasTlvs) {
    for (const spec of TLV_SPECS) {
      const value = tlvSource[spec.key];
      const size = value === undefined ? -1 : tlvValueSize(spec.kind, value, spec.key);
      typedSizes.push(size);
      if (size >= 0) {
        tlvSize += 4 + size;
      }
    }
  }
  const other = tlvs.other ?? [];
  for (const [i, tlv] of other.entries()) {
    checkUint(tlv.tag, 0xffff, `tlvs.other[${i}]`, 'tag');
    tlvSize += 4 + checkBytes(tlv.value, MAX_TLV_VALUE, `tlvs.other[${i}]`, 'value').length;
  }

  const omitBody = isResponseId(commandId) && commandStatus !== 0 && allDefault && tlvSize === 0;
  const total = PDU_HEADER_SIZE + (omitBody ? 0 : bodySize + tlvSize);
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(commandId, 4);
  out.writeUInt32BE(commandStatus, 8);
  out.writeUInt32BE(sequenceNumber, 12);
  if (omitBody) {
    return out;
  }

  let offset = PDU_HEADER_SIZE;
  for (const value of values) {
    if (typeof value === 'number') {
      out[offset] = value;
      offset += 1;
    } else if (typeof value === 'string') {
      out.write(value, offset, 'latin1');
      offset += value.length;
      out[offset] = 0;
      offset += 1;
    } else {
      out[offset] = value.length;
      value.copy(out, offset + 1);
      offset += 1 + value.length;
    }
  }
  for (const [i, spec] of hasTlvs ? TLV_SPECS.entries() : []) {
    const size = typedSizes[i] ?? -1;
    const value = tlvSource[spec.key];
    if (size < 0 || value === undefined) {
      continue;
    }
    out.writeUInt16BE(spec.tag, offset);
    out.writeUInt16BE(size, offset + 2);
    writeTlvValue(spec.kind, value, out, offset + 4);
    offset += 4 + size;
  }
  for (const tlv of other) {
    out.writeUInt16BE(tlv.tag, offset);
    out.writeUInt16BE(tlv.value.length, offset + 2);
    tlv.value.copy(out, offset + 4);
    offset += 4 + tlv.value.length;
  }
  return out;
}
