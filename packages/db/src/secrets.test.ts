import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import {
  DEV_VENDOR_SECRET_KEY,
  SecretError,
  decryptSecret,
  encryptSecret,
  generateApiToken,
  hashApiToken,
  hashPassword,
  parseSecretKey,
  passwordNeedsRehash,
  resolveVendorSecretKey,
  verifyPassword,
} from './secrets.js';

const key = randomBytes(32);

describe('encryptSecret / decryptSecret', () => {
  it('round-trips, including non-ASCII and empty plaintext', () => {
    for (const plaintext of ['gw-pass', '', 'pässwörd ✓ 密码']) {
      expect(decryptSecret(encryptSecret(plaintext, key), key)).toBe(plaintext);
    }
  });

  it('writes a v1 envelope with a fresh 12-byte IV and a 16-byte tag each time', () => {
    const a = encryptSecret('same', key);
    const b = encryptSecret('same', key);
    expect(a).not.toBe(b);
    const [version, iv, tag, ciphertext] = a.split(':');
    expect(version).toBe('v1');
    expect(Buffer.from(iv!, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag!, 'base64')).toHaveLength(16);
    expect(Buffer.from(ciphertext!, 'base64')).toHaveLength(4);
  });

  it('rejects a flipped ciphertext bit, a swapped tag and a wrong key', () => {
    const envelope = encryptSecret('gw-pass', key);
    const [version, iv, tag, ciphertext] = envelope.split(':') as [string, string, string, string];
    const bytes = Buffer.from(ciphertext, 'base64');
    bytes[0]! ^= 0x01;
    const flipped = [version, iv, tag, bytes.toString('base64')].join(':');
    expect(() => decryptSecret(flipped, key)).toThrow(/wrong VENDOR_SECRET_KEY or tampered/);

    const otherTag = encryptSecret('gw-pass', key).split(':')[2]!;
    expect(() => decryptSecret([version, iv, otherTag, ciphertext].join(':'), key)).toThrow(
      SecretError,
    );

    expect(() => decryptSecret(envelope, randomBytes(32))).toThrow(
      /wrong VENDOR_SECRET_KEY or tampered/,
    );
  });

  it('names malformed envelopes and unsupported versions', () => {
    expect(() => decryptSecret('plaintext', key)).toThrow(/unsupported secret envelope version/);
    expect(() => decryptSecret('v2:a:b:c', key)).toThrow(
      /unsupported secret envelope version "v2"/,
    );
    expect(() => decryptSecret('v1:AAAA:BBBB', key)).toThrow(/malformed secret envelope/);
    expect(() => decryptSecret('v1:!!:BBBB:CCCC', key)).toThrow(/malformed secret envelope/);
    expect(() => decryptSecret('v1:AAAA:BBBB:CCCC', key)).toThrow(/bad IV or tag length/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => encryptSecret('x', randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('parseSecretKey', () => {
  it('accepts 64 hex characters, base64 and base64url for the same 32 bytes', () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, i) => 250 - i));
    expect(parseSecretKey(bytes.toString('hex'))).toEqual(bytes);
    expect(parseSecretKey(bytes.toString('hex').toUpperCase())).toEqual(bytes);
    expect(parseSecretKey(` ${bytes.toString('base64')}\n`)).toEqual(bytes);
    expect(parseSecretKey(bytes.toString('base64url'))).toEqual(bytes);
  });

  it('explains what is wrong without echoing the key', () => {
    expect(() => parseSecretKey('')).toThrow(/empty/);
    expect(() => parseSecretKey('not a key!')).toThrow(/64 hex characters or as base64/);
    const short = randomBytes(16).toString('base64');
    try {
      parseSecretKey(short);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/got 16/);
      expect((error as Error).message).not.toContain(short);
    }
  });
});

describe('resolveVendorSecretKey', () => {
  const configured = randomBytes(32);

  it('uses VENDOR_SECRET_KEY when set', () => {
    const result = resolveVendorSecretKey({ VENDOR_SECRET_KEY: configured.toString('hex') });
    expect(result).toEqual({ key: configured, usingDevKey: false });
  });

  it('falls back to the documented dev key outside production only', () => {
    const result = resolveVendorSecretKey({ NODE_ENV: 'development' });
    expect(result.usingDevKey).toBe(true);
    expect(result.key).toEqual(Buffer.from(DEV_VENDOR_SECRET_KEY, 'hex'));
    expect(result.key).toHaveLength(32);
    expect(() => resolveVendorSecretKey({ NODE_ENV: 'production' })).toThrow(
      /required when NODE_ENV=production/,
    );
    expect(() =>
      resolveVendorSecretKey({ NODE_ENV: 'production', VENDOR_SECRET_KEY: DEV_VENDOR_SECRET_KEY }),
    ).toThrow(/public development key/);
  });

  it('prefixes key errors with the variable name', () => {
    expect(() => resolveVendorSecretKey({ VENDOR_SECRET_KEY: 'abc' })).toThrow(
      /^VENDOR_SECRET_KEY: /,
    );
  });
});

describe('hashPassword / verifyPassword', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('demo-pass');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, 'demo-pass')).toBe(true);
    expect(await verifyPassword(hash, 'demo-pasS')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
    expect(passwordNeedsRehash(hash)).toBe(false);
  });

  it('flags hashes made with other parameters for rehashing', async () => {
    const older = await argon2.hash('demo-pass', {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
    });
    expect(await verifyPassword(older, 'demo-pass')).toBe(true);
    expect(passwordNeedsRehash(older)).toBe(true);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('treats a stored value that is not an argon2 hash as a data error', async () => {
    await expect(verifyPassword('demo-pass', 'demo-pass')).rejects.toThrow(/not an argon2 hash/);
    await expect(verifyPassword('$argon2id$garbage', 'x')).rejects.toThrow(/malformed/);
    await expect(hashPassword('')).rejects.toThrow(/empty/);
  });
});

describe('API tokens', () => {
  it('are sgw_-prefixed, 256-bit, unique, and hash to sha256 hex', () => {
    const token = generateApiToken();
    expect(token).toMatch(/^sgw_[A-Za-z0-9_-]{43}$/);
    expect(generateApiToken()).not.toBe(token);
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
