import type { MoReceived } from '@smpp-gateway/contracts';
import { describe, expect, it } from 'vitest';
import { joinedDelivery, moPartInfo, SarTag, singleDelivery } from './mo-concat.js';

const now = new Date('2025-03-01T12:00:00.000Z');
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
const udh8 = (ref: number, total: number, seq: number) => Buffer.from([5, 0, 3, ref, total, seq]);

function mo(over: Partial<MoReceived> = {}): MoReceived {
  return {
    v: 1,
    messageId: 'mo-1',
    occurredAt: now.toISOString(),
    vendorId: 'vendor-1',
    source: { addr: '447700900123', ton: 1, npi: 1 },
    destination: { addr: '15125550100', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    dataCoding: 0,
    shortMessage: b64('hello'),
    tlvs: [],
    receivedAt: now.toISOString(),
    ...over,
  };
}

const udhPart = (seq: number, text: string, total = 3) =>
  mo({
    messageId: `mo-${seq}`,
    esmClass: 0x40,
    shortMessage: b64(Buffer.concat([udh8(42, total, seq), Buffer.from(text)])),
  });

const sarPart = (seq: number, text: string) =>
  mo({
    messageId: `sar-${seq}`,
    shortMessage: b64(text),
    tlvs: [
      { tag: SarTag.msgRefNum, value: b64(Buffer.from([0x01, 0x02])) },
      { tag: SarTag.totalSegments, value: b64(Buffer.from([2])) },
      { tag: SarTag.segmentSeqnum, value: b64(Buffer.from([seq])) },
      { tag: 0x1400, value: b64('vendor-specific') },
    ],
  });

describe('moPartInfo', () => {
  it.each([
    ['a plain message', mo(), undefined],
    [
      'a UDH part',
      udhPart(2, 'x'),
      { key: '447700900123|15125550100|42|3', sequence: 2, total: 3 },
    ],
    [
      'a SAR part',
      sarPart(1, 'x'),
      { key: '447700900123|15125550100|258|2', sequence: 1, total: 2 },
    ],
    [
      'concat lifted by the connector',
      mo({ concat: { reference: 7, total: 2, sequence: 2, method: 'udh16' } }),
      { key: '447700900123|15125550100|7|2', sequence: 2, total: 2 },
    ],
    ['a one-part "long" message', udhPart(1, 'x', 1), undefined],
    ['malformed UDH', mo({ esmClass: 0x40, shortMessage: b64(Buffer.from([9, 0, 3])) }), undefined],
    [
      'UDH with port addressing as well',
      mo({
        esmClass: 0x40,
        shortMessage: b64(Buffer.from([10, 0, 3, 1, 2, 1, 5, 4, 0x0b, 0x84, 0x23, 0xf0, 0x41])),
      }),
      undefined,
    ],
    [
      'incomplete SAR',
      mo({ tlvs: [{ tag: SarTag.msgRefNum, value: b64(Buffer.from([1, 2])) }] }),
      undefined,
    ],
  ] as const)('%s', (_label, input, expected) => {
    expect(moPartInfo(input)).toEqual(expected);
  });
});

describe('joinedDelivery', () => {
  it('joins UDH parts in sequence order into message_payload, UDHI cleared, first part id', () => {
    const parts = [udhPart(3, 'three'), udhPart(1, 'one '), udhPart(2, 'two ')].map((p) => ({
      mo: p,
      sequence: moPartInfo(p)!.sequence,
    }));
    const joined = joinedDelivery(parts, 'cust-1', now);
    expect(joined.messageId).toBe('mo-1');
    expect(joined.customerId).toBe('cust-1');
    expect(joined.delivery).toMatchObject({ kind: 'mo', esmClass: 0, shortMessage: '' });
    const payload = (joined.delivery as { messagePayload: string }).messagePayload;
    expect(Buffer.from(payload, 'base64').toString()).toBe('one two three');
  });

  it('drops SAR TLVs from the joined message and keeps the others', () => {
    const joined = joinedDelivery(
      [
        { mo: sarPart(2, 'world'), sequence: 2 },
        { mo: sarPart(1, 'hello '), sequence: 1 },
      ],
      'cust-1',
      now,
    );
    const delivery = joined.delivery as { messagePayload: string; tlvs: { tag: number }[] };
    expect(Buffer.from(delivery.messagePayload, 'base64').toString()).toBe('hello world');
    expect(delivery.tlvs.map((t) => t.tag)).toEqual([0x1400]);
  });
});

describe('singleDelivery', () => {
  it('passes the bytes through untouched', () => {
    const part = udhPart(2, 'two');
    expect(singleDelivery(part, 'cust-1', now).delivery).toMatchObject({
      esmClass: 0x40,
      shortMessage: part.shortMessage,
      tlvs: [],
    });
  });

  it('restores SAR TLVs the connector lifted into `concat`', () => {
    const part = mo({ concat: { reference: 0x0102, total: 2, sequence: 1, method: 'sar' } });
    const tlvs = (
      singleDelivery(part, 'cust-1', now).delivery as { tlvs: { tag: number; value: string }[] }
    ).tlvs;
    expect(tlvs).toEqual([
      { tag: SarTag.msgRefNum, value: b64(Buffer.from([1, 2])) },
      { tag: SarTag.totalSegments, value: b64(Buffer.from([2])) },
      { tag: SarTag.segmentSeqnum, value: b64(Buffer.from([1])) },
    ]);
  });
});
