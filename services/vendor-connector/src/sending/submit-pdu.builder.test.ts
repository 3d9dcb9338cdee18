import { describe, expect, it } from 'vitest';
import type { MtRouted } from '@smpp-gateway/contracts';
import { encodeGsm7, encodePdu } from '@smpp-gateway/smpp';
import { buildSubmitSm, convertForVendor, vendorRegisteredDelivery } from './submit-pdu.builder.js';

function gsm(text: string): Buffer {
  const r = encodeGsm7(text);
  if (!r.ok) throw new Error('not gsm');
  return Buffer.from(r.bytes);
}

function mt(overrides: Partial<MtRouted> = {}): MtRouted {
  return {
    v: 1,
    messageId: '0190a0b0-0000-7000-8000-000000000001',
    occurredAt: '2025-11-26T10:00:00.000Z',
    customerId: 'c1',
    systemId: 'cust',
    source: { addr: '15550001', ton: 1, npi: 1 },
    destination: { addr: '15550002', ton: 1, npi: 1 },
    serviceType: '',
    esmClass: 0,
    protocolId: 0,
    priority: 1,
    registeredDelivery: 1,
    dataCoding: 0,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    shortMessage: gsm('Hello').toString('base64'),
    segments: 1,
    tlvs: [],
    acceptedAt: '2025-11-26T10:00:00.000Z',
    attempts: [],
    roundStart: 0,
    vendorId: 'v1',
    routeId: 'r1',
    pricing: {
      currency: 'USD',
      pricePerSegmentMicros: 1,
      costPerSegmentMicros: 1,
      costCurrency: 'USD',
    },
    routedAt: '2025-11-26T10:00:00.000Z',
    ...overrides,
  };
}

describe('buildSubmitSm', () => {
  it('forwards the customer bytes unchanged to a GSM 03.38 vendor (golden hex)', () => {
    const { pdu, conversion } = buildSubmitSm(mt(), 'gsm7');
    expect(conversion).toBe('none');
    expect(encodePdu({ ...pdu, sequenceNumber: 1 }).toString('hex')).toBe(
      '0000003600000004000000000000000100' + // header (54 octets) + empty service_type
        '0101' +
        Buffer.from('15550001\0').toString('hex') +
        '0101' +
        Buffer.from('15550002\0').toString('hex') +
        '00' +
        '00' +
        '01' +
        '00' +
        '00' +
        '01' +
        '00' +
        '00' +
        '00' + // esm..sm_default_msg_id
        '05' +
        gsm('Hello').toString('hex'),
    );
  });

  it('keeps UDH, data_coding and unknown TLVs byte-exact', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]);
    const body = Buffer.concat([udh, Buffer.from([0xde, 0xad])]);
    const { pdu } = buildSubmitSm(
      mt({
        esmClass: 0x40,
        dataCoding: 0x04,
        shortMessage: body.toString('base64'),
        tlvs: [{ tag: 0x1400, value: Buffer.from('x').toString('base64') }],
      }),
      'latin1',
    );
    expect(pdu.shortMessage).toEqual(body);
    expect(pdu.dataCoding).toBe(0x04);
    expect(pdu.esmClass).toBe(0x40);
    expect(pdu.tlvs?.other).toEqual([{ tag: 0x1400, value: Buffer.from('x') }]);
  });

  it('rebuilds SAR TLVs from concat and carries message_payload', () => {
    const payload = gsm('long text').toString('base64');
    const { pdu } = buildSubmitSm(
      mt({
        shortMessage: '',
        messagePayload: payload,
        concat: { reference: 300, total: 3, sequence: 2, method: 'sar' },
      }),
      'gsm7',
    );
    expect(pdu.tlvs).toMatchObject({ sarMsgRefNum: 300, sarTotalSegments: 3, sarSegmentSeqnum: 2 });
    expect(pdu.tlvs?.messagePayload).toEqual(Buffer.from(payload, 'base64'));
  });

  it('does not duplicate SAR TLVs the edge already forwarded raw', () => {
    const { pdu } = buildSubmitSm(
      mt({
        concat: { reference: 7, total: 2, sequence: 1, method: 'sar' },
        tlvs: [{ tag: 0x020c, value: Buffer.from([0, 7]).toString('base64') }],
      }),
      'gsm7',
    );
    expect(pdu.tlvs?.sarMsgRefNum).toBeUndefined();
    expect(pdu.tlvs?.other).toHaveLength(1);
  });
});

describe('the receipt asked of the vendor', () => {
  it('is always a final receipt, whatever the customer asked (the tracker filters for the customer)', () => {
    // none, success+failure, failure only
    for (const customer of [0x00, 0x01, 0x02]) {
      expect(
        buildSubmitSm(mt({ registeredDelivery: customer }), 'gsm7').pdu.registeredDelivery,
      ).toBe(0x01);
    }
  });

  it("keeps the customer's SME-acknowledgement and intermediate-notification bits", () => {
    expect(vendorRegisteredDelivery(0x10)).toBe(0x11);
    expect(vendorRegisteredDelivery(0x0c | 0x02)).toBe(0x0d);
    expect(vendorRegisteredDelivery(0x1f & ~0x03)).toBe(0x1d);
  });
});

describe('convertForVendor (GSM 03.38 → Latin-1 vendor)', () => {
  const plain = { dataCoding: 0, esmClass: 0 };

  it('converts representable text to Latin-1, data_coding stays 0', () => {
    const out = convertForVendor(plain, gsm('Café @ £5 ü'), undefined, 'latin1');
    expect(out.conversion).toBe('latin1');
    expect(out.dataCoding).toBe(0);
    expect(out.shortMessage).toEqual(Buffer.from('Café @ £5 ü', 'latin1'));
  });

  it('uses UCS2 when Latin-1 lacks a character and it fits one SMS', () => {
    const out = convertForVendor(plain, gsm('Price 5€ Δ'), undefined, 'latin1');
    expect(out.conversion).toBe('ucs2');
    expect(out.dataCoding).toBe(0x08);
    expect(out.shortMessage).toEqual(Buffer.from('Price 5€ Δ', 'utf16le').swap16());
  });

  it('falls back to Latin-1 with ? when UCS2 would not fit the UDH part, keeping the UDH', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x01]);
    const text = `${'a'.repeat(150)}Ω`;
    const out = convertForVendor(
      { dataCoding: 0, esmClass: 0x40 },
      Buffer.concat([udh, gsm(text)]),
      undefined,
      'latin1',
    );
    expect(out.conversion).toBe('latin1_lossy');
    expect(out.shortMessage.subarray(0, 6)).toEqual(udh);
    expect(out.shortMessage.subarray(6).toString('latin1')).toBe(`${'a'.repeat(150)}?`);
  });

  it('leaves other data codings and GSM vendors alone', () => {
    const bytes = gsm('Hello');
    expect(convertForVendor(plain, bytes, undefined, 'gsm7').conversion).toBe('none');
    expect(
      convertForVendor({ dataCoding: 8, esmClass: 0 }, bytes, undefined, 'latin1').conversion,
    ).toBe('none');
  });

  it('forwards octets that are not GSM 03.38 unchanged', () => {
    const bytes = Buffer.from([0x41, 0x9f]);
    const out = convertForVendor(plain, bytes, undefined, 'latin1');
    expect(out).toMatchObject({ conversion: 'none', shortMessage: bytes, dataCoding: 0 });
  });
});
