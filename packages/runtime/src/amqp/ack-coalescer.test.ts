import { describe, expect, it } from 'vitest';
import { AckCoalescer, type AckChannel } from './ack-coalescer.js';

// What reaches the broker is what matters: each test records the acks the
// coalescer sends. The consumer's use of it runs against the real broker in
// consumer.int tests and every service's suite.
function recording() {
  const sent: [tag: number, allUpTo: boolean][] = [];
  const channel: AckChannel = {
    ack: (message, allUpTo = false) => sent.push([message.fields.deliveryTag, allUpTo]),
  };
  return { channel, sent };
}
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('AckCoalescer', () => {
  it('acks a finished run at the head with one multiple ack at the end of the turn', async () => {
    const { channel, sent } = recording();
    const acks = new AckCoalescer(channel);
    for (const tag of [1, 2, 3, 4]) acks.track(tag);
    acks.ack(2);
    acks.ack(1);
    acks.ack(3);
    expect(sent).toEqual([]);
    await turn();
    expect(sent).toEqual([[3, true]]);
    expect(acks.outstanding).toBe(1);
    acks.ack(4);
    await turn();
    expect(sent).toEqual([
      [3, true],
      [4, true],
    ]);
  });

  it('never lets a multiple ack pass a delivery still being worked on; those behind it go singly in the same turn', async () => {
    const { channel, sent } = recording();
    const acks = new AckCoalescer(channel);
    for (const tag of [1, 2, 3, 4]) acks.track(tag);
    acks.ack(1);
    acks.ack(3);
    acks.ack(4);
    await turn();
    expect(sent).toEqual([
      [1, true],
      [3, false],
      [4, false],
    ]);
    // 2 finishes later: alone (3 and 4 were acked already, never twice).
    acks.ack(2);
    await turn();
    expect(sent.slice(3)).toEqual([[2, true]]);
    expect(acks.outstanding).toBe(0);
  });

  it('skips over deliveries settled another way (nack) without acking them', async () => {
    const { channel, sent } = recording();
    const acks = new AckCoalescer(channel);
    for (const tag of [1, 2, 3]) acks.track(tag);
    acks.settledElsewhere(1);
    acks.ack(2);
    await turn();
    // Tag 1 is no longer outstanding at the broker: acking up to 2 covers only 2.
    expect(sent).toEqual([[2, true]]);
    acks.ack(3);
    acks.ack(3);
    await turn();
    expect(sent).toEqual([
      [2, true],
      [3, true],
    ]);
  });

  it('flushNow sends immediately (before a channel close)', () => {
    const { channel, sent } = recording();
    const acks = new AckCoalescer(channel);
    acks.track(7);
    acks.ack(7);
    acks.flushNow();
    expect(sent).toEqual([[7, true]]);
  });

  it('reports an ack the closing channel refuses instead of throwing', async () => {
    const errors: unknown[] = [];
    const acks = new AckCoalescer(
      {
        ack: () => {
          throw new Error('Channel closed');
        },
      },
      (err) => errors.push(err),
    );
    acks.track(1);
    acks.ack(1);
    await turn();
    expect(errors).toHaveLength(1);
  });
});
