import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReceiptDate } from './receipt-date.codec.js';
import { parseReceiptTimeZone, type ReceiptTimeZone } from './receipt-time-zone.js';

function zone(name: string): ReceiptTimeZone {
  const result = parseReceiptTimeZone(name);
  if (!result.ok) throw new Error(result.reason);
  return result.zone;
}

/** The instant a receipt's digits mean when written in `name`'s wall clock. */
function instant(name: string, digits: string): string {
  const wall = parseReceiptDate(digits);
  if (!wall) throw new Error(`not a receipt date: ${digits}`);
  return zone(name).toInstant(wall).toISOString();
}

describe('parseReceiptTimeZone', () => {
  it('reads UTC as the identity', () => {
    expect(instant('UTC', '2407151230')).toBe('2024-07-15T12:30:00.000Z');
  });

  it('follows daylight saving time in an IANA zone', () => {
    // Berlin: UTC+2 in July, UTC+1 in January.
    expect(instant('Europe/Berlin', '240715123000')).toBe('2024-07-15T10:30:00.000Z');
    expect(instant('Europe/Berlin', '240115123000')).toBe('2024-01-15T11:30:00.000Z');
    // New York: UTC-4 in July, UTC-5 in January; the date changes too.
    expect(instant('America/New_York', '2407152230')).toBe('2024-07-16T02:30:00.000Z');
    expect(instant('America/New_York', '2401152230')).toBe('2024-01-16T03:30:00.000Z');
    // Half-hour zones, and the zone names Intl accepts in any case.
    expect(instant('Asia/Kolkata', '2407151230')).toBe('2024-07-15T07:00:00.000Z');
    expect(instant('asia/kolkata', '2407151230')).toBe('2024-07-15T07:00:00.000Z');
  });

  it('settles the hours around a change of offset', () => {
    // Berlin's spring change: 02:00 local became 03:00 on 2024-03-31.
    expect(instant('Europe/Berlin', '240331015959')).toBe('2024-03-31T00:59:59.000Z');
    expect(instant('Europe/Berlin', '240331030000')).toBe('2024-03-31T01:00:00.000Z');
    // The skipped hour has no instant of its own: one of the readings an hour apart.
    expect(['2024-03-31T00:30:00.000Z', '2024-03-31T01:30:00.000Z']).toContain(
      instant('Europe/Berlin', '240331023000'),
    );
    // Autumn: 02:00-03:00 local happened twice on 2024-10-27.
    expect(['2024-10-27T00:30:00.000Z', '2024-10-27T01:30:00.000Z']).toContain(
      instant('Europe/Berlin', '241027023000'),
    );
    expect(instant('Europe/Berlin', '241027033000')).toBe('2024-10-27T02:30:00.000Z');
  });

  it('gives every second of a minute the same offset, and the next minute its own', () => {
    // One zone read many times, as a connector does: the spring change
    // between 01:59:59 and 03:00:00 Berlin time, in both directions.
    const berlin = zone('Europe/Berlin');
    const at = (digits: string) => berlin.toInstant(parseReceiptDate(digits)!).toISOString();
    expect(at('240331015900')).toBe('2024-03-31T00:59:00.000Z');
    expect(at('240331015959')).toBe('2024-03-31T00:59:59.000Z');
    expect(at('240331030000')).toBe('2024-03-31T01:00:00.000Z');
    expect(at('240331030059')).toBe('2024-03-31T01:00:59.000Z');
    expect(at('240331015930')).toBe('2024-03-31T00:59:30.000Z');
    expect(at('240715123000')).toBe('2024-07-15T10:30:00.000Z');
    expect(at('240115123000')).toBe('2024-01-15T11:30:00.000Z');
  });

  it('reads fixed offsets, with or without the colon', () => {
    expect(instant('+05:30', '2407151230')).toBe('2024-07-15T07:00:00.000Z');
    expect(instant('+0530', '2407151230')).toBe('2024-07-15T07:00:00.000Z');
    expect(instant('-03:00', '2407152230')).toBe('2024-07-16T01:30:00.000Z');
    expect(instant('+00:00', '2407151230')).toBe('2024-07-15T12:30:00.000Z');
    expect(instant('+14:00', '2407151230')).toBe('2024-07-14T22:30:00.000Z');
  });

  it('keeps the name as declared, trimmed', () => {
    expect(zone(' Europe/Berlin ').name).toBe('Europe/Berlin');
    expect(zone('+05:30').name).toBe('+05:30');
  });

  it('refuses what is not a zone, saying what would be', () => {
    for (const bad of ['Nowhere/Atlantis', 'GMT+25', '+15:00', '-13:00', '+05:60', '', ' ']) {
      const result = parseReceiptTimeZone(bad);
      expect(result.ok, bad).toBe(false);
    }
    const result = parseReceiptTimeZone('Nowhere/Atlantis');
    expect(result.ok ? '' : result.reason).toMatch(/IANA name such as Europe\/Berlin.*\+05:30/);
    expect(parseReceiptTimeZone('x'.repeat(65)).ok).toBe(false);
  });

  it('turns a wall clock into an instant whose wall clock is the same, outside the changes', () => {
    const berlin = zone('Europe/Berlin');
    const wallClock = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Berlin',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2001-01-01T00:00:00Z'),
          max: new Date('2037-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const wall = new Date(Math.floor(date.getTime() / 1000) * 1000);
          // Stay clear of the two change nights (last Sundays of March and October).
          const month = wall.getUTCMonth();
          if ((month === 2 || month === 9) && wall.getUTCDate() >= 25) return;
          const back = wallClock.format(berlin.toInstant(wall)).replace(', ', 'T');
          expect(back).toBe(wall.toISOString().slice(0, 19));
        },
      ),
    );
  });
});
