// SMPP 3.4 §5.2.28 message_state values and the 7-letter stat words of the
// Appendix B receipt text that stand for them.

export const MessageState = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;
export type MessageStateName = keyof typeof MessageState;
export type MessageState = (typeof MessageState)[MessageStateName];

export const RECEIPT_STATS = [
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
] as const;
export type ReceiptStat = (typeof RECEIPT_STATS)[number];

const STAT_BY_STATE: Readonly<Record<MessageState, ReceiptStat>> = {
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

// Keys are upper-case letters only, so "en_route", "Delivered" and "UNDELIV"
// all land on an entry. Only spellings seen for these exact states: a
// vendor-specific word like FAILED is not guessed at.
const STATE_BY_WORD: ReadonlyMap<string, MessageState> = new Map([
  ['ENROUTE', 1],
  ['DELIVRD', 2],
  ['DELIVERED', 2],
  ['EXPIRED', 3],
  ['EXPIRD', 3],
  ['DELETED', 4],
  ['DELETD', 4],
  ['UNDELIV', 5],
  ['UNDELIVERABLE', 5],
  ['UNDELIVERED', 5],
  ['UNDELIVRD', 5],
  ['ACCEPTD', 6],
  ['ACCEPTED', 6],
  ['UNKNOWN', 7],
  ['REJECTD', 8],
  ['REJECTED', 8],
] as const);

/** The receipt stat word for a state. */
export function statForState(state: MessageState): ReceiptStat {
  return STAT_BY_STATE[state];
}

/** The state a receipt stat word stands for, case-insensitively, or undefined. */
export function stateForStat(word: string): MessageState | undefined {
  return STATE_BY_WORD.get(word.toUpperCase().replace(/[^A-Z]/g, ''));
}

/** Narrows a message_state TLV value; undefined for values SMPP 3.4 does not define. */
export function toMessageState(value: number): MessageState | undefined {
  return Number.isInteger(value) && value >= 1 && value <= 8 ? (value as MessageState) : undefined;
}

/**
 * Whether no later receipt is expected. ENROUTE is the only in-flight state.
 * UNKNOWN counts as final: SMPP defines no transition out of it and SMSCs
 * send it as their last word when they lose track of a message, so waiting
 * for something better would only hold the record open until its TTL.
 */
export function isFinalState(state: MessageState): boolean {
  return state !== MessageState.ENROUTE;
}
