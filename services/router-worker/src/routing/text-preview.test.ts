import { describe, expect, it } from 'vitest';
import { textPreview } from './text-preview.js';

const b64 = (bytes: Buffer | string, encoding: BufferEncoding = 'latin1') =>
  (typeof bytes === 'string' ? Buffer.from(bytes, encoding) : bytes).toString('base64');
const ucs2 = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('textPreview', () => {
  it.each([
    [
      'GSM7 (unpacked septets) cut at 20',
      0x00,
      b64('Hello world, this is a long text'),
      undefined,
      0,
      'Hello world, this is',
    ],
    ['Latin-1', 0x03, b64('café'), undefined, 0, 'café'],
    ['UCS2', 0x08, b64(ucs2('Привет')), undefined, 0, 'Привет'],
    ['binary is not text', 0x04, b64(Buffer.from([1, 2, 3])), undefined, 0, ''],
    [
      'message_payload wins over an empty short_message',
      0x00,
      '',
      b64('from payload'),
      0,
      'from payload',
    ],
    [
      'UDH is stripped before decoding',
      0x00,
      b64(Buffer.concat([Buffer.from([5, 0, 3, 7, 2, 1]), Buffer.from('part one')])),
      undefined,
      0x40,
      'part one',
    ],
    ['malformed UDH gives no preview', 0x00, b64(Buffer.from([9, 0])), undefined, 0x40, ''],
  ] as const)('%s', (_label, dataCoding, shortMessage, messagePayload, esmClass, expected) => {
    expect(textPreview({ esmClass, dataCoding, shortMessage, messagePayload })).toBe(expected);
  });

  it('never ends on half a surrogate pair (the limit counts UTF-16 units)', () => {
    const text = `${'a'.repeat(19)}😀tail`;
    const preview = textPreview({ esmClass: 0, dataCoding: 0x08, shortMessage: b64(ucs2(text)) });
    expect(preview).toBe('a'.repeat(19));
    expect(preview.length).toBeLessThanOrEqual(20);
  });
});
