import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  keysMeetingReadings,
  messageIdCandidates,
  messageIdKeys,
  normalizeMessageId,
} from './message-id.normalizer.js';
import type { MessageIdFormat } from './message-id.normalizer.js';

describe('normalizeMessageId', () => {
  it.each<[string, MessageIdFormat, string]>([
    ['0A1B2C', 'hex', 'a1b2c'],
    ['0x00ff', 'hex', 'ff'],
    ['0000', 'hex', '0'],
    ['a1b2c', 'hex', 'a1b2c'],
    ['660220', 'decimal', 'a12fc'],
    ['000660220', 'decimal', 'a12fc'],
    ['0', 'decimal', '0'],
    ['18446744073709551615', 'decimal', 'ffffffffffffffff'], // beyond Number precision
    ['3F2504E0-4F89-11D3-9A0C-0305E82C3301', 'uuid', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
    ['{3f2504e0-4f89-11d3-9a0c-0305e82c3301}', 'uuid', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
    ['3F2504E04F8911D39A0C0305E82C3301', 'uuid', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
    ['AbC-123', 'raw', 'AbC-123'],
    ['  id-7\0', 'raw', 'id-7'],
  ])('%j as %s → %j', (id, format, expected) => {
    expect(normalizeMessageId(id, format)).toBe(expected);
  });

  it.each<[string, MessageIdFormat, string]>([
    ['abc', 'decimal', 'abc'],
    ['xyz', 'hex', 'xyz'],
    ['not-a-uuid', 'uuid', 'not-a-uuid'],
  ])(
    'returns an id that does not match its format cleaned but unchanged: %j as %s',
    (id, format, expected) => {
      expect(normalizeMessageId(id, format)).toBe(expected);
    },
  );

  it.each([
    // Vendor resp id (hex) and receipt id (decimal) of the same message.
    ['hex in resp, decimal in receipt', ['4A3F0C', 'hex'], ['4865804', 'decimal']],
    ['case changes', ['ab12CD', 'hex'], ['AB12cd', 'hex']],
    ['leading zeros stripped', ['000000ab12', 'hex'], ['ab12', 'hex']],
    ['decimal with leading zeros', ['0000123', 'decimal'], ['123', 'decimal']],
    [
      'uuid case and hyphens',
      ['3F2504E0-4F89-11D3-9A0C-0305E82C3301', 'uuid'],
      ['3f2504e04f8911d39a0c0305e82c3301', 'uuid'],
    ],
  ] as const)(
    '%s: both sides give the same key',
    (_label, [respId, respFormat], [receiptId, receiptFormat]) => {
      expect(normalizeMessageId(respId, respFormat)).toBe(
        normalizeMessageId(receiptId, receiptFormat),
      );
    },
  );

  describe("'auto' mode", () => {
    it.each([
      ['4A3F0C', '4a3f0c'], // has a letter: hex
      ['0x1F', '1f'],
      ['4865804', '4a3f0c'], // all digits: DECIMAL (the documented rule)
      ['3F2504E0-4F89-11D3-9A0C-0305E82C3301', '3f2504e0-4f89-11d3-9a0c-0305e82c3301'],
      ['msg_AbC', 'msg_AbC'], // neither: raw, case kept
    ])('%j → %j', (id, expected) => {
      expect(normalizeMessageId(id, 'auto')).toBe(expected);
    });

    it('matches hex-with-letters in the resp to decimal in the receipt', () => {
      expect(normalizeMessageId('4A3F0C', 'auto')).toBe(normalizeMessageId('4865804', 'auto'));
    });

    it('cannot tell an all-digit hex id from a decimal one: the known ambiguity', () => {
      // resp "12345" is hex (0x12345 = 74565); the receipt says 74565 in decimal.
      expect(normalizeMessageId('12345', 'auto')).not.toBe(normalizeMessageId('74565', 'auto'));
      // The candidates still meet.
      const resp = messageIdCandidates('12345');
      const receipt = messageIdCandidates('74565');
      expect(resp.filter((key) => receipt.includes(key))).toEqual(['12345']);
    });
  });

  it('does not spend BigInt time on absurdly long "ids"', () => {
    const long = '9'.repeat(10_000);
    expect(normalizeMessageId(long, 'decimal')).toBe(long);
    expect(messageIdCandidates(long)).toEqual([long]);
  });
});

describe('messageIdCandidates', () => {
  it.each([
    ['012345', ['3039', '12345', '012345']],
    ['00A1f', ['a1f', '00A1f']],
    ['AbC_9', ['AbC_9']],
    [
      '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
      [
        '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
        '3f2504e04f8911d39a0c0305e82c3301',
        '3F2504E0-4F89-11D3-9A0C-0305E82C3301',
      ],
    ],
  ])('%j → %j', (id, expected) => {
    expect(messageIdCandidates(id)).toEqual(expected);
  });

  it('starts with the auto key and has no duplicates', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (id) => {
        const candidates = messageIdCandidates(id);
        expect(candidates[0]).toBe(normalizeMessageId(id, 'auto'));
        expect(new Set(candidates).size).toBe(candidates.length);
      }),
    );
  });

  it('a number written in hex and in decimal always shares a candidate', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 128n }),
        fc.nat({ max: 4 }),
        fc.boolean(),
        (n, zeros, upper) => {
          const hexId = '0'.repeat(zeros) + (upper ? n.toString(16).toUpperCase() : n.toString(16));
          const decimalId = n.toString(10);
          const shared = messageIdCandidates(hexId).filter((k) =>
            messageIdCandidates(decimalId).includes(k),
          );
          expect(shared).toContain(n.toString(16));
        },
      ),
    );
  });
});

