import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeText,
  decodeTextAs,
  encodeText,
  isEncodable,
  unencodableChars,
} from './text.codec.js';
import type { TextAlphabet } from './data-coding.decoder.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function encodeOk(text: string, alphabet: TextAlphabet): Buffer {
  const result = encodeText(text, alphabet);
  if (!result.ok)
    throw new Error(`unencodable in ${alphabet}: ${JSON.stringify(result.unencodable)}`);
  return result.bytes;
}

describe('encodeText / decodeText vectors', () => {
  it.each<[TextAlphabet, number, string, string]>([
    ['gsm7', 0x00, '@£$¥ €', '00010203201b65'],
    ['ia5', 0x01, 'Hi {x}~', '4869207b787d7e'],
    ['latin1', 0x03, 'Café crème à Zürich ©', '436166e9206372e86d6520e0205afc7269636820a9'],
    ['latin1', 0x03, 'Ñandú ¿qué? ÿ', 'd1616e64fa20bf7175e93f20ff'],
    ['ucs2', 0x08, 'Hi', '00480069'],
    ['ucs2', 0x08, 'Привет', '041f04400438043204350442'],
    ['ucs2', 0x08, '😀', 'd83dde00'],
    ['ucs2', 0x08, 'a👍🏽b', '0061d83ddc4dd83cdffd0062'],
    ['ucs2', 0x08, '𝄞 clef', 'd834dd1e00200063006c00650066'],
    ['ucs2', 0x08, '中文', '4e2d6587'],
  ])('%s (data_coding %i): %j ⇄ %s', (alphabet, dcs, text, expected) => {
    expect(hex(encodeOk(text, alphabet))).toBe(expected);
    expect(decodeText(Buffer.from(expected, 'hex'), dcs)).toEqual({ ok: true, alphabet, text });
  });

  it.each<[TextAlphabet, string, { char: string; index: number }[]]>([
    ['ia5', 'naïve', [{ char: 'ï', index: 2 }]],
    ['ia5', 'x😀', [{ char: '😀', index: 1 }]],
    ['latin1', 'price €5', [{ char: '€', index: 6 }]],
    [
      'latin1',
      'ok 😀 Ω',
      [
        { char: '😀', index: 3 },
        { char: 'Ω', index: 6 },
      ],
    ],
    ['ucs2', 'bad \ud83d here', [{ char: '\ud83d', index: 4 }]],
    [
      'ucs2',
      '\ude00 reversed \ude00\ud83d',
      [
        { char: '\ude00', index: 0 },
        { char: '\ude00', index: 11 },
        { char: '\ud83d', index: 12 },
      ],
    ],
  ])('%s reports what it cannot carry in %j', (alphabet, text, expected) => {
    expect(isEncodable(text, alphabet)).toBe(false);
    expect(unencodableChars(text, alphabet)).toEqual(expected);
    expect(encodeText(text, alphabet)).toEqual({ ok: false, unencodable: expected });
  });

  it('is lossy only with an explicit replacement that the alphabet can carry', () => {
    expect(encodeText('€5 😀', 'latin1', { replacement: '?' })).toEqual({
      ok: true,
      bytes: Buffer.from('?5 ?', 'latin1'),
    });
    expect(encodeText('a\ud83d', 'ucs2', { replacement: '\ufffd' })).toEqual({
      ok: true,
      bytes: Buffer.from('0061fffd', 'hex'),
    });
    expect(encodeText('{x}✓', 'gsm7', { replacement: '?' })).toEqual({
      ok: true,
      bytes: Buffer.from('1b28781b293f', 'hex'),
    });
    expect(() => encodeText('€', 'latin1', { replacement: '€' })).toThrow(RangeError);
    expect(() => encodeText('€', 'ia5', { replacement: '' })).toThrow(RangeError);
  });

  it('fails a UCS2 payload with an odd byte count instead of crashing', () => {
    expect(decodeText(Buffer.from('004800', 'hex'), 0x08)).toEqual({
      ok: false,
      reason: 'odd-length-ucs2',
      offset: 2,
    });
    expect(decodeText(Buffer.from('004800', 'hex'), 0x08, { lenient: true })).toEqual({
      ok: true,
      alphabet: 'ucs2',
      text: 'H\ufffd',
    });
  });

  it('does not modify the caller buffer when decoding UCS2', () => {
    const pdu = Buffer.from('ff00480069ff', 'hex');
    expect(decodeText(pdu.subarray(1, 5), 0x08)).toEqual({
      ok: true,
      alphabet: 'ucs2',
      text: 'Hi',
    });
    expect(hex(pdu)).toBe('ff00480069ff');
  });

  it('rejects IA5 octets above 0x7F unless lenient', () => {
    expect(decodeText(Buffer.from('41e9', 'hex'), 0x01)).toEqual({
      ok: false,
      reason: 'invalid-ia5',
      offset: 1,
    });
    expect(decodeText(Buffer.from('41e9', 'hex'), 0x01, { lenient: true })).toEqual({
      ok: true,
      alphabet: 'ia5',
      text: 'A\ufffd',
    });
  });

  it('reads data_coding 0x00 as the alphabet the caller names', () => {
    const bytes = Buffer.from('40e9', 'hex');
    expect(decodeText(bytes, 0x00, { defaultAlphabet: 'latin1' })).toEqual({
      ok: true,
      alphabet: 'latin1',
      text: '@é',
    });
    expect(decodeText(bytes, 0x00)).toEqual({ ok: false, reason: 'invalid-septet', offset: 1 });
    expect(decodeText(Buffer.from('00', 'hex'), 0x00)).toEqual({
      ok: true,
      alphabet: 'gsm7',
      text: '@',
    });
  });

  it.each([
    [0x02, 'binary'],
    [0x04, 'binary'],
    [0xf6, 'binary'],
    [0x05, 'unsupported-alphabet'],
    [0x0e, 'unsupported-alphabet'],
    [0x24, 'compressed'],
  ] as const)('data_coding %i yields no text (%s): the bytes stay untouched', (dcs, reason) => {
    const bytes = Buffer.from('00ff1b80', 'hex');
    expect(decodeText(bytes, dcs)).toEqual({ ok: false, reason });
    expect(hex(bytes)).toBe('00ff1b80');
  });

  it('decodes GSM coding-group values by their alphabet bits, not the low nibble', () => {
    expect(decodeText(Buffer.from('0048', 'hex'), 0x18)).toEqual({
      ok: true,
      alphabet: 'ucs2',
      text: 'H',
    });
    expect(decodeText(Buffer.from('0001', 'hex'), 0x11)).toEqual({
      ok: true,
      alphabet: 'gsm7',
      text: '@£',
    });
    expect(decodeText(Buffer.from('1b65', 'hex'), 0xf1)).toEqual({
      ok: true,
      alphabet: 'gsm7',
      text: '€',
    });
    expect(decodeText(Buffer.from('20ac', 'hex'), 0xe8)).toEqual({
      ok: true,
      alphabet: 'ucs2',
      text: '€',
    });
  });

  it('accepts a pre-decoded data_coding description', () => {
    expect(decodeTextAs(Buffer.from('e9', 'hex'), 'latin1')).toEqual({
      ok: true,
      alphabet: 'latin1',
      text: 'é',
    });
  });
});

