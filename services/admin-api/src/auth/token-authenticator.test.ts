import type { ApiToken } from '@smpp-gateway/db';
import { describe, expect, it } from 'vitest';
import { CachedTokenAuthenticator } from './token-authenticator.js';

const token: ApiToken = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'ops',
  scope: 'write',
  createdAt: new Date(0),
  lastUsedAt: null,
  revokedAt: null,
};

function counting(result: (t: string) => ApiToken | undefined) {
  const calls: string[] = [];
  return {
    calls,
    lookup: (t: string) => {
      calls.push(t);
      return Promise.resolve(result(t));
    },
  };
}

describe('CachedTokenAuthenticator', () => {
  it('reuses a positive answer until the TTL passes', async () => {
    let now = 1_000;
    const db = counting(() => token);
    const auth = new CachedTokenAuthenticator({ lookup: db.lookup, ttlMs: 5_000, now: () => now });
    expect(await auth.authenticate('a')).toBe(token);
    now += 4_999;
    expect(await auth.authenticate('a')).toBe(token);
    expect(db.calls).toHaveLength(1);
    now += 2;
    await auth.authenticate('a');
    expect(db.calls).toHaveLength(2);
  });

  it('never caches a negative answer (a new token works at once)', async () => {
    let known = false;
    const db = counting(() => (known ? token : undefined));
    const auth = new CachedTokenAuthenticator({ lookup: db.lookup, ttlMs: 60_000 });
    expect(await auth.authenticate('b')).toBeUndefined();
    known = true;
    expect(await auth.authenticate('b')).toBe(token);
  });

  it('shares one lookup between concurrent requests with the same token', async () => {
    const db = counting(() => token);
    const auth = new CachedTokenAuthenticator({ lookup: db.lookup, ttlMs: 60_000 });
    await Promise.all([auth.authenticate('c'), auth.authenticate('c'), auth.authenticate('c')]);
    expect(db.calls).toEqual(['c']);
  });

  it('is bounded: the oldest entry goes first', async () => {
    const db = counting(() => token);
    const auth = new CachedTokenAuthenticator({ lookup: db.lookup, ttlMs: 60_000, maxEntries: 2 });
    await auth.authenticate('x');
    await auth.authenticate('y');
    await auth.authenticate('z');
    await auth.authenticate('y');
    expect(db.calls).toEqual(['x', 'y', 'z']);
    await auth.authenticate('x');
    expect(db.calls).toEqual(['x', 'y', 'z', 'x']);
  });

  it('ttl 0 always asks the database', async () => {
    const db = counting(() => token);
    const auth = new CachedTokenAuthenticator({ lookup: db.lookup, ttlMs: 0 });
    await auth.authenticate('d');
    await auth.authenticate('d');
    expect(db.calls).toHaveLength(2);
  });
});
