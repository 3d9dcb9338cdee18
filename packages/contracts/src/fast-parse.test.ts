import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CONTRACT_NAMES,
  UnsupportedSchemaError,
  catalog,
  fastPathOf,
  fastSafeParse,
  safeParseContract,
  safeParser,
  type ContractInput,
  type ContractName,
} from './index.js';

const at = '2026-11-26T01:00:00.000Z';
const envelope = {
  v: 1 as const,
  messageId: '01900000-0000-7000-8000-000000000001',
  occurredAt: at,
};
const customerId = '6f1c2c1e-8b7a-4c59-9d7e-0a4c6f6f6f6f';
const vendorId = '0e4c1b2a-3d5f-4a6b-8c7d-9e0f1a2b3c4d';
const source = { addr: '15550001000', ton: 1, npi: 1 };
const destination = { addr: '15559876543', ton: 1, npi: 1 };
const pricing = {
  currency: 'USD',
  pricePerSegmentMicros: 5000,
  costPerSegmentMicros: 3000,
  costCurrency: 'EUR',
};
const mtBody = {
  customerId,
  systemId: 'demo',
  source,
  destination,
  esmClass: 64,
  protocolId: 0,
  priority: 1,
  registeredDelivery: 1,
  dataCoding: 8,
  shortMessage: Buffer.from('\x05\x00\x03\x2a\x02\x01hello').toString('base64'),
  concat: { reference: 42, total: 2, sequence: 1, method: 'udh8' as const },
  segments: 1,
  acceptedAt: at,
};

/** Valid messages of every contract: with every field, and with defaults left out. */
const samples: { [N in ContractName]: ContractInput<N>[] } = {
  MtSubmitted: [
    { ...envelope, ...mtBody },
    {
      ...envelope,
      ...mtBody,
      serviceType: 'CMT',
      scheduleDeliveryTime: '',
      validityPeriod: '261127010000000+',
      messagePayload: 'aGVsbG8=',
      tlvs: [{ tag: 0x1403, value: 'AQI=' }],
      attempts: [{ vendorId, commandStatus: 8, error: 'ESME_RSYSERR', at }],
      roundStart: 1,
    },
  ],
  MtRouted: [
    { ...envelope, ...mtBody, vendorId, routeId: 'r1', pricing, routedAt: at },
    {
      ...envelope,
      ...mtBody,
      vendorId,
      routeId: 'r1',
      pricing,
      routedAt: at,
      possibleRepeat: true,
      tlvs: [],
      attempts: [],
    },
  ],
  MtSubmitResult: [
    {
      ...envelope,
      outcome: 'submitted',
      customerId,
      systemId: 'demo',
      source,
      destination,
      registeredDelivery: 1,
      dataCoding: 0,
      textPreview: 'hello world',
      segments: 1,
      acceptedAt: at,
      vendorId,
      routeId: 'r1',
      pricing,
      vendorMessageId: '0A1B2C',
      vendorMessageKey: 'a1b2c',
      submittedAt: at,
    },
    {
      ...envelope,
      outcome: 'failed',
      customerId,
      systemId: 'demo',
      source,
      destination,
      registeredDelivery: 17,
      dataCoding: 0,
      textPreview: '',
      segments: 3,
      acceptedAt: at,
      failureReason: 'vendors_exhausted',
      commandStatus: 0x58,
      error: 'throttled',
      attempts: [{ vendorId, error: 'timeout' }],
    },
  ],
  VendorReceipt: [
    {
      ...envelope,
      vendorId,
      vendorMessageId: '0A1B2C',
      vendorMessageKey: 'a1b2c',
      stat: 'DELIVRD',
      receivedAt: at,
    },
    {
      ...envelope,
      vendorId,
      vendorMessageId: '0A1B2C',
      vendorMessageKey: 'a1b2c',
      stat: 'UNDELIV',
      messageState: 5,
      err: '034',
      networkErrorCode: '3:1',
      submitDate: at,
      doneDate: at,
      receivedAt: at,
      source: destination,
      destination: source,
    },
  ],
  MoReceived: [
    {
      ...envelope,
      vendorId,
      source,
      destination,
      esmClass: 0,
      protocolId: 0,
      dataCoding: 0,
      shortMessage: 'aGk=',
      receivedAt: at,
    },
  ],
  CustomerDelivery: [
    {
      ...envelope,
      customerId,
      delivery: {
        kind: 'receipt',
        receiptedMessageId: envelope.messageId,
        stat: 'DELIVRD',
        err: '000',
        submitDate: at,
        doneDate: at,
        textPreview: 'hello',
        source: destination,
        destination: source,
      },
    },
    {
      ...envelope,
      customerId,
      delivery: {
        kind: 'mo',
        source,
        destination,
        esmClass: 0,
        protocolId: 0,
        dataCoding: 8,
        shortMessage: 'AGgAaQ==',
        vendorId,
        receivedAt: at,
      },
    },
  ],
  ControlCommand: [
    { ...envelope, command: { type: 'reload-vendors' } },
    { ...envelope, command: { type: 'reconnect-vendor', vendorId }, issuedBy: 'ops' },
  ],
};

