import { CustomerDelivery } from '@smpp-gateway/contracts';
import { decodePdu, decodeText, encodePdu, parseReceiptText } from '@smpp-gateway/smpp';
import { describe, expect, it } from 'vitest';
import { buildDeliverSm, parseNetworkErrorText } from './delivery.builder.js';

const id = '0190a4c1-2b3c-7d5e-8f60-123456789abc';

function roundTrip(message: CustomerDelivery) {
  const decoded = decodePdu(encodePdu({ ...buildDeliverSm(message), sequenceNumber: 1 }));
  if (!decoded.ok || decoded.pdu.command !== 'deliver_sm') throw new Error('not a deliver_sm');
  return decoded.pdu;
}

describe('buildDeliverSm', () => {
  it('builds a receipt with our id in the text and the TLVs', () => {
    const message = CustomerDelivery.parse({
      v: 1,
      messageId: 'ffffffff-0000-7000-8000-000000000000',
      occurredAt: '2025-01-02T03:05:00.000Z',
      customerId: 'cust',
      delivery: {
        kind: 'receipt',
        receiptedMessageId: id,
        stat: 'DELIVRD',
        err: '0',
        submitDate: '2025-01-02T03:04:00.000Z',
        doneDate: '2025-01-02T03:05:00.000Z',
        textPreview: 'Hello — wörld',
        source: { addr: '447700900123', ton: 1, npi: 1 },
        destination: { addr: '14155550100', ton: 1, npi: 1 },
        networkErrorCode: '3:1',
      },
    });
    const pdu = roundTrip(message);
    expect(pdu.esmClass).toBe(0x04);
    expect(pdu.sourceAddr).toBe('447700900123');
    expect(pdu.tlvs.receiptedMessageId).toBe(id);
    expect(pdu.tlvs.messageState).toBe(2);
    expect(pdu.tlvs.networkErrorCode).toEqual({ networkType: 3, errorCode: 1 });
    // data_coding 0 = GSM 03.38: our own receipt parser reads it back exactly.
    expect(pdu.dataCoding).toBe(0);
    const decoded = decodeText(pdu.shortMessage, pdu.dataCoding);
    expect(decoded.ok).toBe(true);
    const text = decoded.ok ? decoded.text : '';
    const parsed = parseReceiptText(text);
    expect(parsed).toMatchObject({ ok: true, receipt: { id, stat: 'DELIVRD', err: '000' } });
    expect(text).toContain('text:Hello ? w?rld');
  });

  it('forwards MO bytes and TLVs unchanged', () => {
    const bytes = Buffer.from([0x00, 0x48, 0x00, 0x69]);
    const message = CustomerDelivery.parse({
      v: 1,
      messageId: id,
      occurredAt: '2025-01-02T03:05:00.000Z',
      customerId: 'cust',
      delivery: {
        kind: 'mo',
        source: { addr: '447700900123', ton: 1, npi: 1 },
        destination: { addr: '12345', ton: 3, npi: 0 },
        esmClass: 0x40,
        protocolId: 0,
        dataCoding: 8,
        shortMessage: bytes.toString('base64'),
        tlvs: [{ tag: 0x1401, value: Buffer.from('xy').toString('base64') }],
        vendorId: 'v1',
        receivedAt: '2025-01-02T03:05:00.000Z',
      },
    });
    const pdu = roundTrip(message);
    expect(pdu.shortMessage).toEqual(bytes);
    expect(pdu.esmClass).toBe(0x40);
    expect(pdu.dataCoding).toBe(8);
    expect(pdu.tlvs.other).toEqual([{ tag: 0x1401, value: Buffer.from('xy') }]);
  });
});

describe('parseNetworkErrorText', () => {
  it.each([
    ['3:1', { networkType: 3, errorCode: 1 }],
    ['030101', { networkType: 3, errorCode: 0x0101 }],
    ['garbage', undefined],
    ['3:99999', undefined],
    [undefined, undefined],
  ])('%s', (input, expected) => {
    expect(parseNetworkErrorText(input)).toEqual(expected);
  });
});
