import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GSM7_EXTENSION_CHARS,
  decodeGsm7,
  encodeGsm7,
  encodeGsm7Lossy,
  gsm7SeptetCount,
  gsm7Unencodable,
  isGsm7Encodable,
} from './gsm7.codec.js';

// TS 23.038 default alphabet written as Unicode code points (independent of
// the glyph table in the source), index = septet; 0x1B (ESC) is null.
const DEFAULT_CODE_POINTS: readonly (number | null)[] = [
  0x40, 0xa3, 0x24, 0xa5, 0xe8, 0xe9, 0xf9, 0xec, 0xf2, 0xc7, 0x0a, 0xd8, 0xf8, 0x0d, 0xc5, 0xe5,
  0x394, 0x5f, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e, null, 0xc6, 0xe6, 0xdf, 0xc9,
  0x20, 0x21, 0x22, 0x23, 0xa4, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
  0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
  0xa1, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
  0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0xc4, 0xd6, 0xd1, 0xdc, 0xa7,
  0xbf, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
  0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0xe4, 0xf6, 0xf1, 0xfc, 0xe0,
]; // prettier-ignore

const EXTENSION_VECTORS: readonly [string, number][] = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function encodeOk(text: string): Buffer {
  const result = encodeGsm7(text);
  if (!result.ok)
    throw new Error(`unexpectedly unencodable: ${JSON.stringify(result.unencodable)}`);
  return result.bytes;
}

const ALL_GSM_CHARS: string[] = [
  ...DEFAULT_CODE_POINTS.filter((cp): cp is number => cp !== null).map((cp) =>
    String.fromCodePoint(cp),
  ),
  ...EXTENSION_VECTORS.map(([char]) => char),
];
const gsmText = fc
  .array(fc.constantFrom(...ALL_GSM_CHARS), { maxLength: 400, size: 'max' })
  .map((c) => c.join(''));

describe('GSM 03.38 encode', () => {
  it.each(
    DEFAULT_CODE_POINTS.flatMap((cp, septet) =>
      cp === null ? [] : [[septet, String.fromCodePoint(cp)] as const],
    ),
  )('septet %i ⇄ %j', (septet, char) => {
    expect([...encodeOk(char)]).toEqual([septet]);
    expect(decodeGsm7(Uint8Array.of(septet))).toEqual({ ok: true, text: char });
  });

  it.each(EXTENSION_VECTORS)('extension %j is ESC + %i and costs 2 septets', (char, code) => {
    expect([...encodeOk(char)]).toEqual([0x1b, code]);
    expect(gsm7SeptetCount(char)).toBe(2);
    expect(decodeGsm7(Uint8Array.of(0x1b, code))).toEqual({ ok: true, text: char });
  });

  it('exports exactly the extension characters', () => {
    expect([...GSM7_EXTENSION_CHARS].sort()).toEqual(EXTENSION_VECTORS.map(([c]) => c).sort());
  });

  it.each([
    ['@£$¥', '00010203'],
    ['@', '00'],
    ['Hello @ world', '48656c6c6f200020776f726c64'],
    ['€10 [x]', '1b653130201b3c781b3e'],
    ['a\fb', '611b0a62'],
    ['ΔΦΓΛΩΠΨΣΘΞ', '1012131415161718191a'],
    ['', ''],
  ])('%j → %s', (text, expected) => {
    expect(hex(encodeOk(text))).toBe(expected);
    expect(decodeGsm7(Buffer.from(expected, 'hex'))).toEqual({ ok: true, text });
  });

  it('keeps @ (0x00) through a round trip, including runs of it', () => {
    const bytes = encodeOk('@@x@');
    expect(hex(bytes)).toBe('00007800');
    expect(decodeGsm7(bytes)).toEqual({ ok: true, text: '@@x@' });
  });

  it.each([
    ['ç', [{ char: 'ç', index: 0 }]], // only capital Ç (0x09) is in the table
    ['a`b', [{ char: '`', index: 1 }]],
    ['hi 😀!', [{ char: '😀', index: 3 }]],
    ['Привет', [...'Привет'].map((char, index) => ({ char, index }))],
    ['x\u00a0y€', [{ char: '\u00a0', index: 1 }]],
  ])('reports unencodable characters in %j', (text, expected) => {
    expect(isGsm7Encodable(text)).toBe(false);
    expect(gsm7SeptetCount(text)).toBe(-1);
    expect(gsm7Unencodable(text)).toEqual(expected);
    expect(encodeGsm7(text)).toEqual({ ok: false, unencodable: expected });
  });

  it('never turns characters into ? unless asked, and then only with the given replacement', () => {
    expect(encodeGsm7('ok ✓').ok).toBe(false);
    expect(hex(encodeGsm7Lossy('a😀b✓', '?'))).toBe(hex(encodeOk('a?b?')));
    expect(hex(encodeGsm7Lossy('a😀', '€'))).toBe('611b65');
    expect(() => encodeGsm7Lossy('x', '✓')).toThrow(RangeError);
    expect(() => encodeGsm7Lossy('x', '')).toThrow(RangeError);
  });

  it('counts extension characters as two septets', () => {
    expect(gsm7SeptetCount('{}[]~|^\\€\f')).toBe(20);
    expect(gsm7SeptetCount('a'.repeat(160))).toBe(160);
  });
});

