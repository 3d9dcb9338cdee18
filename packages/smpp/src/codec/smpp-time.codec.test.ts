import { describe, expect, it } from 'vitest';
import { formatSmppAbsoluteTime, parseSmppTime, resolveSmppTime } from './smpp-time.codec.js';

const at = (iso: string) => new Date(iso);

describe('parseSmppTime', () => {
  it('reads an absolute UTC time, tenths included', () => {
    expect(parseSmppTime('261127093015300+')).toEqual({
      kind: 'absolute',
      at: at('2026-11-27T09:30:15.300Z'),
    });
  });

  it("applies the offset: '+' is ahead of UTC, '-' behind, in quarter hours", () => {
    // 10:30 local at UTC+01:00 (04 quarter hours) is 09:30 UTC.
    expect(parseSmppTime('261127103000004+')).toMatchObject({ at: at('2026-11-27T09:30:00Z') });
    // 04:30 local at UTC-05:00 (20 quarter hours) is 09:30 UTC.
    expect(parseSmppTime('261127043000020-')).toMatchObject({ at: at('2026-11-27T09:30:00Z') });
    // India, UTC+05:30 (22 quarter hours).
    expect(parseSmppTime('261127150000022+')).toMatchObject({ at: at('2026-11-27T09:30:00Z') });
  });

  it('reads a relative time', () => {
    expect(parseSmppTime('000102030405000R')).toEqual({
      kind: 'relative',
      years: 0,
      months: 1,
      days: 2,
      hours: 3,
      minutes: 4,
      seconds: 5,
    });
  });

  it.each([
    ['', 'empty'],
    ['26112709301530+', 'too short'],
    ['2611270930153000+', 'too long'],
    ['26112709301530a+', 'not a digit'],
    ['261127093015300*', 'bad direction'],
    ['261327093015300+', 'month 13'],
    ['261100093015300+', 'day 0'],
    ['260231093015300+', '31 February'],
    ['261127243015300+', 'hour 24'],
    ['261127096015300+', 'minute 60'],
    ['261127093060300+', 'second 60'],
    ['261127093015357+', 'offset beyond 14 h'],
    ['000001000000100R', 'relative with tenths'],
    ['000001000000010R', 'relative with an offset'],
  ])('refuses %j (%s)', (value) => {
    expect(parseSmppTime(value)).toBeUndefined();
  });
});

describe('resolveSmppTime', () => {
  const accepted = at('2026-01-31T12:00:00Z');

  it('counts a relative time from the reference', () => {
    expect(resolveSmppTime('000000013000000R', accepted)).toEqual(at('2026-01-31T13:30:00Z'));
    expect(resolveSmppTime('000002000000000R', accepted)).toEqual(at('2026-02-02T12:00:00Z'));
    expect(resolveSmppTime('010000000000000R', accepted)).toEqual(at('2027-01-31T12:00:00Z'));
    // Hours past 23 and the like carry over.
    expect(resolveSmppTime('000000480000000R', accepted)).toEqual(at('2026-02-02T12:00:00Z'));
  });

  it('ignores the reference for an absolute time', () => {
    expect(resolveSmppTime('261127093015300+', accepted)).toEqual(at('2026-11-27T09:30:15.300Z'));
  });

  it('is undefined for what is not an SMPP time', () => {
    expect(resolveSmppTime('tomorrow', accepted)).toBeUndefined();
  });
});

describe('formatSmppAbsoluteTime', () => {
  it('round-trips through parseSmppTime to the tenth of a second', () => {
    const date = at('2026-11-27T09:30:15.378Z');
    expect(formatSmppAbsoluteTime(date)).toBe('261127093015300+');
    expect(parseSmppTime(formatSmppAbsoluteTime(date))).toEqual({
      kind: 'absolute',
      at: at('2026-11-27T09:30:15.300Z'),
    });
  });
});
