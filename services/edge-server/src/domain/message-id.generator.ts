// Our message ids are UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version,
// then random bits. Time-ordered ids keep CDR inserts index-local; the random
// part comes from a pooled CSPRNG buffer so the hot path does not pay one
// getrandom syscall per submit.
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 512;
const RANDOM_BYTES = 10;

export type MessageIdGenerator = () => string;

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

function hex(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += HEX[bytes[i] ?? 0];
  return out;
}

/**
 * Returns a generator of UUIDv7 strings. Within one millisecond ids are
 * random, not monotonic: ordering inside a millisecond has no meaning for us,
 * uniqueness (74 random bits) is what matters.
 */
export function createMessageIdGenerator(now: () => number = Date.now): MessageIdGenerator {
  const pool = Buffer.allocUnsafe(POOL_IDS * RANDOM_BYTES);
  let offset = pool.length;
  const bytes = new Uint8Array(16);
  return () => {
    if (offset + RANDOM_BYTES > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const ms = now();
    // 48-bit big-endian timestamp; split because bit operators are 32-bit.
    const high = Math.floor(ms / 0x1_0000_0000);
    const low = ms >>> 0;
    bytes[0] = (high >>> 8) & 0xff;
    bytes[1] = high & 0xff;
    bytes[2] = (low >>> 24) & 0xff;
    bytes[3] = (low >>> 16) & 0xff;
    bytes[4] = (low >>> 8) & 0xff;
    bytes[5] = low & 0xff;
    for (let i = 0; i < RANDOM_BYTES; i++) bytes[6 + i] = pool[offset + i] ?? 0;
    offset += RANDOM_BYTES;
    bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    return `${hex(bytes, 0, 4)}-${hex(bytes, 4, 6)}-${hex(bytes, 6, 8)}-${hex(bytes, 8, 10)}-${hex(bytes, 10, 16)}`;
  };
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True for a well-formed (lower-case) UUIDv7, the only id shape we hand out. */
export function isMessageId(value: string): boolean {
  return UUID_V7.test(value);
}

/** The millisecond timestamp a UUIDv7 carries. */
export function messageIdTime(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
