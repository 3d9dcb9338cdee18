import { describe, expect, it } from 'vitest';
import { normalizeAddress, type Address } from './address.normalizer.js';

const rules = { defaultCountryCode: '1', nationalNumberLength: 10 };
const dest = (addr: string, ton: number, npi = 1): Address => ({ addr, ton, npi });

describe('normalizeAddress', () => {
  it.each([
    ['international digits', dest('447700900123', 1), '447700900123', 1],
    ['international with +', dest('+447700900123', 1), '447700900123', 1],
    ['national-length TON 0 gets the country code', dest('2025550123', 0), '12025550123', 1],
    ['national TON 2 with trunk zero', dest('02025550123', 2), '12025550123', 1],
    ['full number sent with TON 0', dest('447700900123', 0), '447700900123', 1],
    ['short code TON 0', dest('12345', 0), '12345', 3],
    ['network specific', dest('55555', 3), '55555', 3],
  ])('%s', (_name, input, addr, ton) => {
    const result = normalizeAddress(input, rules, 'destination');
    expect(result).toEqual({ ok: true, address: expect.objectContaining({ addr, ton }) });
  });

  it('uses the configured country code', () => {
    const result = normalizeAddress(
      dest('7700900123', 0),
      { defaultCountryCode: '44', nationalNumberLength: 10 },
      'destination',
    );
    expect(result).toMatchObject({ ok: true, address: { addr: '447700900123' } });
  });

  it.each([
    ['empty', dest('', 1)],
    ['letters in an international number', dest('44abc', 1)],
    ['too long for E.164', dest('1234567890123456', 1)],
    ['leading zero international', dest('0447700900', 1)],
    ['alphanumeric destination', dest('ACME', 5, 0)],
    ['odd national length', dest('202555012', 2)],
    ['unsupported TON', dest('123', 7)],
  ])('rejects %s', (_name, input) => {
    expect(normalizeAddress(input, rules, 'destination').ok).toBe(false);
  });

  it('keeps alphanumeric senders of at most 11 characters', () => {
    expect(normalizeAddress(dest('ACME Bank', 5, 0), rules, 'source')).toEqual({
      ok: true,
      address: { addr: 'ACME Bank', ton: 5, npi: 0 },
    });
    expect(normalizeAddress(dest('ACME Bank Ltd', 5, 0), rules, 'source').ok).toBe(false);
    expect(normalizeAddress(dest('Shop', 0, 0), rules, 'source')).toMatchObject({
      ok: true,
      address: { addr: 'Shop', ton: 5 },
    });
  });
});
