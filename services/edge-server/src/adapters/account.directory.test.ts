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
    throughput: 10,
    maxBinds: 2,
    status: 'active',
    creditMicros: null,
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
});
