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
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

export const UTC_RECEIPT_TIME_ZONE: ReceiptTimeZone = {
  name: 'UTC',
  toInstant: (wall) => wall,
};

function fixedOffset(name: string, sign: string, hours: string, minutes: string) {
  const h = Number(hours);
  const m = Number(minutes);
  // Real offsets run from -12:00 to +14:00.
  if (m > 59 || h > 14 || (h === 14 && m > 0) || (sign === '-' && h > 12)) return undefined;
  const offsetMs = (sign === '-' ? -1 : 1) * (h * 60 + m) * MINUTE_MS;
  const zone: ReceiptTimeZone = {
    name,
    toInstant: (wall) => new Date(wall.getTime() - offsetMs),
  };
  return zone;
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
  const offset = OFFSET.exec(name);
  if (offset) {
    const zone = fixedOffset(name, offset[1] ?? '+', offset[2] ?? '', offset[3] ?? '');
    return zone
      ? { ok: true, zone }
      : { ok: false, reason: `'${name}' is not an offset between -12:00 and +14:00` };
  }
  const zone = ianaZone(name);
  return zone
    ? { ok: true, zone }
    : {
        ok: false,
        reason: `'${name}' is not a time zone: use an IANA name such as Europe/Berlin, or an offset such as +05:30`,
      };
}
