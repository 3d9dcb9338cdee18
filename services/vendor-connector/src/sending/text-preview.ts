import type { MtBody } from '@smpp-gateway/contracts';
import { decodeText, parseUdh } from '@smpp-gateway/smpp';

const UDHI = 0x40;
const PREVIEW_CHARS = 20;

/**
 * The receipt's `text:` field: the first 20 characters of the customer's
 * text as the customer's data_coding reads it (GSM 03.38 for 0x00 in our
 * gateway), without the UDH. Binary or undecodable content gives ''.
 */
export function textPreview(
  mt: Pick<MtBody, 'shortMessage' | 'messagePayload' | 'dataCoding' | 'esmClass'>,
): string {
  const payload = mt.messagePayload ? Buffer.from(mt.messagePayload, 'base64') : undefined;
  let bytes: Buffer =
    payload && payload.length > 0 ? payload : Buffer.from(mt.shortMessage, 'base64');
  if (bytes !== payload && (mt.esmClass & UDHI) !== 0) {
    const udh = parseUdh(bytes);
    if (!udh.ok) return '';
    bytes = udh.payload;
  }
  const decoded = decodeText(bytes, mt.dataCoding, { defaultAlphabet: 'gsm7', lenient: true });
  if (!decoded.ok) return '';
  // The contract counts UTF-16 units; cut by code point so a pair is never halved.
  let preview = '';
  for (const char of decoded.text) {
    if (preview.length + char.length > PREVIEW_CHARS) break;
    preview += char;
  }
  return preview;
}
