// SMPP time fields (SMPP 3.4 §7.1.1): schedule_delivery_time and
// validity_period. 16 characters:
//   absolute  YYMMDDhhmmss t nn p   p '+' / '-': local time is nn quarter hours
//                                   ahead of / behind UTC
//   relative  YYMMDDhhmmss 000R     years, months, days, ... from "now"
// (The 17th octet on the wire is the C-string's NUL.)

export type SmppTime =
  | { readonly kind: 'absolute'; readonly at: Date }
  | {
      readonly kind: 'relative';
      readonly years: number;
      readonly months: number;
      readonly days: number;
      readonly hours: number;
      readonly minutes: number;
      readonly seconds: number;
    };

const FORMAT = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/;
/** Largest UTC offset SMPP can express that exists: UTC+14:00 = 56 quarter hours. */
const MAX_QUARTER_HOURS = 56;
const QUARTER_HOUR_MS = 15 * 60_000;

/**
 * Parses an SMPP time, or undefined when it is not one: wrong length or
 * characters, a month, day, hour, minute or second out of range (31 February
 * included), an offset beyond ±14 h, a relative time with its reserved
 * "000" not zero.
 */
export function parseSmppTime(value: string): SmppTime | undefined {
  const m = FORMAT.exec(value);
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss, tenths, nn, p] = m
    .slice(1)
    .map((part, i) => (i === 8 ? part : Number(part))) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    string,
  ];
  if (p === 'R') {
    if (tenths !== 0 || nn !== 0) return undefined;
    return {
      kind: 'relative',
      years: yy,
      months: mo,
      days: dd,
      hours: hh,
      minutes: mi,
      seconds: ss,
    };
  }
  if (mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59) return undefined;
  if (nn > MAX_QUARTER_HOURS) return undefined;
  // Two-digit years: SMPP 3.4 predates 2000 being in doubt; 00–99 → 2000–2099.
  const localMs = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, tenths * 100);
  const local = new Date(localMs);
  if (local.getUTCDate() !== dd) return undefined; // 31 February, 31 April, ...
  const offsetMs = nn * QUARTER_HOUR_MS * (p === '+' ? 1 : -1);
  return { kind: 'absolute', at: new Date(localMs - offsetMs) };
}

/**
 * The instant an SMPP time names, counting a relative one from `reference`
 * (the moment the SMSC accepted the message): calendar arithmetic in UTC, so
 * "one month" from 31 January is 3 March in a common year, like Date does.
 * Undefined when it is not an SMPP time.
 */
export function resolveSmppTime(value: string, reference: Date): Date | undefined {
  const time = parseSmppTime(value);
  if (!time) return undefined;
  if (time.kind === 'absolute') return time.at;
  const at = new Date(reference.getTime());
  at.setUTCFullYear(
    at.getUTCFullYear() + time.years,
    at.getUTCMonth() + time.months,
    at.getUTCDate() + time.days,
  );
  at.setUTCHours(
    at.getUTCHours() + time.hours,
    at.getUTCMinutes() + time.minutes,
    at.getUTCSeconds() + time.seconds,
  );
  return at;
}

/** `date` as an absolute SMPP time in UTC (offset 00, '+'), to the tenth of a second. */
export function formatSmppAbsoluteTime(date: Date): string {
  const two = (n: number) => n.toString().padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    Math.floor(date.getUTCMilliseconds() / 100).toString() +
    '00+'
  );
}
