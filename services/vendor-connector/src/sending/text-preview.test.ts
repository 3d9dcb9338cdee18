import { describe, expect, it } from 'vitest';
import { textPreview } from './text-preview.js';

const b64 = (b: Buffer) => b.toString('base64');

describe('textPreview', () => {
  it('takes the first 20 characters of GSM text', () => {
    const text = Buffer.from('Hello world, this is a long message', 'latin1');
    expect(textPreview({ shortMessage: b64(text), dataCoding: 0, esmClass: 0 })).toBe(
      'Hello world, this is',
    );
  });

  it('skips the UDH and reads UCS2 without splitting a surrogate pair', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x01]);
    const text = `${'x'.repeat(19)}😀tail`;
    const body = Buffer.from(text, 'utf16le').swap16();
    const preview = textPreview({
      shortMessage: b64(Buffer.concat([udh, body])),
      dataCoding: 8,
      esmClass: 0x40,
    });
    expect(preview).toBe('x'.repeat(19));
  });

  it('is empty for binary content', () => {
    expect(
      textPreview({ shortMessage: b64(Buffer.from([1, 2])), dataCoding: 4, esmClass: 0 }),
    ).toBe('');
  });
});
