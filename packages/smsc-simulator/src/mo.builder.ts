// Turns an MO request (text or raw bytes) into the deliver_sm PDUs a handset
// message arrives as: text is encoded with the cheapest exact alphabet (or the
// one asked for) and split with a concatenation UDH when it is long.
import { randomInt } from 'node:crypto';
import {
  DataCoding,
  chooseEncoding,
  encodeText,
  splitMessage,
  unitForAlphabet,
  type PduInit,
  type TextAlphabet,
} from '@smpp-gateway/smpp';

export interface MoMessage {
  /** system_id to deliver to; any account with a receiving bind when absent. */
  readonly systemId?: string;
  /** The handset number (source_addr). */
  readonly source: string;
  /** The number it was sent to (destination_addr), e.g. a long code. */
  readonly destination: string;
  /** Text; encoded per dataCoding, or the cheapest exact alphabet when dataCoding is absent. */
  readonly text?: string;
  /** Raw short_message bytes sent as-is in one PDU (Buffer, or hex in HTTP). */
  readonly bytes?: Uint8Array;
  readonly dataCoding?: number;
  /** Added to the esm_class (e.g. 0x40 when `bytes` carry their own UDH). */
  readonly esmClass?: number;
  readonly sourceAddrTon?: number;
  readonly sourceAddrNpi?: number;
  readonly destAddrTon?: number;
  readonly destAddrNpi?: number;
}

const ALPHABET_FOR_CODING: Readonly<Record<number, TextAlphabet>> = {
  [DataCoding.SMSC_DEFAULT]: 'gsm7',
  [DataCoding.IA5]: 'ia5',
  [DataCoding.LATIN1]: 'latin1',
  [DataCoding.UCS2]: 'ucs2',
};

const MAX_SHORT_MESSAGE = 254;
const UDHI = 0x40;

/** Throws RangeError with a message fit for an HTTP 400. */
export function buildMoPdus(mo: MoMessage): PduInit<'deliver_sm'>[] {
  if (typeof mo.source !== 'string' || mo.source.length === 0 || mo.source.length > 20) {
    throw new RangeError('source must be 1-20 characters');
  }
  if (
    typeof mo.destination !== 'string' ||
    mo.destination.length === 0 ||
    mo.destination.length > 20
  ) {
    throw new RangeError('destination must be 1-20 characters');
  }
  if ((mo.text === undefined) === (mo.bytes === undefined)) {
    throw new RangeError('give exactly one of text or bytes');
  }
  if (
    mo.dataCoding !== undefined &&
    (!Number.isInteger(mo.dataCoding) || mo.dataCoding < 0 || mo.dataCoding > 0xff)
  ) {
    throw new RangeError('dataCoding must be an integer 0-255');
  }
  const extraEsm = mo.esmClass ?? 0;
  if (!Number.isInteger(extraEsm) || extraEsm < 0 || extraEsm > 0xff) {
    throw new RangeError('esmClass must be an integer 0-255');
  }
  const base: PduInit<'deliver_sm'> = {
    command: 'deliver_sm',
    sourceAddrTon: mo.sourceAddrTon ?? 1,
    sourceAddrNpi: mo.sourceAddrNpi ?? 1,
    sourceAddr: mo.source,
    destAddrTon: mo.destAddrTon ?? 1,
    destAddrNpi: mo.destAddrNpi ?? 1,
    destinationAddr: mo.destination,
  };

  if (mo.bytes !== undefined) {
    if (mo.bytes.length > MAX_SHORT_MESSAGE) {
      throw new RangeError(
        `bytes must be at most ${MAX_SHORT_MESSAGE} octets (they are sent in one PDU)`,
      );
    }
    return [
      {
        ...base,
        esmClass: extraEsm,
        dataCoding: mo.dataCoding ?? DataCoding.BINARY_ALT,
        shortMessage: Buffer.from(mo.bytes),
      },
    ];
  }

  const text = mo.text ?? '';
  let bytes: Buffer;
  let dataCoding: number;
  let alphabet: TextAlphabet;
  if (mo.dataCoding === undefined) {
    const chosen = chooseEncoding(text, { defaultAlphabet: 'gsm7' });
    if (!chosen.ok) {
      throw new RangeError('text has characters no alphabet can carry (lone surrogates)');
    }
    ({ bytes, dataCoding, alphabet } = chosen);
  } else {
    const fixed = ALPHABET_FOR_CODING[mo.dataCoding];
    if (fixed === undefined) {
      throw new RangeError(
        'text needs dataCoding 0 (GSM), 1 (IA5), 3 (Latin-1) or 8 (UCS2); send other codings as bytes',
      );
    }
    const encoded = encodeText(text, fixed);
    if (!encoded.ok) {
      throw new RangeError(
        `text is not encodable with data_coding ${mo.dataCoding}: ${encoded.unencodable.map((u) => JSON.stringify(u.char)).join(' ')}`,
      );
    }
    bytes = encoded.bytes;
    dataCoding = mo.dataCoding;
    alphabet = fixed;
  }

  const split = splitMessage(bytes, {
    unit: unitForAlphabet(alphabet),
    method: 'udh8',
    reference: randomInt(0, 256),
  });
  if (!split.ok) {
    throw new RangeError(`text cannot be split: ${split.detail}`);
  }
  return split.parts.map((part) => {
    if (part.kind === 'payload') {
      // Not produced for udh8; kept total so a future method cannot slip through silently.
      throw new RangeError('unexpected message_payload part');
    }
    return {
      ...base,
      esmClass: extraEsm | (part.esmClassUdhi ? UDHI : 0),
      dataCoding,
      shortMessage: part.shortMessage,
    };
  });
}
