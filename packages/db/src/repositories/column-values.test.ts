import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../db-errors.js';
import {
  containsPattern,
  definedOnly,
  isCidr,
  isUuid,
  requireCidrs,
  toSafeInteger,
  toSafeIntegerOrNull,
} from './column-values.js';
import { normalizePage } from './pagination.js';

describe('toSafeInteger', () => {
  it.each([
    ['5000', 5000],
    [5000, 5000],
    [5000n, 5000],
    ['-3', -3],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ] as const)('%s → %s', (input, expected) => {
    expect(toSafeInteger(input)).toBe(expected);
  });

  it('refuses values that a double cannot hold exactly', () => {
    expect(() => toSafeInteger('9007199254740993')).toThrow(RangeError);
    expect(() => toSafeInteger(2n ** 63n - 1n)).toThrow(RangeError);
    expect(() => toSafeInteger('1.5')).toThrow(RangeError);
    expect(toSafeIntegerOrNull(null)).toBeNull();
  });
});

describe('isCidr', () => {
  it.each([
    '10.0.0.0/8',
    '127.0.0.1',
    '192.168.1.7/32',
    '0.0.0.0/0',
    '::1',
    '2001:db8::/32',
    'fe80::1/128',
  ])('accepts %s', (value) => expect(isCidr(value)).toBe(true));
  it.each([
    '',
    'localhost',
    '10.0.0.0/33',
    '10.0.0/8',
    '2001:db8::/129',
    '1.2.3.4/',
    '1.2.3.4/-1',
    '1.2.3.4/8/8',
  ])('rejects %s', (value) => expect(isCidr(value)).toBe(false));
  it('requireCidrs lists every bad entry', () => {
    expect(() => requireCidrs(['10.0.0.0/8', 'x', 'y'])).toThrow(InvalidInputError);
    expect(() => requireCidrs(['x', 'y'])).toThrow(/x, y/);
  });
});

describe('small helpers', () => {
  it('isUuid', () => {
    expect(isUuid('9b03e008-6e57-45d0-969c-801205a3f0ce')).toBe(true);
    expect(isUuid('9B03E008-6E57-45D0-969C-801205A3F0CE')).toBe(true);
    expect(isUuid('abc')).toBe(false);
    expect(isUuid("9b03e008-6e57-45d0-969c-801205a3f0ce' OR 1=1")).toBe(false);
  });

  it('containsPattern escapes LIKE wildcards', () => {
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });

  it('definedOnly drops undefined but keeps null and false', () => {
    expect(definedOnly({ a: undefined, b: null, c: false, d: 0 })).toEqual({
      b: null,
      c: false,
      d: 0,
    });
  });

  it('normalizePage clamps limit and offset', () => {
    expect(normalizePage()).toEqual({ limit: 50, offset: 0 });
    expect(normalizePage({ limit: 10_000, offset: -5 })).toEqual({ limit: 500, offset: 0 });
    expect(normalizePage({ limit: 0 })).toEqual({ limit: 1, offset: 0 });
    expect(normalizePage({ limit: Number.NaN, offset: Number.NaN })).toEqual({
      limit: 50,
      offset: 0,
    });
  });
});
