import { randomUUID } from 'node:crypto';
import { createVendor, getCdr } from '@smpp-gateway/db';
import { lookupMessage, stateKeys } from '@smpp-gateway/message-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  mapVendorId,
  metricValue,
  newCustomerId,
  startHarness,
  submitResult,
  vendorReceipt,
  VENDOR_ID,
  type Harness,
} from './tracker-harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis lost everything: deletes every key of this run (its prefix only). */
async function flushRedis(): Promise<void> {
  const prefix = h.env.redis.keyPrefix;
  const keys = await h.redis.keys(`${prefix}*`);
  if (keys.length > 0) await h.redis.del(...keys.map((k) => k.slice(prefix.length)));
}

describe('dlr-tracker', () => {
  it('full event sequence → Redis record, CDR row and one customer receipt with our id', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    const id = result.messageId;
    // edge-server's first write, then vendor-connector's mapping and result.
    await h.state.recordAccepted(id, {
      status: 'accepted',
      customerId,
      systemId: 'acme',
      registeredDelivery: 1,
      source: result.source,
      destination: result.destination,
      segments: 1,
      textPreview: result.textPreview,
      acceptedAt: result.acceptedAt,
    });
    await mapVendorId(h, result);
    await h.publisher.publish('MtSubmitResult', result);
    await eventually(
      () => h.state.get(id),
      (r) => r?.status === 'submitted',
    );
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'ENROUTE'));
    await eventually(
      () => h.state.get(id),
      (r) => r?.status === 'ENROUTE',
    );
    await h.publisher.publish(
      'VendorReceipt',
      vendorReceipt(result, 'DELIVRD', { networkErrorCode: '3:0' }),
    );
    await eventually(
      () => deliveries.length,
      (n) => n >= 1,
    );
    // A late ENROUTE never moves DELIVRD back.
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'ENROUTE'));

    const cdr = await eventually(
      () => getCdr(h.db, id),
      (c) => c?.deliveryStatus === 'DELIVRD',
    );
    expect(cdr).toMatchObject({
      customerId,
      systemId: 'acme',
      vendorId: VENDOR_ID,
      vendorMessageId: result.vendorMessageId,
      sourceAddr: '15550001000',
      destinationAddr: '15125550100',
      segments: 1,
      pricePerSegmentMicros: 7_000,
      costPerSegmentMicros: 4_000,
      currency: 'USD',
      submitStatus: 'submitted',
      deliveryStatus: 'DELIVRD',
      error: null,
    });
    expect(cdr?.doneAt).toBeInstanceOf(Date);
    expect(cdr?.submittedAt).toBeInstanceOf(Date);

    await settle(300);
    const record = await h.state.get(id);
    expect(record).toMatchObject({
      status: 'DELIVRD',
      customerReceipt: 'sent',
      vendorId: VENDOR_ID,
      vendorMessageId: result.vendorMessageId,
      err: '000',
      networkErrorCode: '3:0',
      textPreview: 'Your code is 123456',
    });
    expect(await h.redis.ttl(stateKeys.message(id))).toBeGreaterThan(6 * 24 * 3600);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      messageId: id,
      customerId,
      delivery: {
        kind: 'receipt',
        receiptedMessageId: id,
        stat: 'DELIVRD',
        err: '000',
        submitDate: result.acceptedAt,
        textPreview: 'Your code is 123456',
        // The receipt travels back: source and destination swapped.
        source: result.destination,
        destination: result.source,
        networkErrorCode: '3:0',
      },
    });
    expect(await metricValue(h.tracker, 'dlr_tracking_hits_total')).toBeGreaterThanOrEqual(3);
    expect(
      await metricValue(h.tracker, 'dlr_receipts_processed_total', {
        vendor_id: VENDOR_ID,
        dlr_status: 'DELIVRD',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('a done date before the submit is reported as the submit, and counted when far beyond precision', async () => {
    const before = await metricValue(h.tracker, 'dlr_receipt_dates_before_submit_total', {
      vendor_id: VENDOR_ID,
    });
    const run = async (doneBeforeSubmitMs: number) => {
      const customerId = newCustomerId();
      const deliveries = await h.deliveriesOf(customerId);
      const result = submitResult(customerId);
      const submittedAt = result.submittedAt as string;
      await mapVendorId(h, result);
      await h.publisher.publish('MtSubmitResult', result);
      await eventually(
        () => h.state.get(result.messageId),
        (r) => r?.status === 'submitted',
      );
      await h.publisher.publish(
        'VendorReceipt',
        vendorReceipt(result, 'DELIVRD', {
          doneDate: new Date(Date.parse(submittedAt) - doneBeforeSubmitMs).toISOString(),
        }),
      );
      await eventually(
        () => deliveries.length,
        (n) => n >= 1,
      );
      const cdr = await eventually(
        () => getCdr(h.db, result.messageId),
        (c) => c?.deliveryStatus === 'DELIVRD',
      );
      expect(cdr?.doneAt?.toISOString()).toBe(submittedAt);
      expect(deliveries[0]?.delivery).toMatchObject({ doneDate: submittedAt });
      return metricValue(h.tracker, 'dlr_receipt_dates_before_submit_total', {
        vendor_id: VENDOR_ID,
      });
    };
    // The receipt's minute precision: reported as the submit, not counted.
    expect(await run(40_000)).toBe(before);
    // Three hours before: a vendor writing UTC-3 declared as UTC.
    expect(await run(3 * 3_600_000)).toBe(before + 1);
  });

  it('a receipt that arrives before the mapping is held, deferred, and still reaches the customer', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    const deferredBefore = await metricValue(h.tracker, 'dlr_receipts_deferred_total');
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'DELIVRD'));
    // Longer than the in-process hold (200 ms): the receipt is in the deferral queue now.
    await settle(450);
    expect(deliveries).toHaveLength(0);
    // Counted once the deferral publish is confirmed, which a loaded machine can delay.
    expect(
      await eventually(
        () => metricValue(h.tracker, 'dlr_receipts_deferred_total'),
        (n) => n > deferredBefore,
      ),
    ).toBeGreaterThan(deferredBefore);
    await mapVendorId(h, result);
    await h.publisher.publish('MtSubmitResult', result);
    await eventually(
      () => deliveries.length,
      (n) => n >= 1,
    );
    expect(deliveries[0]?.delivery).toMatchObject({
      receiptedMessageId: result.messageId,
      stat: 'DELIVRD',
    });
    const cdr = await eventually(
      () => getCdr(h.db, result.messageId),
      (c) => c?.deliveryStatus === 'DELIVRD',
    );
    expect(cdr?.submitStatus).toBe('submitted');
    await settle(300);
    expect(deliveries).toHaveLength(1);
  });

  it('a receipt whose mapping never appears is counted as a miss and acked after the bound', async () => {
    const result = submitResult(newCustomerId(), { vendorMessageId: 'NEVER-MAPPED-1' });
    const before = await metricValue(h.tracker, 'dlr_tracking_misses_total', {
      reason: 'unknown_id',
    });
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'DELIVRD'));
    const after = await eventually(
      () => metricValue(h.tracker, 'dlr_tracking_misses_total', { reason: 'unknown_id' }),
      (n) => n > before,
      8_000,
    );
    expect(after).toBe(before + 1);
  });

  it('duplicate receipts (concurrent and redelivered) → one customer receipt, one CDR row', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    await mapVendorId(h, result);
    await h.publisher.publish('MtSubmitResult', result);
    await eventually(
      () => h.state.get(result.messageId),
      (r) => r?.status === 'submitted',
    );
    const receipt = vendorReceipt(result, 'DELIVRD');
    // Same receipt several times at once (vendor retransmission) and as one batch.
    await Promise.all([
      h.publisher.publish('VendorReceipt', receipt),
      h.publisher.publish('VendorReceipt', receipt),
      h.publisher.publish('VendorReceipt', receipt),
      h.publisher.publishBatch('VendorReceipt', [receipt, receipt, receipt]),
    ]);
    await eventually(
      () => deliveries.length,
      (n) => n >= 1,
    );
    // And again later, after the receipt was sent (a redelivery after a crash).
    await h.publisher.publish('VendorReceipt', receipt);
    await h.publisher.publish('MtSubmitResult', result);
    await settle(500);
    expect(deliveries).toHaveLength(1);
    const { count } = await h.db
      .selectFrom('messaging.cdrs')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('message_id', '=', result.messageId)
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(1);
    expect((await getCdr(h.db, result.messageId))?.deliveryStatus).toBe('DELIVRD');
  });

  it('a crash between publish and "sent" re-publishes on redelivery rather than losing the receipt', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    await mapVendorId(h, result);
    // The state a crashed pod leaves: final, receipt decided, never marked sent.
    await h.state.merge(result.messageId, {
      status: 'UNDELIV',
      customerId,
      systemId: 'acme',
      registeredDelivery: 1,
      source: result.source,
      destination: result.destination,
      segments: 1,
      acceptedAt: result.acceptedAt,
      err: '004',
      customerReceipt: 'pending',
    });
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'UNDELIV'));
    await eventually(
      () => deliveries.length,
      (n) => n >= 1,
    );
    expect(deliveries[0]?.delivery).toMatchObject({ stat: 'UNDELIV', err: '004' });
    expect((await h.state.get(result.messageId))?.customerReceipt).toBe('sent');
  });

  it('failure-only registered_delivery: receipts for failures, none for deliveries', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const delivered = submitResult(customerId, { registeredDelivery: 0x02 });
    const undelivered = submitResult(customerId, { registeredDelivery: 0x02 });
    const noRoute = submitResult(customerId, {
      registeredDelivery: 0x02,
      outcome: 'failed',
      failureReason: 'no_route',
      error: 'no route to 15125550100',
      vendorId: undefined,
      routeId: undefined,
      pricing: undefined,
      vendorMessageId: undefined,
      submittedAt: undefined,
    });
    for (const r of [delivered, undelivered]) {
      await mapVendorId(h, r);
      await h.publisher.publish('MtSubmitResult', r);
    }
    await h.publisher.publish('MtSubmitResult', noRoute);
    await h.publisher.publish('VendorReceipt', vendorReceipt(delivered, 'DELIVRD'));
    await h.publisher.publish(
      'VendorReceipt',
      vendorReceipt(undelivered, 'UNDELIV', { err: '011' }),
    );
    await eventually(
      () => deliveries.length,
      (n) => n >= 2,
    );
    await eventually(
      () => h.state.get(delivered.messageId),
      (r) => r?.customerReceipt === 'not_requested',
    );
    await settle(300);
    expect(deliveries).toHaveLength(2);
    const byId = new Map(
      deliveries.map((d) => [
        d.delivery.kind === 'receipt' ? d.delivery.receiptedMessageId : '',
        d.delivery,
      ]),
    );
    expect(byId.get(undelivered.messageId)).toMatchObject({ stat: 'UNDELIV', err: '011' });
    expect(byId.get(noRoute.messageId)).toMatchObject({ stat: 'UNDELIV', err: '901' });
    expect(byId.has(delivered.messageId)).toBe(false);
    const failedCdr = await eventually(
      () => getCdr(h.db, noRoute.messageId),
      (c) => c !== undefined,
    );
    expect(failedCdr).toMatchObject({
      submitStatus: 'failed',
      failureReason: 'no_route',
      error: 'no route to 15125550100',
      vendorId: null,
    });
  });

  it('multipart: each part its own receipt, plus the whole message aggregate', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const parts = [1, 2, 3].map((sequence) =>
      submitResult(customerId, {
        segments: 1,
        concat: { reference: 0x1234, total: 3, sequence, method: 'udh16' },
      }),
    );
    for (const part of parts) {
      await mapVendorId(h, part);
      await h.publisher.publish('MtSubmitResult', part);
    }
    const [p1, p2, p3] = parts as [(typeof parts)[0], (typeof parts)[0], (typeof parts)[0]];
    await h.publisher.publish('VendorReceipt', vendorReceipt(p1, 'DELIVRD'));
    await h.publisher.publish('VendorReceipt', vendorReceipt(p2, 'DELIVRD'));
    await eventually(
      () => deliveries.length,
      (n) => n >= 2,
    );
    const pending = await lookupMessage(h.state, h.db, p1.messageId, { aggregates: h.aggregates });
    expect(pending?.aggregate).toMatchObject({ status: 'pending', total: 3 });

    await h.publisher.publish('VendorReceipt', vendorReceipt(p3, 'DELIVRD'));
    await eventually(
      () => deliveries.length,
      (n) => n >= 3,
    );
    const done = await eventually(
      () => lookupMessage(h.state, h.db, p2.messageId, { aggregates: h.aggregates }),
      (l) => l?.aggregate?.status === 'delivered',
    );
    expect(done?.aggregate?.parts.map((p) => [p.sequence, p.messageId, p.status])).toEqual([
      [1, p1.messageId, 'DELIVRD'],
      [2, p2.messageId, 'DELIVRD'],
      [3, p3.messageId, 'DELIVRD'],
    ]);
    expect(
      new Set(
        deliveries.map((d) => (d.delivery.kind === 'receipt' ? d.delivery.receiptedMessageId : '')),
      ),
    ).toEqual(new Set(parts.map((p) => p.messageId)));
    const cdr = await eventually(
      () => getCdr(h.db, p3.messageId),
      (c) => c?.deliveryStatus === 'DELIVRD',
    );
    expect(cdr).toMatchObject({ concatRef: 0x1234, partSeq: 3, partTotal: 3 });

    // One failed part fails the whole message.
    const failing = [1, 2].map((sequence) =>
      submitResult(customerId, { concat: { reference: 77, total: 2, sequence, method: 'udh8' } }),
    );
    for (const part of failing) {
      await mapVendorId(h, part);
      await h.publisher.publish('MtSubmitResult', part);
    }
    await h.publisher.publish('VendorReceipt', vendorReceipt(failing[0]!, 'DELIVRD'));
    await h.publisher.publish('VendorReceipt', vendorReceipt(failing[1]!, 'EXPIRED'));
    const failed = await eventually(
      () => lookupMessage(h.state, h.db, failing[0]!.messageId, { aggregates: h.aggregates }),
      (l) => l?.aggregate?.status === 'failed',
    );
    expect(failed?.aggregate?.status).toBe('failed');
  });

  it('a receipt id that only matches a reading two messages share reaches neither, and is counted as ambiguous', async () => {
    const [customerA, customerB] = [newCustomerId(), newCustomerId()];
    const deliveriesA = await h.deliveriesOf(customerA);
    const deliveriesB = await h.deliveriesOf(customerB);
    const a = submitResult(customerA, { vendorMessageId: 'A-1' });
    const b = submitResult(customerB, { vendorMessageId: 'B-1' });
    // Both mappings claim the candidate reading "12345" (an 'auto' vendor whose
    // ids can be read two ways): the candidate space marks it ambiguous.
    await h.state.mapVendorId(VENDOR_ID, { exact: 'a-1', candidates: ['12345'] }, a.messageId);
    await h.state.mapVendorId(VENDOR_ID, { exact: 'b-1', candidates: ['12345'] }, b.messageId);
    for (const r of [a, b]) await h.publisher.publish('MtSubmitResult', r);
    await eventually(
      async () => [await h.state.get(a.messageId), await h.state.get(b.messageId)],
      (records) => records.every((r) => r?.status === 'submitted'),
    );
    const missesBefore = await metricValue(h.tracker, 'dlr_tracking_misses_total', {
      reason: 'ambiguous_id',
    });
    // The receipt's exact key matches nobody; its only other reading is shared.
    await h.publisher.publish(
      'VendorReceipt',
      vendorReceipt(a, 'DELIVRD', { vendorMessageId: '12345', vendorMessageKey: '3039' }),
    );
    expect(
      await eventually(
        () => metricValue(h.tracker, 'dlr_tracking_misses_total', { reason: 'ambiguous_id' }),
        (n) => n > missesBefore,
      ),
    ).toBeGreaterThan(missesBefore);
    expect((await h.state.get(a.messageId))?.status).toBe('submitted');
    expect((await h.state.get(b.messageId))?.status).toBe('submitted');
    expect([...deliveriesA, ...deliveriesB]).toEqual([]);
  });

  it('PostgreSQL unreachable: the receipt still reaches the customer once, the CDR follows when it is back', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    await mapVendorId(h, result);
    const restore = await h.env.db.cutOff();
    try {
      await h.publisher.publish('MtSubmitResult', result);
      await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'DELIVRD'));
      // The customer's receipt does not wait for its CDR.
      await eventually(
        () => deliveries,
        (d) => d.length === 1,
        8_000,
      );
      // Both messages are retried while their CDR batches fail.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await restore();
    }
    const cdr = await eventually(
      () => getCdr(h.db, result.messageId),
      (c) => c?.deliveryStatus === 'DELIVRD',
      15_000,
    );
    expect(cdr).toMatchObject({ submitStatus: 'submitted', vendorId: VENDOR_ID });
    // The retries after the outage published nothing twice.
    await new Promise((r) => setTimeout(r, 500));
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      delivery: { receiptedMessageId: result.messageId, stat: 'DELIVRD' },
    });
  });

  it('Redis lost the record but kept its mapping: the context comes back from the CDR and the receipt goes out', async () => {
    // A partial loss (eviction under maxmemory, a flush that was not atomic):
    // the receipt maps to our id, but the record it merges into is empty.
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId, { source: { addr: 'ACME', ton: 5, npi: 0 } });
    await mapVendorId(h, result);
    await h.publisher.publish('MtSubmitResult', result);
    await eventually(
      () => getCdr(h.db, result.messageId),
      (c) => c?.submitStatus === 'submitted',
    );
    expect(await h.redis.del(stateKeys.message(result.messageId))).toBe(1);

    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'DELIVRD'));
    await eventually(
      () => deliveries,
      (d) => d.length === 1,
      8_000,
    );
    expect(deliveries[0]).toMatchObject({
      customerId,
      delivery: {
        kind: 'receipt',
        receiptedMessageId: result.messageId,
        stat: 'DELIVRD',
        source: result.destination,
        destination: { addr: 'ACME', ton: 5, npi: 0 },
      },
    });
    // The receipt is published while its CDR batch fills: the row may follow it.
    expect(
      await eventually(
        () => getCdr(h.db, result.messageId),
        (c) => c?.deliveryStatus === 'DELIVRD',
      ),
    ).toMatchObject({ deliveryStatus: 'DELIVRD' });
  });

  it('Redis flushed: lookups fall back to PostgreSQL, and a late receipt still reaches the customer', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    // A vendor that answers the submit in hex and quotes the receipt in
    // decimal: only the canonical key (what the connector maps by) meets.
    const late = submitResult(customerId, {
      vendorMessageId: '1A2B3F',
      vendorMessageKey: '1a2b3f',
      source: { addr: 'ACME', ton: 5, npi: 0 },
    });
    for (const r of [result, late]) {
      await mapVendorId(h, r);
      await h.publisher.publish('MtSubmitResult', r);
    }
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'DELIVRD'));
    await eventually(
      () => getCdr(h.db, result.messageId),
      (c) => c?.deliveryStatus === 'DELIVRD',
    );
    await eventually(
      () => getCdr(h.db, late.messageId),
      (c) => c?.submitStatus === 'submitted',
    );
    await eventually(
      () => deliveries,
      (d) => d.length === 1,
    );

    await flushRedis();
    expect(await h.state.get(result.messageId)).toBeUndefined();

    const lookup = await lookupMessage(h.state, h.db, result.messageId);
    expect(lookup).toMatchObject({
      from: 'postgres',
      record: {
        messageId: result.messageId,
        status: 'DELIVRD',
        customerId,
        vendorId: VENDOR_ID,
        registeredDelivery: 1,
        source: result.source,
        destination: result.destination,
      },
    });

    // A receipt after the flush, its id in decimal (0x1a2b3f = 1715007): no
    // mapping in Redis, found in the CDR archive by its key, and the
    // customer gets the receipt with the archived addresses.
    await h.publisher.publish(
      'VendorReceipt',
      vendorReceipt(late, 'UNDELIV', {
        err: '005',
        vendorMessageId: '1715007',
        vendorMessageKey: '1a2b3f',
      }),
    );
    const cdr = await eventually(
      () => getCdr(h.db, late.messageId),
      (c) => c?.deliveryStatus === 'UNDELIV',
      8_000,
    );
    expect(cdr).toMatchObject({ deliveryStatus: 'UNDELIV', error: 'err:005' });
    await eventually(
      () => deliveries,
      (d) => d.length === 2,
    );
    expect(deliveries[1]).toMatchObject({
      customerId,
      delivery: {
        kind: 'receipt',
        receiptedMessageId: late.messageId,
        stat: 'UNDELIV',
        err: '005',
        source: late.destination,
        destination: { addr: 'ACME', ton: 5, npi: 0 },
      },
    });
  });

  it("Redis flushed: an 'auto' vendor's receipt that met its submit only through a reading still finds it in the archive", async () => {
    const vendor = await createVendor(
      h.db,
      {
        instanceName: `auto-ids-${randomUUID()}`,
        displayName: 'Auto ids',
        host: '127.0.0.1',
        port: 2777,
        bindType: 'transceiver',
        systemId: 'gateway',
        password: 'gw-pass',
        throughput: 100,
        messageIdFormat: 'auto',
      },
      Buffer.alloc(32, 7),
    );
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    // The resp id "12345678" is hex, but 'auto' reads all digits as
    // decimal: key "bc614e"; the receipt quotes 0x12345678 in decimal,
    // 305419896 (key "12345678"). They meet only through a reading.
    const result = submitResult(customerId, {
      vendorId: vendor.id,
      vendorMessageId: '12345678',
      vendorMessageKey: 'bc614e',
    });
    await mapVendorId(h, result);
    await h.publisher.publish('MtSubmitResult', result);
    await eventually(
      () => getCdr(h.db, result.messageId),
      (c) => c?.submitStatus === 'submitted' && c.vendorMessageKey === 'bc614e',
    );

    await flushRedis();
    expect(await h.state.get(result.messageId)).toBeUndefined();

    await h.publisher.publish(
      'VendorReceipt',
      vendorReceipt(result, 'DELIVRD', {
        vendorMessageId: '305419896',
        vendorMessageKey: '12345678',
      }),
    );
    await eventually(
      () => deliveries,
      (d) => d.length === 1,
      8_000,
    );
    expect(deliveries[0]).toMatchObject({
      customerId,
      delivery: { kind: 'receipt', receiptedMessageId: result.messageId, stat: 'DELIVRD' },
    });
    expect(
      await eventually(
        () => getCdr(h.db, result.messageId),
        (c) => c?.deliveryStatus === 'DELIVRD',
      ),
    ).toMatchObject({ deliveryStatus: 'DELIVRD' });
  });
});
