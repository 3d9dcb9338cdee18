import { describe, expect, it } from 'vitest';
import { createAllowList } from './cidr.matcher.js';

describe('createAllowList', () => {
  it('allows everyone when empty', () => {
    expect(createAllowList([]).allows('203.0.113.9')).toBe(true);
  });

  it('matches IPv4 CIDRs, single addresses and IPv4-mapped peers', () => {
    const list = createAllowList(['10.1.0.0/16', '192.0.2.7/32', '198.51.100.1']);
    expect(list.allows('10.1.200.3')).toBe(true);
    expect(list.allows('::ffff:10.1.200.3')).toBe(true);
    expect(list.allows('192.0.2.7')).toBe(true);
    expect(list.allows('198.51.100.1')).toBe(true);
    expect(list.allows('10.2.0.1')).toBe(false);
    expect(list.allows('192.0.2.8')).toBe(false);
    expect(list.allows(undefined)).toBe(false);
    expect(list.allows('garbage')).toBe(false);
  });

  it('matches IPv6 CIDRs', () => {
    const list = createAllowList(['2001:db8::/32', '::1/128']);
    expect(list.allows('2001:db8:1::5')).toBe(true);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('2001:db9::1')).toBe(false);
    expect(list.allows('127.0.0.1')).toBe(false);
  });
});
