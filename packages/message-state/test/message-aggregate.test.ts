import { createDatabase, migrateToLatest, upsertCdrs, type Database } from '@smpp-gateway/db';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregateStatus,
  lookupMessage,
  MessageAggregateStore,
  MessageStateStore,
  stateKeys,
  type AggregateIdentity,
} from '../src/index.js';

let redisEnv: TestRedis;
let dbEnv: TestDatabase;
let redis: Redis;
let db: Kysely<Database>;
let store: MessageStateStore;
let aggregates: MessageAggregateStore;
const customerId = '00000000-0000-4000-8000-000000000002';

beforeAll(async () => {
  redisEnv = createTestRedis();
  dbEnv = await createTestDatabase();
  redis = new Redis(redisEnv.url, { keyPrefix: redisEnv.keyPrefix, db: 0 });
  db = createDatabase(dbEnv.url);
  await migrateToLatest(db);
  store = new MessageStateStore({ redis });
  aggregates = new MessageAggregateStore({ redis });
});

afterAll(async () => {
  redis.disconnect();
  await db.destroy();
  await redisEnv.cleanup();
  await dbEnv.drop();
});

describe('aggregateStatus', () => {
  it('is delivered only when every part is, failed as soon as one part fails', () => {
    const part = (sequence: number, status: 'DELIVRD' | 'UNDELIV' | 'submitted' | 'ENROUTE') => ({
      sequence,
      messageId: `m${sequence}`,
      status,
    });
    expect(aggregateStatus(2, [part(1, 'DELIVRD')])).toBe('pending');
    expect(aggregateStatus(2, [part(1, 'DELIVRD'), part(2, 'ENROUTE')])).toBe('pending');
    expect(aggregateStatus(2, [part(1, 'DELIVRD'), part(2, 'DELIVRD')])).toBe('delivered');
    expect(aggregateStatus(3, [part(1, 'submitted'), part(2, 'UNDELIV')])).toBe('failed');
  });
});

describe('customer receipt lease', () => {
  it('lets exactly one of two concurrent claimers publish, and only while pending', async () => {
    const id = 'm-claim';
    expect(await store.claimCustomerReceipt(id, 'a', 5_000)).toBe('not_pending');
    await store.merge(id, { status: 'DELIVRD', customerReceipt: 'pending' });
    const results = await Promise.all([
      store.claimCustomerReceipt(id, 'a', 5_000),
      store.claimCustomerReceipt(id, 'b', 5_000),
    ]);
    expect(results).toEqual(['claimed', 'held']);
    // The holder may claim again (a retry of its own work).
    expect(await store.claimCustomerReceipt(id, 'a', 5_000)).toBe('claimed');
    await store.releaseCustomerReceipt(id, 'b'); // not the holder: no effect
    expect(await store.claimCustomerReceipt(id, 'b', 5_000)).toBe('held');
    await store.releaseCustomerReceipt(id, 'a');
    expect(await store.claimCustomerReceipt(id, 'b', 5_000)).toBe('claimed');
    expect(await store.compareAndSet(id, 'customerReceipt', 'pending', 'sent')).toBe(true);
    expect(await store.claimCustomerReceipt(id, 'c', 5_000)).toBe('not_pending');
  });

  it('expires, so a dead holder does not block the receipt forever', async () => {
    const id = 'm-claim-expiry';
    await store.merge(id, { status: 'UNDELIV', customerReceipt: 'pending' });
    expect(await store.claimCustomerReceipt(id, 'dead-pod', 30)).toBe('claimed');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.claimCustomerReceipt(id, 'live-pod', 5_000)).toBe('claimed');
    expect(await redis.get(stateKeys.receiptLease(id))).toBe('live-pod');
  });
});

describe('MessageAggregateStore', () => {
  const identity: AggregateIdentity = {
    customerId,
    source: { addr: '15550001000' },
    destination: { addr: '15125550100' },
    concat: { reference: 42, total: 2 },
  };

  it('tracks parts monotonically and reports the whole message', async () => {
    expect(await aggregates.get(identity)).toBeUndefined();
    let aggregate = await aggregates.updatePart(identity, 1, 'p1', 'submitted');
    expect(aggregate).toMatchObject({ status: 'pending', reference: 42, total: 2 });
    await aggregates.updatePart(identity, 2, 'p2', 'submitted');
    aggregate = await aggregates.updatePart(identity, 1, 'p1', 'DELIVRD');
    expect(aggregate.status).toBe('pending');
    // A late, lower-ranked event for part 1 does not move it back.
    aggregate = await aggregates.updatePart(identity, 1, 'p1', 'ENROUTE');
    expect(aggregate.parts[0]).toMatchObject({ sequence: 1, status: 'DELIVRD' });
    aggregate = await aggregates.updatePart(identity, 2, 'p2', 'DELIVRD');
    expect(aggregate.status).toBe('delivered');
    expect(await aggregates.get(identity)).toEqual(aggregate);
  });

  it('starts over when a newer message reuses the reference', async () => {
    const reused: AggregateIdentity = { ...identity, concat: { reference: 7, total: 2 } };
    await aggregates.updatePart(reused, 1, 'old-1', 'DELIVRD');
    await aggregates.updatePart(reused, 2, 'old-2', 'UNDELIV');
    const fresh = await aggregates.updatePart(reused, 1, 'new-1', 'submitted');
    expect(fresh.parts).toEqual([{ sequence: 1, messageId: 'new-1', status: 'submitted' }]);
    expect(fresh.status).toBe('pending');
  });

  it('is part of the lookup, from Redis and rebuilt from CDRs after expiry', async () => {
    const concat = { reference: 99, total: 2, method: 'udh8' as const };
    const source = { addr: '15550001000', ton: 1, npi: 1 };
    const destination = { addr: '15125550199', ton: 1, npi: 1 };
    const acceptedAt = new Date('2026-11-26T00:00:00Z');
    for (const [sequence, status] of [
      [1, 'DELIVRD'],
      [2, 'UNDELIV'],
    ] as const) {
      const id = `m-agg-${sequence}`;
      await store.merge(id, {
        status,
        customerId,
        source,
        destination,
        concat: { ...concat, sequence },
      });
      await aggregates.updatePart(
        { customerId, source, destination, concat },
        sequence,
        id,
        status,
      );
      await upsertCdrs(db, [
        {
          messageId: id,
          customerId,
          systemId: 'demo',
          sourceAddr: source.addr,
          destinationAddr: destination.addr,
          segments: 1,
          concatRef: concat.reference,
          partSeq: sequence,
          partTotal: concat.total,
          submitStatus: 'submitted',
          deliveryStatus: status,
          acceptedAt,
        },
      ]);
    }
    const live = await lookupMessage(store, db, 'm-agg-1', { aggregates });
    expect(live).toMatchObject({ from: 'redis', aggregate: { status: 'failed', total: 2 } });
    expect(live?.aggregate?.parts).toHaveLength(2);
    // Without the option the lookup is unchanged.
    expect(await lookupMessage(store, db, 'm-agg-1')).not.toHaveProperty('aggregate');

    await redis.del(stateKeys.message('m-agg-1'), stateKeys.message('m-agg-2'));
    const archived = await lookupMessage(store, db, 'm-agg-1', { aggregates });
    expect(archived).toMatchObject({
      from: 'postgres',
      aggregate: {
        status: 'failed',
        reference: 99,
        parts: [
          { sequence: 1, messageId: 'm-agg-1', status: 'DELIVRD' },
          { sequence: 2, messageId: 'm-agg-2', status: 'UNDELIV' },
        ],
      },
    });
  });
});
