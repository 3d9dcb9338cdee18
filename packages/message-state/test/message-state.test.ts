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
  MessageStateStore,
  REFUSED_RETENTION_MS,
  RefusedSubmitsStore,
  lookupMessage,
  stateKeys,
  trustedRecord,
} from '../src/index.js';

let redisEnv: TestRedis;
let dbEnv: TestDatabase;
let redis: Redis;
let db: Kysely<Database>;
let store: MessageStateStore;
const customerId = '00000000-0000-4000-8000-000000000001';

beforeAll(async () => {
  redisEnv = createTestRedis();
  dbEnv = await createTestDatabase();
  redis = new Redis(redisEnv.url, { keyPrefix: redisEnv.keyPrefix, db: 0 });
  db = createDatabase(dbEnv.url);
  await migrateToLatest(db);
  store = new MessageStateStore({ redis });
});

afterAll(async () => {
  redis.disconnect();
  await db.destroy();
  await redisEnv.cleanup();
  await dbEnv.drop();
});

describe('MessageStateStore', () => {
  it('merges monotonically: a late ENROUTE never overwrites DELIVRD', async () => {
    const id = 'm-mono';
    expect(await store.recordAccepted(id, { status: 'accepted', customerId, segments: 1 })).toBe(
      true,
    );
    expect(
      (await store.merge(id, { status: 'submitted', vendorId: 'v1', vendorMessageId: 'AB' }))
        .advanced,
    ).toBe(true);
    const delivered = await store.merge(id, {
      status: 'DELIVRD',
      err: '000',
      doneAt: '2026-11-26T01:00:00.000Z',
    });
    expect(delivered).toMatchObject({ advanced: true, previousStatus: 'submitted' });
    const late = await store.merge(id, { status: 'ENROUTE', err: '999', networkErrorCode: '3:1' });
    expect(late.advanced).toBe(false);
    expect(late.record).toMatchObject({
      status: 'DELIVRD',
      err: '000',
      networkErrorCode: '3:1',
      vendorId: 'v1',
    });
    // A second final state does not replace the first.
    expect((await store.merge(id, { status: 'UNDELIV' })).record.status).toBe('DELIVRD');
  });

  it('recordAccepted never overwrites a record a faster writer created', async () => {
    const id = 'm-race';
    await store.merge(id, { status: 'submitted', vendorId: 'v9' });
    expect(await store.recordAccepted(id, { status: 'accepted', customerId })).toBe(false);
    expect((await store.get(id))?.status).toBe('submitted');
  });

  it('refuses to hand back a stored record it cannot trust, with the reason', async () => {
    // The merge paths check what callers decide on instead of parsing the
    // whole record (see trustedRecord): a foreign or corrupt value must
    // still fail loudly, never become a wrong receipt decision.
    expect(() => trustedRecord({ messageId: 'm', status: 'LOST' })).toThrow(
      'malformed message state record: unknown status "LOST"',
    );
    expect(() => trustedRecord({ status: 'submitted' })).toThrow(/no messageId/);
    expect(() => trustedRecord([])).toThrow(/no messageId/);
    expect(() => trustedRecord(null)).toThrow(/not an object/);
    expect(() =>
      trustedRecord({ messageId: 'm', status: 'submitted', registeredDelivery: '1' }),
    ).toThrow(/registeredDelivery is not an integer/);
    expect(trustedRecord({ messageId: 'm', status: 'routed' })).toEqual({
      messageId: 'm',
      status: 'routed',
    });
    // Through Redis: a final record keeps its fields under a late ENROUTE,
    // so the corrupt one comes back from the script and is refused.
    await redis.set(
      stateKeys.message('m-bad-receipt'),
      JSON.stringify({ messageId: 'm-bad-receipt', status: 'DELIVRD', customerReceipt: 'maybe' }),
    );
    await expect(store.merge('m-bad-receipt', { status: 'ENROUTE' })).rejects.toThrow(
      'malformed message state record: unknown customerReceipt "maybe"',
    );
  });

  it('records carry the TTL', async () => {
    await store.merge('m-ttl', { status: 'accepted' });
    const ttl = await redis.ttl(stateKeys.message('m-ttl'));
    expect(ttl).toBeGreaterThan(6 * 24 * 3600);
  });

  describe('mergeAndClaim', () => {
    // A toy policy: receipts wanted for DELIVRD and UNDELIV when bits are 1.
    const decisions = {
      '0': { DELIVRD: 'not_requested', UNDELIV: 'not_requested' },
      '1': { DELIVRD: 'pending', UNDELIV: 'pending' },
      '2': { DELIVRD: 'not_requested', UNDELIV: 'pending' },
      '3': { DELIVRD: 'pending', UNDELIV: 'not_requested' },
    } as const;
    const contextFields = ['customerId', 'registeredDelivery'];
    const opts = (owner: string) => ({ decisions, contextFields, owner, leaseMs: 5_000 });

    it('decides and claims in the merge that makes the record final, once', async () => {
      const id = 'm-claim';
      await store.recordAccepted(id, { status: 'accepted', customerId, registeredDelivery: 0x11 });
      const submitted = await store.mergeAndClaim(id, { status: 'submitted' }, opts('a'));
      expect(submitted.claim).toBeUndefined();
      expect(submitted.record.customerReceipt).toBeUndefined();

      const first = await store.mergeAndClaim(id, { status: 'DELIVRD' }, opts('a'));
      expect(first.claim).toBe('claimed');
      expect(first.record.customerReceipt).toBe('pending');
      // A duplicate receipt handled by someone else meanwhile sees the lease held.
      const duplicate = await store.mergeAndClaim(id, { status: 'DELIVRD' }, opts('b'));
      expect(duplicate).toMatchObject({ advanced: false, claim: 'held' });
      // The same owner again (a retry of its own step) keeps its claim.
      expect((await store.mergeAndClaim(id, { status: 'DELIVRD' }, opts('a'))).claim).toBe(
        'claimed',
      );
      // Once the holder marked it sent, nobody claims it again, and the
      // next merge stores the record as sent.
      await store.markCustomerReceiptSent(id);
      expect(await redis.ttl(stateKeys.receiptLease(id))).toBeGreaterThan(6 * 24 * 3600);
      const after = await store.mergeAndClaim(id, { status: 'DELIVRD' }, opts('b'));
      expect(after.claim).toBeUndefined();
      expect(after.record.customerReceipt).toBe('sent');
      expect(JSON.parse((await redis.get(stateKeys.message(id))) ?? '{}')).toMatchObject({
        customerReceipt: 'sent',
      });
    });

    it('a lease owner cannot be named like the sent marker', async () => {
      await expect(
        store.mergeAndClaim('m-owner', { status: 'DELIVRD' }, opts('sent')),
      ).rejects.toThrow(/cannot be a receipt lease owner/);
      await expect(store.claimCustomerReceipt('m-owner', 'sent', 5_000)).rejects.toThrow(
        /cannot be a receipt lease owner/,
      );
    });

    it('leaves the receipt undecided without the context fields, and decides not_requested by the table', async () => {
      await store.merge('m-noctx', { status: 'submitted', customerId });
      const noContext = await store.mergeAndClaim('m-noctx', { status: 'DELIVRD' }, opts('a'));
      expect(noContext.record.customerReceipt).toBeUndefined();
      expect(noContext.claim).toBeUndefined();
      // The context arriving later (the submit result) completes the decision.
      const late = await store.mergeAndClaim(
        'm-noctx',
        { status: 'submitted', registeredDelivery: 2 },
        opts('a'),
      );
      expect(late.record).toMatchObject({ status: 'DELIVRD', customerReceipt: 'not_requested' });
      expect(late.claim).toBeUndefined();
    });

    it('decides on a record it creates (no accepted state written before)', async () => {
      const created = await store.mergeAndClaim(
        'm-fresh',
        { status: 'UNDELIV', customerId, registeredDelivery: 2 },
        opts('a'),
      );
      expect(created).toMatchObject({ advanced: true, claim: 'claimed' });
      expect((await store.get('m-fresh'))?.customerReceipt).toBe('pending');
    });

    describe('calls made in one turn of the event loop', () => {
      // A client of its own whose script calls are counted (EVALSHA, or EVAL
      // when Redis did not have the script yet).
      let counted: Redis;
      let batchStore: MessageStateStore;
      let scriptCalls: number[];
      beforeAll(() => {
        counted = new Redis(redisEnv.url, { keyPrefix: redisEnv.keyPrefix, db: 0 });
        scriptCalls = [];
        const send = counted.sendCommand.bind(counted);
        counted.sendCommand = (command: Parameters<typeof send>[0]) => {
          if (command.name === 'evalsha') scriptCalls.push(Number(command.args[1]) / 2);
          return send(command);
        };
        batchStore = new MessageStateStore({ redis: counted });
      });
      afterAll(() => {
        counted.disconnect();
      });

      it('go to Redis as one script call per 20 records, each with its own result', async () => {
        // Warm: the first call may load the script (NOSCRIPT, then EVAL).
        await batchStore.mergeAndClaim('m-batch-warm', { status: 'submitted' }, opts('w'));
        scriptCalls.length = 0;
        const ids = Array.from({ length: 45 }, (_, i) => `m-batch-${i}`);
        const results = await Promise.all(
          ids.map((id, i) =>
            batchStore.mergeAndClaim(
              id,
              { status: 'DELIVRD', customerId, registeredDelivery: i % 2 },
              opts(`o${i}`),
            ),
          ),
        );
        expect(scriptCalls).toEqual([20, 20, 5]);
        results.forEach((result, i) => {
          expect(result.record.messageId).toBe(ids[i]);
          // registered_delivery 1 asks for the receipt, 0 does not.
          expect(result.claim).toBe(i % 2 === 1 ? 'claimed' : undefined);
          expect(result.record.customerReceipt).toBe(i % 2 === 1 ? 'pending' : 'not_requested');
        });
        // Each record's lease went to its own owner.
        expect(await redis.get(stateKeys.receiptLease('m-batch-3'))).toBe('o3');
      });

      it('apply two merges of one message in the order they were called', async () => {
        scriptCalls.length = 0;
        const [first, second] = await Promise.all([
          batchStore.mergeAndClaim('m-batch-order', { status: 'submitted', customerId }, opts('a')),
          batchStore.mergeAndClaim(
            'm-batch-order',
            { status: 'DELIVRD', registeredDelivery: 1 },
            opts('b'),
          ),
        ]);
        expect(scriptCalls).toEqual([2]);
        expect(first).toMatchObject({ advanced: true, previousStatus: undefined });
        expect(second).toMatchObject({
          advanced: true,
          previousStatus: 'submitted',
          claim: 'claimed',
        });
        expect(second.record).toMatchObject({ status: 'DELIVRD', customerId });
      });

      it('fail only the call whose record Redis cannot merge', async () => {
        await redis.set(stateKeys.message('m-batch-bad'), 'not json');
        scriptCalls.length = 0;
        const [bad, good] = await Promise.allSettled([
          batchStore.mergeAndClaim('m-batch-bad', { status: 'DELIVRD' }, opts('a')),
          batchStore.mergeAndClaim('m-batch-good', { status: 'DELIVRD', customerId }, opts('b')),
        ]);
        expect(scriptCalls).toEqual([2]);
        expect(bad.status).toBe('rejected');
        expect(String((bad as PromiseRejectedResult).reason)).toMatch(/merge failed in Redis/);
        expect(good).toMatchObject({ status: 'fulfilled', value: { advanced: true } });
        expect(await redis.get(stateKeys.message('m-batch-bad'))).toBe('not json');
      });
    });
  });

  it('markCustomerReceiptSent: the record reads as sent and the receipt cannot be claimed again', async () => {
    const id = 'm-sent-marker';
    await store.merge(id, { status: 'DELIVRD', customerReceipt: 'pending' });
    expect(await store.claimCustomerReceipt(id, 'a', 5_000)).toBe('claimed');
    await store.markCustomerReceiptSent(id);
    // The JSON record itself still says pending: get folds the marker in.
    expect(JSON.parse((await redis.get(stateKeys.message(id))) ?? '{}').customerReceipt).toBe(
      'pending',
    );
    expect((await store.get(id))?.customerReceipt).toBe('sent');
    expect(await store.claimCustomerReceipt(id, 'b', 5_000)).toBe('not_pending');
    // The lease's former holder releasing late does not undo it.
    await store.releaseCustomerReceipt(id, 'a');
    expect((await store.get(id))?.customerReceipt).toBe('sent');
  });

  it('compareAndSet moves the customer receipt pending → sent exactly once', async () => {
    const id = 'm-receipt';
    await store.merge(id, { status: 'DELIVRD', customerReceipt: 'pending' });
    expect(await store.compareAndSet(id, 'customerReceipt', 'pending', 'sent')).toBe(true);
    expect(await store.compareAndSet(id, 'customerReceipt', 'pending', 'sent')).toBe(false);
    expect(await store.compareAndSet('missing', 'customerReceipt', undefined, 'pending')).toBe(
      false,
    );
    expect((await store.get(id))?.customerReceipt).toBe('sent');
  });

  it('maps a vendor id under its exact key and its candidate readings, and finds it by either', async () => {
    await store.mapVendorId('v1', { exact: '3039', candidates: ['3039', '12345'] }, 'm-ours');
    expect(await store.lookupVendorId('v1', { exact: '3039', candidates: [] })).toEqual({
      messageId: 'm-ours',
      ambiguous: false,
    });
    expect(await store.lookupVendorId('v1', { exact: 'nope', candidates: ['12345'] })).toEqual({
      messageId: 'm-ours',
      ambiguous: false,
    });
    expect(
      (await store.lookupVendorId('v2', { exact: '3039', candidates: [] })).messageId,
    ).toBeUndefined();
  });

  it('finds a hex id without letters from its decimal receipt (the readings meet in the candidate space)', async () => {
    // Vendor 'auto' answers hex "6613173628098": read as decimal (no letter),
    // exact key 603bfdd6cc2; its hex reading is a candidate.
    await store.mapVendorId(
      'v7',
      { exact: '603bfdd6cc2', candidates: ['603bfdd6cc2', '6613173628098'] },
      'm-digits',
    );
    // The receipt quotes the same number in decimal: exact key 6613173628098.
    expect(
      await store.lookupVendorId('v7', {
        exact: '6613173628098',
        candidates: ['6613173628098', '1795714877391000'],
      }),
    ).toEqual({ messageId: 'm-digits', ambiguous: false });
  });

  it('never lets a candidate reading shadow or overwrite an exact key, and maps a shared reading to nobody', async () => {
    // Vendor 'auto': A's resp "12345" read as decimal is 0x3039; B's resp "3039"
    // read as hex is 0x3039 too. Both readings are plausible, so neither wins.
    await store.mapVendorId('v9', { exact: '3039', candidates: ['12345'] }, 'm-a');
    await store.mapVendorId('v9', { exact: 'bdf', candidates: ['3039'] }, 'm-b');
    // A's exact key is still A's (B's candidate went to the candidate space).
    expect((await store.lookupVendorId('v9', { exact: '3039', candidates: [] })).messageId).toBe(
      'm-a',
    );
    // B's own exact key and unique readings still find B.
    expect((await store.lookupVendorId('v9', { exact: 'bdf', candidates: [] })).messageId).toBe(
      'm-b',
    );
    // A reading two messages share maps to nobody, reported as ambiguous.
    await store.mapVendorId('v9', { exact: 'c0ffee', candidates: ['12345'] }, 'm-c');
    expect(await store.lookupVendorId('v9', { exact: 'missing', candidates: ['12345'] })).toEqual({
      messageId: undefined,
      ambiguous: true,
    });
    // Writing the same message twice (a redelivered submit) is not a conflict.
    await store.mapVendorId('v9', { exact: 'bdf', candidates: ['3039'] }, 'm-b');
    await store.mapVendorId('v9', { exact: 'beef', candidates: ['777'] }, 'm-d');
    await store.mapVendorId('v9', { exact: 'beef', candidates: ['777'] }, 'm-d');
    expect((await store.lookupVendorId('v9', { exact: 'x', candidates: ['777'] })).messageId).toBe(
      'm-d',
    );
  });

  it('maps the messages of one turn in one script call, candidates and extra keys in their places', async () => {
    // In one turn: an 'auto' vendor's two messages sharing a reading, one with
    // an extra key, and an explicit vendor's message without candidates.
    await Promise.all([
      store.mapVendorId('vb', { exact: '3039', candidates: ['12345'] }, 'm-ba', {
        key: 'marker:m-ba',
        value: 'A',
        ttlSeconds: 60,
      }),
      store.mapVendorId('vb', { exact: 'c0ffee', candidates: ['12345', '99'] }, 'm-bb'),
      store.mapVendorId('vc', { exact: 'abc', candidates: [] }, 'm-bc', {
        key: 'marker:m-bc',
        value: 'C',
        ttlSeconds: 30,
      }),
    ]);
    const find = (vendor: string, exact: string, candidates: string[] = []) =>
      store.lookupVendorId(vendor, { exact, candidates });
    expect((await find('vb', '3039')).messageId).toBe('m-ba');
    expect((await find('vb', 'c0ffee')).messageId).toBe('m-bb');
    expect((await find('vb', 'x', ['99'])).messageId).toBe('m-bb');
    // The shared reading, written by both in one script call: nobody's.
    expect(await find('vb', 'x', ['12345'])).toEqual({ messageId: undefined, ambiguous: true });
    expect((await find('vc', 'abc')).messageId).toBe('m-bc');
    expect(await redis.mget('marker:m-ba', 'marker:m-bc')).toEqual(['A', 'C']);
    const markerTtl = await redis.ttl('marker:m-bc');
    expect(markerTtl).toBeGreaterThan(0);
    expect(markerTtl).toBeLessThanOrEqual(30);
  });

  it('records the accepted states of one turn in one call, never over a record already there', async () => {
    await store.merge('m-acc-late', { status: 'submitted', vendorId: 'v1' });
    const created = await Promise.all(
      ['m-acc-1', 'm-acc-late', 'm-acc-2'].map((id) =>
        store.recordAccepted(id, { status: 'accepted', customerId, segments: 1 }),
      ),
    );
    expect(created).toEqual([true, false, true]);
    expect((await store.get('m-acc-late'))?.status).toBe('submitted');
    expect(await store.get('m-acc-2')).toMatchObject({ status: 'accepted', customerId });
    expect(await redis.ttl(stateKeys.message('m-acc-1'))).toBeGreaterThan(6 * 24 * 3600);
  });

  it('writes an extra key in the same step, and every mapping carries the TTL', async () => {
    await store.mapVendorId('v3', { exact: 'aa', candidates: ['170'] }, 'm-ttl', {
      key: 'marker:m-ttl',
      value: '{"x":1}',
      ttlSeconds: 60,
    });
    expect(await redis.get('marker:m-ttl')).toBe('{"x":1}');
    expect(await redis.ttl('marker:m-ttl')).toBeLessThanOrEqual(60);
    expect(await redis.ttl(stateKeys.vendorMapping('v3', 'aa'))).toBeGreaterThan(6 * 24 * 3600);
    expect(await redis.ttl(stateKeys.vendorCandidate('v3', '170'))).toBeGreaterThan(6 * 24 * 3600);
  });
});

