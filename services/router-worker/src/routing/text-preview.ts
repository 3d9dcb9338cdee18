// The receipt's `text:` field: the first 20 characters of what the customer
// sent. Decoded for display only (lenient), never re-encoded.
import { decodeText, parseUdh } from '@smpp-gateway/smpp';

export const PREVIEW_LENGTH = 20;
const UDHI = 0x40;

export function textPreview(input: {
  readonly esmClass: number;
  readonly dataCoding: number;
  /** base64 */
  readonly shortMessage: string;
  /** base64 */
  readonly messagePayload?: string | undefined;
}): string {
  let bytes: Buffer = Buffer.from(input.messagePayload ?? input.shortMessage, 'base64');
  if ((input.esmClass & UDHI) !== 0) {
    const udh = parseUdh(bytes);
    if (!udh.ok) return '';
    bytes = udh.payload;
  }
  const decoded = decodeText(bytes, input.dataCoding, { lenient: true });
  if (!decoded.ok) return '';
  // The contract limits UTF-16 units; do not leave half a surrogate pair.
  let preview = decoded.text.slice(0, PREVIEW_LENGTH);
  const last = preview.charCodeAt(preview.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) preview = preview.slice(0, -1);
  return preview;
}
