// Subscribers' opt-out keywords. A subscriber who replies STOP to one of a
// customer's numbers must get no more messages from that customer (CTIA's
// messaging principles, 10DLC campaign terms, the TCPA): the router records
// the opt-out as a destination block of the subscriber's number for that
// customer, so its MTs fail `blocked` before a vendor is chosen, and START
// lifts it again. The MO itself still goes to the customer, whose
// application owes the subscriber the confirmation reply.
import type { MoReceived } from '@smpp-gateway/contracts';
import { decodeText } from '@smpp-gateway/smpp';
import { moConcat } from './mo-concat.js';

export type OptAction = 'opt_out' | 'opt_in';

export interface OptKeywords {
  readonly optOut: ReadonlySet<string>;
  readonly optIn: ReadonlySet<string>;
}

/** CTIA's opt-out keywords, with the FCC's 2025 additions (REVOKE, OPTOUT). */
export const DEFAULT_OPT_OUT_KEYWORDS = 'STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT,REVOKE,OPTOUT';
export const DEFAULT_OPT_IN_KEYWORDS = 'START,UNSTOP';

const KEYWORD = /^[A-Z0-9]{1,20}$/u;
const UDHI = 0x40;

/**
 * A comma-separated keyword list, upper-cased. Throws with the offending
 * entry: a keyword is one word of letters and digits, as subscribers type it.
 */
export function parseKeywordList(text: string): string[] {
  const keywords = text
    .split(',')
    .map((k) => k.trim().toUpperCase())
    .filter((k) => k.length > 0);
  for (const keyword of keywords) {
    if (!KEYWORD.test(keyword)) {
      throw new Error(
        `keyword ${JSON.stringify(keyword)} is not one word of 1-20 letters or digits`,
      );
    }
  }
  return keywords;
}

/**
 * The opt-out or opt-in an MO asks for: the whole message is one keyword,
 * in any case, with surrounding spaces and a trailing full stop or
 * exclamation mark allowed ("Stop.", " STOP "). "Please stop texting me" is
 * not one (the customer sees it and decides). Parts of a long message are
 * never a keyword.
 */
export function optActionOf(
  mo: MoReceived,
  keywords: OptKeywords,
): { readonly action: OptAction; readonly keyword: string } | undefined {
  if (keywords.optOut.size === 0 && keywords.optIn.size === 0) return undefined;
  if ((mo.esmClass & UDHI) !== 0 || moConcat(mo) !== undefined) return undefined;
  const bytes = Buffer.from(mo.messagePayload ?? mo.shortMessage, 'base64');
  // Keywords are short: anything longer is a sentence, not decoded for nothing.
  if (bytes.length === 0 || bytes.length > 64) return undefined;
  const decoded = decodeText(bytes, mo.dataCoding, { lenient: true });
  if (!decoded.ok) return undefined;
  const word = decoded.text
    .trim()
    .replace(/[.!]+$/u, '')
    .trim()
    .toUpperCase();
  if (keywords.optOut.has(word)) return { action: 'opt_out', keyword: word };
  if (keywords.optIn.has(word)) return { action: 'opt_in', keyword: word };
  return undefined;
}

/**
 * The subscriber's number as MT destinations are stored (E.164 digits, no
 * '+'), or undefined for a source that is not a number (an alphanumeric
 * sender cannot be messaged back, so there is nothing to block).
 */
export function subscriberNumber(addr: string): string | undefined {
  const digits = addr.startsWith('+') ? addr.slice(1) : addr;
  return /^[0-9]{1,15}$/u.test(digits) ? digits : undefined;
}
