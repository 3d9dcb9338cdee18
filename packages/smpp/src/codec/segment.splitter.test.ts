import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SegmentUnit } from './data-coding.decoder.js';
import { encodeGsm7 } from './gsm7.codec.js';
import { countSegments, segmentLimits, splitMessage } from './segment.splitter.js';
import type { ConcatMethod, MessagePart, SplitOptions } from './segment.splitter.js';
import { encodeText } from './text.codec.js';
import { parseUdh } from './udh.parser.js';

const gsm = (text: string): Buffer => {
  const result = encodeGsm7(text);
  if (!result.ok) throw new Error('not GSM');
  return result.bytes;
};
const ucs2 = (text: string): Buffer => {
  const result = encodeText(text, 'ucs2');
  if (!result.ok) throw new Error('not UCS2');
  return result.bytes;
};

function split(bytes: Uint8Array, options: SplitOptions): readonly MessagePart[] {
  const result = splitMessage(bytes, options);
  if (!result.ok) throw new Error(`split failed: ${result.reason}`);
  return result.parts;
}

/** The text chunk a part carries, with the UDH (checked on the way) removed. */
function chunkOf(part: MessagePart): Buffer {
  switch (part.kind) {
    case 'single':
    case 'sar':
      return part.shortMessage;
    case 'payload':
      return part.messagePayload;
    case 'udh': {
      const parsed = parseUdh(part.shortMessage);
      if (!parsed.ok) throw new Error(`bad UDH: ${parsed.reason}`);
      expect(parsed.concat).toEqual(part.concat);
      return parsed.payload;
    }
  }
}

const chunkSizes = (parts: readonly MessagePart[]) => parts.map((p) => chunkOf(p).length);

describe('segmentLimits and countSegments', () => {
  it.each<[SegmentUnit, ConcatMethod, number, number]>([
    ['gsm7', 'udh8', 160, 153],
    ['gsm7', 'udh16', 160, 152],
    ['gsm7', 'sar', 160, 152],
    ['ucs2', 'udh8', 140, 134],
    ['ucs2', 'udh16', 140, 132],
    ['8bit', 'udh8', 140, 134],
    ['8bit', 'udh16', 140, 133],
  ])('%s with %s: %i single, %i per part', (unit, method, single, perPart) => {
    expect(segmentLimits(unit, method)).toEqual({ single, perPart });
  });

  it.each<[string, SegmentUnit, number, ConcatMethod, number]>([
    ['empty message', 'gsm7', 0, 'udh8', 1],
    ['160 septets', 'gsm7', 160, 'udh8', 1],
    ['161 septets', 'gsm7', 161, 'udh8', 2],
    ['306 septets', 'gsm7', 306, 'udh8', 2],
    ['307 septets', 'gsm7', 307, 'udh8', 3],
    ['304 septets, 16-bit ref', 'gsm7', 304, 'udh16', 2],
    ['305 septets, 16-bit ref', 'gsm7', 305, 'udh16', 3],
    ['70 UCS2 chars', 'ucs2', 140, 'udh8', 1],
    ['71 UCS2 chars', 'ucs2', 142, 'udh8', 2],
    ['134 UCS2 chars', 'ucs2', 268, 'udh8', 2],
    ['135 UCS2 chars', 'ucs2', 270, 'udh8', 3],
    ['132 UCS2 chars, 16-bit ref', 'ucs2', 264, 'udh16', 2],
    ['133 UCS2 chars, 16-bit ref', 'ucs2', 266, 'udh16', 3],
    ['140 octets', '8bit', 140, 'udh8', 1],
    ['141 octets', '8bit', 141, 'udh8', 2],
    ['268 octets', '8bit', 268, 'udh8', 2],
    ['269 octets', '8bit', 269, 'udh8', 3],
  ])('%s (%s, %s) → %i', (_label, unit, length, method, expected) => {
    expect(countSegments(Buffer.alloc(length, 0x41), unit, method)).toBe(expected);
  });

  it('counts the extra part an escape pair at a boundary costs', () => {
    // 152 plain septets then '{' (ESC 0x28): the pair cannot straddle 153.
    const bytes = gsm('a'.repeat(152) + '{' + 'b'.repeat(152));
    expect(bytes.length).toBe(306);
    expect(countSegments(bytes, 'gsm7')).toBe(3);
    expect(chunkSizes(split(bytes, { unit: 'gsm7', method: 'udh8', reference: 1 }))).toEqual([
      152, 153, 1,
    ]);
  });
});

