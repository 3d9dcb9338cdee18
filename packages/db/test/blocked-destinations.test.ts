// Destination blocks: one per prefix and scope, a customer's go with the
// customer, the router's full list and the admin API's filtered pages.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  clearOptOut,
  ConflictError,
  createBlockedDestination,
  createCustomer,
  deleteBlockedDestination,
  deleteCustomer,
  ForeignKeyError,
  getBlockedDestination,
  InvalidInputError,
  listAllBlockedDestinations,
  listBlockedDestinations,
  recordOptOut,
  type Database,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;

useMigratedDatabase((ready) => (db = ready));

async function customer(systemId: string) {
  return createCustomer(db, {
    name: systemId,
    systemId,
    password: 'secret',
    throughput: 10,
    maxBinds: 1,
  });
}

describe('blocked destinations', () => {
  it('keeps one block per prefix and scope; a customer’s own blocks go with the customer', async () => {
    const acme = await customer('blk-acme');
    const global = await createBlockedDestination(db, { prefix: '88213', reason: 'IRSF range' });
    expect(global).toMatchObject({ prefix: '88213', customerId: null, reason: 'IRSF range' });
    expect(await getBlockedDestination(db, global.id)).toEqual(global);

    // The same prefix for one customer is another block; twice is not.
    const own = await createBlockedDestination(db, { prefix: '88213', customerId: acme.id });
    expect(own.reason).toBe('');
    await expect(createBlockedDestination(db, { prefix: '88213' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    await expect(
      createBlockedDestination(db, { prefix: '88213', customerId: acme.id }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      createBlockedDestination(db, { prefix: '4477', customerId: randomUUID() }),
    ).rejects.toBeInstanceOf(ForeignKeyError);
    for (const prefix of ['', '+4477', '44 77', '1234567890123456']) {
      await expect(createBlockedDestination(db, { prefix })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }

    expect((await listAllBlockedDestinations(db)).map((b) => b.id).sort()).toEqual(
      [global.id, own.id].sort(),
    );
    expect(await deleteCustomer(db, acme.id)).toBe(true);
    expect(await getBlockedDestination(db, own.id)).toBeUndefined();
    expect(await deleteBlockedDestination(db, global.id)).toBe(true);
    expect(await deleteBlockedDestination(db, global.id)).toBe(false);
    expect(await deleteBlockedDestination(db, 'not-a-uuid')).toBe(false);
  });

  it('pages with filters: scope, customer, and prefixes either side of the digits', async () => {
    const beta = await customer('blk-beta');
    const a = await createBlockedDestination(db, { prefix: '1900' });
    const b = await createBlockedDestination(db, { prefix: '1900555', customerId: beta.id });
    const c = await createBlockedDestination(db, { prefix: '447' });
    const ids = (page: { items: readonly { id: string }[] }) => page.items.map((i) => i.id);

    expect(ids(await listBlockedDestinations(db, { global: true }))).toEqual([a.id, c.id]);
    expect(ids(await listBlockedDestinations(db, { global: false }))).toEqual([b.id]);
    expect(ids(await listBlockedDestinations(db, { customerId: beta.id }))).toEqual([b.id]);
    expect((await listBlockedDestinations(db, { customerId: 'x' })).total).toBe(0);
    // A destination 19005551234 meets both 1900 and 1900555; "19" covers both too.
    expect(ids(await listBlockedDestinations(db, { prefix: '19005551234' }))).toEqual([a.id, b.id]);
    expect(ids(await listBlockedDestinations(db, { prefix: '19' }))).toEqual([a.id, b.id]);
    expect(ids(await listBlockedDestinations(db, { prefix: '44' }))).toEqual([c.id]);
    const page = await listBlockedDestinations(db, { limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(ids(page)).toEqual([b.id]);
  });

  it("records a subscriber's opt-out once, and its opt-in lifts only that block", async () => {
    const acme = await customer('blk-optout');
    const other = await customer('blk-optout-2');
    const stop = { customerId: acme.id, number: '15125550177', keyword: 'STOP' };
    expect(await recordOptOut(db, stop)).toBe(true);
    // A redelivered STOP, or STOPALL after it: nothing more.
    expect(await recordOptOut(db, { ...stop, keyword: 'STOPALL' })).toBe(false);
    const [block] = (await listBlockedDestinations(db, { customerId: acme.id })).items;
    expect(block).toMatchObject({
      prefix: '15125550177',
      customerId: acme.id,
      origin: 'opt_out',
      reason: 'subscriber opted out (STOP)',
    });
    // An operator's blocks are marked as theirs.
    const operator = await createBlockedDestination(db, {
      prefix: '15125550188',
      customerId: acme.id,
    });
    expect(operator.origin).toBe('operator');
    // START for a number an operator blocked lifts nothing, nor for another customer.
    expect(await clearOptOut(db, { customerId: acme.id, number: '15125550188' })).toBe(false);
    expect(await clearOptOut(db, { customerId: other.id, number: '15125550177' })).toBe(false);
    // STOP where an operator already blocked: the operator's block stays as it was.
    expect(await recordOptOut(db, { ...stop, number: '15125550188' })).toBe(false);
    expect(await getBlockedDestination(db, operator.id)).toEqual(operator);
    expect(await clearOptOut(db, { customerId: acme.id, number: '15125550177' })).toBe(true);
    expect(await clearOptOut(db, { customerId: acme.id, number: '15125550177' })).toBe(false);
    expect((await listBlockedDestinations(db, { customerId: acme.id })).items).toEqual([operator]);
  });
});
