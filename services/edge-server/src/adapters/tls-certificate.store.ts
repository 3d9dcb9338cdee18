// TLS certificates from a directory laid out like cert-manager / Kubernetes
// secret mounts: `<dir>/<name>/tls.crt` + `<dir>/<name>/tls.key` per
// certificate, optionally a default pair directly in `<dir>` (or in
// `<dir>/default`). Each pair answers SNI for its directory name and for every
// DNS name in its certificate (wildcards match one label). Clients that send
// no SNI (most SMPP clients connect by IP) get the default.
//
// The directory is watched (kubelet swaps a `..data` symlink, which shows as a
// rename in the top directory); a reload is debounced, and a pair that fails
// to load keeps serving its previous context, so a half-written update never
// takes TLS down.
import { X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import tls from 'node:tls';

export interface CertificateEntry {
  readonly name: string;
  readonly context: tls.SecureContext;
  readonly hostnames: readonly string[];
  readonly fingerprint256: string;
  readonly validTo: string;
  /** notAfter in Unix seconds (Node 20 has no X509Certificate#validToDate; validTo parses). */
  readonly validToSeconds: number;
  /** PEM, kept for tls.Server#setSecureContext (the no-SNI default). */
  readonly pem: { readonly cert: Buffer; readonly key: Buffer };
}

/** One served certificate's expiry, for the expiry gauge. */
export interface CertificateExpiry {
  /** The directory name; the pair directly in the directory reports as the default name. */
  readonly name: string;
  /** notAfter, Unix seconds. */
  readonly validToSeconds: number;
}

export interface TlsStoreEvents {
  onReload?(loaded: number, failed: readonly { name: string; error: string }[]): void;
}

export interface TlsCertificateStoreOptions extends TlsStoreEvents {
  readonly dir: string;
  readonly defaultName?: string;
  readonly debounceMs?: number;
  readonly minVersion?: tls.SecureVersion;
}

const ROOT_ENTRY = '.';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function dnsNames(cert: X509Certificate): string[] {
  const names = (cert.subjectAltName ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('DNS:'))
    .map((part) => part.slice(4).toLowerCase());
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  if (names.length === 0 && cn) names.push(cn.toLowerCase());
  return names;
}

export class TlsCertificateStore {
  private entries = new Map<string, CertificateEntry>();
  private byHost = new Map<string, CertificateEntry>();
  private defaultEntry: CertificateEntry | undefined;
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: TlsCertificateStoreOptions) {}

  /** Loads every pair; throws when not one usable certificate was found. */
  async start(): Promise<void> {
    await this.reload();
    if (!this.defaultEntry) throw new Error(`no usable certificate in ${this.options.dir}`);
    this.watchAll();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
  }

  get certificates(): readonly CertificateEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Expiry of every certificate served now, a failed pair's previous one
   * included (it still serves). The root pair is named after the default so
   * operators see the name they configured, unless a directory of that name
   * exists too (then it stays `.`, so the two series cannot collide).
   */
  expiries(): CertificateExpiry[] {
    const defaultName = this.options.defaultName ?? 'default';
    return [...this.entries.values()].map((entry) => ({
      name: entry.name === ROOT_ENTRY && !this.entries.has(defaultName) ? defaultName : entry.name,
      validToSeconds: entry.validToSeconds,
    }));
  }

  /**
   * Options for tls.createServer / setSecureContext: the default pair (what a
   * client without SNI gets) plus SNI selection. Call setSecureContext with it
   * again after a reload so the default follows the files too.
   */
  serverOptions(): tls.TlsOptions {
    return {
      ...(this.defaultEntry
        ? { cert: this.defaultEntry.pem.cert, key: this.defaultEntry.pem.key }
        : {}),
      SNICallback: (servername, callback) => callback(null, this.contextFor(servername)),
      minVersion: this.options.minVersion ?? 'TLSv1.2',
    };
  }

  /** The context for a server name (exact, then one-label wildcard, then the default). */
  contextFor(servername: string | undefined): tls.SecureContext | undefined {
    const host = servername?.toLowerCase();
    if (host) {
      const exact = this.byHost.get(host);
      if (exact) return exact.context;
      const dot = host.indexOf('.');
      if (dot > 0) {
        const wildcard = this.byHost.get(`*${host.slice(dot)}`);
        if (wildcard) return wildcard.context;
      }
    }
    return this.defaultEntry?.context;
  }

  get defaultContext(): tls.SecureContext | undefined {
    return this.defaultEntry?.context;
  }

  /** Re-reads the directory now; concurrent calls share one pass. */
  reload(): Promise<void> {
    this.reloading ??= this.loadAll().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async loadAll(): Promise<void> {
    const dir = this.options.dir;
    const names: string[] = [];
    if ((await isFile(join(dir, 'tls.crt'))) && (await isFile(join(dir, 'tls.key'))))
      names.push(ROOT_ENTRY);
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      // `..data` and `..2024_...` are the kubelet's own bookkeeping directories.
      if (entry.name.startsWith('.')) continue;
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      if (await isFile(join(dir, entry.name, 'tls.crt'))) names.push(entry.name);
    }
    const next = new Map<string, CertificateEntry>();
    const failed: { name: string; error: string }[] = [];
    for (const name of names) {
      const base = name === ROOT_ENTRY ? dir : join(dir, name);
      try {
        const [cert, key] = await Promise.all([
          readFile(join(base, 'tls.crt')),
          readFile(join(base, 'tls.key')),
        ]);
        const context = tls.createSecureContext({
          cert,
          key,
          minVersion: this.options.minVersion ?? 'TLSv1.2',
        });
        const x509 = new X509Certificate(cert);
        const hostnames = [
          ...new Set([...(name === ROOT_ENTRY ? [] : [name.toLowerCase()]), ...dnsNames(x509)]),
        ];
        next.set(name, {
          name,
          context,
          hostnames,
          fingerprint256: x509.fingerprint256,
          validTo: x509.validTo,
          validToSeconds: Math.floor(Date.parse(x509.validTo) / 1000),
          pem: { cert, key },
        });
      } catch (error) {
        failed.push({ name, error: error instanceof Error ? error.message : String(error) });
        const previous = this.entries.get(name);
        if (previous) next.set(name, previous);
      }
    }
    const byHost = new Map<string, CertificateEntry>();
    // Directory names first so an explicit directory wins over a SAN of another certificate.
    for (const entry of next.values()) {
      const own = entry.name.toLowerCase();
      if (entry.name !== ROOT_ENTRY) byHost.set(own, entry);
    }
    for (const entry of next.values()) {
      for (const host of entry.hostnames) if (!byHost.has(host)) byHost.set(host, entry);
    }
    const defaultName = this.options.defaultName ?? 'default';
    this.defaultEntry =
      next.get(ROOT_ENTRY) ??
      next.get(defaultName) ??
      [...next.values()].sort((a, b) => a.name.localeCompare(b.name))[0];
    this.entries = next;
    this.byHost = byHost;
    this.options.onReload?.(next.size, failed);
    if (!this.closed && this.watchers.length > 0) this.watchAll();
  }

  private watchAll(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    const dirs = [
      this.options.dir,
      ...[...this.entries.keys()]
        .filter((n) => n !== ROOT_ENTRY)
        .map((n) => join(this.options.dir, n)),
    ];
    for (const dir of dirs) {
      try {
        const watcher = watch(dir, () => this.schedule());
        watcher.on('error', () => this.schedule());
        this.watchers.push(watcher);
      } catch {
        // A directory that vanished between listing and watching: the top-level watch sees its return.
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.reload().catch((error: unknown) =>
        this.options.onReload?.(this.entries.size, [
          { name: this.options.dir, error: error instanceof Error ? error.message : String(error) },
        ]),
      );
    }, this.options.debounceMs ?? 250);
    this.timer.unref();
  }
}
