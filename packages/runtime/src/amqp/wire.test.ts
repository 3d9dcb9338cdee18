import { describe, expect, it } from 'vitest';
import { decodeBody, HEADERS, truncateReason } from './wire.js';

const body = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('decodeBody', () => {
  it('reads a single message, with or without the contract header', () => {
    expect(
      decodeBody(body({ a: 1 }), { [HEADERS.contract]: 'MtSubmitted' }, 'MtSubmitted'),
    ).toEqual({
      kind: 'single',
      value: { a: 1 },
    });
    expect(decodeBody(body({ a: 1 }), undefined, 'MtSubmitted')).toEqual({
      kind: 'single',
      value: { a: 1 },
    });
  });

  it('unpacks a batch', () => {
    expect(decodeBody(body([{ a: 1 }, { a: 2 }]), { [HEADERS.batch]: 2 }, 'MtSubmitted')).toEqual({
      kind: 'batch',
      items: [{ a: 1 }, { a: 2 }],
    });
  });

  it.each([
    ['invalid JSON', Buffer.from('{nope'), {}, /not valid JSON/],
    [
      'another contract',
      body({}),
      { [HEADERS.contract]: 'VendorReceipt' },
      /'VendorReceipt' does not match/,
    ],
    ['a batch header on a non-array', body({}), { [HEADERS.batch]: 3 }, /not an array/],
    ['empty body', Buffer.alloc(0), {}, /not valid JSON/],
  ])('rejects %s with a reason', (_, content, headers, reason) => {
    const decoded = decodeBody(content, headers, 'MtSubmitted');
    expect(decoded.kind).toBe('invalid');
    expect(decoded.kind === 'invalid' && decoded.reason).toMatch(reason);
  });
});

describe('truncateReason', () => {
  it('keeps short reasons and bounds long ones', () => {
    expect(truncateReason('short')).toBe('short');
    const long = truncateReason('x'.repeat(5_000));
    expect(long).toHaveLength(1_000);
    expect(long.endsWith('…')).toBe(true);
  });
});