describe('GSM 03.38 decode', () => {
  it('shows the default character for an undefined extension code (TS 23.038)', () => {
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x41))).toEqual({ ok: true, text: 'A' });
  });

  it('shows a space for ESC ESC and for a trailing lone ESC', () => {
    expect(decodeGsm7(Uint8Array.of(0x41, 0x1b, 0x1b, 0x42))).toEqual({ ok: true, text: 'A B' });
    expect(decodeGsm7(Uint8Array.of(0x41, 0x1b))).toEqual({ ok: true, text: 'A ' });
  });

  it('rejects octets above 0x7F (not septets) unless lenient', () => {
    expect(decodeGsm7(Uint8Array.of(0x41, 0xe9))).toEqual({
      ok: false,
      reason: 'invalid-septet',
      offset: 1,
    });
    expect(decodeGsm7(Uint8Array.of(0x1b, 0x80))).toEqual({
      ok: false,
      reason: 'invalid-septet',
      offset: 1,
    });
    expect(decodeGsm7(Uint8Array.of(0x41, 0xe9, 0x1b, 0x80), true)).toEqual({
      ok: true,
      text: 'A\ufffd\ufffd',
    });
  });

  it('decodes a slice of a larger buffer without reading outside it', () => {
    const pdu = Buffer.from('ff00010203ff', 'hex');
    expect(decodeGsm7(pdu.subarray(1, 5))).toEqual({ ok: true, text: '@£$¥' });
  });
});

describe('GSM 03.38 properties', () => {
  it('encode → decode is the identity for GSM-encodable text', () => {
    fc.assert(
      fc.property(gsmText, (text) => {
        const bytes = encodeOk(text);
        expect(bytes.length).toBe(gsm7SeptetCount(text));
        expect(bytes.every((b) => b <= 0x7f)).toBe(true);
        expect(decodeGsm7(bytes)).toEqual({ ok: true, text });
      }),
    );
  });

  it('decode → encode is the identity for septet streams without reserved sequences', () => {
    const validSeptets = fc
      .array(
        fc.oneof(
          fc
            .integer({ min: 0, max: 0x7f })
            .filter((s) => s !== 0x1b)
            .map((s) => [s]),
          fc.constantFrom(...EXTENSION_VECTORS.map(([, code]) => [0x1b, code])),
        ),
      )
      .map((chunks) => Uint8Array.from(chunks.flat()));
    fc.assert(
      fc.property(validSeptets, (bytes) => {
        const decoded = decodeGsm7(bytes);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(hex(encodeOk(decoded.text))).toBe(hex(bytes));
      }),
    );
  });

  it('any string: encodable iff nothing reported, and every report points at the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        const bad = gsm7Unencodable(text);
        expect(isGsm7Encodable(text)).toBe(bad.length === 0);
        for (const { char, index } of bad)
          expect(text.slice(index, index + char.length)).toBe(char);
      }),
    );
  });
});
