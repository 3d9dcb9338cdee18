import { describe, expect, it } from 'vitest';
import {
  parseNetworkErrorCode,
  receiptFromDeliverPdu,
  receiptFromPdu,
  receiptKindOf,
} from './receipt-pdu.parser.js';
import type { ReceiptPduFields } from './receipt-pdu.parser.js';

const TEXT =
  'id:1234567890 sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000 text:Hello';
const ascii = (text: string) => Buffer.from(text, 'latin1');

function receiptOf(fields: Partial<ReceiptPduFields>) {
  const result = receiptFromPdu({
    esmClass: 0x04,
    dataCoding: 0x00,
    shortMessage: ascii(TEXT),
    ...fields,
  });
  if (!result.ok) throw new Error(`no receipt: ${result.reason}`);
  return result.receipt;
}

describe('receiptKindOf (esm_class bits 2-5)', () => {
  it.each([
    [0x04, 'smsc-delivery-receipt'],
    [0x44, 'smsc-delivery-receipt'], // UDHI does not change the type
    [0x07, 'smsc-delivery-receipt'], // messaging mode bits ignored
    [0x08, 'sme-delivery-ack'],
    [0x10, 'sme-manual-ack'],
    [0x20, 'intermediate-notification'],
    [0x00, undefined],
    [0x40, undefined],
    [0x0c, undefined],
    [0x18, undefined],
  ])('0x%s → %s', (esmClass, kind) => {
    expect(receiptKindOf(esmClass)).toBe(kind);
  });
});

describe('receiptFromPdu', () => {
  it('builds a receipt from text alone', () => {
    expect(receiptOf({})).toEqual({
      kind: 'smsc-delivery-receipt',
      messageId: '1234567890',
      messageIdSource: 'text',
      textMessageId: '1234567890',
      state: 2,
      stat: 'DELIVRD',
      stateSource: 'text',
      final: true,
      submitDate: new Date('2024-01-15T12:30:00Z'),
      doneDate: new Date('2024-01-15T12:31:00Z'),
      sub: 1,
      dlvrd: 1,
      err: '000',
      text: 'Hello',
      warnings: [],
    });
  });

  it('prefers receipted_message_id and message_state over the text', () => {
    const receipt = receiptOf({
      receiptedMessageId: '499602D2', // the same message in hex, as the resp gave it
      messageState: 5,
      networkErrorCode: Uint8Array.of(0x03, 0x00, 0x0b),
    });
    expect(receipt).toMatchObject({
      messageId: '499602D2',
      messageIdSource: 'tlv',
      textMessageId: '1234567890',
      state: 5,
      stat: 'UNDELIV',
      stateSource: 'tlv',
      final: true,
      networkError: { networkType: 3, networkTypeName: 'gsm', errorCode: 11 },
      submitDate: new Date('2024-01-15T12:30:00Z'),
      err: '000',
    });
  });

  it('accepts network_error_code already decoded by the session layer', () => {
    expect(
      receiptOf({ networkErrorCode: { networkType: 3, errorCode: 0x22 } }).networkError,
    ).toEqual({
      networkType: 3,
      networkTypeName: 'gsm',
      errorCode: 0x22,
    });
    expect(
      receiptOf({ networkErrorCode: { networkType: 3, errorCode: 0x10000 } }).warnings,
    ).toEqual(['network_error_code 3/65536 is out of range']);
  });

  it('reads receipted_message_id as raw C-string bytes', () => {
    expect(receiptOf({ receiptedMessageId: Buffer.from('abc123\0', 'latin1') }).messageId).toBe(
      'abc123',
    );
  });

  it('falls back to the text state when message_state is not defined, with a warning', () => {
    const receipt = receiptOf({ messageState: 42 });
    expect(receipt).toMatchObject({ state: 2, stateSource: 'text' });
    expect(receipt.warnings).toEqual(['message_state 42 is not defined']);
  });

  it('uses the TLVs when the text is not in the Appendix B format', () => {
    const receipt = receiptOf({
      shortMessage: ascii('Message delivered'),
      receiptedMessageId: 'X-1',
      messageState: 1,
    });
    expect(receipt).toMatchObject({ messageId: 'X-1', state: 1, stat: 'ENROUTE', final: false });
    expect(receipt.warnings).toEqual(['receipt text is not in the Appendix B format']);
  });

  it('reads the text from message_payload when short_message is empty', () => {
    expect(
      receiptOf({ shortMessage: Buffer.alloc(0), messagePayload: ascii(TEXT) }).messageId,
    ).toBe('1234567890');
  });

  it('decodes UCS2 receipt text', () => {
    const ucs2 = Buffer.from(TEXT, 'utf16le').swap16();
    expect(receiptOf({ shortMessage: ucs2, dataCoding: 0x08 })).toMatchObject({
      messageId: '1234567890',
      state: 2,
    });
  });

  it('reads ASCII receipt text even when data_coding claims binary', () => {
    expect(receiptOf({ dataCoding: 0x04 })).toMatchObject({ messageId: '1234567890', state: 2 });
  });

  it('reports an intermediate notification as not final', () => {
    const receipt = receiptOf({ esmClass: 0x20, shortMessage: ascii('id:77 stat:ENROUTE') });
    expect(receipt).toMatchObject({ kind: 'intermediate-notification', state: 1, final: false });
  });

  it('keeps a receipt whose state is unknown, flagged not final', () => {
    const receipt = receiptOf({ shortMessage: ascii('id:77 stat:FAILED err:34') });
    expect(receipt).toMatchObject({ messageId: '77', final: false, err: '34' });
    expect(receipt.state).toBeUndefined();
    expect(receipt.warnings).toEqual(['unknown stat "FAILED"']);
  });

  it('warns about a network_error_code of the wrong size', () => {
    const receipt = receiptOf({ networkErrorCode: Uint8Array.of(3, 0) });
    expect(receipt.networkError).toBeUndefined();
    expect(receipt.warnings).toEqual(['network_error_code has 2 octets, expected 3']);
  });

  it('does not treat an ordinary deliver_sm (MO) as a receipt', () => {
    expect(
      receiptFromPdu({ esmClass: 0x00, dataCoding: 0, shortMessage: ascii(TEXT) }),
    ).toMatchObject({ ok: false, reason: 'not-a-receipt' });
  });

  it('fails when no message id is available anywhere', () => {
    expect(
      receiptFromPdu({
        esmClass: 0x04,
        dataCoding: 0,
        shortMessage: ascii('stat:DELIVRD err:000'),
      }),
    ).toMatchObject({ ok: false, reason: 'no-message-id' });
    expect(
      receiptFromPdu({
        esmClass: 0x04,
        dataCoding: 0,
        shortMessage: Buffer.alloc(0),
        receiptedMessageId: '\0',
      }),
    ).toMatchObject({ ok: false, reason: 'no-message-id' });
  });
});

