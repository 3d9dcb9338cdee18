import { describe, expect, it } from 'vitest';
import { RoutingSnapshot, type DestinationBlock } from './routing-snapshot.js';

function snapshot(blocks: readonly DestinationBlock[]): RoutingSnapshot {
  return new RoutingSnapshot({
    rules: [],
    rates: [],
    customers: [],
    numbers: [],
    blocks,
    loadedAt: new Date(0),
  });
}

describe('RoutingSnapshot.blockFor', () => {
  const blocks: DestinationBlock[] = [
    { prefix: '882', reason: 'international networks' },
    { prefix: '88213', reason: 'IRSF range' },
    { prefix: '88213', customerId: 'acme', reason: 'acme asked' },
    { prefix: '447700900123', customerId: 'beta', reason: 'opted out' },
  ];
  const s = snapshot(blocks);

  it('finds the longest matching prefix, a customer’s own block before a global one', () => {
    expect(s.blockFor('8821312345', 'acme')?.reason).toBe('acme asked');
    expect(s.blockFor('8821312345', 'beta')?.reason).toBe('IRSF range');
    expect(s.blockFor('8829999', 'acme')?.reason).toBe('international networks');
  });

  it("applies a customer's block to that customer only, and only to matching destinations", () => {
    expect(s.blockFor('447700900123', 'beta')?.reason).toBe('opted out');
    expect(s.blockFor('447700900123', 'acme')).toBeUndefined();
    expect(s.blockFor('447700900124', 'beta')).toBeUndefined();
    // Shorter than every prefix but the first: only that one can match.
    expect(s.blockFor('88', 'acme')).toBeUndefined();
    expect(s.blockFor('882', 'acme')?.reason).toBe('international networks');
  });

  it('counts its blocks and blocks nothing without any', () => {
    expect(s.counts.blocks).toBe(4);
    expect(snapshot([]).blockFor('8821312345', 'acme')).toBeUndefined();
  });
});
