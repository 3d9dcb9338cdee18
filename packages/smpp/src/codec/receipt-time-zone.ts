// The clock a vendor writes its receipt dates in. SMPP 3.4 gives `submit
// date:` and `done date:` no time zone, and many carriers write their own
// local time: read as UTC, a receipt from a carrier at UTC+8 would be done
// eight hours after we received it. Each vendor therefore declares its
// zone (an IANA name, which follows daylight saving time, or a fixed offset
// such as +05:30); the parser reads the digits as a wall clock
// (parseReceiptDate: the Date's UTC fields hold the digits) and this turns
// that wall clock into the instant it meant.

export interface ReceiptTimeZone {
  /** As declared (trimmed): what the admin API shows back. */
  readonly name: string;
  /** The instant the wall clock `wall` (its UTC fields hold the digits) meant in this zone. */
  toInstant(wall: Date): Date;
}

export type ReceiptTimeZoneResult =
  | { readonly ok: true; readonly zone: ReceiptTimeZone }
  | { readonly ok: false; readonly reason: string };

const MINUTE_MS = 60_000;

/**
 * How far a receipt's done date may lie from our clock (after the receipt
 * arrived, or before the message was submitted) before it is taken for a
 * wrong time zone rather than minute precision or clock drift: the
 * connector and the tracker count such receipts against the vendor.
 */
export const RECEIPT_CLOCK_TOLERANCE_MS = 5 * MINUTE_MS;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

export const UTC_RECEIPT_TIME_ZONE: ReceiptTimeZone = {
  name: 'UTC',
  toInstant: (wall) => wall,
};

/**
 * A fixed offset from UTC, `+HH:MM` or `-HH:MM` (also `+HHMM`), in minutes
 * east of UTC; undefined for anything else or beyond the offsets in use
 * (-12:00 to +14:00). Also the simulator's `--receipt-utc-offset`.
 */
export function parseUtcOffsetMinutes(text: string): number | undefined {
  const match = OFFSET.exec(text.trim());
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3]);
  const total = hours * 60 + minutes;
  if (minutes > 59 || total > (match[1] === '-' ? 12 * 60 : 14 * 60)) return undefined;
  return match[1] === '-' ? -total : total;
}

function fixedOffset(name: string, offsetMinutes: number): ReceiptTimeZone {
  const offsetMs = offsetMinutes * MINUTE_MS;
  return { name, toInstant: (wall) => new Date(wall.getTime() - offsetMs) };
}

function ianaZone(name: string): ReceiptTimeZone | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  /** The zone's offset from UTC at `instantMs`, in ms (wall clock minus UTC). */
  const offsetAt = (instantMs: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(instantMs))) {
      if (part.type !== 'literal') parts[part.type] = Number(part.value);
    }
    const wallMs = Date.UTC(
      parts['year'] ?? 1970,
      (parts['month'] ?? 1) - 1,
      parts['day'] ?? 1,
      parts['hour'] ?? 0,
      parts['minute'] ?? 0,
      parts['second'] ?? 0,
    );
    return wallMs - Math.floor(instantMs / 1000) * 1000;
  };
  // Offsets change only at whole minutes, and receipts arrive in time order
  // with dates mostly to the minute: the last minute's offset serves nearly
  // every receipt (formatToParts costs microseconds, twice per date).
  let cachedMinute = Number.NaN;
  let cachedOffset = 0;
  return {
    name,
    toInstant: (wall) => {
      const wallMs = wall.getTime();
      const minute = Math.floor(wallMs / MINUTE_MS);
      if (minute !== cachedMinute) {
        // The offset is a function of the instant, which is what we look
        // for: take the offset at the wall clock read as UTC, then at the
        // instant that gives. Two steps settle every wall clock but the hour
        // a daylight-saving change skips or repeats, where the result is one
        // of the two readings an hour apart: the receipt's own digits cannot
        // say which, and either is within the hour.
        const start = minute * MINUTE_MS;
        cachedOffset = offsetAt(start - offsetAt(start));
        cachedMinute = minute;
      }
      return new Date(wallMs - cachedOffset);
    },
  };
}

/**
 * Reads a vendor's declared receipt time zone: an IANA name (`UTC`,
 * `Europe/Berlin`, `America/Sao_Paulo`, `Etc/GMT-3`; case as Intl accepts
 * it) or a fixed offset `+HH:MM` / `-HH:MM` (also `+HHMM`).
 */
export function parseReceiptTimeZone(value: string): ReceiptTimeZoneResult {
  const name = value.trim();
  if (name.length === 0 || name.length > 64) {
    return { ok: false, reason: 'must be 1 to 64 characters' };
  }
  if (OFFSET.test(name)) {
    const minutes = parseUtcOffsetMinutes(name);
    return minutes === undefined
      ? { ok: false, reason: `'${name}' is not an offset between -12:00 and +14:00` }
      : { ok: true, zone: fixedOffset(name, minutes) };
  }
  const zone = ianaZone(name);
  return zone
    ? { ok: true, zone }
    : {
        ok: false,
        reason: `'${name}' is not a time zone: use an IANA name such as Europe/Berlin, or an offset such as +05:30`,
      };
}
