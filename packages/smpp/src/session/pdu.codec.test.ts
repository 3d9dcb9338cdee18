// Golden fixtures: every expected byte below was written by hand from the
// SMPP 3.4 specification (sections 4.x for bodies, 5.3.2 for TLV tags), one
// field per line. Each test goes bytes → typed value (fields checked) →
// encode → the same bytes.
import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu } from './pdu.codec.js';
import type { Pdu, PduOf } from './pdu.types.js';

/** Joins hex fragments, ignoring spaces, into bytes. */
function hex(...parts: string[]): Buffer {
  const text = parts.join('').replace(/\s+/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(text)) {
    throw new Error(`bad hex fixture: ${text}`);
  }
  return Buffer.from(text, 'hex');
}

function decodeOk(bytes: Buffer): Pdu {
  const result = decodePdu(bytes);
  if (!result.ok) {
    throw new Error(`expected a PDU, got ${result.error.kind}: ${result.error.message}`);
  }
  return result.pdu;
}

function expectCommand<C extends Pdu['command']>(pdu: Pdu, command: C): PduOf<C> {
  expect(pdu.command).toBe(command);
  return pdu as PduOf<C>;
}

function roundTrip(bytes: Buffer): Pdu {
  const pdu = decodeOk(bytes);
  expect(encodePdu(pdu).toString('hex')).toBe(bytes.toString('hex'));
  return pdu;
}

