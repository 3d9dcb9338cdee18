import { describe, expect, it } from 'vitest';
import {
  MessageState,
  RECEIPT_STATS,
  isFinalState,
  stateForStat,
  statForState,
  toMessageState,
} from './message-state.js';
import type { MessageStateName } from './message-state.js';

describe('message_state ⇄ stat', () => {
  it.each<[MessageStateName, number, string, boolean]>([
    ['ENROUTE', 1, 'ENROUTE', false],
    ['DELIVERED', 2, 'DELIVRD', true],
    ['EXPIRED', 3, 'EXPIRED', true],
    ['DELETED', 4, 'DELETED', true],
    ['UNDELIVERABLE', 5, 'UNDELIV', true],
    ['ACCEPTED', 6, 'ACCEPTD', true],
    ['UNKNOWN', 7, 'UNKNOWN', true],
    ['REJECTED', 8, 'REJECTD', true],
  ])('%s = %i ⇄ %s (final: %s)', (name, value, stat, final) => {
    const state = MessageState[name];
    expect(state).toBe(value);
    expect(statForState(state)).toBe(stat);
    expect(stateForStat(stat)).toBe(state);
    expect(toMessageState(value)).toBe(state);
    expect(isFinalState(state)).toBe(final);
  });

  it.each([
    ['delivrd', 2],
    ['Delivered', 2],
    ['DELIVERED', 2],
    ['UNDELIVERABLE', 5],
    ['undelivered', 5],
    ['REJECTED', 8],
    ['Accepted', 6],
    ['EN_ROUTE', 1],
    [' expired ', 3],
  ])('accepts the variant %j', (word, state) => {
    expect(stateForStat(word)).toBe(state);
  });

  it.each(['FAILED', 'OK', '', 'DELIV'])('does not guess at %j', (word) => {
    expect(stateForStat(word)).toBeUndefined();
  });

  it.each([0, 9, 255, -1, 2.5])('leaves the undefined message_state %s undefined', (value) => {
    expect(toMessageState(value)).toBeUndefined();
  });

  it('has a stat word for every state', () => {
    expect(Object.values(MessageState).map(statForState)).toEqual([...RECEIPT_STATS]);
  });
});
