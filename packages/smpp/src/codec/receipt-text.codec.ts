// Delivery receipt text, SMPP 3.4 Appendix B:
//   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm
//   stat:DDDDDDD err:E text:...
// The appendix is informative, so vendors vary it: key case, order, spacing,
// `submit_date`, 12-digit dates, no text. The parser accepts all of that; the
// formatter writes the canonical form for our own customers.

import { formatReceiptDate, parseReceiptDate } from './receipt-date.codec.js';
import type { ReceiptDateDigits } from './receipt-date.codec.js';
import { stateForStat } from './message-state.js';
import type { MessageState, ReceiptStat } from './message-state.js';

export interface ReceiptTextFields {
  readonly id: string;
  /** Parts submitted; defaults to 1. */
  readonly sub?: number;
  /** Parts delivered; defaults to 1 for DELIVRD, else 0. */
  readonly dlvrd?: number;
  readonly submitDate: Date;
  readonly doneDate: Date;
  readonly stat: ReceiptStat;
  /** Number → 3 digits; a string (vendor's own code) is written as-is. Defaults to 0. */
  readonly err?: number | string;
  /** The original message text; only its first 20 characters are written. */
  readonly text?: string;
}

export interface FormatReceiptOptions {
  readonly dateDigits?: ReceiptDateDigits;
}

/** Receipt text carries at most this many characters of the original message. */
export const RECEIPT_TEXT_CHARS = 20;

function threeDigits(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 999) {
    throw new RangeError(`receipt ${name} must be an integer 0-999, got ${value}`);
  }
  return value.toString().padStart(3, '0');
}

function token(name: string, value: string): string {
  // A space or an empty value would shift every field after it for parsers
  // that split on spaces, so refuse it here rather than emit a broken receipt.
  if (value.length === 0 || /\s/.test(value)) {
    throw new RangeError(
      `receipt ${name} must be non-empty without whitespace, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Formats receipt text. Throws RangeError on fields we should never produce. */
export function formatReceiptText(
  fields: ReceiptTextFields,
  options: FormatReceiptOptions = {},
): string {
  const digits = options.dateDigits ?? 10;
  const err = fields.err ?? 0;
  // Truncate by code point so an emoji is never cut into a lone surrogate.
  const text = Array.from(fields.text ?? '')
    .slice(0, RECEIPT_TEXT_CHARS)
    .join('');
  return (
    `id:${token('id', fields.id)}` +
    ` sub:${threeDigits('sub', fields.sub ?? 1)}` +
    ` dlvrd:${threeDigits('dlvrd', fields.dlvrd ?? (fields.stat === 'DELIVRD' ? 1 : 0))}` +
    ` submit date:${formatReceiptDate(fields.submitDate, digits)}` +
    ` done date:${formatReceiptDate(fields.doneDate, digits)}` +
    ` stat:${fields.stat}` +
    ` err:${typeof err === 'number' ? threeDigits('err', err) : token('err', err)}` +
    ` text:${text}`
  );
}

export interface ParsedReceiptText {
  readonly id?: string;
  readonly sub?: number;
  readonly dlvrd?: number;
  readonly submitDate?: Date;
  readonly doneDate?: Date;
  /** The stat word as sent, upper-cased. */
  readonly stat?: string;
  /** `stat` mapped to message_state; undefined for words we do not know. */
  readonly state?: MessageState;
  /** As sent: vendors use decimal, hex and their own codes. */
  readonly err?: string;
  readonly text?: string;
  /** Fields that were present but unreadable (they are left undefined). */
  readonly warnings: readonly string[];
}

export type ParseReceiptResult =
  | { readonly ok: true; readonly receipt: ParsedReceiptText }
  | { readonly ok: false; readonly reason: 'not-a-receipt'; readonly detail: string };

type ReceiptKey = 'id' | 'sub' | 'dlvrd' | 'submitDate' | 'doneDate' | 'stat' | 'err' | 'text';

// A key starts the text or follows whitespace/punctuation, so "id" inside
// "msgid:" or a value is not mistaken for a key.
const KEY_PATTERN =
  /(?<=^|[\s,;])(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:/giu;

function keyOf(raw: string): ReceiptKey {
  const lower = raw.toLowerCase();
  if (lower.startsWith('submit')) return 'submitDate';
  if (lower.startsWith('done')) return 'doneDate';
  return lower as ReceiptKey;
}

/**
 * Parses receipt text: keys in any order and case, extra spaces, missing
 * fields, unknown vendor keys. `text:` is taken to be last, so everything
 * after it (spaces and colons included) is the text. Fails only when neither `id` nor `stat` is
 * present, i.e. this is not a receipt.
 */
export function parseReceiptText(input: string): ParseReceiptResult {
  const raw = new Map<ReceiptKey, string>();
  const matches = [...input.matchAll(KEY_PATTERN)];
  for (let i = 0; i < matches.length; i++) {
    const match = matches[i];
    if (match === undefined) continue;
    const key = keyOf(match[1] ?? '');
    const valueStart = match.index + match[0].length;
    if (key === 'text') {
      if (!raw.has('text')) raw.set('text', input.slice(valueStart).trim());
      break;
    }
    const valueEnd = matches[i + 1]?.index ?? input.length;
    // Values other than text never contain spaces, so the first token is the
    // value: an unknown vendor key after it ("mccmnc:310260") is not glued on.
    const value = input.slice(valueStart, valueEnd).trim().split(/\s+/u)[0] ?? '';
    // First occurrence wins: a repeated key is a vendor bug, not an update.
    if (!raw.has(key)) raw.set(key, value);
  }

  if (!raw.has('id') && !raw.has('stat')) {
    return { ok: false, reason: 'not-a-receipt', detail: 'neither id: nor stat: found' };
  }

  const warnings: string[] = [];
  const receipt: {
    -readonly [K in keyof ParsedReceiptText]: ParsedReceiptText[K];
  } = { warnings };

  const id = raw.get('id');
  if (id !== undefined) {
    if (id.length > 0) receipt.id = id;
    else warnings.push('id is empty');
  }
  for (const key of ['sub', 'dlvrd'] as const) {
    const value = raw.get(key);
    if (value === undefined) continue;
    if (/^\d+$/.test(value)) receipt[key] = Number(value);
    else warnings.push(`${key} is not a number: ${JSON.stringify(value)}`);
  }
  for (const key of ['submitDate', 'doneDate'] as const) {
    const value = raw.get(key);
    if (value === undefined) continue;
    const date = parseReceiptDate(value);
    if (date) receipt[key] = date;
    else warnings.push(`${key} is not a YYMMDDhhmm[ss] date: ${JSON.stringify(value)}`);
  }
  const stat = raw.get('stat');
  if (stat !== undefined && stat.length > 0) {
    receipt.stat = stat.toUpperCase();
    const state = stateForStat(stat);
    if (state === undefined) warnings.push(`unknown stat ${JSON.stringify(stat)}`);
    else receipt.state = state;
  }
  const err = raw.get('err');
  if (err !== undefined && err.length > 0) receipt.err = err;
  const text = raw.get('text');
  if (text !== undefined) receipt.text = text;

  return { ok: true, receipt };
}
