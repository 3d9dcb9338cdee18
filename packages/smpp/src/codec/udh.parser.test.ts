import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatInfoFromSar, parseUdh } from './udh.parser.js';

const bytes = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

describe('parseUdh', () => {
  it('reads the 8-bit reference concat IE (0x00) and the payload after it', () => {
    const result = parseUdh(bytes('05 00 03 cc 02 01  48 69'));
    expect(result).toMatchObject({
      ok: true,
      headerLength: 6,
      concat: { reference: 0xcc, total: 2, sequence: 1, referenceBits: 8 },
    });
    if (!result.ok) return;
    expect(result.payload.toString('hex')).toBe('4869');
    expect(result.elements).toEqual([{ iei: 0x00, data: bytes('cc0201') }]);
  });

  it('reads the 16-bit reference concat IE (0x08)', () => {
    expect(parseUdh(bytes('06 08 04 ab cd 03 02  00 48'))).toMatchObject({
      ok: true,
      headerLength: 7,
      concat: { reference: 0xabcd, total: 3, sequence: 2, referenceBits: 16 },
    });
  });

  it('tolerates port addressing (0x05) before the concat IE', () => {
    const result = parseUdh(bytes('0b 05 04 0b 84 23 f0 00 03 0a 02 01  aa bb'));
    expect(result).toMatchObject({
      ok: true,
      headerLength: 12,
      ports: { destination: 0x0b84, source: 0x23f0, bits: 16 },
      concat: { reference: 0x0a, total: 2, sequence: 1 },
    });
    if (result.ok) {
      expect(result.elements.map((e) => e.iei)).toEqual([0x05, 0x00]);
      expect(result.payload.toString('hex')).toBe('aabb');
    }
  });

  it('tolerates unknown IEs after the concat IE and keeps them', () => {
    const result = parseUdh(bytes('0a 00 03 01 02 02 24 01 01 70 00  41'));
    expect(result).toMatchObject({ ok: true, concat: { reference: 1, total: 2, sequence: 2 } });
    if (result.ok) {
      expect(result.elements).toEqual([
        { iei: 0x00, data: bytes('010202') },
        { iei: 0x24, data: bytes('01') },
        { iei: 0x70, data: bytes('') },
      ]);
      expect(result.payload.toString('hex')).toBe('41');
    }
  });

  it('reads 8-bit port addressing (0x04)', () => {
    expect(parseUdh(bytes('04 04 02 10 20'))).toMatchObject({
      ok: true,
      ports: { destination: 0x10, source: 0x20, bits: 8 },
    });
  });

  it('accepts an empty header (UDHL 0) and a header with no payload', () => {
    expect(parseUdh(bytes('00 41 42'))).toMatchObject({ ok: true, headerLength: 1, elements: [] });
    const headerOnly = parseUdh(bytes('05 00 03 01 01 01'));
    expect(headerOnly.ok && headerOnly.payload.length).toBe(0);
  });

  it('ignores a concat IE with total 0, sequence 0 or sequence > total (TS 23.040)', () => {
    for (const ie of ['000301 00 01', '000301 02 00', '000301 02 03']) {
      const result = parseUdh(bytes(`05 ${ie} 41`));
      expect(result.ok).toBe(true);
      expect(result.ok && result.concat).toBeUndefined();
    }
  });

  it('uses the last concat IE when one is repeated', () => {
    expect(parseUdh(bytes('0a 00 03 01 02 01 00 03 09 03 02'))).toMatchObject({
      ok: true,
      concat: { reference: 9, total: 3, sequence: 2 },
    });
  });

  it.each([
    ['', 'empty'],
    ['05 00 03 01', 'udh-length-past-end'],
    ['ff 00 03 01 02 01', 'udh-length-past-end'],
    ['05 00 05 01 02 03', 'ie-length-past-udh'],
    ['01 00', 'ie-length-past-udh'],
    ['03 00 03 01 02 01', 'ie-length-past-udh'],
    ['04 00 02 01 02', 'invalid-element'],
    ['06 08 03 01 02 01 00', 'invalid-element'],
    ['05 05 03 01 02 03', 'invalid-element'],
  ])('returns a typed failure for malformed %j (%s)', (hex, reason) => {
    const result = parseUdh(bytes(hex));
    expect(result).toMatchObject({ ok: false, reason });
    expect(!result.ok && result.detail.length).toBeGreaterThan(0);
  });

  it('never throws, and a success always accounts for every octet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (input) => {
        const result = parseUdh(input);
        if (!result.ok) return;
        expect(result.headerLength).toBeLessThanOrEqual(input.length);
        expect(result.headerLength).toBe(1 + (input[0] ?? 0));
        const ieOctets = result.elements.reduce((sum, e) => sum + 2 + e.data.length, 0);
        expect(1 + ieOctets).toBe(result.headerLength);
        expect(
          Buffer.compare(result.payload, Buffer.from(input).subarray(result.headerLength)),
        ).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('concatInfoFromSar', () => {
  it('maps the three SAR TLVs', () => {
    expect(
      concatInfoFromSar({ sar_msg_ref_num: 0x1234, sar_total_segments: 3, sar_segment_seqnum: 2 }),
    ).toEqual({
      ok: true,
      concat: { reference: 0x1234, total: 3, sequence: 2, referenceBits: 16 },
    });
  });

  it('accepts the session layer camelCase TLV names', () => {
    expect(
      concatInfoFromSar({ sarMsgRefNum: 7, sarTotalSegments: 2, sarSegmentSeqnum: 2 }),
    ).toEqual({
      ok: true,
      concat: { reference: 7, total: 2, sequence: 2, referenceBits: 16 },
    });
  });

  it('reports no concat when no SAR TLV is present', () => {
    expect(concatInfoFromSar({})).toEqual({ ok: true, concat: undefined });
  });

  it.each([
    [{ sar_msg_ref_num: 1 }, 'incomplete-sar'],
    [{ sar_total_segments: 2, sar_segment_seqnum: 1 }, 'incomplete-sar'],
    [{ sar_msg_ref_num: 1, sar_total_segments: 0, sar_segment_seqnum: 1 }, 'invalid-sar'],
    [{ sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 0 }, 'invalid-sar'],
    [{ sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 3 }, 'invalid-sar'],
    [{ sar_msg_ref_num: 0x10000, sar_total_segments: 2, sar_segment_seqnum: 1 }, 'invalid-sar'],
    [{ sar_msg_ref_num: 1, sar_total_segments: 256, sar_segment_seqnum: 1 }, 'invalid-sar'],
  ])('rejects %j as %s', (tlvs, reason) => {
    expect(concatInfoFromSar(tlvs)).toMatchObject({ ok: false, reason });
  });
});
