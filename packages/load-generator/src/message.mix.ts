// What the generator sends: a weighted mix of message shapes, encoded once
// up front so the send loop only copies buffers. Shapes and the
// registered_delivery share are dealt deterministically (smooth weighted
// round-robin / exact fraction), so a run of N messages has exactly the
// proportions asked for and the expected receipt count is known exactly.
import { DataCoding, encodeText, splitMessage, type TextAlphabet } from '@smpp-gateway/smpp';

export const MESSAGE_KINDS = ['gsm7', 'ucs2', 'long'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export type MessageMix = Partial<Record<MessageKind, number>>;

export interface MessageTemplate {
  readonly kind: MessageKind;
  readonly dataCoding: number;
  /** One short_message per submit_sm; long messages carry a UDH whose reference is patched per message. */
  readonly parts: readonly Buffer[];
  readonly udh: boolean;
}

const GSM7_TEXT = 'Load test: your verification code is 493021. It expires in 10 minutes.';
const UCS2_TEXT = 'Нагрузочный тест ✓ 负载测试 — код 493021';
// 3 GSM7 parts of 153 septets: longer than 306, shorter than 459.
const LONG_TEXT = (
  'This is a long concatenated load-test message. It is sent as three SMPP submit_sm parts, each carrying a user ' +
  'data header with the same reference, so the receiving side has to keep the parts together and in order. '
).repeat(2);

function encode(text: string, alphabet: TextAlphabet): Buffer {
  const result = encodeText(text, alphabet);
  if (!result.ok) throw new Error(`built-in ${alphabet} template is not encodable`);
  return result.bytes;
}

export function buildTemplates(): Readonly<Record<MessageKind, MessageTemplate>> {
  const longBytes = encode(LONG_TEXT, 'gsm7');
  const split = splitMessage(longBytes, { unit: 'gsm7', method: 'udh8', reference: 0 });
  if (!split.ok || split.parts.length !== 3) {
    throw new Error('long template must split into exactly 3 parts');
  }
  return {
    gsm7: {
      kind: 'gsm7',
      dataCoding: DataCoding.SMSC_DEFAULT,
      parts: [encode(GSM7_TEXT, 'gsm7')],
      udh: false,
    },
    ucs2: {
      kind: 'ucs2',
      dataCoding: DataCoding.UCS2,
      parts: [encode(UCS2_TEXT, 'ucs2')],
      udh: false,
    },
    long: {
      kind: 'long',
      dataCoding: DataCoding.SMSC_DEFAULT,
      parts: split.parts.map((part) => {
        if (part.kind !== 'udh') throw new Error('long template part without UDH');
        return part.shortMessage;
      }),
      udh: true,
    },
  };
}

/** Octet of the concatenation reference in an 8-bit-reference UDH (05 00 03 ref total seq). */
export const UDH8_REFERENCE_OFFSET = 3;

/** Smooth weighted round-robin over the mix: exact shares in every cycle. */
export class MixDealer {
  private readonly entries: { kind: MessageKind; weight: number; current: number }[];
  private readonly total: number;

  constructor(mix: MessageMix) {
    this.entries = MESSAGE_KINDS.filter((kind) => (mix[kind] ?? 0) > 0).map((kind) => ({
      kind,
      weight: mix[kind] ?? 0,
      current: 0,
    }));
    this.total = this.entries.reduce((sum, entry) => sum + entry.weight, 0);
    if (this.entries.length === 0)
      throw new RangeError('message mix needs at least one positive weight');
  }

  next(): MessageKind {
    let best = this.entries[0]!;
    for (const entry of this.entries) {
      entry.current += entry.weight;
      if (entry.current > best.current) best = entry;
    }
    best.current -= this.total;
    return best.kind;
  }
}

/** Message k asks for a receipt when floor((k+1)·f) > floor(k·f): exactly floor(N·f) of the first N, evenly spread. */
export class FractionDealer {
  private k = 0;
  constructor(private readonly fraction: number) {
    if (!(fraction >= 0 && fraction <= 1))
      throw new RangeError(`fraction must be 0-1, got ${fraction}`);
  }

  next(): boolean {
    const k = this.k++;
    return Math.floor((k + 1) * this.fraction + 1e-9) > Math.floor(k * this.fraction + 1e-9);
  }
}
