import type { Customer } from '@smpp-gateway/db';
import { describe, expect, it } from 'vitest';
import { AccountDirectory, type AccountSource } from './account.directory.js';

function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: 'c1',
    name: 'Acme',
    systemId: 'acme',
    passwordHash: 'hash-1',
    allowedIps: [],
    allowedSources: [],
    throughput: 10,
    maxBinds: 2,
    status: 'active',
    creditMicros: null,
    creditCurrency: 'USD',
    pricePlan: 'default',
    moReassembly: false,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

function source(rows: Customer[]) {
  const calls = { lookups: 0, verifies: 0 };
  const src: AccountSource = {
    bySystemId: (systemId) => {
      calls.lookups += 1;
      return Promise.resolve(rows.find((r) => r.systemId === systemId));
    },
    byId: (id) => Promise.resolve(rows.find((r) => r.id === id)),
    verifyPassword: (hash, password) => {
      calls.verifies += 1;
      return Promise.resolve(hash === `hash-${password}`);
    },
  };
  return { src, calls };
}

describe('AccountDirectory', () => {
  it('caches lookups and successful verifications until the TTL passes', async () => {
    let now = 0;
    const rows = [customer()];
    const { src, calls } = source(rows);
    const directory = new AccountDirectory({ source: src, ttlMs: 1_000, now: () => now });
    const [a, b] = await Promise.all([directory.find('acme'), directory.find('acme')]);
    expect(a).toBe(b);
    expect(calls.lookups).toBe(1);
    expect(await directory.checkPassword(a!, '1')).toBe(true);
    expect(await directory.checkPassword(a!, '1')).toBe(true);
    expect(calls.verifies).toBe(1);
    expect(await directory.checkPassword(a!, 'wrong')).toBe(false);
    expect(await directory.checkPassword(a!, 'wrong')).toBe(false);
    expect(calls.verifies).toBe(3);
    now = 1_001;
    await directory.find('acme');
    expect(calls.lookups).toBe(2);
  });

  it('runs one verification for concurrent binds with the same credentials', async () => {
    const rows = [customer()];
    const { src, calls } = source(rows);
    const directory = new AccountDirectory({ source: src, ttlMs: 60_000 });
    const account = (await directory.find('acme'))!;
    // Four binds at once on a cold cache: one argon2 run, not four.
    const results = await Promise.all([
      directory.checkPassword(account, '1'),
      directory.checkPassword(account, '1'),
      directory.checkPassword(account, '1'),
      directory.checkPassword(account, '1'),
    ]);
    expect(results).toEqual([true, true, true, true]);
    expect(calls.verifies).toBe(1);
    // Different passwords are never shared, and a wrong one is not cached.
    const mixed = await Promise.all([
      directory.checkPassword(account, 'wrong'),
      directory.checkPassword(account, 'wrong'),
      directory.checkPassword(account, '1'),
    ]);
    expect(mixed).toEqual([false, false, true]);
    expect(calls.verifies).toBe(2);
    expect(await directory.checkPassword(account, 'wrong')).toBe(false);
    expect(calls.verifies).toBe(3);
  });

  it('forgets a customer on invalidation and sees the new password hash', async () => {
    const rows = [customer()];
    const { src, calls } = source(rows);
    const directory = new AccountDirectory({ source: src, ttlMs: 60_000 });
    const before = await directory.find('acme');
    expect(await directory.checkPassword(before!, '1')).toBe(true);
    rows[0] = customer({ passwordHash: 'hash-2', status: 'suspended' });
    const fresh = await directory.invalidate('c1');
    expect(fresh?.status).toBe('suspended');
    const after = await directory.find('acme');
    expect(after?.passwordHash).toBe('hash-2');
    expect(await directory.checkPassword(after!, '1')).toBe(false);
    expect(await directory.checkPassword(after!, '2')).toBe(true);
    expect(calls.lookups).toBe(2);
  });

  it('answers from an expired entry while the source fails, within staleIfErrorMs only', async () => {
    let now = 0;
    let failing = false;
    const rows = [customer()];
    const { src, calls } = source(rows);
    const stale: string[] = [];
    const directory = new AccountDirectory({
      source: {
        ...src,
        bySystemId: (systemId) =>
          failing ? Promise.reject(new Error('database down')) : src.bySystemId(systemId),
      },
      ttlMs: 1_000,
      staleIfErrorMs: 10_000,
      onStale: (systemId) => stale.push(systemId),
      now: () => now,
    });
    expect((await directory.find('acme'))?.id).toBe('c1');
    expect(await directory.find('ghost')).toBeUndefined();
    failing = true;
    now = 5_000;
    directory.sweep();
    // Expired, the database down: the last answer stands, a miss included.
    expect((await directory.find('acme'))?.id).toBe('c1');
    expect(await directory.find('ghost')).toBeUndefined();
    expect(stale).toEqual(['acme', 'ghost']);
    // Never seen: nothing to fall back on.
    await expect(directory.find('other')).rejects.toThrow('database down');
    // Past the stale window, and once swept, the error surfaces.
    now = 11_001;
    await expect(directory.find('acme')).rejects.toThrow('database down');
    directory.sweep();
    failing = false;
    expect((await directory.find('acme'))?.id).toBe('c1');
    expect(calls.lookups).toBe(3);
  });

  it('does not answer from an entry dropped by an invalidation, even while the source fails', async () => {
    let now = 0;
    let failing = false;
    const { src } = source([customer()]);
    const directory = new AccountDirectory({
      source: {
        ...src,
        bySystemId: (systemId) =>
          failing ? Promise.reject(new Error('database down')) : src.bySystemId(systemId),
        byId: () => Promise.resolve(undefined),
      },
      ttlMs: 1_000,
      staleIfErrorMs: 10_000,
      now: () => now,
    });
    await directory.find('acme');
    await directory.invalidate('c1');
    failing = true;
    now = 2_000;
    await expect(directory.find('acme')).rejects.toThrow('database down');
  });
});