describe('golden PDUs', () => {
  it('bind_transceiver', () => {
    const bytes = hex(
      '0000002d', // command_length 45
      '00000009', // bind_transceiver
      '00000000', // command_status
      '00000001', // sequence_number
      '736d7070636c69656e743100', // system_id "smppclient1"
      '70617373776f726400', // password "password"
      '564d4100', // system_type "VMA"
      '34', // interface_version 3.4
      '01', // addr_ton
      '01', // addr_npi
      '00', // address_range ""
    );
    const pdu = expectCommand(roundTrip(bytes), 'bind_transceiver');
    expect(pdu).toMatchObject({
      sequenceNumber: 1,
      commandStatus: 0,
      systemId: 'smppclient1',
      password: 'password',
      systemType: 'VMA',
      interfaceVersion: 0x34,
      addrTon: 1,
      addrNpi: 1,
      addressRange: '',
      tlvs: {},
    });
  });

  it('bind_transceiver_resp with sc_interface_version', () => {
    const bytes = hex(
      '0000001a', // command_length 26
      '80000009', // bind_transceiver_resp
      '00000000',
      '00000001',
      '534d534300', // system_id "SMSC"
      '0210 0001 34', // sc_interface_version = 0x34
    );
    const pdu = expectCommand(roundTrip(bytes), 'bind_transceiver_resp');
    expect(pdu.systemId).toBe('SMSC');
    expect(pdu.tlvs).toEqual({ scInterfaceVersion: 0x34 });
  });

  it('submit_sm with a UDH (esm_class 0x40) and 0x00 octets (GSM @) kept byte-exact', () => {
    const bytes = hex(
      '0000003b', // command_length 59
      '00000004', // submit_sm
      '00000000',
      '00000002',
      '00', // service_type ""
      '05', // source_addr_ton alphanumeric
      '00', // source_addr_npi
      '41434d4500', // source_addr "ACME"
      '01', // dest_addr_ton international
      '01', // dest_addr_npi E.164
      '313535353132333435363700', // destination_addr "15551234567"
      '40', // esm_class: UDHI
      '00', // protocol_id
      '00', // priority_flag
      '00', // schedule_delivery_time ""
      '00', // validity_period ""
      '01', // registered_delivery: final receipt
      '00', // replace_if_present_flag
      '00', // data_coding: SMSC default (GSM 03.38)
      '00', // sm_default_msg_id
      '0b', // sm_length 11
      '050003 2a 02 01', // UDH: concatenation, ref 0x2a, 2 parts, part 1
      '00 48 69 20 00', // "@Hi @" as unpacked GSM septets
    );
    const pdu = expectCommand(roundTrip(bytes), 'submit_sm');
    expect(pdu).toMatchObject({
      serviceType: '',
      sourceAddrTon: 5,
      sourceAddrNpi: 0,
      sourceAddr: 'ACME',
      destAddrTon: 1,
      destAddrNpi: 1,
      destinationAddr: '15551234567',
      esmClass: 0x40,
      registeredDelivery: 1,
      dataCoding: 0,
      tlvs: {},
    });
    expect(pdu.shortMessage.toString('hex')).toBe('0500032a02010048692000');
  });

  it('submit_sm with SAR TLVs (UCS2 body containing 0x00)', () => {
    const bytes = hex(
      '0000004e', // command_length 78
      '00000004',
      '00000000',
      '00000003',
      '434d5400', // service_type "CMT"
      '01',
      '01',
      '313535353030303131313100', // source_addr "15550001111"
      '01',
      '01',
      '313535353232323333333300', // destination_addr "15552223333"
      '00', // esm_class
      '00',
      '00',
      '00',
      '00',
      '01', // registered_delivery
      '00',
      '08', // data_coding UCS2
      '00',
      '04', // sm_length
      '0048 0069', // "Hi" in UCS2
      '020c 0002 1234', // sar_msg_ref_num 0x1234
      '020e 0001 03', // sar_total_segments 3
      '020f 0001 01', // sar_segment_seqnum 1
    );
    const pdu = expectCommand(roundTrip(bytes), 'submit_sm');
    expect(pdu.serviceType).toBe('CMT');
    expect(pdu.dataCoding).toBe(8);
    expect(pdu.shortMessage).toEqual(Buffer.from([0x00, 0x48, 0x00, 0x69]));
    expect(pdu.tlvs).toEqual({ sarMsgRefNum: 0x1234, sarTotalSegments: 3, sarSegmentSeqnum: 1 });
  });

  it('submit_sm carrying a 64 000-octet message_payload', () => {
    // Every octet value 0x00..0xff appears, so any text decoding would show.
    const payload = Buffer.alloc(64_000);
    for (let i = 0; i < payload.length; i++) {
      payload[i] = i % 256;
    }
    const bytes = hex(
      '0000fa30', // command_length 64 048
      '00000004',
      '00000000',
      '00000004',
      '00', // service_type
      '00',
      '00',
      '00', // source_addr ""
      '01',
      '01',
      '313535353132333435363700', // destination_addr "15551234567"
      '00',
      '00',
      '00',
      '00',
      '00',
      '00',
      '00',
      '04', // data_coding 8-bit binary
      '00',
      '00', // sm_length 0: the payload travels in the TLV
      '0424 fa00', // message_payload, length 64 000
      payload.toString('hex'),
    );
    const pdu = expectCommand(roundTrip(bytes), 'submit_sm');
    expect(pdu.shortMessage.length).toBe(0);
    expect(pdu.tlvs.messagePayload?.equals(payload)).toBe(true);
  });

  it('deliver_sm receipt with receipted_message_id, message_state and network_error_code', () => {
    const bytes = hex(
      '0000005d', // command_length 93
      '00000005', // deliver_sm
      '00000000',
      '00000010',
      '00', // service_type
      '01',
      '01',
      '313535353132333435363700', // source_addr: the handset
      '05',
      '00',
      '41434d4500', // destination_addr: the original sender "ACME"
      '04', // esm_class: SMSC delivery receipt
      '00',
      '00',
      '00',
      '00',
      '00',
      '00',
      '00',
      '00',
      '16', // sm_length 22
      '69643a616263313233', // "id:abc123"
      '20',
      '737461743a44454c49565244', // "stat:DELIVRD"
      '001e 0007 61626331323300', // receipted_message_id "abc123"
      '0427 0001 02', // message_state DELIVERED
      '0423 0003 03 000a', // network_error_code: GSM, error 10
    );
    const pdu = expectCommand(roundTrip(bytes), 'deliver_sm');
    expect(pdu.esmClass).toBe(4);
    expect(pdu.shortMessage.toString('latin1')).toBe('id:abc123 stat:DELIVRD');
    expect(pdu.tlvs).toEqual({
      receiptedMessageId: 'abc123',
      messageState: 2,
      networkErrorCode: { networkType: 3, errorCode: 10 },
    });
  });

  it('submit_sm_resp, and a failed one sent header-only', () => {
    const ok = expectCommand(
      roundTrip(hex('00000019', '80000004', '00000000', '00000002', '6d73672d3030303100')),
      'submit_sm_resp',
    );
    expect(ok.messageId).toBe('msg-0001');

    const throttled = expectCommand(
      roundTrip(hex('00000010', '80000004', '00000058', '00000002')),
      'submit_sm_resp',
    );
    expect(throttled.commandStatus).toBe(0x58);
    expect(throttled.messageId).toBe('');
  });

  it('generic_nack', () => {
    const pdu = roundTrip(hex('00000010', '80000000', '00000003', '00000007'));
    expect(pdu).toMatchObject({ command: 'generic_nack', commandStatus: 3, sequenceNumber: 7 });
  });

  it('enquire_link and enquire_link_resp', () => {
    expect(roundTrip(hex('00000010', '00000015', '00000000', '00000004'))).toMatchObject({
      command: 'enquire_link',
      sequenceNumber: 4,
    });
    expect(roundTrip(hex('00000010', '80000015', '00000000', '00000004'))).toMatchObject({
      command: 'enquire_link_resp',
      sequenceNumber: 4,
    });
  });

  it('unbind and unbind_resp', () => {
    expect(roundTrip(hex('00000010', '00000006', '00000000', '00000005')).command).toBe('unbind');
    expect(roundTrip(hex('00000010', '80000006', '00000000', '00000005')).command).toBe(
      'unbind_resp',
    );
  });

  it('unknown TLVs pass through unchanged, after the typed ones', () => {
    const bytes = hex(
      '00000021',
      '80000103', // data_sm_resp
      '00000000',
      '00000009',
      '6964303100', // message_id "id01"
      '0425 0001 01', // delivery_failure_reason
      '1403 0003 aabbcc', // vendor-specific tag
    );
    const pdu = expectCommand(roundTrip(bytes), 'data_sm_resp');
    expect(pdu.tlvs.deliveryFailureReason).toBe(1);
    expect(pdu.tlvs.other).toEqual([{ tag: 0x1403, value: Buffer.from('aabbcc', 'hex') }]);
  });
});

