// GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, as
// UNPACKED septets: SMPP carries one septet per octet in short_message and the
// SMSC packs them for the air interface. Only the default tables are supported;
// national language shift tables need a UDH element we never emit.

/** Escape to the extension table; the next septet selects the character. */
export const GSM7_ESCAPE = 0x1b;

// Index = septet value. 0x1B is the escape and never maps to a character.
const DEFAULT_TABLE: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
]; // prettier-ignore

// Extension table: septet following ESC → character. Each costs 2 septets.
const EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

/** Characters reachable only through the extension table (2 septets each). */
export const GSM7_EXTENSION_CHARS: readonly string[] = [...EXTENSION_TABLE.values()];

// Every GSM character is in the BMP, so one flat table indexed by UTF-16 code
// unit answers "encodable?" and "which septet(s)?" without hashing.
// -1 = not encodable; 0..0x7F = default septet; 0x100 | code = ESC + code.
const NOT_ENCODABLE = -1;
const EXTENDED_FLAG = 0x100;
const ENCODE_TABLE: Int16Array = buildEncodeTable();

function buildEncodeTable(): Int16Array {
  const table = new Int16Array(0x10000).fill(NOT_ENCODABLE);
  DEFAULT_TABLE.forEach((char, septet) => {
    if (septet !== GSM7_ESCAPE) table[char.charCodeAt(0)] = septet;
  });
  for (const [septet, char] of EXTENSION_TABLE) table[char.charCodeAt(0)] = EXTENDED_FLAG | septet;
  return table;
}

/** A character that has no representation in the target alphabet. */
export interface UnencodableChar {
  /** The character (a whole code point, so an emoji is one entry). */
  readonly char: string;
  /** UTF-16 index of the character in the input string. */
  readonly index: number;
}

export type EncodeResult =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly unencodable: readonly UnencodableChar[] };

/** Lists every character of `text` that GSM 03.38 cannot carry (empty = encodable). */
export function gsm7Unencodable(text: string): UnencodableChar[] {
  const bad: UnencodableChar[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (ENCODE_TABLE[unit] !== NOT_ENCODABLE) continue;
    const codePoint = text.codePointAt(i) ?? unit;
    const char = String.fromCodePoint(codePoint);
    bad.push({ char, index: i });
    i += char.length - 1;
  }
  return bad;
}

export function isGsm7Encodable(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (ENCODE_TABLE[text.charCodeAt(i)] === NOT_ENCODABLE) return false;
  }
  return true;
}

/**
 * Septets `text` needs (extension characters count 2), or -1 when some
 * character is not encodable. Cheap enough to price a message without encoding.
 */
export function gsm7SeptetCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const entry = ENCODE_TABLE[text.charCodeAt(i)] ?? NOT_ENCODABLE;
    if (entry === NOT_ENCODABLE) return -1;
    count += entry & EXTENDED_FLAG ? 2 : 1;
  }
  return count;
}

/** Encodes to unpacked septets, or reports every character that cannot be encoded. */
export function encodeGsm7(text: string): EncodeResult {
  const length = gsm7SeptetCount(text);
  if (length < 0) return { ok: false, unencodable: gsm7Unencodable(text) };
  return { ok: true, bytes: writeSeptets(text, length) };
}

/**
 * Lossy encode: every unencodable character (a whole code point) becomes
 * `replacement`, which must itself be GSM-encodable. Only for callers that
 * explicitly accept losing characters.
 */
export function encodeGsm7Lossy(text: string, replacement: string): Buffer {
  const replacementSeptets = gsm7SeptetCount(replacement);
  if (replacementSeptets < 0 || replacement.length === 0) {
    throw new RangeError(`replacement ${JSON.stringify(replacement)} is not GSM 03.38 encodable`);
  }
  if (isGsm7Encodable(text)) return writeSeptets(text, gsm7SeptetCount(text));
  let rebuilt = '';
  for (const char of text) rebuilt += isGsm7Encodable(char) ? char : replacement;
  return writeSeptets(rebuilt, gsm7SeptetCount(rebuilt));
}

function writeSeptets(text: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const entry = ENCODE_TABLE[text.charCodeAt(i)] ?? NOT_ENCODABLE;
    if (entry & EXTENDED_FLAG) {
      out[o++] = GSM7_ESCAPE;
      out[o++] = entry & 0x7f;
    } else {
      out[o++] = entry;
    }
  }
  return out;
}

export type Gsm7DecodeResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'invalid-septet'; readonly offset: number };

// Decoding writes UTF-16 code units into a scratch array and converts once:
// far cheaper than growing a string character by character.
const DEFAULT_DECODE: Uint16Array = Uint16Array.from(DEFAULT_TABLE, (char) => char.charCodeAt(0));
const EXTENSION_DECODE: Uint16Array = Uint16Array.from({ length: 0x80 }, (_, code) =>
  (EXTENSION_TABLE.get(code) ?? DEFAULT_TABLE[code] ?? ' ').charCodeAt(0),
);
const SPACE = 0x20;
const REPLACEMENT_CHAR = 0xfffd;

/**
 * Decodes unpacked septets. Per TS 23.038: ESC followed by a code the
 * extension table does not define shows the default-table character for that
 * code, ESC ESC (reserved for a further extension table) shows a space, and
 * we treat a trailing lone ESC the same way. An octet with the high bit set is
 * not a septet: it is reported (or replaced by U+FFFD when `lenient`).
 */
export function decodeGsm7(bytes: Uint8Array, lenient = false): Gsm7DecodeResult {
  const units = new Uint16Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const septet = bytes[i] ?? 0;
    if (septet > 0x7f) {
      if (!lenient) return { ok: false, reason: 'invalid-septet', offset: i };
      units[n++] = REPLACEMENT_CHAR;
    } else if (septet !== GSM7_ESCAPE) {
      units[n++] = DEFAULT_DECODE[septet] ?? REPLACEMENT_CHAR;
    } else {
      const next = bytes[++i];
      if (next === undefined || next === GSM7_ESCAPE) {
        units[n++] = SPACE;
      } else if (next > 0x7f) {
        if (!lenient) return { ok: false, reason: 'invalid-septet', offset: i };
        units[n++] = REPLACEMENT_CHAR;
      } else {
        units[n++] = EXTENSION_DECODE[next] ?? REPLACEMENT_CHAR;
      }
    }
  }
  return { ok: true, text: codeUnitsToString(units, n) };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Converts the first `length` UTF-16 code units to a string. */
function codeUnitsToString(units: Uint16Array, length: number): string {
  if (LITTLE_ENDIAN_HOST)
    return Buffer.from(units.buffer, units.byteOffset, length * 2).toString('utf16le');
  let text = '';
  for (let i = 0; i < length; i += 4096) {
    text += String.fromCharCode(...units.subarray(i, Math.min(length, i + 4096)));
  }
  return text;
}
