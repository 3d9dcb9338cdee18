import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  getMoMessage,
  insertMoMessages,
  pruneMoMessages,
  searchMoMessages,
  type Database,
  type MoMessageWrite,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;

useMigratedDatabase((ready) => (db = ready));

beforeEach(async () => {
  await sql`TRUNCATE messaging.mo_messages`.execute(db);
});

const customerId = randomUUID();
const vendorId = randomUUID();
const base = new Date('2026-11-27T09:00:00.000Z');

function mo(id: string, minutes: number, over: Partial<MoMessageWrite> = {}): MoMessageWrite {
  const receivedAt = new Date(base.getTime() + minutes * 60_000);
  return {
    messageId: id,
    customerId,
    vendorId,
    source: '447700900777',
    destination: '447700900555',
    esmClass: 0,
    dataCoding: 0,
    octets: 4,
    concat: null,
    receivedAt,
    routedAt: new Date(receivedAt.getTime() + 5),
    deliveryMessageId: `d-${id}`,
    ...over,
  };
}

describe('the MO archive', () => {
  it('keeps the first row of a part written twice (a redelivery) and reads it back', async () => {
    const part = mo('m1', 0, { concat: { reference: 7, sequence: 2, total: 3 }, octets: 134 });
    await insertMoMessages(db, [part]);
    await insertMoMessages(db, [{ ...part, deliveryMessageId: 'another delivery' }]);
    expect(await getMoMessage(db, 'm1')).toEqual(part);
    expect(await getMoMessage(db, 'none')).toBeUndefined();
  });

  it('stores a vendor id that is not one of ours as unknown rather than failing the write', async () => {
    await insertMoMessages(db, [mo('m2', 0, { vendorId: 'not-a-uuid' })]);
    expect((await getMoMessage(db, 'm2'))?.vendorId).toBeNull();
  });

  it("pages one customer's parts in a window, newest first, filtered by address", async () => {
    const other = randomUUID();
    await insertMoMessages(db, [
      mo('a', 1),
      mo('b', 2),
      mo('c', 3, { source: '447700900999' }),
      mo('d', 4),
      mo('late', 90),
      mo('theirs', 2, { customerId: other }),
    ]);
    const window = { customerId, from: base, to: new Date(base.getTime() + 60 * 60_000) };
    const first = await searchMoMessages(db, { ...window, limit: 2 });
    expect(first.items.map((m) => m.messageId)).toEqual(['d', 'c']);
    const second = await searchMoMessages(db, { ...window, limit: 2, after: first.next });
    expect(second.items.map((m) => m.messageId)).toEqual(['b', 'a']);
    expect(second.next).toBeUndefined();
    const fromOne = await searchMoMessages(db, { ...window, source: '447700900999', limit: 10 });
    expect(fromOne.items.map((m) => m.messageId)).toEqual(['c']);
    expect((await searchMoMessages(db, { ...window, customerId: 'x', limit: 5 })).items).toEqual(
      [],
    );
  });

  it('retention deletes the parts received before the cutoff, in batches', async () => {
    await insertMoMessages(
      db,
      Array.from({ length: 11 }, (_, i) => mo(`old-${i}`, -60 * 24 * 40)),
    );
    await insertMoMessages(db, [mo('kept', 0)]);
    const result = await pruneMoMessages(db, {
      before: new Date(base.getTime() - 30 * 86_400_000),
      batchSize: 4,
    });
    expect(result).toEqual({ deleted: 11, yielded: false });
    expect(await getMoMessage(db, 'kept')).toBeDefined();
    expect(await getMoMessage(db, 'old-0')).toBeUndefined();
  });
});
