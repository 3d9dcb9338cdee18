// Picks the data_coding for text the gateway itself has to encode (receipts
// for customers, text from the admin API, alphabet conversion for a vendor).

import { unitForAlphabet } from './data-coding.decoder.js';
import type { DefaultAlphabet, SegmentUnit, TextAlphabet } from './data-coding.decoder.js';
import { countSegments } from './segment.splitter.js';
import type { ConcatMethod } from './segment.splitter.js';
import type { UnencodableChar } from './gsm7.codec.js';
import { encodeText } from './text.codec.js';

export const DataCoding = {
  SMSC_DEFAULT: 0x00,
  IA5: 0x01,
  BINARY: 0x02,
  LATIN1: 0x03,
  BINARY_ALT: 0x04,
  UCS2: 0x08,
} as const;

export interface ChooseEncodingOptions {
  /** What data_coding 0x00 means to the peer. */
  readonly defaultAlphabet: DefaultAlphabet;
  /**
   * Allow Latin-1 as data_coding 0x03 (many SMSCs mishandle it, so off by
   * default). When the peer's default alphabet is Latin-1 it is used as 0x00
   * regardless.
   */
  readonly allowLatin1?: boolean;
  /** Concatenation the caller will use; decides per-part limits. */
  readonly method?: ConcatMethod;
}

export interface ChosenEncoding {
  readonly alphabet: TextAlphabet;
  readonly dataCoding: number;
  readonly bytes: Buffer;
  readonly unit: SegmentUnit;
  readonly segments: number;
}

export type ChooseEncodingResult =
  | ({ readonly ok: true } & ChosenEncoding)
  | {
      readonly ok: false;
      readonly reason: 'unencodable';
      readonly unencodable: readonly UnencodableChar[];
    };

/**
 * The cheapest exact encoding of `text`: fewest segments, and on a tie the
 * first of default alphabet (GSM 7-bit normally), Latin-1 (only if allowed),
 * UCS2. Fewest segments matters because extension characters cost GSM two
 * septets: 100 × '{' is 2 GSM segments but 1 Latin-1 segment. UCS2 carries
 * any well-formed string; only a lone UTF-16 surrogate (possible in a JS
 * string, never in real text) leaves no exact encoding.
 */
export function chooseEncoding(text: string, options: ChooseEncodingOptions): ChooseEncodingResult {
  const method = options.method ?? 'udh8';
  const candidates: { alphabet: TextAlphabet; dataCoding: number }[] = [
    { alphabet: options.defaultAlphabet, dataCoding: DataCoding.SMSC_DEFAULT },
  ];
  if (options.defaultAlphabet !== 'latin1' && options.allowLatin1 === true) {
    candidates.push({ alphabet: 'latin1', dataCoding: DataCoding.LATIN1 });
  }
  candidates.push({ alphabet: 'ucs2', dataCoding: DataCoding.UCS2 });

  let best: ChosenEncoding | undefined;
  let lastFailure: readonly UnencodableChar[] = [];
  for (const { alphabet, dataCoding } of candidates) {
    const encoded = encodeText(text, alphabet);
    if (!encoded.ok) {
      lastFailure = encoded.unencodable;
      continue;
    }
    const unit = unitForAlphabet(alphabet);
    const segments = countSegments(encoded.bytes, unit, method);
    if (best === undefined || segments < best.segments) {
      best = { alphabet, dataCoding, bytes: encoded.bytes, unit, segments };
    }
    if (best.segments === 1) break;
  }
  return best === undefined
    ? { ok: false, reason: 'unencodable', unencodable: lastFailure }
    : { ok: true, ...best };
}
