import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  adjustCustomerCredit,
  createCustomer,
  getCdr,
  getCustomerById,
  prepaidBalances,
  upsertCdrs,
  type CdrWrite,
  type Customer,
  type Database,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;

useMigratedDatabase((ready) => (db = ready), { poolMax: 8 });

const acceptedAt = new Date('2026-03-01T10:00:00.000Z');
let seq = 0;

async function customer(creditMicros: number | null, creditCurrency = 'USD'): Promise<Customer> {
  seq += 1;
  return createCustomer(db, {
    name: `prepaid ${seq}`,
    systemId: `pp${seq}-${randomUUID().slice(0, 8)}`,
    password: 'secret12',
    throughput: 100,
    maxBinds: 2,
    creditMicros,
    creditCurrency,
  });
}

/**
 * The tracker's write for a submit the carrier accepted, priced; marked
 * prepaid as the router marks a prepaid customer's price.
 */
function submitted(c: Customer, messageId: string, overrides: Partial<CdrWrite> = {}): CdrWrite {
  return {
    chargePrepaid: c.creditMicros !== null,
    messageId,
    customerId: c.id,
    systemId: c.systemId,
    sourceAddr: '15550001000',
    destinationAddr: '15551234567',
    segments: 1,
    submitStatus: 'submitted',
    acceptedAt,
    submittedAt: new Date(acceptedAt.getTime() + 50),
    pricePerSegmentMicros: 5000,
    costPerSegmentMicros: 3000,
    currency: 'USD',
    ...overrides,
  };
}

async function balanceOf(c: Customer): Promise<number | null | undefined> {
  return (await getCustomerById(db, c.id))?.creditMicros;
}

