// Password hashing for customer binds, reversible encryption for the vendor
// passwords we must replay to carriers, and admin API tokens.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/**
 * argon2id at OWASP's baseline (19 MiB, 2 passes, 1 lane): about 20-40 ms and
 * 19 MiB per hash on one core. Bind attempts are rare compared with
 * submit_sm traffic and the edge caches a successful check, so this cost is
 * paid once per bind, not per message; do not verify per PDU.
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export class SecretError extends Error {
  override readonly name = 'SecretError';
}

export async function hashPassword(password: string): Promise<string> {
  if (password.length === 0) throw new SecretError('password must not be empty');
  return argon2.hash(password, PASSWORD_HASH_OPTIONS);
}

/**
 * True when `password` matches. A stored value that is not an argon2 hash is
 * a data problem, not a wrong password, so it throws rather than answer false.
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  if (!hash.startsWith('$argon2'))
    throw new SecretError('stored password hash is not an argon2 hash');
  try {
    return await argon2.verify(hash, password);
  } catch (error) {
    throw new SecretError('stored password hash is malformed', { cause: error });
  }
}

/** True when a hash was made with other parameters than today's (rehash after a successful bind). */
export function passwordNeedsRehash(hash: string): boolean {
  const { memoryCost, timeCost, parallelism } = PASSWORD_HASH_OPTIONS;
  return argon2.needsRehash(hash, { memoryCost, timeCost, parallelism });
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE_VERSION = 'v1';

/**
 * Local demo ONLY (the value is public, in this repository): lets `pnpm start`
 * work without configuration. `resolveVendorSecretKey` refuses it when
 * NODE_ENV=production, whether it comes from the default or from the env.
 */
// Hex of the ASCII text "dev-only-smpp-gateway-key-000001".
export const DEV_VENDOR_SECRET_KEY =
  '6465762d6f6e6c792d736d70702d676174657761792d6b65792d303030303031';

/**
 * Parses a 32-byte key given as 64 hex characters or as base64/base64url.
 * The message never echoes the key.
 */
export function parseSecretKey(text: string): Buffer {
  const value = text.trim();
  if (value.length === 0) throw new SecretError('secret key is empty');
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    throw new SecretError(
      'secret key must be 32 bytes given as 64 hex characters or as base64 (44 characters)',
    );
  }
  const key = Buffer.from(
    value,
    value.includes('-') || value.includes('_') ? 'base64url' : 'base64',
  );
  if (key.length !== KEY_BYTES) {
    throw new SecretError(
      `secret key must decode to ${KEY_BYTES} bytes, got ${key.length} (use 64 hex characters or 44 base64 characters)`,
    );
  }
  return key;
}

/**
 * The vendor secret key from `VENDOR_SECRET_KEY`, or the dev key outside
 * production. `usingDevKey` lets the caller warn loudly.
 */
export function resolveVendorSecretKey(env: {
  readonly VENDOR_SECRET_KEY?: string | undefined;
  readonly NODE_ENV?: string | undefined;
}): { key: Buffer; usingDevKey: boolean } {
  const production = env.NODE_ENV === 'production';
  const configured = env.VENDOR_SECRET_KEY?.trim();
  if (configured) {
    let key: Buffer;
    try {
      key = parseSecretKey(configured);
    } catch (error) {
      throw new SecretError(`VENDOR_SECRET_KEY: ${(error as Error).message}`);
    }
    const usingDevKey = key.equals(Buffer.from(DEV_VENDOR_SECRET_KEY, 'hex'));
    if (usingDevKey && production) {
      throw new SecretError(
        'VENDOR_SECRET_KEY is the public development key; refused in production',
      );
    }
    return { key, usingDevKey };
  }
  if (production) {
    throw new SecretError(
      'VENDOR_SECRET_KEY is required when NODE_ENV=production (32 bytes as 64 hex or base64 characters)',
    );
  }
  return { key: Buffer.from(DEV_VENDOR_SECRET_KEY, 'hex'), usingDevKey: true };
}

function requireKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SecretError(`secret key must be ${KEY_BYTES} bytes`);
}

/** AES-256-GCM with a fresh random IV: `v1:<iv b64>:<tag b64>:<ciphertext b64>`. */
export function encryptSecret(plaintext: string, key: Buffer): string {
  requireKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [ENVELOPE_VERSION, iv, tag, ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
    .join(':');
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decryptSecret(envelope: string, key: Buffer): string {
  requireKey(key);
  const parts = envelope.split(':');
  const [version, ivText, tagText, ciphertextText] = parts;
  if (version !== ENVELOPE_VERSION) {
    throw new SecretError(`unsupported secret envelope version ${JSON.stringify(version ?? '')}`);
  }
  if (
    parts.length !== 4 ||
    ivText === undefined ||
    tagText === undefined ||
    ciphertextText === undefined ||
    ![ivText, tagText, ciphertextText].every((part) => BASE64.test(part))
  ) {
    throw new SecretError('malformed secret envelope (expected v1:<iv>:<tag>:<ciphertext>)');
  }
  const iv = Buffer.from(ivText, 'base64');
  const tag = Buffer.from(tagText, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SecretError('malformed secret envelope (bad IV or tag length)');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertextText, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    // GCM cannot tell a wrong key from altered bytes; both mean "do not use".
    throw new SecretError(
      'secret could not be decrypted: wrong VENDOR_SECRET_KEY or tampered ciphertext',
      { cause: error },
    );
  }
}

const API_TOKEN_PREFIX = 'sgw_';

/** `sgw_` + 32 random bytes base64url: 256 bits, greppable in leaked logs. */
export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * sha256 hex. A fast hash is right for tokens (unlike passwords): they carry
 * 256 random bits, so there is nothing to brute-force, and every API call
 * looks one up.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
