import { randomUUID } from 'node:crypto';
import {
  sql,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  createVendor,
  deleteVendor,
  customerUsage,
  getCdr,
  getCdrByVendorMessageId,
  upsertCdrs,
  type CdrWrite,
  type Database,
  type MessageIdFormat,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;

useMigratedDatabase((ready) => (db = ready));

const customerId = randomUUID();
const vendorId = randomUUID();
const acceptedAt = new Date('2026-03-01T10:00:00.000Z');

function accepted(messageId: string, overrides: Partial<CdrWrite> = {}): CdrWrite {
  return {
    messageId,
    customerId,
    systemId: 'demo',
    sourceAddr: '15550001000',
    destinationAddr: '15551234567',
    segments: 1,
    submitStatus: 'accepted',
    acceptedAt,
    pricePerSegmentMicros: 5000,
    currency: 'USD',
    ...overrides,
  };
}

/** Counts INSERT statements compiled through the instance it is attached to. */
/**
 * Counts the statements run through a Kysely instance: upsertCdrs executes
 * its precompiled text, so kysely hands each result (one per statement,
 * not per transaction command) to the plugin's transformResult.
 */
function countingStatements(): KyselyPlugin & { statements: number } {
  return {
    statements: 0,
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      return args.node;
    },
    transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      this.statements += 1;
      return Promise.resolve(args.result);
    },
  };
}

function prefixed(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
}