describe('prepaid credit', () => {
  it('charges each message once when a carrier accepts it, however often its CDR is written', async () => {
    const c = await customer(100_000);
    const ids = [1, 2, 3].map((n) => `pc1-${n}-${randomUUID()}`);
    const batch = ids.map((id, i) => submitted(c, id, { segments: i + 1 }));
    await upsertCdrs(db, batch);
    expect(await balanceOf(c)).toBe(100_000 - 6 * 5000);
    expect((await getCdr(db, ids[2]!))?.chargedMicros).toBe(15_000);

    // A redelivered submit result and the receipts: no second charge.
    await upsertCdrs(db, batch);
    await upsertCdrs(
      db,
      ids.map((id, i) =>
        submitted(c, id, { segments: i + 1, deliveryStatus: 'DELIVRD', doneAt: new Date() }),
      ),
    );
    expect(await balanceOf(c)).toBe(70_000);
  });

  it('charges a message whose receipt overtook its submit result when the price arrives', async () => {
    const c = await customer(50_000);
    const id = `pc2-${randomUUID()}`;
    // The receipt's write knows no price yet.
    await upsertCdrs(db, [
      submitted(c, id, {
        segments: 2,
        pricePerSegmentMicros: null,
        costPerSegmentMicros: null,
        currency: null,
        deliveryStatus: 'DELIVRD',
      }),
    ]);
    expect(await balanceOf(c)).toBe(50_000);
    expect((await getCdr(db, id))?.chargedMicros).toBeNull();
    await upsertCdrs(db, [submitted(c, id, { segments: 2 })]);
    expect(await balanceOf(c)).toBe(40_000);
    expect((await getCdr(db, id))?.chargedMicros).toBe(10_000);
  });

  it('does not charge what no carrier accepted', async () => {
    const c = await customer(50_000);
    const accepted = `pc3-a-${randomUUID()}`;
    const failed = `pc3-f-${randomUUID()}`;
    await upsertCdrs(db, [
      submitted(c, accepted, { submitStatus: 'accepted', submittedAt: null }),
      submitted(c, failed, {
        submitStatus: 'failed',
        failureReason: 'no_route',
        pricePerSegmentMicros: null,
      }),
    ]);
    // A vendor's rejection after routing carries the price: still no charge.
    await upsertCdrs(db, [submitted(c, accepted, { submitStatus: 'failed' })]);
    expect(await balanceOf(c)).toBe(50_000);
    expect((await getCdr(db, accepted))?.chargedMicros).toBeNull();
    expect((await getCdr(db, failed))?.chargedMicros).toBeNull();
  });

  it('records the charge of postpaid messages without giving them a balance', async () => {
    const c = await customer(null);
    const id = `pc4-${randomUUID()}`;
    await upsertCdrs(db, [submitted(c, id, { segments: 3 })]);
    expect(await balanceOf(c)).toBeNull();
    expect((await getCdr(db, id))?.chargedMicros).toBe(15_000);
  });

  it('leaves the balance alone for a message the router priced as postpaid (before the customer became prepaid)', async () => {
    const c = await customer(30_000);
    const id = `pc8-${randomUUID()}`;
    await upsertCdrs(db, [submitted(c, id, { chargePrepaid: null })]);
    expect(await balanceOf(c)).toBe(30_000);
    expect((await getCdr(db, id))?.chargedMicros).toBe(5_000);
  });

  it('takes only prices in the balance currency off it', async () => {
    const c = await customer(80_000, 'EUR');
    await upsertCdrs(db, [
      submitted(c, `pc5-usd-${randomUUID()}`),
      submitted(c, `pc5-eur-${randomUUID()}`, { currency: 'EUR', pricePerSegmentMicros: 7000 }),
    ]);
    expect(await balanceOf(c)).toBe(73_000);
  });

  it('charges several customers in one batch, each its own messages', async () => {
    const [a, b, post] = [await customer(10_000), await customer(20_000), await customer(null)];
    const writes = [a, b, post, a, b].map((c, i) => submitted(c, `pc6-${i}-${randomUUID()}`));
    await upsertCdrs(db, writes);
    expect([await balanceOf(a), await balanceOf(b), await balanceOf(post)]).toEqual([
      0,
      10_000,
      null,
    ]);
  });

  it('charges once under concurrent writers sharing messages and customers, without deadlocks', async () => {
    const [a, b] = [await customer(1_000_000), await customer(1_000_000)];
    const ids = Array.from({ length: 60 }, (_, i) => `pc7-${i}-${randomUUID()}`);
    const writeOf = (i: number) =>
      submitted(i % 2 === 0 ? a : b, ids[i]!, { segments: 1 + (i % 3) });
    // Eight writers at once, each an overlapping half of the messages in its
    // own order (upsertCdrs sorts by message id; the customers interleave).
    const writers = Array.from({ length: 8 }, (_, w) => {
      const mine = ids.map((_, i) => i).filter((i) => (i + w) % 2 === 0 || i % 5 === w % 5);
      return upsertCdrs(db, [...mine.slice(w * 3), ...mine.slice(0, w * 3)].map(writeOf));
    });
    await Promise.all(writers);
    let expectedA = 0;
    let expectedB = 0;
    ids.forEach((_, i) => {
      const charge = (1 + (i % 3)) * 5000;
      if (i % 2 === 0) expectedA += charge;
      else expectedB += charge;
    });
    // Every message was written by at least one writer.
    expect(await balanceOf(a)).toBe(1_000_000 - expectedA);
    expect(await balanceOf(b)).toBe(1_000_000 - expectedB);
  });
});

describe('adjustCustomerCredit and prepaidBalances', () => {
  it('adds to and takes off a prepaid balance atomically', async () => {
    const c = await customer(1_000);
    expect(await adjustCustomerCredit(db, c.id, 250_000)).toEqual({
      customerId: c.id,
      creditMicros: 251_000,
      creditCurrency: 'USD',
    });
    const adjustments = Array.from({ length: 20 }, () => adjustCustomerCredit(db, c.id, -1_000));
    await Promise.all(adjustments);
    expect(await balanceOf(c)).toBe(231_000);
  });

  it('refuses a postpaid customer and tells an unknown one apart', async () => {
    const post = await customer(null);
    await expect(adjustCustomerCredit(db, post.id, 1_000)).rejects.toBeInstanceOf(ConflictError);
    expect(await balanceOf(post)).toBeNull();
    expect(await adjustCustomerCredit(db, randomUUID(), 1_000)).toBeUndefined();
    expect(await adjustCustomerCredit(db, 'not-a-uuid', 1_000)).toBeUndefined();
  });

  it('reads the balances of the prepaid ones among the ids asked for', async () => {
    const [pre, post] = [await customer(5_000, 'GBP'), await customer(null)];
    const found = await prepaidBalances(db, [pre.id, post.id, randomUUID(), 'junk']);
    expect(found).toEqual([{ customerId: pre.id, creditMicros: 5_000, creditCurrency: 'GBP' }]);
    expect(await prepaidBalances(db, [])).toEqual([]);
  });
});
