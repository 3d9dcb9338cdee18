import { describe, expect, it } from 'vitest';
import { PartAssembler } from './part-assembler.js';

describe('PartAssembler', () => {
  it('completes a group in sequence order whatever the arrival order', () => {
    const asm = new PartAssembler<string>(30_000);
    expect(asm.add('k', 3, 3, 'c', 0)).toEqual({});
    expect(asm.add('k', 1, 3, 'a', 1)).toEqual({});
    expect(asm.held).toBe(2);
    expect(asm.add('k', 2, 3, 'b', 2)).toEqual({ complete: ['a', 'b', 'c'] });
    expect(asm.held).toBe(0);
  });

  it('keeps groups apart by key', () => {
    const asm = new PartAssembler<string>(30_000);
    asm.add('x', 1, 2, 'x1', 0);
    asm.add('y', 1, 2, 'y1', 0);
    expect(asm.add('y', 2, 2, 'y2', 0)).toEqual({ complete: ['y1', 'y2'] });
    expect(asm.held).toBe(1);
  });

  it('a repeated part replaces the earlier copy and hands it back', () => {
    const asm = new PartAssembler<string>(30_000);
    asm.add('k', 1, 2, 'first copy', 0);
    expect(asm.add('k', 1, 2, 'second copy', 5)).toEqual({ displaced: 'first copy' });
    expect(asm.held).toBe(1);
    expect(asm.add('k', 2, 2, 'two', 6)).toEqual({ complete: ['second copy', 'two'] });
  });

  it('expires groups by the age of their first part, never a younger one', () => {
    const asm = new PartAssembler<string>(1_000);
    asm.add('old', 2, 3, 'o2', 0);
    asm.add('old', 1, 3, 'o1', 500);
    asm.add('new', 1, 2, 'n1', 900);
    expect(asm.expire(999)).toEqual([]);
    expect(asm.expire(1_000)).toEqual([['o1', 'o2']]);
    expect(asm.held).toBe(1);
    expect(asm.releaseAll()).toEqual(['n1']);
    expect(asm.held).toBe(0);
  });
});
