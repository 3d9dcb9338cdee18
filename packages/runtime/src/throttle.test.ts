import { describe, expect, it } from 'vitest';
import { throttled } from './throttle.js';

describe('throttled', () => {
  it('emits at once, then at most once per interval with the count since the last emit', () => {
    let now = 1_000;
    const emitted: [number, string][] = [];
    const report = throttled(
      100,
      (count, what: string) => emitted.push([count, what]),
      () => now,
    );
    report('a');
    report('b');
    now += 50;
    report('c');
    expect(emitted).toEqual([[1, 'a']]);
    now += 50;
    report('d');
    expect(emitted).toEqual([
      [1, 'a'],
      [3, 'd'],
    ]);
    now += 1_000;
    report('e');
    expect(emitted.at(-1)).toEqual([1, 'e']);
  });
});
