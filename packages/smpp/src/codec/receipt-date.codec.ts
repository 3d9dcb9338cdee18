// Receipt dates: YYMMDDhhmm (SMPP 3.4 Appendix B) or YYMMDDhhmmss, read and
// written as UTC fields. SMPP says nothing about the time zone: a parsed
// date is the writer's wall clock, which the vendor's declared zone turns
// into an instant (receipt-time-zone.ts); the gateway writes its own
// receipts to customers in UTC.

export type ReceiptDateDigits = 10 | 12;

function two(value: number): string {
  return value.toString().padStart(2, '0');
}

/** Formats `date` (UTC) as YYMMDDhhmm or YYMMDDhhmmss. */
export function formatReceiptDate(date: Date, digits: ReceiptDateDigits = 10): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('receipt date is an invalid Date');
  const base =
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes());
  return digits === 12 ? base + two(date.getUTCSeconds()) : base;
}

/**
 * Parses YYMMDDhhmm, YYMMDDhhmmss, or YYYYMMDDhhmmss (seen from a few
 * vendors; unambiguous by length) as UTC. Two-digit years are 20YY. Returns
 * undefined for anything else, including impossible dates like 31 February.
 */
export function parseReceiptDate(value: string): Date | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  let year: number;
  let rest: string;
  if (value.length === 10 || value.length === 12) {
    year = 2000 + Number(value.slice(0, 2));
    rest = value.slice(2);
  } else if (value.length === 14) {
    year = Number(value.slice(0, 4));
    rest = value.slice(4);
  } else {
    return undefined;
  }
  const month = Number(rest.slice(0, 2));
  const day = Number(rest.slice(2, 4));
  const hour = Number(rest.slice(4, 6));
  const minute = Number(rest.slice(6, 8));
  const second = rest.length > 8 ? Number(rest.slice(8, 10)) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 Feb into March (and years 0-99 into the 1900s): any
  // field that changed means the input was not a real date.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    return undefined;
  }
  return date;
}
