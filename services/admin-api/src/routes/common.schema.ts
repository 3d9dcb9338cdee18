// Building blocks shared by the resource schemas. Request schemas are strict
// objects: an unknown field (a typo such as `pasword`, or a read-only field
// such as `id`) is a 400, never silently ignored.
import { isCidr, MAX_PAGE_LIMIT, sourcePatternProblem } from '@smpp-gateway/db';
import { z } from 'zod';

/** Any 8-4-4-4-12 hex id (PostgreSQL's uuid accepts every version). */
export const Uuid = z.guid({ error: 'must be a UUID' });

export const IdParams = z.strictObject({ id: Uuid });

export const Timestamp = z.iso.datetime({ offset: true });

/** `?flag=true|false` */
export const QueryBoolean = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((v) => v === 'true');

export const pagination = {
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1)
    .max(MAX_PAGE_LIMIT)
    .default(50)
    .describe(`Page size, 1-${MAX_PAGE_LIMIT}`),
  offset: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0)
    .max(1_000_000)
    .default(0)
    .describe('Rows to skip'),
};

/** Every list answers with one page: the items, how many match in total, and the window. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().min(0),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}

/** A cursor-paged search's answer: the items and the cursor of the next page. */
export function cursorPageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next: z.string().nullable().describe('Cursor of the next page; null on the last'),
  });
}

/**
 * A message id as SMPP carries it (ours, an MO part's, a vendor's): at most
 * 64 characters (message_id is a C-Octet String of 65 octets with its NUL),
 * printable and without spaces (a receipt's text ends the id at a space).
 */
export function messageIdString(describe: string) {
  return z
    .string()
    .regex(/^[!-~]{1,64}$/, 'must be 1-64 printable ASCII characters')
    .describe(describe);
}

/** `:id` of a message (ours, or an MO part's): what the logs and the answers show. */
export function messageIdParams(describe: string) {
  return z.strictObject({ id: messageIdString(describe) });
}

/** An address filter of a message search (SMPP addresses are at most 21 characters). */
export const AddressFilter = z.string().min(1).max(21);

export interface PageView<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export function mapPage<A, B>(
  page: { items: A[]; total: number; limit: number; offset: number },
  view: (item: A) => B,
): PageView<B> {
  return { items: page.items.map(view), total: page.total, limit: page.limit, offset: page.offset };
}

export const Digits15 = z.string().regex(/^[0-9]{0,15}$/, 'must be 0-15 digits');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code');
export const Micros = z
  .number()
  .int('must be an integer')
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Money in micro-units of the currency (1 = 0.000001)');
export const Cidr = z.string().refine(isCidr, 'must be an IP address or CIDR');
/**
 * An allowed source of a customer (a sender ID): an exact number (E.164
 * digits without '+', or a short code), a number range (digits and a
 * trailing '*'), or an exact alphanumeric sender (case-sensitive). The
 * message says what is wrong with a refused one (the repository's rules).
 */
export const SourcePattern = z.string().superRefine((value, ctx) => {
  const problem = sourcePatternProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * SMPP 3.4 carries the password of a bind as a C-Octet String of at most 9
 * octets with the NUL: anything longer cannot be sent or received.
 */
export const SMPP_PASSWORD_MAX = 8;

export const Accepted = z
  .object({
    accepted: z.literal(true),
    commands: z.array(z.string()).describe('Control commands announced on smpp.control'),
  })
  .meta({ id: 'Accepted' });

export function iso(date: Date): string {
  return date.toISOString();
}

export function isoOrNull(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

/**
 * A `[from, to)` query window: `to` defaults to now, `from` to
 * `defaultFrom(to)`; refused (as an issue on `from`) when empty or wider
 * than `maxMs`, so a query only scans what it may.
 */
export function queryWindow(
  raw: { readonly from?: string | undefined; readonly to?: string | undefined },
  ctx: z.RefinementCtx,
  limits: {
    readonly defaultFrom: (to: Date) => Date;
    readonly maxMs: number;
    readonly tooWide: string;
  },
): { from: Date; to: Date } {
  const to = raw.to !== undefined ? new Date(raw.to) : new Date();
  const from = raw.from !== undefined ? new Date(raw.from) : limits.defaultFrom(to);
  if (from >= to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before `to`' });
  if (to.getTime() - from.getTime() > limits.maxMs) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: limits.tooWide });
  }
  return { from, to };
}

/**
 * The opaque page cursor of a search over a time window: the last row's time
 * and id, and the window's start, so a search paged with the default window
 * ("the last 24 h") keeps the window of its first page instead of sliding
 * with the clock.
 */
export interface WindowCursor {
  readonly at: Date;
  readonly id: string;
  readonly from: Date;
}

export function encodeWindowCursor(cursor: WindowCursor): string {
  return Buffer.from(
    JSON.stringify([cursor.at.toISOString(), cursor.id, cursor.from.toISOString()]),
    'utf8',
  ).toString('base64url');
}

/** undefined for anything `encodeWindowCursor` did not produce. */
export function decodeWindowCursor(text: string): WindowCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [at, id, start] = value as unknown[];
    if (typeof at !== 'string' || typeof id !== 'string' || typeof start !== 'string') {
      return undefined;
    }
    const atDate = new Date(at);
    const from = new Date(start);
    if (Number.isNaN(atDate.getTime()) || Number.isNaN(from.getTime())) return undefined;
    return { at: atDate, id, from };
  } catch {
    return undefined;
  }
}

/** The `cursor` query parameter of a paged window search. */
export const windowCursorParam = z
  .string()
  .max(200)
  .optional()
  .describe(
    "`next` of the previous page (it keeps the first page's window start); the filters must stay the same",
  );

/** The widest window one search may scan (the customer's rows in it are read, then filtered). */
const SEARCH_MAX_WINDOW_MS = 31 * 24 * 60 * 60 * 1000;
const SEARCH_DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The window and cursor of a per-customer search (messages, MO parts):
 * default the 24 h before `to`, at most 31 days, a cursor keeps its first
 * page's window start; a cursor this API did not return is an issue on
 * `cursor`.
 */
export function searchWindow(
  q: {
    readonly from?: string | undefined;
    readonly to?: string | undefined;
    readonly cursor?: string | undefined;
  },
  ctx: z.RefinementCtx,
): { from: Date; to: Date; after: WindowCursor | undefined } {
  const after = q.cursor !== undefined ? decodeWindowCursor(q.cursor) : undefined;
  const { from, to } = queryWindow(q, ctx, {
    defaultFrom: (end) => after?.from ?? new Date(end.getTime() - SEARCH_DEFAULT_WINDOW_MS),
    maxMs: SEARCH_MAX_WINDOW_MS,
    tooWide: 'the window may span at most 31 days',
  });
  if (q.cursor !== undefined && after === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['cursor'],
      message: 'is not a cursor this API returned',
    });
  return { from, to, after };
}
