import { describe, expect, it } from 'vitest';
import { createSourceAllowList } from './source.matcher.js';

describe('createSourceAllowList', () => {
  it('allows every source when empty', () => {
    const list = createSourceAllowList([]);
    expect(list.allows('ACME')).toBe(true);
    expect(list.allows('15125550100')).toBe(true);
  });

  it('matches exact numbers and alphanumeric senders, case-sensitively', () => {
    const list = createSourceAllowList(['15125550100', 'ACME', 'Acme Bank', '12345']);
    expect(list.allows('15125550100')).toBe(true);
    expect(list.allows('ACME')).toBe(true);
    expect(list.allows('Acme Bank')).toBe(true);
    expect(list.allows('12345')).toBe(true);
    expect(list.allows('acme')).toBe(false);
    expect(list.allows('ACME BANK')).toBe(false);
    expect(list.allows('ACM')).toBe(false);
    expect(list.allows('151255501001')).toBe(false);
    expect(list.allows('1512555010')).toBe(false);
    expect(list.allows('123456')).toBe(false);
  });

  it('matches number ranges by prefix, for all-digit sources only', () => {
    const list = createSourceAllowList(['1512555*', '44*', 'ACME']);
    expect(list.allows('15125550100')).toBe(true);
    expect(list.allows('1512555')).toBe(true);
    expect(list.allows('447700900123')).toBe(true);
    expect(list.allows('15125560100')).toBe(false);
    expect(list.allows('151255')).toBe(false);
    expect(list.allows('4')).toBe(false);
    expect(list.allows('34477009001')).toBe(false);
    expect(list.allows('44BANK')).toBe(false);
    expect(list.allows('1512555X')).toBe(false);
    expect(list.allows('')).toBe(false);
  });

  it('matches a long prefix among shorter ones', () => {
    const list = createSourceAllowList(['1*', '1512555*', '3361*']);
    expect(list.allows('19995550000')).toBe(true);
    expect(list.allows('33612345678')).toBe(true);
    expect(list.allows('33712345678')).toBe(false);
    const narrow = createSourceAllowList(['151255501*', '3*']);
    expect(narrow.allows('15125550199')).toBe(true);
    expect(narrow.allows('15125550299')).toBe(false);
  });

  it('takes a star anywhere but after digits literally', () => {
    const list = createSourceAllowList(['*', 'AB*']);
    expect(list.allows('*')).toBe(true);
    expect(list.allows('AB*')).toBe(true);
    expect(list.allows('15125550100')).toBe(false);
    expect(list.allows('ABC')).toBe(false);
  });
});
