// The receipt timeout in a running tracker (real PostgreSQL, Redis and
// RabbitMQ): a message its vendor never reports on gets a final UNKNOWN, err
// 908, in its CDR and, if the customer asked, as a receipt with our id; a
// message the vendor did report on keeps its status; a receipt that comes
// after the timeout changes nothing.
import { getCdr } from '@smpp-gateway/db';
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

const TIMEOUT_MS = 1_500;

describe('receipt timeout', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      RECEIPT_TIMEOUT_MS: String(TIMEOUT_MS),
      RECEIPT_TIMEOUT_SWEEP_MS: '200',
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('closes what the vendor never reported on with UNKNOWN 908, and leaves the rest alone', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const silent = submitResult(customerId);
    const reported = submitResult(customerId);
    const unwanted = submitResult(customerId, { registeredDelivery: 0 });
    for (const result of [silent, reported, unwanted]) {
      await mapVendorId(h, result);
      await h.publisher.publish('MtSubmitResult', result);
    }
    await h.publisher.publish('VendorReceipt', vendorReceipt(reported, 'DELIVRD'));

    const expected = await eventually(
      () => metricValue(h.tracker, 'dlr_receipt_timeouts_total', { vendor_id: VENDOR_ID }),
      (n) => n >= 2,
      TIMEOUT_MS + 10_000,
    );
    expect(expected).toBe(2);
    await eventually(
      () => deliveries.length,
      (n) => n >= 2,
    );

    const receipts = new Map(
      deliveries.flatMap((d) =>
        d.delivery.kind === 'receipt' ? [[d.delivery.receiptedMessageId, d.delivery] as const] : [],
      ),
    );
    expect([...receipts.keys()].sort()).toEqual([silent.messageId, reported.messageId].sort());
    expect(receipts.get(silent.messageId)).toMatchObject({ stat: 'UNKNOWN', err: '908' });
    expect(receipts.get(reported.messageId)?.stat).toBe('DELIVRD');

    const cdrs = await eventually(
      () => Promise.all([silent, reported, unwanted].map((r) => getCdr(h.db, r.messageId))),
      (rows) => rows.every((row) => row?.deliveryStatus),
    );
    expect(cdrs.map((row) => row?.deliveryStatus)).toEqual(['UNKNOWN', 'DELIVRD', 'UNKNOWN']);

    // The vendor's receipt after all: the first final status stands, and
    // the customer gets no second receipt.
    await h.publisher.publish('VendorReceipt', vendorReceipt(silent, 'DELIVRD'));
    await eventually(
      () => metricValue(h.tracker, 'dlr_receipts_processed_total', { dlr_status: 'DELIVRD' }),
      (n) => n >= 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deliveries).toHaveLength(2);
    expect((await getCdr(h.db, silent.messageId))?.deliveryStatus).toBe('UNKNOWN');
    // Swept once: later sweeps found nothing more.
    expect(
      await metricValue(h.tracker, 'dlr_receipt_timeouts_total', { vendor_id: VENDOR_ID }),
    ).toBe(2);
  });
});