describe('upsertCdrs', () => {
  it('writes 500 rows in one call and is idempotent on a replay', async () => {
    const ids = prefixed('bulk', 500);
    const writes = ids.map((id, i) =>
      accepted(id, {
        submitStatus: 'submitted',
        vendorId,
        vendorMessageId: `v${i}`,
        submittedAt: new Date(acceptedAt.getTime() + 1000),
        costPerSegmentMicros: 3000,
        segments: (i % 3) + 1,
      }),
    );
    const counted = countingStatements();
    expect(await upsertCdrs(db.withPlugin(counted), writes)).toBe(500);
    expect(counted.statements).toBe(1);
    const { count } = await db
      .selectFrom('messaging.cdrs')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('message_id', 'like', 'bulk-%')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(500);

    const before = await getCdr(db, 'bulk-0042');
    expect(before).toMatchObject({
      messageId: 'bulk-0042',
      customerId,
      vendorId,
      vendorMessageId: 'v42',
      segments: 1,
      submitStatus: 'submitted',
      deliveryStatus: null,
      pricePerSegmentMicros: 5000,
      costPerSegmentMicros: 3000,
      currency: 'USD',
      acceptedAt,
    });

    // Replaying the identical batch changes no row: not even updated_at.
    expect(await upsertCdrs(db, [...writes].reverse())).toBe(0);
    expect(await getCdr(db, 'bulk-0042')).toEqual(before);
  });

  it('never moves a final state backwards', async () => {
    const id = 'order-1';
    await upsertCdrs(db, [accepted(id)]);
    await upsertCdrs(db, [
      accepted(id, {
        submitStatus: 'submitted',
        vendorId,
        vendorMessageId: 'ABC',
        deliveryStatus: 'ENROUTE',
      }),
    ]);
    const doneAt = new Date('2026-03-01T10:00:05.000Z');
    await upsertCdrs(db, [
      accepted(id, { submitStatus: 'submitted', deliveryStatus: 'DELIVRD', error: '000', doneAt }),
    ]);
    // A late, non-final event and a stale "accepted" replay arrive afterwards.
    await upsertCdrs(db, [
      accepted(id, {
        submitStatus: 'accepted',
        deliveryStatus: 'ENROUTE',
        error: '999',
        doneAt: new Date('2026-03-01T11:00:00.000Z'),
        vendorMessageId: 'OTHER',
      }),
    ]);
    expect(await getCdr(db, id)).toMatchObject({
      submitStatus: 'submitted',
      deliveryStatus: 'DELIVRD',
      error: '000',
      doneAt,
      vendorId,
      vendorMessageId: 'ABC',
    });

    // The first final receipt wins over a conflicting later one.
    await upsertCdrs(db, [accepted(id, { submitStatus: 'submitted', deliveryStatus: 'UNDELIV' })]);
    expect((await getCdr(db, id))?.deliveryStatus).toBe('DELIVRD');
  });

  it('lets a receipt that overtook its submit result keep its state while the gaps fill in', async () => {
    const id = 'overtaken-1';
    const doneAt = new Date('2026-03-01T10:00:03.000Z');
    await upsertCdrs(db, [accepted(id, { deliveryStatus: 'DELIVRD', doneAt, vendorId })]);
    const submittedAt = new Date('2026-03-01T10:00:01.000Z');
    await upsertCdrs(db, [
      accepted(id, {
        submitStatus: 'submitted',
        vendorId,
        vendorMessageId: '0A1B',
        submittedAt,
        deliveryStatus: 'ENROUTE',
        costPerSegmentMicros: 3000,
      }),
    ]);
    expect(await getCdr(db, id)).toMatchObject({
      submitStatus: 'submitted',
      deliveryStatus: 'DELIVRD',
      doneAt,
      vendorMessageId: '0A1B',
      submittedAt,
      costPerSegmentMicros: 3000,
    });
    // No key archived (a row from before the key existed): the raw id matches.
    expect(await getCdrByVendorMessageId(db, vendorId, { id: '0A1B', key: 'a1b' })).toMatchObject({
      messageId: id,
    });
    expect(
      await getCdrByVendorMessageId(db, 'not-a-uuid', { id: '0A1B', key: 'a1b' }),
    ).toBeUndefined();
  });

  it('finds a message by the canonical key of its vendor id, whatever base the receipt quotes it in', async () => {
    const vendor = randomUUID();
    // The submit answered hex "00FF10"; the receipt quotes it in decimal.
    await upsertCdrs(db, [
      accepted('key-1', {
        submitStatus: 'submitted',
        vendorId: vendor,
        vendorMessageId: '00FF10',
        vendorMessageKey: 'ff10',
        registeredDelivery: 1,
        sourceTon: 5,
        sourceNpi: 0,
        destinationTon: 1,
        destinationNpi: 1,
      }),
    ]);
    expect(await getCdrByVendorMessageId(db, vendor, { id: '65296', key: 'ff10' })).toMatchObject({
      messageId: 'key-1',
      vendorMessageId: '00FF10',
      vendorMessageKey: 'ff10',
      registeredDelivery: 1,
      sourceTon: 5,
      sourceNpi: 0,
      destinationTon: 1,
      destinationNpi: 1,
    });
    // The raw id is not a key: an archived key is compared with the receipt's key only.
    expect(
      await getCdrByVendorMessageId(db, vendor, { id: '00FF10', key: '00FF10' }),
    ).toBeUndefined();
    // Another vendor's id space is never searched.
    expect(
      await getCdrByVendorMessageId(db, randomUUID(), { id: '65296', key: 'ff10' }),
    ).toBeUndefined();

    // A key match wins over an older row whose raw id (no key archived) equals the receipt's.
    await upsertCdrs(db, [
      accepted('key-legacy', {
        submitStatus: 'submitted',
        vendorId: vendor,
        vendorMessageId: '65297',
        acceptedAt: new Date('2026-03-02T10:00:00.000Z'),
      }),
      accepted('key-2', {
        submitStatus: 'submitted',
        vendorId: vendor,
        vendorMessageId: '00FF11',
        vendorMessageKey: 'ff11',
      }),
    ]);
    expect(await getCdrByVendorMessageId(db, vendor, { id: '65297', key: 'ff11' })).toMatchObject({
      messageId: 'key-2',
    });
    // A recycled key: the newest message.
    await upsertCdrs(db, [
      accepted('key-3', {
        submitStatus: 'submitted',
        vendorId: vendor,
        vendorMessageId: 'ff10',
        vendorMessageKey: 'ff10',
        acceptedAt: new Date('2026-03-05T10:00:00.000Z'),
      }),
    ]);
    expect(await getCdrByVendorMessageId(db, vendor, { id: '65296', key: 'ff10' })).toMatchObject({
      messageId: 'key-3',
    });
  });

  it("finds an 'auto' vendor's all-digit hex id quoted in decimal by an unambiguous reading, and never guesses for explicit formats", async () => {
    const vendorWith = async (format: MessageIdFormat, receiptFormat: MessageIdFormat | null) =>
      (
        await createVendor(
          db,
          {
            instanceName: `archive-${randomUUID()}`,
            displayName: 'Archive readings',
            host: '127.0.0.1',
            port: 2777,
            bindType: 'transceiver',
            systemId: 'gateway',
            password: 'gw-pass',
            throughput: 100,
            messageIdFormat: format,
            receiptMessageIdFormat: receiptFormat,
          },
          Buffer.alloc(32, 7),
        )
      ).id;
    // The resp id "12345678" is hex, but 'auto' read its digits as decimal:
    // key "bc614e". The receipt quotes 0x12345678 in decimal, 305419896: key
    // "12345678". Only a reading meets ("bc614e" is the 'auto' key of the
    // receipt's reading "12345678"; keysMeetingReadings in @smpp-gateway/smpp).
    const receipt = {
      id: '305419896',
      key: '12345678',
      readings: ['12345678', '305419896', 'bc614e'],
    };
    const submitted = (messageId: string, vendor: string, key: string) =>
      accepted(messageId, {
        submitStatus: 'submitted',
        vendorId: vendor,
        vendorMessageId: key === 'bc614e' ? '12345678' : key,
        vendorMessageKey: key,
      });

    const auto = await vendorWith('auto', null);
    await upsertCdrs(db, [submitted('reading-1', auto, 'bc614e')]);
    expect(await getCdrByVendorMessageId(db, auto, receipt)).toMatchObject({
      messageId: 'reading-1',
    });
    // Without the readings, as before: not found.
    expect(
      await getCdrByVendorMessageId(db, auto, { id: receipt.id, key: receipt.key }),
    ).toBeUndefined();
    // 'auto' on the receipt side only counts too.
    const autoReceipts = await vendorWith('hex', 'auto');
    await upsertCdrs(db, [submitted('reading-2', autoReceipts, 'bc614e')]);
    expect(await getCdrByVendorMessageId(db, autoReceipts, receipt)).toMatchObject({
      messageId: 'reading-2',
    });

    // Declared formats: no guess, even when a reading would match.
    const explicit = await vendorWith('decimal', 'hex');
    await upsertCdrs(db, [submitted('reading-3', explicit, 'bc614e')]);
    expect(await getCdrByVendorMessageId(db, explicit, receipt)).toBeUndefined();

    // The exact key wins over a reading.
    await upsertCdrs(db, [submitted('reading-4', auto, '12345678')]);
    expect(await getCdrByVendorMessageId(db, auto, receipt)).toMatchObject({
      messageId: 'reading-4',
    });

    // Two messages behind two different readings: neither. The receipt
    // "0016" (key "10") has the readings "16" and "a" besides.
    const shared = await vendorWith('auto', null);
    await upsertCdrs(db, [
      submitted('reading-5', shared, '16'),
      submitted('reading-6', shared, 'a'),
    ]);
    const padded = { id: '0016', key: '10', readings: ['10', '16', '0016', 'a'] };
    expect(await getCdrByVendorMessageId(db, shared, padded)).toBeUndefined();
    expect(
      await getCdrByVendorMessageId(db, shared, { ...padded, readings: ['10', '16', '0016'] }),
    ).toMatchObject({ messageId: 'reading-5' });
    // One reading behind a recycled id: the newest message.
    const recycled = await vendorWith('auto', null);
    await upsertCdrs(db, [
      submitted('reading-7', recycled, 'bc614e'),
      {
        ...submitted('reading-8', recycled, 'bc614e'),
        acceptedAt: new Date('2026-03-04T10:00:00.000Z'),
      },
    ]);
    expect(await getCdrByVendorMessageId(db, recycled, receipt)).toMatchObject({
      messageId: 'reading-8',
    });
    // A deleted 'auto' vendor still guesses, from its tombstone.
    const gone = await vendorWith('auto', null);
    await upsertCdrs(db, [submitted('reading-9', gone, 'bc614e')]);
    expect(await deleteVendor(db, gone)).toBe(true);
    expect(await getCdrByVendorMessageId(db, gone, receipt)).toMatchObject({
      messageId: 'reading-9',
    });
  });

  it('keeps the first registered_delivery and TON/NPI, and fills them when the first write had none', async () => {
    const id = 'context-fill';
    await upsertCdrs(db, [accepted(id, { submitStatus: 'submitted', vendorId })]);
    expect(await getCdr(db, id)).toMatchObject({ registeredDelivery: null, sourceTon: null });
    await upsertCdrs(db, [
      accepted(id, {
        submitStatus: 'submitted',
        deliveryStatus: 'DELIVRD',
        vendorId,
        registeredDelivery: 1,
        sourceTon: 1,
        sourceNpi: 1,
        destinationTon: 1,
        destinationNpi: 1,
      }),
    ]);
    await upsertCdrs(db, [
      accepted(id, { registeredDelivery: 0, sourceTon: 5, destinationNpi: 0 }),
    ]);
    expect(await getCdr(db, id)).toMatchObject({
      registeredDelivery: 1,
      sourceTon: 1,
      sourceNpi: 1,
      destinationTon: 1,
      destinationNpi: 1,
    });
  });

  it('uses the key index for the receipt fallback', async () => {
    // The lookup runs on the receipt path after Redis lost its mappings: it
    // must not scan the table. Planner statistics of a near-empty table would
    // pick a sequential scan anyway, so that choice is taken away.
    await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN SELECT * FROM messaging.cdrs
        WHERE vendor_id = ${vendorId}
          AND COALESCE(vendor_message_key, vendor_message_id) = ANY(${['a', 'b']}::text[])`.execute(
        tx,
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain(
        'cdrs_vendor_message_key_idx',
      );
    });
  });

  it('advances submit_status accepted → submitted → failed, and a null never erases a value', async () => {
    const id = 'failover-1';
    await upsertCdrs(db, [accepted(id, { vendorId, routeId: vendorId })]);
    const other = randomUUID();
    await upsertCdrs(db, [accepted(id, { submitStatus: 'submitted', vendorId: other })]);
    expect(await getCdr(db, id)).toMatchObject({
      submitStatus: 'submitted',
      vendorId: other,
      routeId: vendorId,
    });
    await upsertCdrs(db, [
      accepted(id, { submitStatus: 'failed', failureReason: 'all vendors exhausted' }),
    ]);
    await upsertCdrs(db, [
      accepted(id, { submitStatus: 'submitted', failureReason: 'late', vendorId }),
    ]);
    expect(await getCdr(db, id)).toMatchObject({
      submitStatus: 'failed',
      failureReason: 'all vendors exhausted',
      vendorId: other,
      routeId: vendorId,
      pricePerSegmentMicros: 5000,
    });
  });

  it('applies repeated ids in one batch in order instead of failing the statement', async () => {
    const id = 'dup-1';
    const doneAt = new Date('2026-03-01T10:00:09.000Z');
    const written = await upsertCdrs(db, [
      accepted(id),
      accepted('dup-2'),
      accepted(id, { submitStatus: 'submitted', vendorMessageId: 'X1', vendorId }),
      accepted(id, { submitStatus: 'submitted', deliveryStatus: 'UNDELIV', error: '0x0B', doneAt }),
      accepted(id, { submitStatus: 'submitted', deliveryStatus: 'ENROUTE' }),
    ]);
    expect(written).toBe(4);
    expect(await getCdr(db, id)).toMatchObject({
      submitStatus: 'submitted',
      vendorMessageId: 'X1',
      deliveryStatus: 'UNDELIV',
      error: '0x0B',
      doneAt,
    });
    expect(await getCdr(db, 'dup-2')).toBeDefined();
  });

  it('splits batches beyond 2000 rows into several statements', async () => {
    const writes = prefixed('huge', 4500).map((id) => accepted(id));
    const counted = countingStatements();
    expect(await upsertCdrs(db.withPlugin(counted), writes)).toBe(4500);
    expect(counted.statements).toBe(3);
    expect(await getCdr(db, 'huge-4499')).toBeDefined();
  });

  it('carries text the array encoding could trip on unchanged, and nulls as nulls', async () => {
    // A batch travels as one array per column: quotes, backslashes, commas,
    // braces and the word NULL must come back as written.
    const awkward = ['"quoted", {braced}', 'back\\slash', 'NULL', "it's", 'émoji 🚀'];
    const writes = awkward.map((text, i) =>
      accepted(`awkward-${i}`, {
        vendorMessageId: text,
        error: text,
        failureReason: i === 0 ? null : text,
      }),
    );
    expect(await upsertCdrs(db, writes)).toBe(awkward.length);
    for (const [i, text] of awkward.entries()) {
      const row = await getCdr(db, `awkward-${i}`);
      expect(row?.vendorMessageId).toBe(text);
      expect(row?.error).toBe(text);
      expect(row?.failureReason).toBe(i === 0 ? null : text);
    }
  });

  it('works inside a caller transaction and rolls back with it', async () => {
    await expect(
      db.transaction().execute(async (tx) => {
        await upsertCdrs(tx, [accepted('tx-1'), accepted('tx-1', { submitStatus: 'submitted' })]);
        expect((await getCdr(tx, 'tx-1'))?.submitStatus).toBe('submitted');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await getCdr(db, 'tx-1')).toBeUndefined();
  });

  it('rejects rows the schema refuses as InvalidInputError, writing none of the batch', async () => {
    await expect(
      upsertCdrs(db, [accepted('bad-1'), accepted('bad-2', { segments: 0 })]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      upsertCdrs(db, [accepted('bad-3', { customerId: 'nope' })]),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await getCdr(db, 'bad-1')).toBeUndefined();
    expect(await upsertCdrs(db, [])).toBe(0);
  });
});

describe('customerUsage', () => {
  const at = (iso: string) => new Date(iso);
  /** A carrier accepted it: the trigger charges segments × price. */
  const submitted = (owner: string, messageId: string, overrides: Partial<CdrWrite> = {}) =>
    accepted(messageId, {
      customerId: owner,
      submitStatus: 'submitted',
      submittedAt: new Date((overrides.acceptedAt ?? acceptedAt).getTime() + 50),
      ...overrides,
    });

  /**
   * A customer whose messages of 2026-03-10 are: charged (submitted, in USD
   * and EUR), priced but not charged (still 'accepted'; refused by the
   * vendor), and one without a price.
   */
  async function customerWithTraffic(): Promise<string> {
    const owner = randomUUID();
    const tag = randomUUID().slice(0, 8);
    await upsertCdrs(db, [
      submitted(owner, `cu-${tag}-early`, { acceptedAt: at('2026-03-10T09:59:00.000Z') }),
      submitted(owner, `cu-${tag}-1`, {
        acceptedAt: at('2026-03-10T10:05:00.000Z'),
        costPerSegmentMicros: 3000,
        deliveryStatus: 'DELIVRD',
      }),
      submitted(owner, `cu-${tag}-2`, { acceptedAt: at('2026-03-10T10:40:00.000Z'), segments: 2 }),
      accepted(`cu-${tag}-3`, { customerId: owner, acceptedAt: at('2026-03-10T10:50:00.000Z') }),
      accepted(`cu-${tag}-4`, {
        customerId: owner,
        acceptedAt: at('2026-03-10T11:10:00.000Z'),
        segments: 3,
        submitStatus: 'failed',
        failureReason: 'vendor_rejected',
      }),
      submitted(owner, `cu-${tag}-5`, {
        acceptedAt: at('2026-03-10T11:20:00.000Z'),
        segments: 2,
        currency: 'EUR',
        pricePerSegmentMicros: 7000,
      }),
      submitted(owner, `cu-${tag}-6`, {
        acceptedAt: at('2026-03-10T11:30:00.000Z'),
        currency: null,
        pricePerSegmentMicros: null,
      }),
    ]);
    return owner;
  }

  it('sums what was charged per hour and currency beside the price: only what carriers accepted', async () => {
    const owner = await customerWithTraffic();
    const usage = await customerUsage(db, {
      customerId: owner,
      from: at('2026-03-10T10:00:00.000Z'),
      to: at('2026-03-10T12:00:00.000Z'),
      interval: 'hour',
    });
    const ten = at('2026-03-10T10:00:00.000Z');
    const eleven = at('2026-03-10T11:00:00.000Z');
    expect(usage.buckets).toEqual([
      {
        start: ten,
        currency: 'USD',
        messages: 3,
        segments: 4,
        byStatus: { DELIVRD: 1, submitted: 1, accepted: 1 },
        priceMicros: 20_000,
        chargedMicros: 15_000,
        costMicros: 3_000,
      },
      {
        start: eleven,
        currency: 'EUR',
        messages: 1,
        segments: 2,
        byStatus: { submitted: 1 },
        priceMicros: 14_000,
        chargedMicros: 14_000,
        costMicros: 0,
      },
      {
        start: eleven,
        currency: 'USD',
        messages: 1,
        segments: 3,
        byStatus: { failed: 1 },
        priceMicros: 15_000,
        chargedMicros: 0,
        costMicros: 0,
      },
      {
        start: eleven,
        currency: null,
        messages: 1,
        segments: 1,
        byStatus: { submitted: 1 },
        priceMicros: 0,
        chargedMicros: 0,
        costMicros: 0,
      },
    ]);
    expect(usage.totals).toEqual([
      {
        currency: 'USD',
        messages: 4,
        segments: 7,
        byStatus: { DELIVRD: 1, submitted: 1, accepted: 1, failed: 1 },
        priceMicros: 35_000,
        chargedMicros: 15_000,
        costMicros: 3_000,
      },
      {
        currency: 'EUR',
        messages: 1,
        segments: 2,
        byStatus: { submitted: 1 },
        priceMicros: 14_000,
        chargedMicros: 14_000,
        costMicros: 0,
      },
      {
        currency: null,
        messages: 1,
        segments: 1,
        byStatus: { submitted: 1 },
        priceMicros: 0,
        chargedMicros: 0,
        costMicros: 0,
      },
    ]);
  });

  it('per day: every charge of the day in its currency, the one before the hour window included', async () => {
    const owner = await customerWithTraffic();
    const usage = await customerUsage(db, {
      customerId: owner,
      from: at('2026-03-10T00:00:00.000Z'),
      to: at('2026-03-11T00:00:00.000Z'),
      interval: 'day',
    });
    expect(
      usage.totals.map(({ currency, messages, priceMicros, chargedMicros }) => ({
        currency,
        messages,
        priceMicros,
        chargedMicros,
      })),
    ).toEqual([
      { currency: 'EUR', messages: 1, priceMicros: 14_000, chargedMicros: 14_000 },
      { currency: 'USD', messages: 5, priceMicros: 40_000, chargedMicros: 20_000 },
      { currency: null, messages: 1, priceMicros: 0, chargedMicros: 0 },
    ]);
    expect(usage.buckets.map((b) => b.chargedMicros)).toEqual([14_000, 20_000, 0]);
  });

  it('counts a charge once however often its message is written', async () => {
    const owner = randomUUID();
    const write = submitted(owner, `cu-${randomUUID()}`, {
      acceptedAt: at('2026-03-10T08:00:00.000Z'),
      segments: 2,
    });
    await upsertCdrs(db, [write]);
    await upsertCdrs(db, [write]);
    // The receipt, and then a vendor's late failure: the carrier did accept it.
    await upsertCdrs(db, [{ ...write, deliveryStatus: 'DELIVRD', doneAt: new Date() }]);
    await upsertCdrs(db, [{ ...write, submitStatus: 'failed' }]);
    const usage = await customerUsage(db, {
      customerId: owner,
      from: at('2026-03-10T00:00:00.000Z'),
      to: at('2026-03-11T00:00:00.000Z'),
      interval: 'day',
    });
    expect(usage.totals).toEqual([
      {
        currency: 'USD',
        messages: 1,
        segments: 2,
        byStatus: { DELIVRD: 1 },
        priceMicros: 10_000,
        chargedMicros: 10_000,
        costMicros: 0,
      },
    ]);
  });

  it('answers nothing for a customer without traffic or an id that is not a uuid', async () => {
    const window = {
      from: at('2026-03-10T00:00:00.000Z'),
      to: at('2026-03-11T00:00:00.000Z'),
      interval: 'day' as const,
    };
    expect(await customerUsage(db, { customerId: randomUUID(), ...window })).toEqual({
      buckets: [],
      totals: [],
    });
    expect(await customerUsage(db, { customerId: 'not-a-uuid', ...window })).toEqual({
      buckets: [],
      totals: [],
    });
  });
});