/** Deterministic PRNG (mulberry32): the same cases on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values at the edges of every rule the contracts use. */
const ODD_VALUES: unknown[] = [
  '',
  'a',
  'ab',
  'x'.repeat(16),
  'x'.repeat(17),
  'x'.repeat(21),
  'x'.repeat(22),
  'x'.repeat(64),
  'x'.repeat(65),
  'x'.repeat(129),
  'x'.repeat(501),
  '😀',
  '😀'.repeat(8),
  '😀'.repeat(11),
  '😀'.repeat(20),
  '\uD800',
  'USD',
  'U😀',
  'US😀',
  'aGVsbG8=',
  'not base64!',
  'aGVsbG8===',
  '2026-11-26T01:00:00Z',
  '2026-11-26T01:00:00.123456+02:00',
  '2026-11-26',
  '2026-13-45T99:00:00Z',
  'DELIVRD',
  'receipt',
  'mo',
  'udh8',
  'reload-vendors',
  'submitted',
  0,
  -0,
  -1,
  1,
  1.5,
  2,
  3,
  4,
  255,
  256,
  65535,
  65536,
  2 ** 53,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  null,
  undefined,
  true,
  false,
  {},
  [],
  ['x'],
  [{ tag: 1, value: '' }],
  [{ vendorId: 'v', error: 'e' }],
  { addr: '1', ton: 1, npi: 1 },
  { addr: '1', ton: 1, npi: 1, extra: 1 },
];

type Json = Record<string, unknown> | unknown[];

/** Every path to a value inside `root` (object keys and array indexes). */
function paths(root: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(root)) {
    root.forEach((item, i) => {
      out.push([...prefix, i], ...paths(item, [...prefix, i]));
    });
  } else if (typeof root === 'object' && root !== null) {
    for (const [key, item] of Object.entries(root)) {
      out.push([...prefix, key], ...paths(item, [...prefix, key]));
    }
  }
  return out;
}

function mutate(sample: unknown, next: () => number): unknown {
  const copy = structuredClone(sample) as Json;
  const rounds = next() < 0.5 ? 1 : 2 + Math.floor(next() * 2);
  for (let round = 0; round < rounds; round += 1) {
    const all = paths(copy);
    const path = all[Math.floor(next() * all.length)] ?? [];
    let parent: Json = copy;
    for (const step of path.slice(0, -1))
      parent = (parent as Record<string, unknown>)[step] as Json;
    const last = path[path.length - 1];
    if (last === undefined) continue;
    const pick = next();
    const container = parent as Record<string | number, unknown>;
    if (pick < 0.15 && !Array.isArray(parent)) {
      delete container[last];
    } else if (pick < 0.25 && typeof parent === 'object' && !Array.isArray(parent)) {
      container[`unknown${round}`] = 'x';
    } else {
      container[last] = structuredCloneSafe(ODD_VALUES[Math.floor(next() * ODD_VALUES.length)]);
    }
  }
  return copy;
}

