import { generateApiToken } from '@smpp-gateway/db';
import { describe, expect, it } from 'vitest';
import { parseBearer } from './bearer-token.js';

describe('parseBearer', () => {
  const token = generateApiToken();

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['   ', 'missing'],
    ['Bearer', 'malformed'],
    ['Bearer ', 'malformed'],
    ['Basic dXNlcjpwYXNz', 'malformed'],
    ['Bearer sgw_short', 'malformed'],
    [`Bearer ${token} extra`, 'malformed'],
    [`Bearer ${token.replace('sgw_', 'xyz_')}`, 'malformed'],
  ] as const)('%j → %s', (header, kind) => {
    expect(parseBearer(header).kind).toBe(kind);
  });

  it('accepts a minted token, case-insensitive scheme, extra spaces', () => {
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `Bearer   ${token}  `]) {
      expect(parseBearer(header)).toEqual({ kind: 'token', token });
    }
  });
});
