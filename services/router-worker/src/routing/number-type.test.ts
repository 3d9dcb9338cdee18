import { describe, expect, it } from 'vitest';
import { classifySource, isUsNumber } from './number-type.js';

describe('classifySource', () => {
  it.each([
    ['15125550100', 1, '10dlc'],
    ['17875550100', 1, '10dlc'], // Puerto Rico is US
    ['14165550100', 1, 'intl'], // Toronto: NANP but not US
    ['18765550100', 1, 'intl'], // Jamaica
    ['18885550100', 1, 'tollfree'],
    ['18335550100', 1, 'tollfree'],
    ['12345', 3, 'shortcode'],
    ['876543', 0, 'shortcode'],
    ['447700900123', 1, 'intl'],
    ['ACME', 5, 'alphanumeric'],
    ['Shop24', 0, 'alphanumeric'],
    ['11235550100', 1, 'intl'], // NPA cannot start with 1
  ] as const)('%s (ton %d) is %s', (addr, ton, expected) => {
    expect(classifySource(addr, ton)).toBe(expected);
  });

  it('US numbers exclude toll-free and non-US NANP', () => {
    expect(isUsNumber('15125550100')).toBe(true);
    expect(isUsNumber('18005550100')).toBe(false);
    expect(isUsNumber('16045550100')).toBe(false);
    expect(isUsNumber('5125550100')).toBe(false); // not E.164
  });
});