describe('splitMessage', () => {
  it('does not split a message that fits, whatever the method', () => {
    for (const method of ['udh8', 'udh16', 'sar', 'payload'] as const) {
      const parts = split(gsm('x'.repeat(160)), { unit: 'gsm7', method, reference: 1 });
      expect(parts).toHaveLength(1);
      expect(parts[0]).toMatchObject({ kind: 'single', esmClassUdhi: false });
    }
  });

  it('writes an 8-bit reference UDH (IEI 0x00) in front of each part', () => {
    const parts = split(gsm('a'.repeat(200)), { unit: 'gsm7', method: 'udh8', reference: 0xa7 });
    expect(
      parts.map((p) => p.kind === 'udh' && p.shortMessage.subarray(0, 6).toString('hex')),
    ).toEqual(['050003a70201', '050003a70202']);
    expect(parts.every((p) => p.esmClassUdhi)).toBe(true);
    expect(parts.map((p) => (p.kind === 'udh' ? p.shortMessage.length : 0))).toEqual([159, 53]);
  });

  it('writes a 16-bit reference UDH (IEI 0x08)', () => {
    const parts = split(Buffer.alloc(300, 0x11), {
      unit: '8bit',
      method: 'udh16',
      reference: 0xbeef,
    });
    expect(
      parts.map((p) => p.kind === 'udh' && p.shortMessage.subarray(0, 7).toString('hex')),
    ).toEqual(['060804beef0301', '060804beef0302', '060804beef0303']);
    expect(parts.map((p) => (p.kind === 'udh' ? p.shortMessage.length : 0))).toEqual([
      140, 140, 41,
    ]);
  });

  it('fills the SAR fields and leaves short_message without a UDH', () => {
    const bytes = gsm('z'.repeat(400));
    const parts = split(bytes, { unit: 'gsm7', method: 'sar', reference: 0x0102 });
    expect(parts.map((p) => (p.kind === 'sar' ? p.sar : undefined))).toEqual([
      { sar_msg_ref_num: 0x0102, sar_total_segments: 3, sar_segment_seqnum: 1 },
      { sar_msg_ref_num: 0x0102, sar_total_segments: 3, sar_segment_seqnum: 2 },
      { sar_msg_ref_num: 0x0102, sar_total_segments: 3, sar_segment_seqnum: 3 },
    ]);
    expect(chunkSizes(parts)).toEqual([152, 152, 96]);
    expect(parts.every((p) => !p.esmClassUdhi)).toBe(true);
  });

  it('carries a long message whole in message_payload', () => {
    const bytes = Buffer.alloc(64_000, 0x42);
    const parts = split(bytes, { unit: '8bit', method: 'payload', reference: 0 });
    expect(parts).toHaveLength(1);
    expect(parts[0]?.kind).toBe('payload');
    expect(Buffer.compare(chunkOf(parts[0]!), bytes)).toBe(0);
  });

  it('never cuts a UCS2 surrogate pair', () => {
    // 66 chars then an emoji at code units 66-67: 134 bytes would end on the high surrogate.
    const text = 'a'.repeat(66) + '😀' + 'b'.repeat(70);
    const parts = split(ucs2(text), { unit: 'ucs2', method: 'udh8', reference: 1 });
    expect(chunkSizes(parts)).toEqual([132, 134, 10]);
    expect(chunkOf(parts[1]!).subarray(0, 4).toString('hex')).toBe('d83dde00');
  });

  it('gives parts their own bytes: changing the input afterwards does not change them', () => {
    const bytes = Buffer.alloc(300, 0x41);
    const parts = split(bytes, { unit: '8bit', method: 'sar', reference: 1 });
    bytes.fill(0);
    expect(parts.every((p) => chunkOf(p).every((b) => b === 0x41))).toBe(true);
  });

  it.each([
    [Buffer.alloc(141), { unit: 'ucs2', method: 'udh8', reference: 1 }, 'odd-length-ucs2'],
    [Buffer.alloc(256 * 153), { unit: 'gsm7', method: 'udh8', reference: 1 }, 'too-many-parts'],
    [Buffer.alloc(70_000), { unit: '8bit', method: 'payload', reference: 0 }, 'payload-too-large'],
  ] as const)('fails with a typed result: %#', (bytes, options, reason) => {
    expect(splitMessage(bytes, options)).toMatchObject({ ok: false, reason });
  });

  it('accepts exactly 255 parts', () => {
    const result = splitMessage(Buffer.alloc(255 * 153, 0x41), {
      unit: 'gsm7',
      method: 'udh8',
      reference: 1,
    });
    expect(result.ok && result.parts.length).toBe(255);
  });

  it.each([
    ['udh8', 256],
    ['udh8', -1],
    ['udh16', 0x10000],
    ['sar', 1.5],
  ] as const)('throws for a %s reference of %s (a programming error)', (method, reference) => {
    expect(() => splitMessage(Buffer.alloc(400), { unit: '8bit', method, reference })).toThrow(
      RangeError,
    );
  });
});