describe('decodePdu on bad input', () => {
  it('rejects input shorter than a header', () => {
    const result = decodePdu(Buffer.from('000000', 'hex'));
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'invalid_command_length', nackStatus: 2 },
    });
    expect(result.ok || result.error.sequenceNumber).toBeUndefined();
  });

  it('rejects a command_length that disagrees with the bytes', () => {
    const result = decodePdu(hex('00000020', '00000015', '00000000', '00000009'));
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'invalid_command_length', nackStatus: 2, sequenceNumber: 9 },
    });
  });

  it('reports an unknown command id with its sequence number', () => {
    const result = decodePdu(hex('00000010', '00000077', '00000000', '0000abcd'));
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'unknown_command', nackStatus: 3, commandId: 0x77, sequenceNumber: 0xabcd },
    });
  });

  it('reports a body that ends before the mandatory parameters', () => {
    // submit_sm that stops after source_addr
    const result = decodePdu(
      hex('00000015', '00000004', '00000000', '00000005', '00', '01', '01', '3100'),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'truncated_body', nackStatus: 2, sequenceNumber: 5 },
    });
  });

  it('reports a C-string without its NUL', () => {
    const result = decodePdu(hex('00000014', '00000009', '00000000', '00000006', '61626364'));
    expect(result).toMatchObject({ ok: false, error: { kind: 'bad_cstring', sequenceNumber: 6 } });
  });

  it('reports an sm_length past the end with ESME_RINVMSGLEN', () => {
    const result = decodePdu(
      hex('00000023', '00000004', '00000000', '00000008', '00'.repeat(16), 'ff', '4142'),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'bad_sm_length', nackStatus: 1, sequenceNumber: 8 },
    });
  });

  it('reports a TLV whose length runs past the end', () => {
    const result = decodePdu(
      hex('00000017', '80000009', '00000000', '00000001', '5800', '0210 0004 34'),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'bad_tlv', nackStatus: 0xc0, sequenceNumber: 1 },
    });
  });

  it('reports stray octets after the last TLV', () => {
    const result = decodePdu(hex('00000013', '80000015', '00000000', '00000001', '020c00'));
    expect(result).toMatchObject({ ok: false, error: { kind: 'bad_tlv' } });
  });

  it('keeps a typed TLV of the wrong size raw instead of failing', () => {
    const pdu = decodeOk(hex('00000016', '80000015', '00000000', '00000001', '0427 0002 0102'));
    expect(pdu.tlvs).toEqual({ other: [{ tag: 0x0427, value: Buffer.from([1, 2]) }] });
  });

  it('accepts a receipted_message_id without its NUL (a common SMSC quirk)', () => {
    const pdu = decodeOk(
      hex('00000019', '80000015', '00000000', '00000001', '001e 0005 6162636465'),
    );
    expect(pdu.tlvs.receiptedMessageId).toBe('abcde');
  });

  it('accepts responses with an empty body', () => {
    const pdu = decodeOk(hex('00000010', '80000005', '00000000', '00000011'));
    expect(pdu).toMatchObject({ command: 'deliver_sm_resp', messageId: '', sequenceNumber: 0x11 });
  });
});

describe('encodePdu', () => {
  it('fills defaults and announces interface version 3.4 in binds', () => {
    const bytes = encodePdu({
      command: 'bind_transmitter',
      systemId: 'a',
      password: 'b',
      sequenceNumber: 1,
    });
    expect(bytes.toString('hex')).toBe(
      [
        '00000019',
        '00000002',
        '00000000',
        '00000001',
        '6100',
        '6200',
        '00',
        '34',
        '00',
        '00',
        '00',
      ].join(''),
    );
  });

  it.each([
    ['a system_id over 15 characters', { command: 'bind_transceiver', systemId: 'x'.repeat(16) }],
    ['a character beyond one octet', { command: 'submit_sm', destinationAddr: '1555€' }],
    ['a NUL inside a C-string', { command: 'submit_sm', sourceAddr: 'a\u0000b' }],
    ['a short_message over 255 octets', { command: 'submit_sm', shortMessage: Buffer.alloc(256) }],
    ['an octet out of range', { command: 'submit_sm', esmClass: 256 }],
    [
      'a message_payload over 65 535 octets',
      { command: 'submit_sm', tlvs: { messagePayload: Buffer.alloc(65_536) } },
    ],
    ['an unknown command', { command: 'submit_multi' }],
  ] as const)('throws SmppEncodeError for %s', (_name, init) => {
    expect(() => encodePdu(init as never)).toThrow(
      expect.objectContaining({ code: 'SMPP_ENCODE' }),
    );
  });
});
