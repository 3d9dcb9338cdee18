import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseEncoding } from './encoding.chooser.js';
import type { ChooseEncodingOptions } from './encoding.chooser.js';
import { decodeText } from './text.codec.js';

const GSM_DEFAULT: ChooseEncodingOptions = { defaultAlphabet: 'gsm7' };
const GSM_OR_LATIN1: ChooseEncodingOptions = { defaultAlphabet: 'gsm7', allowLatin1: true };
const LATIN1_DEFAULT: ChooseEncodingOptions = { defaultAlphabet: 'latin1' };

describe('chooseEncoding', () => {
  it.each<[string, ChooseEncodingOptions, string, number, string, number]>([
    ['Hello @ £5', GSM_DEFAULT, 'gsm7', 0x00, '48656c6c6f2000200135', 1],
    ['{€}', GSM_DEFAULT, 'gsm7', 0x00, '1b281b651b29', 1],
    ['Café ç', GSM_DEFAULT, 'ucs2', 0x08, '00430061006600e9002000e7', 1],
    ['Café ç', GSM_OR_LATIN1, 'latin1', 0x03, '436166e920e7', 1],
    ['Café ç', LATIN1_DEFAULT, 'latin1', 0x00, '436166e920e7', 1],
    ['Hi 😀', GSM_OR_LATIN1, 'ucs2', 0x08, '004800690020d83dde00', 1],
    ['Привет', LATIN1_DEFAULT, 'ucs2', 0x08, '041f04400438043204350442', 1],
  ])('%j with %j → %s (data_coding %i)', (text, options, alphabet, dataCoding, hex, segments) => {
    const chosen = chooseEncoding(text, options);
    expect(chosen).toMatchObject({ ok: true, alphabet, dataCoding, segments });
    expect(chosen.ok && chosen.bytes.toString('hex')).toBe(hex);
  });

  it('prefers GSM over Latin-1 at equal cost', () => {
    expect(chooseEncoding('plain text', GSM_OR_LATIN1)).toMatchObject({
      alphabet: 'gsm7',
      dataCoding: 0,
    });
  });

  it('picks Latin-1 over GSM when escape pairs would cost an extra segment', () => {
    const braces = '{'.repeat(100); // 200 septets = 2 GSM segments, 100 octets = 1 Latin-1 segment
    expect(chooseEncoding(braces, GSM_OR_LATIN1)).toMatchObject({
      alphabet: 'latin1',
      segments: 1,
    });
    expect(chooseEncoding(braces, GSM_DEFAULT)).toMatchObject({ alphabet: 'gsm7', segments: 2 });
  });

  it('counts segments with the caller method', () => {
    const text = 'a'.repeat(305);
    expect(chooseEncoding(text, GSM_DEFAULT)).toMatchObject({ segments: 2 });
    expect(chooseEncoding(text, { ...GSM_DEFAULT, method: 'udh16' })).toMatchObject({
      segments: 3,
    });
  });

  it('reports a string that has no exact encoding (lone surrogate)', () => {
    expect(chooseEncoding('x\ud800', GSM_OR_LATIN1)).toEqual({
      ok: false,
      reason: 'unencodable',
      unencodable: [{ char: '\ud800', index: 1 }],
    });
  });

  it('always decodes back to the exact text with its data_coding', () => {
    // Weighted so every candidate wins sometimes: mostly GSM, some Latin-1, rarely anything.
    const char = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '@', ' ', '{', '€', 'é', 'Ç') },
      { weight: 2, arbitrary: fc.constantFrom('ç', 'ÿ', '©', '`', 'õ') },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    );
    const text = fc.oneof(
      fc.array(fc.constantFrom('a', '{', '€', ' '), { maxLength: 400, size: 'max' }),
      fc.array(char, { maxLength: 200, size: 'max' }),
      fc.array(char, { maxLength: 20 }),
    );
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        text.map((chars) => chars.join('')),
        fc.constantFrom(GSM_DEFAULT, GSM_OR_LATIN1, LATIN1_DEFAULT),
        (text, options) => {
          const chosen = chooseEncoding(text, options);
          expect(chosen.ok).toBe(true);
          if (!chosen.ok) return;
          seen.add(chosen.alphabet);
          const decoded = decodeText(chosen.bytes, chosen.dataCoding, {
            defaultAlphabet: options.defaultAlphabet,
          });
          expect(decoded).toEqual({ ok: true, alphabet: chosen.alphabet, text });
        },
      ),
      { numRuns: 300 },
    );
    expect([...seen].sort()).toEqual(['gsm7', 'latin1', 'ucs2']);
  });
});
