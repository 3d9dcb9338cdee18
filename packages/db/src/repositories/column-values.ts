// Conversions between column values as node-postgres hands them over and the
// types the domain objects promise.
import { isIP } from 'node:net';
import { InvalidInputError } from '../db-errors.js';

/**
 * int8 arrives as a string (default pg parsers), a number or a bigint
 * (custom parsers); money in micros stays far below 2^53, and a value that
 * does not is corrupt data rather than something to round.
 */
export function toSafeInteger(value: string | number | bigint): number {
  const result = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(result)) {
    throw new RangeError(`int8 value ${String(value)} is not a safe integer`);
  }
  return result;
}

export function toSafeIntegerOrNull(value: string | number | bigint | null): number | null {
  return value === null ? null : toSafeInteger(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Lookups by id return "not found" for a malformed id instead of letting
 * PostgreSQL raise 22P02, so an API can answer 404 for `/vendors/abc`.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Accepts `a.b.c.d`, `a.b.c.d/nn`, an IPv6 address, or IPv6 with `/nnn`. */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  if (slash === -1) return true;
  const prefix = value.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

export function requireCidrs(values: readonly string[]): string[] {
  const invalid = values.filter((value) => !isCidr(value));
  if (invalid.length > 0) {
    throw new InvalidInputError(`allowed_ips: not an IP address or CIDR: ${invalid.join(', ')}`);
  }
  return [...values];
}

/** Longest number: E.164 allows 15 digits (sources are stored without the '+'). */
const SOURCE_DIGITS_MAX = 15;
/** GSM 03.38 limit of an alphanumeric sender ID. */
const SOURCE_ALPHANUMERIC_MAX = 11;

/**
 * Why `entry` cannot be an entry of `allowed_sources`, or undefined when it
 * can. An entry is compared with the source address as the edge normalises
 * it (services/edge-server/src/domain/address.normalizer.ts): an exact
 * number (1-15 digits: E.164 without '+', or a short code), a number range
 * (1-15 digits and a trailing '*': `1512555*`), or an exact alphanumeric
 * sender (1-11 printable ASCII characters, no '*', no leading '+', no
 * leading or trailing space; compared case-sensitively, as sent).
 */
export function sourcePatternProblem(entry: string): string | undefined {
  if (entry.length === 0) return 'is empty';
  if (entry.startsWith('+')) {
    return "has a leading '+': numbers are stored as E.164 digits without it (15125550100, or 1512555* for a range)";
  }
  const star = entry.indexOf('*');
  if (star !== -1) {
    const digits = entry.slice(0, -1);
    if (star !== entry.length - 1 || !/^[0-9]+$/.test(digits)) {
      return "'*' may only end a prefix of digits (a number range such as 1512555*)";
    }
    if (digits.length > SOURCE_DIGITS_MAX) {
      return `a prefix has at most ${SOURCE_DIGITS_MAX} digits before its '*'`;
    }
    return undefined;
  }
  if (/^[0-9]+$/.test(entry)) {
    return entry.length > SOURCE_DIGITS_MAX
      ? `a number has at most ${SOURCE_DIGITS_MAX} digits (E.164)`
      : undefined;
  }
  if (!/^[\x20-\x7e]+$/.test(entry)) {
    return 'an alphanumeric sender is printable ASCII only';
  }
  if (entry.startsWith(' ') || entry.endsWith(' ')) return 'has a leading or trailing space';
  if (entry.length > SOURCE_ALPHANUMERIC_MAX) {
    return `an alphanumeric sender has at most ${SOURCE_ALPHANUMERIC_MAX} characters`;
  }
  return undefined;
}

export function requireSourcePatterns(values: readonly string[]): string[] {
  const problems = values.flatMap((value) => {
    const problem = sourcePatternProblem(value);
    return problem === undefined ? [] : [`${JSON.stringify(value)} ${problem}`];
  });
  if (problems.length > 0) {
    throw new InvalidInputError(`allowed_sources: ${problems.join('; ')}`);
  }
  return [...values];
}

/** An ILIKE pattern matching `text` anywhere, with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Drops keys whose value is undefined, so a patch only touches the columns
 * the caller named (and an empty patch is detectable).
 */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
