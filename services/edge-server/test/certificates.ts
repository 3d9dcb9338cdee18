// Self-signed certificates for the TLS tests, made with the openssl CLI. Kept
// apart from the edge harness so the certificate store's unit test does not
// pull in the whole edge (database, brokers).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Self-signed certificate for `names` (first is the CN) into `<dir>/<entry>/tls.{crt,key}`
 * (entry '.' = dir itself), valid for `days` (tests tell certificates apart by expiry).
 */
export async function writeCertificate(
  dir: string,
  entry: string,
  names: readonly string[],
  days = 2,
): Promise<void> {
  const target = entry === '.' ? dir : join(dir, entry);
  await mkdir(target, { recursive: true });
  const san = names.map((n) => `DNS:${n}`).join(',');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(target, 'tls.key'),
    '-out',
    join(target, 'tls.crt'),
    '-days',
    String(days),
    '-subj',
    `/CN=${names[0] ?? 'localhost'}`,
    '-addext',
    `subjectAltName=${san}`,
  ]);
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}
