// Our wire tables were written from the specification; node-smpp's were
// written independently by other people. Agreement between the two catches a
// transcription slip in either, and its encoder gives a second opinion on our
// bytes for a realistic submit_sm.
import smpp from 'smpp';
import { describe, expect, it } from 'vitest';
import { encodePdu } from './pdu.codec.js';
import { CommandId, PDU_LAYOUT, TLV_SPECS } from './pdu.schema.js';
import type { CommandName } from './pdu.types.js';

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** node-smpp names these TLVs differently from the specification's long form. */
const NODE_SMPP_TLV_NAME: Partial<Record<string, string>> = { destinationPort: 'dest_port' };

describe('tables agree with node-smpp', () => {
  it.each(Object.keys(CommandId) as CommandName[])('%s: command id and field order', (command) => {
    const theirs = smpp.commands[command];
    expect(theirs?.id).toBe(CommandId[command]);
    const ourFields = PDU_LAYOUT[command].map((field) => snakeCase(field.key));
    expect(ourFields).toEqual(Object.keys(theirs?.params ?? {}));
  });

  it.each(TLV_SPECS.map((spec) => [spec.key, spec.tag] as const))(
    'TLV %s has tag 0x%s',
    (key, tag) => {
      const name = NODE_SMPP_TLV_NAME[key] ?? snakeCase(key);
      expect(smpp.tlvs[name]?.id).toBe(tag);
    },
  );

  it('encodes a submit_sm with TLVs to the same bytes as node-smpp', () => {
    const shortMessage = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x00, 0x41]);
    const theirs = new smpp.PDU('submit_sm', {
      sequence_number: 42,
      source_addr_ton: 5,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '15551234567',
      esm_class: 0x40,
      registered_delivery: 1,
      data_coding: 0,
      short_message: shortMessage,
      user_message_reference: 7,
      source_port: 1234,
    }).toBuffer();
    const ours = encodePdu({
      command: 'submit_sm',
      sequenceNumber: 42,
      sourceAddrTon: 5,
      sourceAddr: 'ACME',
      destAddrTon: 1,
      destAddrNpi: 1,
      destinationAddr: '15551234567',
      esmClass: 0x40,
      registeredDelivery: 1,
      dataCoding: 0,
      shortMessage,
      tlvs: { userMessageReference: 7, sourcePort: 1234 },
    });
    expect(ours.toString('hex')).toBe(theirs.toString('hex'));
  });
});
