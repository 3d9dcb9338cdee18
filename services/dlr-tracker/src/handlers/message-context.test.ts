import type { MessageStateRecord } from '@smpp-gateway/message-state';
import { describe, expect, it } from 'vitest';
import {
  cdrWriteFromRecord,
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