describe('parseNetworkErrorCode', () => {
  it.each([
    ['010001', { networkType: 1, networkTypeName: 'ansi-136-access-denied', errorCode: 1 }],
    ['030100', { networkType: 3, networkTypeName: 'gsm', errorCode: 256 }],
    ['08ffff', { networkType: 8, networkTypeName: 'message-center', errorCode: 0xffff }],
    ['090001', { networkType: 9, networkTypeName: 'reserved', errorCode: 1 }],
  ])('%s', (hex, expected) => {
    expect(parseNetworkErrorCode(Buffer.from(hex, 'hex'))).toEqual(expected);
  });
});

describe('receiptFromDeliverPdu', () => {
  it('reads a deliver_sm with the text in short_message, TLVs first', () => {
    const result = receiptFromDeliverPdu({
      esmClass: 0x04,
      dataCoding: 0,
      shortMessage: ascii(TEXT),
      tlvs: { receiptedMessageId: 'ABC123', messageState: 2 },
    });
    expect(result.ok && result.receipt.messageId).toBe('ABC123');
  });

  it('reads a data_sm (no short_message) from message_payload, with the network error', () => {
    const result = receiptFromDeliverPdu({
      esmClass: 0x04,
      dataCoding: 0,
      tlvs: {
        messagePayload: ascii(TEXT.replace('DELIVRD', 'UNDELIV')),
        networkErrorCode: { networkType: 3, errorCode: 1 },
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.receipt).toMatchObject({ messageId: '1234567890', stat: 'UNDELIV' });
    expect(result.receipt.networkError).toMatchObject({ networkType: 3, errorCode: 1 });
  });
});
