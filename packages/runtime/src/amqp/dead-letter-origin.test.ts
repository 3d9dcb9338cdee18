import { describe, expect, it } from 'vitest';
import { deadLetterOrigin, headerText, replaysOf } from './dead-letter-origin.js';
import { HEADERS } from './wire.js';

describe('deadLetterOrigin', () => {
  it("reads the consumer's own headers first", () => {
    expect(
      deadLetterOrigin({
        [HEADERS.originalQueue]: 'dlr.receipts',
        [HEADERS.deadReason]: 'handler failed: boom',
        [HEADERS.deadLetteredAt]: '2026-11-27T00:00:00.000Z',
        'x-death': [{ queue: 'other', reason: 'expired', time: { value: 1 } }],
      }),
    ).toEqual({
      queue: 'dlr.receipts',
      reason: 'handler failed: boom',
      at: '2026-11-27T00:00:00.000Z',
    });
  });

  it("falls back to the broker's latest x-death entry (amqplib: Buffers, timestamps in s)", () => {
    expect(
      deadLetterOrigin({
        'x-death': [
          {
            queue: Buffer.from('deliver.c1'),
            reason: 'expired',
            time: { '!': 'timestamp', value: 1_795_737_344 },
          },
          { queue: 'mt.messages.0', reason: 'delivery_limit', time: { value: 1 } },
        ],
      }),
    ).toEqual({
      queue: 'deliver.c1',
      reason: 'broker: expired',
      at: new Date(1_795_737_344_000).toISOString(),
    });
  });

  it('knows nothing without either', () => {
    expect(deadLetterOrigin({})).toEqual({ queue: null, reason: null, at: null });
    expect(deadLetterOrigin({ 'x-death': 'garbage' })).toEqual({
      queue: null,
      reason: null,
      at: null,
    });
  });
});

describe('header values', () => {
  it('reads text and replay counts however amqplib delivered them', () => {
    expect(headerText(Buffer.from('abc'))).toBe('abc');
    expect(headerText(3)).toBeNull();
    expect(replaysOf({})).toBe(0);
    expect(replaysOf({ [HEADERS.replays]: 2 })).toBe(2);
    expect(replaysOf({ [HEADERS.replays]: Buffer.from('4') })).toBe(4);
    expect(replaysOf({ [HEADERS.replays]: -1 })).toBe(0);
  });
});
