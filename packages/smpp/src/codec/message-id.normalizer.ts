// Vendors often answer submit_sm_resp with an id in one format and quote it in
// the receipt in another: hex in the resp, decimal in the receipt, changed
// case, leading zeros dropped. The receipt tracker keys its mapping on a
// canonical form so both sides of the same message meet:
//
//   hex / decimal  → lower-case hex without leading zeros ("0" for zero)
//   uuid           → lower-case 8-4-4-4-12
//   raw            → the id as sent (trimmed), case preserved: some vendors use
//                    case-sensitive base62 ids, where lower-casing could merge two
//
// The format describes the id being normalised, so a vendor that sends hex in
// the resp and decimal in the receipt is configured with one format per side.

export const MESSAGE_ID_FORMATS = ['uuid', 'hex', 'decimal', 'auto', 'raw'] as const;
export type MessageIdFormat = (typeof MESSAGE_ID_FORMATS)[number];

const DIGITS = /^\d+$/u;
const HEX = /^[0-9a-f]+$/iu;
const HEX_PREFIXED = /^0x[0-9a-f]+$/iu;
const UUID_HYPHENATED = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/iu;

// SMPP message ids are at most 64 characters. Anything longer is not an id we
// issued a resp for, and converting it with BigInt would only cost CPU.
const MAX_NUMERIC_ID_LENGTH = 64;

function clean(id: string): string {
  // receipted_message_id is a C string; a stray NUL or padding must not split keys.
  return id.replace(/\0+$/u, '').trim();
}

function canonicalHex(hex: string): string {
  const digits = hex.replace(/^0x/iu, '').toLowerCase().replace(/^0+/u, '');
  return digits === '' ? '0' : digits;
}

function canonicalUuid(id: string): string | undefined {
  const hex = id.replace(/[{}-]/gu, '');
  if (hex.length !== 32 || !HEX.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function decimalAsHex(digits: string): string {
  return BigInt(digits).toString(16);
}

/**
 * Canonical key for a vendor message id given the format it is in. An id
 * that does not match its declared format is returned cleaned but otherwise
 * as sent, so it still matches itself.
 *
 * 'auto' rule (the ambiguity): an all-digit id is read as DECIMAL. That is
 * the usual mismatch (hex in the resp, decimal in the receipt) and a hex id
 * with at least one letter is recognised as hex. It goes wrong when a hex
 * resp id happens to contain only digits: "12345" (hex) becomes 0x3039, while
 * its receipt id "74565" becomes 0x12345. When that matters, configure the
 * format explicitly or match on `messageIdCandidates`.
 */
export function normalizeMessageId(id: string, format: MessageIdFormat): string {
  const value = clean(id);
  if (value.length > MAX_NUMERIC_ID_LENGTH) return value;
  switch (format) {
    case 'raw':
      return value;
    case 'uuid':
      return canonicalUuid(value) ?? value.toLowerCase();
    case 'hex':
      return HEX.test(value) || HEX_PREFIXED.test(value) ? canonicalHex(value) : value;
    case 'decimal':
      return DIGITS.test(value) ? decimalAsHex(value) : value;
    case 'auto':
      if (UUID_HYPHENATED.test(value)) return canonicalUuid(value) ?? value;
      if (DIGITS.test(value)) return decimalAsHex(value);
      if (HEX.test(value) || HEX_PREFIXED.test(value)) return canonicalHex(value);
      return value;
  }
}

/**
 * Every canonical key the id could have under some format, most likely first
 * (the 'auto' reading). Store a resp id under all of its candidates, or look a
 * receipt id up by each of its candidates, and the two meet whenever any
 * consistent reading exists:
 *
 *   "012345" → ["3039", "12345", "012345"]  decimal, hex without letters, raw
 *   "00A1f"  → ["a1f", "00A1f"]               hex, raw
 *   UUID     → [uuid form, hex form, raw]     with or without hyphens/zeros
 *   "AbC_9"  → ["AbC_9"]                      raw only
 */
export function messageIdCandidates(id: string): string[] {
  const value = clean(id);
  const candidates = [normalizeMessageId(value, 'auto')];
  if (value.length <= MAX_NUMERIC_ID_LENGTH) {
    if (DIGITS.test(value)) candidates.push(canonicalHex(value));
    const uuid = canonicalUuid(value);
    if (uuid !== undefined) candidates.push(uuid, canonicalHex(uuid.replace(/-/gu, '')));
  }
  candidates.push(value);
  return [...new Set(candidates)];
}

/**
 * The readings of `id` plus each reading's 'auto' key: every key an id whose
 * readings meet `id`'s could have under 'auto' or under the format that
 * produced the meeting reading. A store that kept only a submit's key (the
 * CDR archive), not all its readings as the candidate space does, is
 * searched with these to find what the candidate space would have matched:
 *
 *   receipt "305419896" (decimal) → ["12345678", "305419896", "bc614e"]:
 *   "bc614e" is the 'auto' key of the all-digit hex resp id "12345678"
 *   (0x12345678 = 305419896), which 'auto' read as decimal.
 */
export function keysMeetingReadings(id: string): string[] {
  const readings = messageIdCandidates(id);
  return [...new Set([...readings, ...readings.map((r) => normalizeMessageId(r, 'auto'))])];
}

/**
 * How one side (submit_sm_resp or receipt) keys a vendor message id: `exact`
 * under its declared format; `candidates`, the other readings, only when one
 * of the two sides is declared 'auto' (then the two may disagree and only a
 * guess can bring them together). Two explicit formats need no guess: hex
 * in the resp and decimal in the receipt both normalise to the same hex.
 */
export function messageIdKeys(
  id: string,
  format: MessageIdFormat,
  counterpartFormat: MessageIdFormat,
): { exact: string; candidates: string[] } {
  const exact = normalizeMessageId(id, format);
  const guess = format === 'auto' || counterpartFormat === 'auto';
  return {
    exact,
    candidates: guess ? messageIdCandidates(id).filter((key) => key !== exact) : [],
  };
}