describe('RefusedSubmitsStore', () => {
  it('keeps refused ids with their time for an hour and reads them back from a point in time', async () => {
    let now = 1_000_000;
    const refused = new RefusedSubmitsStore({ redis, now: () => now });
    await refused.record(['r-1', 'r-2']);
    now += 5_000;
    await refused.record(['r-3']);
    expect(await refused.since(0)).toEqual([
      { messageId: 'r-1', atMs: 1_000_000 },
      { messageId: 'r-2', atMs: 1_000_000 },
      { messageId: 'r-3', atMs: 1_005_000 },
    ]);
    expect((await refused.since(1_000_001)).map((r) => r.messageId)).toEqual(['r-3']);
    // An hour later the first two are gone, the key keeps a TTL.
    now += REFUSED_RETENTION_MS - 4_000;
    await refused.record(['r-4']);
    expect((await refused.since(0)).map((r) => r.messageId)).toEqual(['r-3', 'r-4']);
    expect(await redis.pttl(stateKeys.refusedSubmits())).toBeGreaterThan(0);
    await refused.record([]);
  });
});

describe('lookupMessage', () => {
  it('falls back to the CDR when Redis no longer has the record', async () => {
    const id = 'm-fallback';
    await store.merge(id, { status: 'DELIVRD', customerId });
    await upsertCdrs(db, [
      {
        messageId: id,
        customerId,
        systemId: 'demo',
        sourceAddr: '15550001000',
        destinationAddr: '15125550100',
        segments: 1,
        submitStatus: 'submitted',
        deliveryStatus: 'DELIVRD',
        acceptedAt: new Date('2026-11-26T00:00:00Z'),
        doneAt: new Date('2026-11-26T00:00:05Z'),
      },
    ]);
    expect((await lookupMessage(store, db, id))?.from).toBe('redis');
    await redis.del(stateKeys.message(id));
    const fallback = await lookupMessage(store, db, id);
    expect(fallback).toMatchObject({
      from: 'postgres',
      record: { status: 'DELIVRD', segments: 1 },
    });
    expect(await lookupMessage(store, db, 'unknown-id')).toBeUndefined();
  });
});