describe('text codec properties', () => {
  it('UCS2 round-trips any well-formed string, astral plane included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200, size: 'max' }), (text) => {
        const bytes = encodeOk(text, 'ucs2');
        expect(bytes.length % 2).toBe(0);
        expect(decodeText(bytes, 0x08)).toEqual({ ok: true, alphabet: 'ucs2', text });
      }),
    );
  });

  it('UCS2 byte length is twice the UTF-16 length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (text) => {
        expect(encodeOk(text, 'ucs2').length).toBe(text.length * 2);
      }),
    );
  });

  it('Latin-1 round-trips every string of U+0000-U+00FF', () => {
    const latin1 = fc.string({
      unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
    });
    fc.assert(
      fc.property(latin1, (text) => {
        const bytes = encodeOk(text, 'latin1');
        expect(bytes.length).toBe(text.length);
        expect(decodeText(bytes, 0x03)).toEqual({ ok: true, alphabet: 'latin1', text });
      }),
    );
  });

  it('IA5 round-trips every ASCII string', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary-ascii' }).filter((t) => isEncodable(t, 'ia5')),
        (text) => {
          expect(decodeText(encodeOk(text, 'ia5'), 0x01)).toEqual({
            ok: true,
            alphabet: 'ia5',
            text,
          });
        },
      ),
    );
  });

  it('any octets decode as Latin-1 and re-encode to the same octets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeText(bytes, 0x03);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(hex(encodeOk(decoded.text, 'latin1'))).toBe(hex(bytes));
      }),
    );
  });

  it('decoding arbitrary octets never throws, whatever the data_coding', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 0xff }),
        (bytes, dcs) => {
          const result = decodeText(bytes, dcs);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });
});
