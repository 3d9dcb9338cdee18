import { describe, expect, it } from 'vitest';
import { TurnBatcher } from '../src/turn-batcher.js';

describe('TurnBatcher', () => {
  it('sends the calls of one turn together, in call order, at most `max` at a time', async () => {
    const sent: number[][] = [];
    const batcher = new TurnBatcher<number, string>((items) => {
      sent.push([...items]);
      return Promise.resolve(items.map((n) => `r${n}`));
    }, 3);
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => batcher.add(n)));
    expect(sent).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(results).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    // A later turn starts a new batch.
    expect(await batcher.add(8)).toBe('r8');
    expect(sent.at(-1)).toEqual([8]);
  });

  it('collects calls made after awaits within the same turn', async () => {
    const sent: number[][] = [];
    const batcher = new TurnBatcher<number, number>((items) => {
      sent.push([...items]);
      return Promise.resolve(items);
    }, 10);
    const deep = async (n: number) => {
      await Promise.resolve();
      await Promise.resolve();
      return batcher.add(n);
    };
    expect(await Promise.all([batcher.add(1), deep(2), deep(3)])).toEqual([1, 2, 3]);
    expect(sent).toEqual([[1, 2, 3]]);
  });

  it('rejects only the call whose outcome is an Error', async () => {
    const batcher = new TurnBatcher<number, number>(
      (items) => Promise.resolve(items.map((n) => (n === 2 ? new Error('bad record') : n * 10))),
      10,
    );
    const [a, b, c] = await Promise.allSettled([1, 2, 3].map((n) => batcher.add(n)));
    expect(a).toEqual({ status: 'fulfilled', value: 10 });
    expect(b).toMatchObject({ status: 'rejected', reason: new Error('bad record') });
    expect(c).toEqual({ status: 'fulfilled', value: 30 });
  });

  it('rejects the whole batch when sending fails or answers the wrong number of results', async () => {
    const failing = new TurnBatcher<number, number>(
      () => Promise.reject(new Error('connection lost')),
      10,
    );
    const outcomes = await Promise.allSettled([failing.add(1), failing.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/connection lost/);

    const short = new TurnBatcher<number, number>(() => Promise.resolve([1]), 10);
    const shortOutcomes = await Promise.allSettled([short.add(1), short.add(2)]);
    expect(shortOutcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(String((shortOutcomes[1] as PromiseRejectedResult).reason)).toMatch(
      /batch of 2 got 1 results/,
    );
  });

  it('refuses a batch size below 1', () => {
    expect(() => new TurnBatcher(() => Promise.resolve([]), 0)).toThrow(/>= 1/);
  });
});
