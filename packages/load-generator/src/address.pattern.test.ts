import { describe, expect, it } from 'vitest';
import { AddressSource, parseAddressPattern } from './address.pattern.js';

describe('parseAddressPattern', () => {
  it('expands a range keeping its width, sequentially and wrapping', () => {
    const pattern = parseAddressPattern('1555000{0000-9999}');
    expect(pattern.size).toBe(10_000);
    expect(pattern.at(0)).toBe('15550000000');
    expect(pattern.at(42)).toBe('15550000042');
    expect(pattern.at(10_000)).toBe('15550000000');
    const source = new AddressSource(pattern, 'sequential');
    expect([source.take(), source.take()]).toEqual(['15550000000', '15550000001']);
  });

  it('combines several ranges like an odometer', () => {
    const pattern = parseAddressPattern('1{1-2}0{05-06}');
    expect(Array.from({ length: 5 }, (_, i) => pattern.at(i))).toEqual([
      '11005',
      '11006',
      '12005',
      '12006',
      '11005',
    ]);
  });

  it('stays inside the range when random', () => {
    const source = new AddressSource(parseAddressPattern('1666{10-19}'), 'random');
    for (let i = 0; i < 200; i++) expect(source.take()).toMatch(/^16661\d$/);
  });

  it.each(['', '{9-1}', '1{2-3', '123456789012345678901{0-9}'])('rejects %j', (pattern) => {
    expect(() => parseAddressPattern(pattern)).toThrow(RangeError);
  });
});
