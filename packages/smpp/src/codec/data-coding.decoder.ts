// data_coding is one byte with two overlapping definitions: SMPP 3.4 §5.2.19
// names the values 0x00-0x0E outright, and GSM 03.38 (TS 23.038) gives every
// other value a bit layout (coding groups). We read the WHOLE byte: looking at
// the low nibble alone (as node-smpp does) turns 0xF4 (8-bit data, class 0)
// into "binary" by luck and 0x18 (UCS2, class 0) into UCS2 by luck, but 0x11
// (GSM 7-bit, class 1) into IA5.

/** Alphabets we can turn into text (and back). */
export const TEXT_ALPHABETS = ['gsm7', 'ia5', 'latin1', 'ucs2'] as const;
export type TextAlphabet = (typeof TEXT_ALPHABETS)[number];

/** What the octets of short_message are. `unsupported` = a charset we do not decode. */
export type Alphabet = TextAlphabet | 'binary' | 'unsupported';

/** Width of one unit for segment limits: GSM septets, octets, or UCS2 code units. */
export type SegmentUnit = 'gsm7' | '8bit' | 'ucs2';

/** What data_coding 0x00 means for a given peer: the SMSC's default alphabet. */
export type DefaultAlphabet = 'gsm7' | 'latin1' | 'ia5';

export type MessageClass = 0 | 1 | 2 | 3;

/** SMPP-named charsets we recognise but do not decode. */
export type UnsupportedCharset =
  | 'jis'
  | 'cyrillic'
  | 'latin-hebrew'
  | 'pictogram'
  | 'iso-2022-jp'
  | 'extended-kanji'
  | 'ks-c-5601'
  | 'reserved';

export type DataCodingGroup =
  | 'smpp' // 0x00-0x0F as named by SMPP 3.4
  | 'general' // 0x10-0x3F: GSM 03.38 general data coding (00xxxxxx)
  | 'auto-delete' // 0x40-0x7F: same layout, message marked for automatic deletion
  | 'reserved' // 0x80-0xBF
  | 'message-waiting' // 0xC0-0xEF
  | 'message-class'; // 0xF0-0xFF

export interface MessageWaitingIndication {
  /** 0xC0-0xCF: the handset may discard the text; 0xD0-0xEF: store it. */
  readonly store: boolean;
  /** Bit 3: set or clear the indication. */
  readonly active: boolean;
  readonly kind: 'voicemail' | 'fax' | 'email' | 'other';
}

export interface DataCodingInfo {
  readonly dataCoding: number;
  readonly group: DataCodingGroup;
  readonly alphabet: Alphabet;
  readonly unit: SegmentUnit;
  readonly unitBits: 7 | 8 | 16;
  readonly messageClass?: MessageClass;
  /** Text is compressed (TS 23.042); we never decompress it. */
  readonly compressed?: boolean;
  readonly charset?: UnsupportedCharset;
  readonly messageWaiting?: MessageWaitingIndication;
}

export interface DecodeDataCodingOptions {
  /** What 0x00 means for this peer. Defaults to GSM 03.38. */
  readonly defaultAlphabet?: DefaultAlphabet;
}

const UNIT_BITS = { gsm7: 7, '8bit': 8, ucs2: 16 } as const satisfies Record<SegmentUnit, number>;

/** The segment unit for an alphabet (IA5 is transcoded to 7-bit on the air interface). */
export function unitForAlphabet(alphabet: Alphabet): SegmentUnit {
  switch (alphabet) {
    case 'gsm7':
    case 'ia5':
      return 'gsm7';
    case 'ucs2':
      return 'ucs2';
    case 'latin1':
    case 'binary':
    case 'unsupported':
      return '8bit';
  }
}

function info(
  dataCoding: number,
  group: DataCodingGroup,
  alphabet: Alphabet,
  extra: Partial<
    Pick<DataCodingInfo, 'messageClass' | 'compressed' | 'charset' | 'messageWaiting'>
  > = {},
): DataCodingInfo {
  const unit = unitForAlphabet(alphabet);
  return { dataCoding, group, alphabet, unit, unitBits: UNIT_BITS[unit], ...extra };
}

