// Properties of the codec that fixtures cannot cover: decodePdu survives any
// input, and encode/decode are inverse for arbitrary field values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPdu, decodePdu, encodePdu } from './pdu.codec.js';
import { CommandId } from './pdu.schema.js';
import type { PduInit, Tlvs } from './pdu.types.js';

const octet = fc.integer({ min: 0, max: 255 });
/** Printable-ish latin1 without NUL, bounded by the field's C-string size. */
const cstring = (max: number) =>
  fc
    .array(fc.integer({ min: 1, max: 255 }), { maxLength: max - 1 })
    .map((codes) => String.fromCharCode(...codes));
const bytes = (maxLength: number) =>
  fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));

const tlvs: fc.Arbitrary<Tlvs> = fc.record(
  {
    receiptedMessageId: cstring(65),
    messageState: octet,
    networkErrorCode: fc.record({
      networkType: octet,
      errorCode: fc.integer({ min: 0, max: 0xffff }),
    }),
    messagePayload: bytes(2_000),
    sarMsgRefNum: fc.integer({ min: 0, max: 0xffff }),
    sarTotalSegments: octet,
    sarSegmentSeqnum: octet,
    userMessageReference: fc.integer({ min: 0, max: 0xffff }),
    sourcePort: fc.integer({ min: 0, max: 0xffff }),
    destinationPort: fc.integer({ min: 0, max: 0xffff }),
    other: fc.array(
      fc.record({ tag: fc.integer({ min: 0x1400, max: 0x3fff }), value: bytes(32) }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

const shortMessagePdu: fc.Arbitrary<PduInit<'submit_sm'> | PduInit<'deliver_sm'>> = fc.record({
  command: fc.constantFrom('submit_sm' as const, 'deliver_sm' as const),
  sequenceNumber: fc.integer({ min: 1, max: 0x7fffffff }),
  serviceType: cstring(6),
  sourceAddrTon: octet,
  sourceAddrNpi: octet,
  sourceAddr: cstring(21),
  destAddrTon: octet,
  destAddrNpi: octet,
  destinationAddr: cstring(21),
  esmClass: octet,
  protocolId: octet,
  priorityFlag: octet,
  scheduleDeliveryTime: cstring(17),
  validityPeriod: cstring(17),
  registeredDelivery: octet,
  replaceIfPresentFlag: octet,
  dataCoding: octet,
  smDefaultMsgId: octet,
  shortMessage: bytes(255),
  tlvs,
});

describe('codec properties', () => {
  it('encode then decode gives back every field, byte-exact', () => {
    fc.assert(
      fc.property(shortMessagePdu, (init) => {
        const encoded = encodePdu(init);
        const decoded = decodePdu(encoded);
        expect(decoded.ok).toBe(true);
        if (!decoded.ok) {
          return;
        }
        const expected = createPdu(init);
        if (expected.tlvs.other?.length === 0) {
          delete expected.tlvs.other;
        }
        expect(decoded.pdu).toEqual(expected);
        expect(encodePdu(decoded.pdu).equals(encoded)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('decodePdu never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(bytes(300), (input) => {
        const result = decodePdu(input);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });

  it('decodePdu never throws on a consistent header over an arbitrary body', () => {
    const knownIds = Object.values(CommandId);
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...knownIds), fc.integer({ min: 0, max: 0xffffffff })),
        fc.integer({ min: 0, max: 0xffffffff }),
        bytes(200),
        (commandId, sequenceNumber, body) => {
          const header = Buffer.alloc(16);
          header.writeUInt32BE(16 + body.length, 0);
          header.writeUInt32BE(commandId, 4);
          header.writeUInt32BE(sequenceNumber, 12);
          const result = decodePdu(Buffer.concat([header, body]));
          if (!result.ok) {
            // Once the header is readable the sequence number is always reported, so the peer can be nacked.
            expect(result.error.sequenceNumber).toBe(sequenceNumber);
            expect(result.error.nackStatus).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('every truncation of a valid PDU decodes to a result, never an exception', () => {
    fc.assert(
      fc.property(shortMessagePdu, fc.nat(), (init, cut) => {
        const encoded = encodePdu(init);
        const length = 16 + (cut % (encoded.length - 15));
        const truncated = Buffer.from(encoded.subarray(0, length));
        truncated.writeUInt32BE(length, 0);
        const result = decodePdu(truncated);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 1_000 },
    );
  });
});
