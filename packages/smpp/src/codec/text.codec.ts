// Text ⇄ octets for every alphabet the gateway converts. Encoding never
// degrades silently: a character the alphabet cannot carry is reported, and
// only an explicit `replacement` makes the encode lossy.

import { decodeDataCoding } from './data-coding.decoder.js';
import type {
  DataCodingInfo,
  DecodeDataCodingOptions,
  TextAlphabet,
} from './data-coding.decoder.js';
import {
  decodeGsm7,
  encodeGsm7,
  encodeGsm7Lossy,
  gsm7Unencodable,
  isGsm7Encodable,
} from './gsm7.codec.js';
import type { EncodeResult, UnencodableChar } from './gsm7.codec.js';

export interface EncodeTextOptions {
  /**
   * Makes the encode lossy: each unencodable character (a whole code point)
   * becomes this string, which must be encodable in the target alphabet.
   */
  readonly replacement?: string;
}

/** Highest UTF-16 code unit a single-octet alphabet carries. */
const SINGLE_OCTET_MAX = { ia5: 0x7f, latin1: 0xff } as const;

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}
function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Characters of `text` that `alphabet` cannot carry, in order (empty = encodable). */
export function unencodableChars(text: string, alphabet: TextAlphabet): UnencodableChar[] {
  if (alphabet === 'gsm7') return gsm7Unencodable(text);
  const bad: UnencodableChar[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (alphabet === 'ucs2') {
      // UCS2 here means UTF-16BE: pairs are fine, a lone surrogate is not text.
      if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
        i++;
      } else if (isHighSurrogate(unit) || isLowSurrogate(unit)) {
        bad.push({ char: text.charAt(i), index: i });
      }
    } else if (unit > SINGLE_OCTET_MAX[alphabet]) {
      const char = String.fromCodePoint(text.codePointAt(i) ?? unit);
      bad.push({ char, index: i });
      i += char.length - 1;
    }
  }
  return bad;
}

/** Whether `text` can be encoded in `alphabet` without loss. */
export function isEncodable(text: string, alphabet: TextAlphabet): boolean {
  switch (alphabet) {
    case 'gsm7':
      return isGsm7Encodable(text);
    case 'ia5':
    case 'latin1': {
      const max = SINGLE_OCTET_MAX[alphabet];
      for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > max) return false;
      return true;
    }
    case 'ucs2':
      return unencodableChars(text, 'ucs2').length === 0;
  }
}

/** UTF-16BE with surrogate pairs (what SMSCs mean by "UCS2" today). */
function encodeUcs2Unchecked(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

function replaceUnencodable(text: string, alphabet: TextAlphabet, replacement: string): string {
  if (replacement.length === 0 || !isEncodable(replacement, alphabet)) {
    throw new RangeError(
      `replacement ${JSON.stringify(replacement)} is not encodable in ${alphabet}`,
    );
  }
  let out = '';
  let last = 0;
  for (const { char, index } of unencodableChars(text, alphabet)) {
    out += text.slice(last, index) + replacement;
    last = index + char.length;
  }
  return out + text.slice(last);
}

/**
 * Encodes `text` in `alphabet`. Without `replacement` the result lists every
 * character that cannot be carried; with it, the encode always succeeds.
 */
export function encodeText(
  text: string,
  alphabet: TextAlphabet,
  options: EncodeTextOptions = {},
): EncodeResult {
  const { replacement } = options;
  if (alphabet === 'gsm7') {
    return replacement === undefined
      ? encodeGsm7(text)
      : { ok: true, bytes: encodeGsm7Lossy(text, replacement) };
  }
  if (!isEncodable(text, alphabet)) {
    if (replacement === undefined) {
      return { ok: false, unencodable: unencodableChars(text, alphabet) };
    }
    text = replaceUnencodable(text, alphabet, replacement);
  }
  // Checked above, so Node's latin1 writer cannot truncate anything.
  return alphabet === 'ucs2'
    ? { ok: true, bytes: encodeUcs2Unchecked(text) }
    : { ok: true, bytes: Buffer.from(text, 'latin1') };
}

export type DecodeFailureReason =
  | 'binary' // 8-bit data: keep the bytes, there is no text
  | 'unsupported-alphabet' // a charset we recognise but do not decode (JIS, KS C 5601, …)
  | 'compressed' // TS 23.042 compression
  | 'invalid-septet' // GSM 7-bit octet with the high bit set
  | 'invalid-ia5' // IA5 octet above 0x7F
  | 'odd-length-ucs2'; // UCS2 must be whole 16-bit units

export type DecodeTextResult =
  | { readonly ok: true; readonly alphabet: TextAlphabet; readonly text: string }
  | {
      readonly ok: false;
      readonly reason: DecodeFailureReason;
      /** Offending octet offset, for the invalid-octet reasons. */
      readonly offset?: number;
    };

export interface DecodeTextOptions extends DecodeDataCodingOptions {
  /**
   * Replace invalid octets (and a trailing odd UCS2 byte) with U+FFFD instead
   * of failing. For display and logging; never for re-encoding.
   */
  readonly lenient?: boolean;
}

/** Decodes octets known to be in `alphabet`. */
export function decodeTextAs(
  bytes: Uint8Array,
  alphabet: TextAlphabet,
  options: { readonly lenient?: boolean } = {},
): DecodeTextResult {
  const lenient = options.lenient ?? false;
  switch (alphabet) {
    case 'gsm7': {
      const decoded = decodeGsm7(bytes, lenient);
      return decoded.ok ? { ok: true, alphabet, text: decoded.text } : decoded;
    }
    case 'ia5': {
      const bad = bytes.findIndex((octet) => octet > 0x7f);
      if (bad >= 0 && !lenient) return { ok: false, reason: 'invalid-ia5', offset: bad };
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
      return { ok: true, alphabet, text: bad >= 0 ? text.replace(/[\x80-\xff]/g, '\ufffd') : text };
    }
    case 'latin1':
      return {
        ok: true,
        alphabet,
        text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'),
      };
    case 'ucs2': {
      const odd = bytes.length % 2 !== 0;
      if (odd && !lenient)
        return { ok: false, reason: 'odd-length-ucs2', offset: bytes.length - 1 };
      // Copy before swapping: the caller's buffer (often a slice of a PDU) stays intact.
      const swapped = Buffer.from(bytes.subarray(0, bytes.length - (odd ? 1 : 0))).swap16();
      return { ok: true, alphabet, text: swapped.toString('utf16le') + (odd ? '\ufffd' : '') };
    }
  }
}

/** Decodes a short_message (or message_payload) according to its data_coding byte. */
export function decodeText(
  bytes: Uint8Array,
  dataCoding: number | DataCodingInfo,
  options: DecodeTextOptions = {},
): DecodeTextResult {
  const coding =
    typeof dataCoding === 'number' ? decodeDataCoding(dataCoding, options) : dataCoding;
  if (coding.compressed === true) return { ok: false, reason: 'compressed' };
  switch (coding.alphabet) {
    case 'binary':
      return { ok: false, reason: 'binary' };
    case 'unsupported':
      return { ok: false, reason: 'unsupported-alphabet' };
    case 'gsm7':
    case 'ia5':
    case 'latin1':
    case 'ucs2':
      return decodeTextAs(bytes, coding.alphabet, options);
  }
}