const SMPP_NAMED: Readonly<Record<number, { alphabet: Alphabet; charset?: UnsupportedCharset }>> = {
  0x01: { alphabet: 'ia5' },
  0x02: { alphabet: 'binary' },
  0x03: { alphabet: 'latin1' },
  0x04: { alphabet: 'binary' },
  0x05: { alphabet: 'unsupported', charset: 'jis' },
  0x06: { alphabet: 'unsupported', charset: 'cyrillic' },
  0x07: { alphabet: 'unsupported', charset: 'latin-hebrew' },
  0x08: { alphabet: 'ucs2' },
  0x09: { alphabet: 'unsupported', charset: 'pictogram' },
  0x0a: { alphabet: 'unsupported', charset: 'iso-2022-jp' },
  0x0b: { alphabet: 'unsupported', charset: 'reserved' },
  0x0c: { alphabet: 'unsupported', charset: 'reserved' },
  0x0d: { alphabet: 'unsupported', charset: 'extended-kanji' },
  0x0e: { alphabet: 'unsupported', charset: 'ks-c-5601' },
  0x0f: { alphabet: 'unsupported', charset: 'reserved' },
};

// GSM 03.38 alphabet bits (3-2) of the general and message-waiting groups.
const GSM_ALPHABET_BITS: readonly Alphabet[] = ['gsm7', 'binary', 'ucs2', 'unsupported'];
const MWI_KINDS = ['voicemail', 'fax', 'email', 'other'] as const;

// Descriptions are immutable and there are only 256 bytes × 3 defaults, so
// each is built once: decodeText runs per message on the hot path.
const DEFAULT_ALPHABETS: readonly DefaultAlphabet[] = ['gsm7', 'latin1', 'ia5'];
const CACHE: (DataCodingInfo | undefined)[] = [];

/**
 * Describes a data_coding byte. Throws RangeError for a value that is not a
 * byte: that is a programming error, not peer input.
 */
export function decodeDataCoding(
  dataCoding: number,
  options: DecodeDataCodingOptions = {},
): DataCodingInfo {
  if (!Number.isInteger(dataCoding) || dataCoding < 0 || dataCoding > 0xff) {
    throw new RangeError(`data_coding must be a byte, got ${dataCoding}`);
  }
  const defaultAlphabet = options.defaultAlphabet ?? 'gsm7';
  const key = dataCoding * DEFAULT_ALPHABETS.length + DEFAULT_ALPHABETS.indexOf(defaultAlphabet);
  const cached = CACHE[key];
  if (cached) return cached;
  const described = Object.freeze(describe(dataCoding, defaultAlphabet));
  CACHE[key] = described;
  return described;
}

function describe(dataCoding: number, defaultAlphabet: DefaultAlphabet): DataCodingInfo {
  if (dataCoding === 0x00) return info(0, 'smpp', defaultAlphabet);

  if (dataCoding <= 0x0f) {
    const named = SMPP_NAMED[dataCoding];
    if (named === undefined) throw new RangeError(`unmapped SMPP data_coding ${dataCoding}`);
    return info(
      dataCoding,
      'smpp',
      named.alphabet,
      named.charset ? { charset: named.charset } : {},
    );
  }

  if (dataCoding <= 0x7f) {
    // 00xxxxxx / 01xxxxxx: bit 5 compressed, bit 4 "bits 1-0 carry a class".
    const group = dataCoding >= 0x40 ? 'auto-delete' : 'general';
    const compressed = (dataCoding & 0x20) !== 0;
    const hasClass = (dataCoding & 0x10) !== 0;
    const alphabet = compressed
      ? 'unsupported'
      : (GSM_ALPHABET_BITS[(dataCoding >> 2) & 0x03] ?? 'unsupported');
    return info(dataCoding, group, alphabet, {
      compressed,
      ...(hasClass ? { messageClass: (dataCoding & 0x03) as MessageClass } : {}),
      ...(alphabet === 'unsupported' && !compressed ? { charset: 'reserved' as const } : {}),
    });
  }

  if (dataCoding <= 0xbf)
    return info(dataCoding, 'reserved', 'unsupported', { charset: 'reserved' });

  if (dataCoding <= 0xef) {
    // 1100 discard/GSM7, 1101 store/GSM7, 1110 store/UCS2; bit 2 is reserved.
    const high = dataCoding >> 4;
    return info(dataCoding, 'message-waiting', high === 0x0e ? 'ucs2' : 'gsm7', {
      messageWaiting: Object.freeze({
        store: high !== 0x0c,
        active: (dataCoding & 0x08) !== 0,
        kind: MWI_KINDS[dataCoding & 0x03] ?? 'other',
      }),
    });
  }

  // 1111xxxx: bit 3 reserved, bit 2 coding (0 GSM 7-bit, 1 8-bit data), bits 1-0 class.
  return info(dataCoding, 'message-class', dataCoding & 0x04 ? 'binary' : 'gsm7', {
    messageClass: (dataCoding & 0x03) as MessageClass,
  });
}
