import { describe, expect, it } from 'vitest';
import { decodeDataCoding } from './data-coding.decoder.js';
import type { DataCodingInfo } from './data-coding.decoder.js';

type Expected = Partial<DataCodingInfo>;

describe('decodeDataCoding', () => {
  it.each<[number, Expected]>([
    [0x00, { group: 'smpp', alphabet: 'gsm7', unit: 'gsm7', unitBits: 7 }],
    [0x01, { group: 'smpp', alphabet: 'ia5', unit: 'gsm7', unitBits: 7 }],
    [0x02, { group: 'smpp', alphabet: 'binary', unit: '8bit', unitBits: 8 }],
    [0x03, { group: 'smpp', alphabet: 'latin1', unit: '8bit', unitBits: 8 }],
    [0x04, { group: 'smpp', alphabet: 'binary', unit: '8bit', unitBits: 8 }],
    [0x05, { alphabet: 'unsupported', charset: 'jis', unit: '8bit' }],
    [0x06, { alphabet: 'unsupported', charset: 'cyrillic' }],
    [0x07, { alphabet: 'unsupported', charset: 'latin-hebrew' }],
    [0x08, { group: 'smpp', alphabet: 'ucs2', unit: 'ucs2', unitBits: 16 }],
    [0x09, { alphabet: 'unsupported', charset: 'pictogram' }],
    [0x0a, { alphabet: 'unsupported', charset: 'iso-2022-jp' }],
    [0x0b, { alphabet: 'unsupported', charset: 'reserved' }],
    [0x0c, { alphabet: 'unsupported', charset: 'reserved' }],
    [0x0d, { alphabet: 'unsupported', charset: 'extended-kanji' }],
    [0x0e, { alphabet: 'unsupported', charset: 'ks-c-5601' }],
    [0x0f, { alphabet: 'unsupported', charset: 'reserved' }],
  ])('SMPP-named value %i', (dcs, expected) => {
    expect(decodeDataCoding(dcs)).toMatchObject({ dataCoding: dcs, ...expected });
  });

  it('lets the caller say what the SMSC default alphabet (0x00) is', () => {
    expect(decodeDataCoding(0x00, { defaultAlphabet: 'latin1' })).toMatchObject({
      alphabet: 'latin1',
      unit: '8bit',
    });
    expect(decodeDataCoding(0x00, { defaultAlphabet: 'ia5' })).toMatchObject({ alphabet: 'ia5' });
    expect(decodeDataCoding(0x00, { defaultAlphabet: 'gsm7' })).toMatchObject({ alphabet: 'gsm7' });
    // The parameter only affects 0x00.
    expect(decodeDataCoding(0xf0, { defaultAlphabet: 'latin1' }).alphabet).toBe('gsm7');
  });

  it.each<[number, Expected]>([
    // General data coding 00xxxxxx: bit 4 = class present, bits 3-2 alphabet.
    [0x10, { group: 'general', alphabet: 'gsm7', messageClass: 0, compressed: false }],
    [0x11, { group: 'general', alphabet: 'gsm7', messageClass: 1 }], // node-smpp says IA5
    [0x13, { group: 'general', alphabet: 'gsm7', messageClass: 3 }],
    [0x14, { group: 'general', alphabet: 'binary', messageClass: 0, unit: '8bit' }],
    [0x16, { group: 'general', alphabet: 'binary', messageClass: 2 }],
    [0x18, { group: 'general', alphabet: 'ucs2', messageClass: 0, unit: 'ucs2' }],
    [0x19, { group: 'general', alphabet: 'ucs2', messageClass: 1 }],
    [0x1c, { group: 'general', alphabet: 'unsupported', charset: 'reserved' }],
    [0x20, { group: 'general', alphabet: 'unsupported', compressed: true, unit: '8bit' }],
    [0x3a, { group: 'general', alphabet: 'unsupported', compressed: true, messageClass: 2 }],
    // 01xxxxxx: same layout, marked for automatic deletion.
    [0x40, { group: 'auto-delete', alphabet: 'gsm7', compressed: false }],
    [0x48, { group: 'auto-delete', alphabet: 'ucs2' }],
    [0x55, { group: 'auto-delete', alphabet: 'binary', messageClass: 1 }],
    // 10xxxxxx reserved.
    [0x80, { group: 'reserved', alphabet: 'unsupported', charset: 'reserved' }],
    [0xbf, { group: 'reserved', alphabet: 'unsupported' }],
    // Message waiting groups.
    [
      0xc0,
      {
        group: 'message-waiting',
        alphabet: 'gsm7',
        messageWaiting: { store: false, active: false, kind: 'voicemail' },
      },
    ],
    [
      0xd9,
      {
        group: 'message-waiting',
        alphabet: 'gsm7',
        messageWaiting: { store: true, active: true, kind: 'fax' },
      },
    ],
    [
      0xea,
      {
        group: 'message-waiting',
        alphabet: 'ucs2',
        unit: 'ucs2',
        messageWaiting: { store: true, active: true, kind: 'email' },
      },
    ],
    [0xef, { alphabet: 'ucs2', messageWaiting: { store: true, active: true, kind: 'other' } }],
    // Message class group 1111xxxx: bit 2 coding, bits 1-0 class.
    [0xf0, { group: 'message-class', alphabet: 'gsm7', messageClass: 0, unitBits: 7 }],
    [0xf1, { group: 'message-class', alphabet: 'gsm7', messageClass: 1 }],
    [0xf3, { group: 'message-class', alphabet: 'gsm7', messageClass: 3 }],
    [0xf4, { group: 'message-class', alphabet: 'binary', messageClass: 0, unitBits: 8 }],
    [0xf5, { group: 'message-class', alphabet: 'binary', messageClass: 1 }],
    [0xf7, { group: 'message-class', alphabet: 'binary', messageClass: 3 }],
    [0xfb, { group: 'message-class', alphabet: 'gsm7', messageClass: 3 }], // bit 3 reserved
  ])('GSM 03.38 coding group value %i', (dcs, expected) => {
    expect(decodeDataCoding(dcs)).toMatchObject({ dataCoding: dcs, ...expected });
  });

  it('has no class for SMPP-named values or general values without bit 4', () => {
    expect(decodeDataCoding(0x08).messageClass).toBeUndefined();
    expect(decodeDataCoding(0x2c).messageClass).toBeUndefined();
  });

  it('describes every byte with a consistent unit', () => {
    for (let dcs = 0; dcs <= 0xff; dcs++) {
      const info = decodeDataCoding(dcs);
      const bits = { gsm7: 7, '8bit': 8, ucs2: 16 }[info.unit];
      expect(info.unitBits).toBe(bits);
      expect(info.dataCoding).toBe(dcs);
    }
  });

  it.each([-1, 256, 1.5, Number.NaN])('rejects %s as a programming error', (dcs) => {
    expect(() => decodeDataCoding(dcs)).toThrow(RangeError);
  });
});
