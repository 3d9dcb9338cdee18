import type { Cdr } from '@smpp-gateway/db';
import type { MessageStateRecord } from '@smpp-gateway/message-state';
import { describe, expect, it } from 'vitest';
import {
  cdrWriteFromRecord,
  contextPatchFromCdr,
  customerReceiptFor,
  RECEIPT_CONTEXT_FIELDS,
  receiptContext,
} from './message-context.js';

const base: MessageStateRecord = {
  messageId: '0196b6f0-1111-7000-8000-000000000001',
  status: 'submitted',
  updatedAt: '2026-11-26T00:00:02.000Z',
  customerId: '00000000-0000-4000-8000-000000000001',
  systemId: 'acme',
  source: { addr: '15550001000', ton: 1, npi: 1 },
  destination: { addr: '15125550100', ton: 1, npi: 1 },
  registeredDelivery: 1,
  segments: 2,
  textPreview: 'Hello there',
  acceptedAt: '2026-11-26T00:00:00.000Z',
  submittedAt: '2026-11-26T00:00:01.000Z',
  pricing: {
    currency: 'EUR',
    pricePerSegmentMicros: 5,
    costPerSegmentMicros: 3,
    costCurrency: 'USD',
  },
};

describe('cdrWriteFromRecord', () => {
  it('maps gateway and receipt states onto submit/delivery columns', () => {
    expect(cdrWriteFromRecord(base)).toMatchObject({
      submitStatus: 'submitted',
      deliveryStatus: null,
      pricePerSegmentMicros: 5,
      currency: 'EUR',
      segments: 2,
    });
    expect(cdrWriteFromRecord({ ...base, status: 'accepted' })?.submitStatus).toBe('accepted');
    expect(cdrWriteFromRecord({ ...base, status: 'UNDELIV', err: '011' })).toMatchObject({
      submitStatus: 'submitted',
      deliveryStatus: 'UNDELIV',
      error: 'err:011',
    });
    expect(
      cdrWriteFromRecord({
        ...base,
        status: 'failed',
        failureReason: 'no_route',
        error: 'no route',
      }),
    ).toMatchObject({
      submitStatus: 'failed',
      deliveryStatus: null,
      failureReason: 'no_route',
      error: 'no route',
    });
  });

  it("passes the router's prepaid mark on, so the CDR write takes the charge off the balance", () => {
    expect(cdrWriteFromRecord(base)?.chargePrepaid).toBeNull();
    const prepaid = { ...base, pricing: { ...base.pricing!, prepaid: true } };
    expect(cdrWriteFromRecord(prepaid)?.chargePrepaid).toBe(true);
  });

  it('needs the identity columns', () => {
    const { systemId: _omitted, ...withoutSystem } = base;
    expect(cdrWriteFromRecord(withoutSystem)).toBeUndefined();
  });

  it('records parts only for real multipart messages', () => {
    const part = {
      ...base,
      concat: { reference: 9, total: 2, sequence: 2, method: 'udh8' as const },
    };
    expect(cdrWriteFromRecord(part)).toMatchObject({ concatRef: 9, partSeq: 2, partTotal: 2 });
  });
});

