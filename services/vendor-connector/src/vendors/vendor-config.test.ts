import { describe, expect, it } from 'vitest';
import { diffVendors } from './vendor-config.js';

describe('diffVendors', () => {
  it('finds added, changed (version moved) and removed vendors', () => {
    const running = new Map([
      ['a', { version: 1 }],
      ['b', { version: 3 }],
      ['c', { version: 1 }],
    ]);
    const diff = diffVendors(running, [
      { id: 'a', version: 1 },
      { id: 'b', version: 4 },
      { id: 'd', version: 1 },
    ]);
    expect(diff).toEqual({ added: ['d'], changed: ['b'], removed: ['c'] });
  });
});