function structuredCloneSafe(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

describe('fast contract parsing', () => {
  it('reads every catalog contract (none falls back to zod alone)', () => {
    for (const name of CONTRACT_NAMES) {
      expect(() => fastPathOf(catalog[name].schema), name).not.toThrow();
    }
  });

  it('answers valid messages itself, with exactly what zod returns', () => {
    for (const name of CONTRACT_NAMES) {
      const fast = fastPathOf(catalog[name].schema);
      for (const sample of samples[name]) {
        const answer = fast(sample);
        expect(answer, `${name} should not need zod for a valid message`).toBeDefined();
        const zod = catalog[name].schema.safeParse(sample);
        expect(zod.success).toBe(true);
        expect(answer?.value).toStrictEqual(zod.data);
        expect(safeParseContract(name, sample)).toStrictEqual(zod);
      }
    }
  });

  it('never accepts what zod refuses, and returns what zod returns, over 42 000 mutated messages', () => {
    const next = random(0x5eed);
    let answered = 0;
    let refusedByZod = 0;
    for (const name of CONTRACT_NAMES) {
      const schema = catalog[name].schema;
      const fast = fastPathOf(schema);
      const parse = fastSafeParse(schema);
      for (const sample of samples[name]) {
        for (let i = 0; i < 6_000 / samples[name].length; i += 1) {
          const input = mutate(sample, next);
          const zod = schema.safeParse(input);
          const answer = fast(input);
          if (answer) {
            answered += 1;
            expect(zod.success, `${name}: fast path accepted ${JSON.stringify(input)}`).toBe(true);
            expect(answer.value).toStrictEqual(zod.data);
          }
          if (!zod.success) refusedByZod += 1;
          const combined = parse(input);
          expect(combined.success).toBe(zod.success);
          if (zod.success) expect(combined.data).toStrictEqual(zod.data);
          else expect(combined.error?.issues).toStrictEqual(zod.error.issues);
        }
      }
    }
    // The mutations must exercise both sides, or the test proves nothing.
    expect(answered).toBeGreaterThan(2_000);
    expect(refusedByZod).toBeGreaterThan(5_000);
  });

  it('hands out a fresh default every time, as zod does', () => {
    const parse = fastSafeParse(catalog.MtSubmitted.schema);
    const [sample] = samples.MtSubmitted;
    const a = parse(sample);
    const b = parse(sample);
    expect(a.data?.tlvs).toEqual([]);
    expect(a.data?.tlvs).not.toBe(b.data?.tlvs);
    // The caller's object is left as it was.
    expect(sample).not.toHaveProperty('tlvs');
  });

  it('declines what it cannot read exactly, and safeParser then uses zod alone', () => {
    const refined = z.object({ a: z.string().refine((s) => s !== 'no') });
    expect(() => fastSafeParse(refined)).toThrow(UnsupportedSchemaError);
    expect(() => fastSafeParse(z.object({ a: z.string().email() }))).toThrow(
      /string format 'email'/,
    );
    expect(() => fastSafeParse(z.object({ a: z.string().transform((s) => s.length) }))).toThrow(
      UnsupportedSchemaError,
    );
    expect(() => fastSafeParse(z.object({ a: z.number() }).catchall(z.string()))).toThrow(
      /catch-all/,
    );
    expect(() => fastSafeParse(z.union([z.string(), z.number()]))).toThrow(/discriminated/);
    const parse = safeParser(refined);
    expect(parse({ a: 'no' }).success).toBe(false);
    expect(parse({ a: 'yes' })).toStrictEqual({ success: true, data: { a: 'yes' } });
  });
});