describe('the receipt context through the CDR (Redis lost the record)', () => {
  /** The row PostgreSQL would return for a write (what the upsert stores). */
  function archived(record: MessageStateRecord): Cdr {
    const write = cdrWriteFromRecord(record)!;
    const nullable = <T>(value: T | null | undefined): T | null => value ?? null;
    return {
      ...write,
      vendorId: nullable(write.vendorId),
      vendorMessageId: nullable(write.vendorMessageId),
      vendorMessageKey: nullable(write.vendorMessageKey),
      routeId: nullable(write.routeId),
      concatRef: nullable(write.concatRef),
      partSeq: nullable(write.partSeq),
      partTotal: nullable(write.partTotal),
      pricePerSegmentMicros: nullable(write.pricePerSegmentMicros),
      costPerSegmentMicros: nullable(write.costPerSegmentMicros),
      currency: nullable(write.currency),
      deliveryStatus: nullable(write.deliveryStatus),
      error: nullable(write.error),
      failureReason: nullable(write.failureReason),
      submittedAt: nullable(write.submittedAt),
      doneAt: nullable(write.doneAt),
      registeredDelivery: nullable(write.registeredDelivery),
      sourceTon: nullable(write.sourceTon),
      sourceNpi: nullable(write.sourceNpi),
      destinationTon: nullable(write.destinationTon),
      destinationNpi: nullable(write.destinationNpi),
      chargedMicros: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
  }

  it('archives what a customer receipt needs, and restores it', () => {
    const record: MessageStateRecord = {
      ...base,
      source: { addr: 'ACME', ton: 5, npi: 0 },
      vendorId: '00000000-0000-4000-8000-0000000000aa',
      vendorMessageId: '00FF10',
      vendorMessageKey: 'ff10',
    };
    const cdr = archived(record);
    expect(cdr).toMatchObject({
      vendorMessageKey: 'ff10',
      registeredDelivery: 1,
      sourceTon: 5,
      sourceNpi: 0,
      destinationTon: 1,
      destinationNpi: 1,
    });
    const patch = contextPatchFromCdr(cdr);
    // Only context: the restore must never move the status or add an outcome.
    expect(patch.status).toBe('accepted');
    expect(patch).not.toHaveProperty('doneAt');
    expect(patch).toMatchObject({ vendorMessageId: '00FF10', vendorMessageKey: 'ff10' });
    const restored = { messageId: record.messageId, updatedAt: record.updatedAt, ...patch };
    expect(receiptContext(restored)).toEqual(receiptContext(record));
  });

  it('a row archived without the receipt context restores a record that is not receipted', () => {
    const cdr = { ...archived(base), registeredDelivery: null, sourceTon: null, sourceNpi: null };
    const patch = contextPatchFromCdr(cdr);
    expect(patch.source).toEqual({ addr: base.source?.addr, ton: 0, npi: 0 });
    expect(receiptContext({ messageId: 'x', updatedAt: base.updatedAt, ...patch })).toBeUndefined();
  });
});

describe('customerReceiptFor', () => {
  it('uses our id, swaps the addresses and reports our failures as UNDELIV', () => {
    const record: MessageStateRecord = {
      ...base,
      status: 'failed',
      err: '901',
      doneAt: '2026-11-26T00:00:03.000Z',
    };
    const context = receiptContext(record);
    expect(context).toBeDefined();
    const delivery = customerReceiptFor(record, context!, {
      messageId: record.messageId,
      occurredAt: '2026-11-26T00:00:04.000Z',
    });
    expect(delivery).toMatchObject({
      customerId: base.customerId,
      delivery: {
        kind: 'receipt',
        receiptedMessageId: record.messageId,
        stat: 'UNDELIV',
        err: '901',
        submitDate: base.acceptedAt,
        doneDate: '2026-11-26T00:00:03.000Z',
        textPreview: 'Hello there',
        source: base.destination,
        destination: base.source,
      },
    });
  });

  it('never reports the message done before it was submitted (a receipt date to the minute)', () => {
    // Submitted at 00:00:01; the vendor's receipt says 00:00 (YYMMDDhhmm).
    const record: MessageStateRecord = {
      ...base,
      status: 'DELIVRD',
      doneAt: '2026-11-26T00:00:00.000Z',
    };
    const context = receiptContext(record)!;
    const envelope = { messageId: record.messageId, occurredAt: '2026-11-26T00:00:04.000Z' };
    expect(customerReceiptFor(record, context, envelope)?.delivery).toMatchObject({
      doneDate: base.submittedAt,
    });
    expect(cdrWriteFromRecord(record)?.doneAt).toEqual(new Date(base.submittedAt!));
    // Before the submit result is known, not before the acceptance.
    const early: MessageStateRecord = {
      ...record,
      submittedAt: undefined,
      doneAt: '2026-11-25T23:59:00.000Z',
    };
    expect(customerReceiptFor(early, context, envelope)?.delivery).toMatchObject({
      doneDate: base.acceptedAt,
    });
    expect(cdrWriteFromRecord(early)?.doneAt).toEqual(new Date(base.acceptedAt!));
    // A done date after the submit is reported as the vendor gave it.
    const later = { ...record, doneAt: '2026-11-26T00:00:02.500Z' };
    expect(customerReceiptFor(later, context, envelope)?.delivery).toMatchObject({
      doneDate: '2026-11-26T00:00:02.500Z',
    });
    expect(cdrWriteFromRecord(later)?.doneAt).toEqual(new Date('2026-11-26T00:00:02.500Z'));
  });

  it('has no receipt for a non-final state', () => {
    expect(
      customerReceiptFor(base, receiptContext(base)!, {
        messageId: 'x',
        occurredAt: base.updatedAt,
      }),
    ).toBeUndefined();
  });
});

describe('RECEIPT_CONTEXT_FIELDS (what the merge script checks before deciding a receipt)', () => {
  it('lists exactly the fields without which receiptContext finds no context', () => {
    expect(receiptContext(base)).toBeDefined();
    const needed = (Object.keys(base) as (keyof MessageStateRecord)[]).filter((field) => {
      const without = { ...base };
      delete without[field];
      return receiptContext(without) === undefined;
    });
    expect(needed.sort()).toEqual([...RECEIPT_CONTEXT_FIELDS].sort());
  });
});