// Generators biased towards boundary trouble: many escape pairs / astral chars.
const GSM_BIASED = ['a', '@', '{', '€', '\f', 'Ω', ' ', '|', '~'];
const gsmBytes = fc
  .array(fc.constantFrom(...GSM_BIASED), { maxLength: 1200, size: 'max' })
  .map((chars) => gsm(chars.join('')));
const ucs2Bytes = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', 'é', '😀', '𝄞', '中'),
      fc.string({ unit: 'binary', maxLength: 3 }),
    ),
    {
      maxLength: 500,
      size: 'max',
    },
  )
  .map((chunks) => ucs2(chunks.join('')));
const rawBytes = fc.uint8Array({ maxLength: 2000, size: 'max' });
// Arbitrary septet streams, ESC-heavy, including ESC ESC and a trailing ESC.
const escHeavy = fc
  .array(fc.constantFrom(0x1b, 0x1b, 0x41, 0x00), { maxLength: 800, size: 'max' })
  .map((b) => Uint8Array.from(b));

const methods = fc.constantFrom<'udh8' | 'udh16' | 'sar' | 'payload'>(
  'udh8',
  'udh16',
  'sar',
  'payload',
);
const samples = fc.oneof(
  gsmBytes.map((bytes) => ({ unit: 'gsm7' as const, bytes })),
  escHeavy.map((bytes) => ({ unit: 'gsm7' as const, bytes })),
  ucs2Bytes.map((bytes) => ({ unit: 'ucs2' as const, bytes })),
  rawBytes.map((bytes) => ({ unit: '8bit' as const, bytes })),
);

/** GSM escape pairs parsed from the start: offsets where a pair/septet starts. */
function gsmBoundaries(bytes: Uint8Array): Set<number> {
  const starts = new Set<number>();
  for (let i = 0; i < bytes.length; i += bytes[i] === 0x1b ? 2 : 1) starts.add(i);
  starts.add(bytes.length);
  return starts;
}

describe('splitMessage properties', () => {
  it('reassembles to the original, respects limits, never cuts a pair, and matches countSegments', () => {
    fc.assert(
      fc.property(
        samples,
        methods,
        fc.integer({ min: 0, max: 255 }),
        ({ unit, bytes }, method, reference) => {
          const parts = split(bytes, { unit, method, reference });
          const chunks = parts.map(chunkOf);

          expect(Buffer.compare(Buffer.concat(chunks), Buffer.from(bytes))).toBe(0);

          const { single } = segmentLimits(unit);
          if (method === 'payload') {
            expect(parts).toHaveLength(1);
            return;
          }
          const { perPart } = segmentLimits(unit, method);
          expect(countSegments(bytes, unit, method)).toBe(parts.length);
          if (parts.length === 1) {
            expect(bytes.length).toBeLessThanOrEqual(single);
            expect(parts[0]?.kind).toBe('single');
            return;
          }
          expect(bytes.length).toBeGreaterThan(single);
          const udhLength = method === 'udh8' ? 6 : method === 'udh16' ? 7 : 0;
          parts.forEach((part, index) => {
            const chunk = chunks[index]!;
            expect(chunk.length).toBeLessThanOrEqual(perPart);
            expect(chunk.length).toBeGreaterThan(0);
            const shortMessage = part.kind === 'payload' ? part.messagePayload : part.shortMessage;
            expect(shortMessage.length).toBe(udhLength + chunk.length);
            expect(shortMessage.length).toBeLessThanOrEqual(unit === 'gsm7' ? 160 : 140);
            if ('concat' in part) {
              expect(part.concat).toMatchObject({
                reference,
                total: parts.length,
                sequence: index + 1,
              });
            }
          });

          // Every cut is at a character boundary of the whole message.
          let offset = 0;
          const starts = unit === 'gsm7' ? gsmBoundaries(bytes) : undefined;
          for (const chunk of chunks.slice(0, -1)) {
            offset += chunk.length;
            if (starts) expect(starts.has(offset)).toBe(true);
            if (unit === 'ucs2') {
              const lastHigh = chunk[chunk.length - 2]!;
              expect(lastHigh >= 0xd8 && lastHigh <= 0xdb).toBe(false);
              expect(chunk.length % 2).toBe(0);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('no part of valid GSM text ends with a dangling escape', () => {
    fc.assert(
      fc.property(
        gsmBytes,
        fc.constantFrom<ConcatMethod>('udh8', 'udh16', 'sar'),
        (bytes, method) => {
          for (const chunk of split(bytes, { unit: 'gsm7', method, reference: 9 }).map(chunkOf)) {
            // Each chunk on its own must parse as whole septets/pairs.
            let i = 0;
            while (i < chunk.length) i += chunk[i] === 0x1b ? 2 : 1;
            expect(i).toBe(chunk.length);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