describe('messageIdKeys', () => {
  it('with explicit formats on both sides gives one exact key and no guesses', () => {
    // Hex in submit_sm_resp, decimal in the receipt: both land on the same key.
    const resp = messageIdKeys('00003039', 'hex', 'decimal');
    const receipt = messageIdKeys('12345', 'decimal', 'hex');
    expect(resp).toEqual({ exact: '3039', candidates: [] });
    expect(receipt).toEqual({ exact: '3039', candidates: [] });
    // An all-digit hex id is never read as decimal when the format says hex.
    expect(messageIdKeys('12345', 'hex', 'hex')).toEqual({ exact: '12345', candidates: [] });
  });

  it("adds the other readings when either side is 'auto', never repeating the exact key", () => {
    const keys = messageIdKeys('012345', 'auto', 'auto');
    expect(keys.exact).toBe('3039');
    expect(keys.candidates).toEqual(['12345', '012345']);
    expect(messageIdKeys('012345', 'hex', 'auto')).toEqual({
      exact: '12345',
      candidates: ['3039', '012345'],
    });
  });
});

describe('keysMeetingReadings', () => {
  it("finds the 'auto' key of an all-digit hex resp id from its decimal receipt", () => {
    // 0x12345678 = 305419896; 'auto' keyed the resp as decimal: "bc614e".
    expect(normalizeMessageId('12345678', 'auto')).toBe('bc614e');
    expect(keysMeetingReadings('305419896')).toContain('bc614e');
    expect(keysMeetingReadings('305419896')).toEqual(
      expect.arrayContaining(messageIdCandidates('305419896')),
    );
  });

  it("holds whatever key the resp side got, for every number, base, padding and 'auto' side", () => {
    const sides: [MessageIdFormat, MessageIdFormat][] = [
      ['auto', 'auto'],
      ['hex', 'auto'],
      ['auto', 'decimal'],
    ];
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 96n }),
        fc.nat({ max: 3 }),
        fc.boolean(),
        fc.constantFrom(...sides),
        fc.boolean(),
        (n, zeros, upper, [hexFormat, decimalFormat], respInHex) => {
          const hexId = '0'.repeat(zeros) + (upper ? n.toString(16).toUpperCase() : n.toString(16));
          const decimalId = n.toString(10);
          // The resp in one base, the receipt in the other.
          const [resp, respFormat, receipt, receiptFormat] = respInHex
            ? [hexId, hexFormat, decimalId, decimalFormat]
            : [decimalId, decimalFormat, hexId, hexFormat];
          const archived = normalizeMessageId(resp, respFormat);
          const searched = [
            normalizeMessageId(receipt, receiptFormat),
            receipt,
            ...keysMeetingReadings(receipt),
          ];
          expect(searched).toContain(archived);
        },
      ),
    );
  });
});
