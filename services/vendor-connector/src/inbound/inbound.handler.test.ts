import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SmppStatus, type ContractInput } from '@smpp-gateway/contracts';
import { createPdu, parseReceiptTimeZone, UTC_RECEIPT_TIME_ZONE } from '@smpp-gateway/smpp';
import { createLogger } from '@smpp-gateway/runtime';
import { createInboundHandler, type InboundPublisher } from './inbound.handler.js';

const logger = createLogger({
  service: 'test',
  level: 'error',
  stream: new Writable({ write: (_c, _e, cb) => cb() }),
});

function setup(
  publisher: Partial<InboundPublisher> = {},
  clock: { zone?: string; now?: string } = {},
) {
  const receipts: ContractInput<'VendorReceipt'>[] = [];
  const mos: ContractInput<'MoReceived'>[] = [];
  const future: string[] = [];
  const zone = clock.zone ? parseReceiptTimeZone(clock.zone) : undefined;
  if (zone && !zone.ok) throw new Error(zone.reason);
  const handle = createInboundHandler({
    vendor: () => ({
      id: 'v1',
      defaultAlphabet: 'gsm7',
      receiptMessageIdFormat: 'auto',
      receiptTimeZone: zone?.ok ? zone.zone : UTC_RECEIPT_TIME_ZONE,
    }),
    publisher: {
      receipt: (r) => (receipts.push(r), Promise.resolve()),
      mo: (m) => (mos.push(m), Promise.resolve()),
      ...publisher,
    },
    observer: {
      receipt: () => undefined,
      mo: () => undefined,
      publishFailed: () => undefined,
      unusable: () => undefined,
      doneDateInFuture: (vendorId) => future.push(vendorId),
    },
    logger,
    newId: () => 'fresh-id',
    ...(clock.now ? { now: () => new Date(clock.now!) } : {}),
  });
  return { handle, receipts, mos, future };
}

const receiptText = Buffer.from(
  'id:74565 sub:001 dlvrd:001 submit date:2511261000 done date:2511261001 stat:DELIVRD err:000 text:Hello',
  'latin1',
);

function receiptPdu() {
  return createPdu({
    command: 'deliver_sm',
    esmClass: 0x04,
    sourceAddr: '15550002',
    destinationAddr: '15550001',
    shortMessage: receiptText,
  });
}

describe('inbound handler', () => {
  it("reads the receipt's dates in the vendor's time zone", async () => {
    // Berlin is UTC+1 in November: 10:00 and 10:01 there are 09:00 and 09:01 UTC.
    const t = setup({}, { zone: 'Europe/Berlin', now: '2025-11-26T09:05:00.000Z' });
    expect(await t.handle(receiptPdu())).toBe(SmppStatus.ESME_ROK);
    expect(t.receipts[0]).toMatchObject({
      submitDate: '2025-11-26T09:00:00.000Z',
      doneDate: '2025-11-26T09:01:00.000Z',
      receivedAt: '2025-11-26T09:05:00.000Z',
    });
    expect(t.future).toEqual([]);
  });

  it('caps a done date after the arrival at the arrival, and counts one beyond clock drift', async () => {
    // A second-precision clock a little ahead of ours: capped, not counted.
    const drift = setup({}, { now: '2025-11-26T10:00:30.000Z' });
    await drift.handle(receiptPdu());
    expect(drift.receipts[0]?.doneDate).toBe('2025-11-26T10:00:30.000Z');
    expect(drift.future).toEqual([]);
    // A vendor writing UTC+2 declared as UTC: two hours in the future.
    const wrongZone = setup({}, { now: '2025-11-26T08:01:10.000Z' });
    await wrongZone.handle(receiptPdu());
    expect(wrongZone.receipts[0]).toMatchObject({
      submitDate: '2025-11-26T10:00:00.000Z',
      doneDate: '2025-11-26T08:01:10.000Z',
      receivedAt: '2025-11-26T08:01:10.000Z',
    });
    expect(wrongZone.future).toEqual(['v1']);
    // The same vendor declared at +02:00: nothing to cap.
    const declared = setup({}, { zone: '+02:00', now: '2025-11-26T08:01:10.000Z' });
    await declared.handle(receiptPdu());
    expect(declared.receipts[0]?.doneDate).toBe('2025-11-26T08:01:00.000Z');
    expect(declared.future).toEqual([]);
  });

  it('publishes a receipt with the id normalised per vendor format, then answers OK', async () => {
    const t = setup();
    const status = await t.handle(
      createPdu({
        command: 'deliver_sm',
        esmClass: 0x04,
        sourceAddr: '15550002',
        destinationAddr: '15550001',
        shortMessage: receiptText,
      }),
    );
    expect(status).toBe(SmppStatus.ESME_ROK);
    expect(t.receipts[0]).toMatchObject({
      messageId: 'fresh-id',
      vendorId: 'v1',
      vendorMessageId: '74565',
      vendorMessageKey: '12345', // decimal 74565 = hex 12345
      stat: 'DELIVRD',
      err: '000',
    });
  });

  it('prefers receipted_message_id and message_state TLVs', async () => {
    const t = setup();
    await t.handle(
      createPdu({
        command: 'data_sm',
        esmClass: 0x04,
        tlvs: { receiptedMessageId: 'ABCDEF', messageState: 5 },
      }),
    );
    expect(t.receipts[0]).toMatchObject({
      vendorMessageId: 'ABCDEF',
      vendorMessageKey: 'abcdef',
      stat: 'UNDELIV',
      messageState: 5,
    });
  });

  it('answers a transient error when the publish is not confirmed, so the vendor resends', async () => {
    const t = setup({ receipt: () => Promise.reject(new Error('nacked')) });
    const status = await t.handle(
      createPdu({ command: 'deliver_sm', esmClass: 0x04, shortMessage: receiptText }),
    );
    expect(status).toBe(SmppStatus.ESME_RX_T_APPN);
  });

  it('refuses permanently a receipt without any id', async () => {
    const t = setup();
    const status = await t.handle(
      createPdu({ command: 'deliver_sm', esmClass: 0x04, shortMessage: Buffer.from('garbage') }),
    );
    expect(status).toBe(SmppStatus.ESME_RX_P_APPN);
    expect(t.receipts).toHaveLength(0);
  });

  it('forwards an MO byte-exact with concat info from its UDH and its port TLVs', async () => {
    const t = setup();
    const body = Buffer.concat([
      Buffer.from([0x05, 0x00, 0x03, 0x09, 0x02, 0x01]),
      Buffer.from('Hi'),
    ]);
    await t.handle(
      createPdu({
        command: 'deliver_sm',
        esmClass: 0x40,
        sourceAddr: '15550009',
        destinationAddr: '15550001',
        dataCoding: 0,
        shortMessage: body,
        tlvs: { destinationPort: 2948, other: [{ tag: 0x1401, value: Buffer.from([1]) }] },
      }),
    );
    expect(t.mos[0]).toMatchObject({
      shortMessage: body.toString('base64'),
      concat: { reference: 9, total: 2, sequence: 1, method: 'udh8' },
      tlvs: [
        { tag: 0x020b, value: Buffer.from([0x0b, 0x84]).toString('base64') },
        { tag: 0x1401, value: 'AQ==' },
      ],
    });
  });
});
