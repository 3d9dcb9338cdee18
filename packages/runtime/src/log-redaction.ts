// What must never reach a log line: credentials, message content, full phone
// numbers. Applied to every field of every line, at any depth, by the logger.

const SENSITIVE_KEY_PARTS = [
  'password',
  'passwd',
  'secret',
  'token',
  'authorization',
  'apikey',
  'privatekey',
  'accesskey',
  'cookie',
  'credential',
] as const;

/** Keys whose values are message content (SMS text or an HTTP body): keep only the length. */
const TEXT_KEYS = new Set(['text', 'shortmessage', 'messagepayload', 'body', 'textpreview']);

/** Keys whose values are phone numbers (or SMPP addresses holding one). */
const PHONE_KEYS = new Set([
  'source',
  'dest',
  'destination',
  'sourceaddr',
  'destinationaddr',
  'destaddr',
  'msisdn',
  'number',
  'addr',
]);

/**
 * A destination prefix for a log line or an error text: a short one names a
 * range (a country, an operator's block) and is shown whole; one of seven
 * digits or more may be somebody's whole number (an opted-out subscriber
 * blocked by name) and is masked like one.
 */
export function maskLongPrefix(prefix: string): string {
  return prefix.length >= 7 ? maskPhone(prefix) : prefix;
}

const MAX_DEPTH = 8;

export const REDACTED = '[REDACTED]';

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

export function isSensitiveKey(key: string): boolean {
  const k = normaliseKey(key);
  return SENSITIVE_KEY_PARTS.some((part) => k.includes(part));
}

/**
 * Keeps the country-code-ish first four and the last two digits:
 * `15551234567` → `1555*****67`. A leading `+` is kept; short values (short
 * codes, alphanumeric senders) keep only their last two characters.
 */
export function maskPhone(value: string): string {
  const plus = value.startsWith('+') ? '+' : '';
  const body = plus ? value.slice(1) : value;
  if (body.length >= 7) {
    return `${plus}${body.slice(0, 4)}${'*'.repeat(body.length - 6)}${body.slice(-2)}`;
  }
  if (body.length > 2) return `${plus}${'*'.repeat(body.length - 2)}${body.slice(-2)}`;
  return `${plus}${'*'.repeat(body.length)}`;
}

const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/gi;

/** `amqp://user:pass@host` → `amqp://user:***@host`, anywhere in a string (error messages, stacks). */
export function maskUrlCredentials(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_CREDENTIALS, '$1:***@');
}

function textLength(value: unknown): string {
  if (typeof value === 'string') return `[REDACTED len=${value.length}]`;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return `[REDACTED len=${value.byteLength}]`;
  return REDACTED;
}

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: unknown;
}

function serializeError(err: Error, depth: number, seen: WeakSet<object>): SerializedError {
  const out: SerializedError = { type: err.name, message: maskUrlCredentials(err.message) };
  if (err.stack) out.stack = maskUrlCredentials(err.stack);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (err.cause !== undefined) out.cause = redactValue(err.cause, depth + 1, seen);
  return out;
}

function redactPhoneValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return maskPhone(value);
  if (typeof value === 'number' || typeof value === 'bigint') return maskPhone(String(value));
  // An SMPP address object: its `addr` is masked by the recursion.
  return redactValue(value, depth, seen);
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || value === undefined) return value;
  switch (typeof value) {
    case 'string':
      return maskUrlCredentials(value);
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return `[Bytes len=${value.byteLength}]`;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Error) return serializeError(value, depth, seen);
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
    if (value instanceof Map)
      return redactObject(Object.fromEntries(value as Map<string, unknown>), depth, seen);
    if (value instanceof Set) return [...value].map((v) => redactValue(v, depth + 1, seen));
    return redactObject(value as Record<string, unknown>, depth, seen);
  } finally {
    // Only ancestors count as cycles; the same object twice side by side is fine.
    seen.delete(value);
  }
}

function redactObject(
  obj: Readonly<Record<string, unknown>>,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    out[key] = redactEntry(key, obj[key], depth + 1, seen);
  }
  return out;
}

function redactEntry(key: string, value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === undefined || value === null) return value;
  if (isSensitiveKey(key)) return REDACTED;
  const k = normaliseKey(key);
  if (TEXT_KEYS.has(k)) return textLength(value);
  if (PHONE_KEYS.has(k)) return redactPhoneValue(value, depth, seen);
  return redactValue(value, depth, seen);
}

/** A redacted deep copy of log fields; the input is never mutated. */
export function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redactObject(fields, 0, new WeakSet());
}
