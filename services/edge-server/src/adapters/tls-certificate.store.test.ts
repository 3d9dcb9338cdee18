import { X509Certificate } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, writeCertificate } from '../../test/certificates.js';
import { TlsCertificateStore } from './tls-certificate.store.js';

const DAY = 86_400;
let dir: string;

beforeEach(async () => {
  dir = await tempDir('tls-store-');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** notAfter of the certificate file on disk, Unix seconds. */
async function notAfter(entry: string): Promise<number> {
  const x509 = new X509Certificate(await readFile(join(dir, entry, 'tls.crt')));
  return Date.parse(x509.validTo) / 1000;
}

function expiries(store: TlsCertificateStore): Record<string, number> {
  return Object.fromEntries(store.expiries().map((e) => [e.name, e.validToSeconds]));
}

describe('TlsCertificateStore.expiries', () => {
  it("reports each served certificate's notAfter in Unix seconds, the root pair under the default name", async () => {
    await writeCertificate(dir, '.', ['default.test'], 2);
    await writeCertificate(dir, 'alpha', ['alpha.test'], 30);
    const store = new TlsCertificateStore({ dir });
    await store.reload();

    const got = expiries(store);
    expect(got).toEqual({ default: await notAfter('.'), alpha: await notAfter('alpha') });
    // Created moments apart with 2 and 30 days: seconds (not ms), each name its own certificate.
    expect(got.alpha! - got.default!).toBeGreaterThanOrEqual(28 * DAY);
    expect(got.alpha! - got.default!).toBeLessThan(29 * DAY);
  });

  it('names the root pair after the configured default, or "." when a directory has that name', async () => {
    await writeCertificate(dir, '.', ['root.test']);
    await writeCertificate(dir, 'primary', ['primary.test'], 10);

    const configured = new TlsCertificateStore({ dir, defaultName: 'edge' });
    await configured.reload();
    expect(Object.keys(expiries(configured)).sort()).toEqual(['edge', 'primary']);

    const colliding = new TlsCertificateStore({ dir, defaultName: 'primary' });
    await colliding.reload();
    expect(expiries(colliding)).toEqual({
      '.': await notAfter('.'),
      primary: await notAfter('primary'),
    });
  });

  it('follows a reload: replaced certificate updated, removed one gone, failed one keeps its previous expiry', async () => {
    await writeCertificate(dir, 'default', ['default.test']);
    await writeCertificate(dir, 'alpha', ['alpha.test']);
    await writeCertificate(dir, 'beta', ['beta.test']);
    await writeCertificate(dir, 'gamma', ['gamma.test']);
    const store = new TlsCertificateStore({ dir });
    await store.reload();
    const before = expiries(store);
    expect(Object.keys(before).sort()).toEqual(['alpha', 'beta', 'default', 'gamma']);

    await writeCertificate(dir, 'alpha', ['alpha.test'], 30);
    await writeFile(join(dir, 'beta', 'tls.crt'), 'not a certificate');
    await rm(join(dir, 'gamma'), { recursive: true });
    await store.reload();

    const after = expiries(store);
    expect(after).toEqual({
      default: before.default,
      alpha: await notAfter('alpha'),
      beta: before.beta,
    });
    expect(after.alpha! - before.alpha!).toBeGreaterThanOrEqual(28 * DAY);
  });
});
