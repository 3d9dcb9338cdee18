// Customer accounts for bind decisions, cached: a bind storm (every ESME of a
// customer reconnecting after a network blip) must not become a PostgreSQL
// storm, and argon2 (~50 ms of CPU) must not run for every reconnect of the
// same credentials. Successful verifications are cached by system_id plus a
// SHA-256 of the presented password (never the password itself) for a short
// TTL; `invalidate-customer` drops both caches for that customer at once.
// Concurrent binds with the same credentials share one verification: each
// argon2 run holds 19 MiB in a libuv thread, and four at once (a bind storm
// on a cold cache) left the edge ~76 MB larger for good, since glibc keeps
// the freed arenas.
//
// Stale if error: when PostgreSQL cannot be read, an expired entry still
// answers (for `staleIfErrorMs`), so customers reconnecting during a
// database outage (after an edge restart, a network blip) keep binding with
// the credentials last seen; only a system_id never seen in that window is
// refused. A change made while the database is down cannot reach the edge
// anyway, and `invalidate-customer` still drops the entry at once.
import { createHash } from 'node:crypto';
import type { Customer } from '@smpp-gateway/db';

export interface AccountSource {
  bySystemId(systemId: string): Promise<Customer | undefined>;
  byId(customerId: string): Promise<Customer | undefined>;
  verifyPassword(hash: string, password: string): Promise<boolean>;
}

interface CachedAccount {
  readonly customer: Customer | undefined;
  readonly expiresAt: number;
}

export interface AccountDirectoryOptions {
  readonly source: AccountSource;
  readonly ttlMs: number;
  /** How long past its TTL an entry still answers when the source fails. Default 0 (never). */
  readonly staleIfErrorMs?: number;
  /** An expired entry answered because the source failed. */
  readonly onStale?: (systemId: string, error: unknown) => void;
  readonly now?: () => number;
}

export class AccountDirectory {
  private readonly accounts = new Map<string, CachedAccount>();
  /** `${systemId}\0${sha256(password)}` → expiry (+ the hash it was verified against). */
  private readonly verified = new Map<
    string,
    { expiresAt: number; passwordHash: string; customerId: string }
  >();
  /** In-flight lookups, so concurrent binds of one system_id share one query. */
  private readonly loading = new Map<string, Promise<Customer | undefined>>();
  /** In-flight verifications, keyed like `verified` plus the hash verified against. */
  private readonly verifying = new Map<string, Promise<boolean>>();
  private readonly now: () => number;
  private readonly staleIfErrorMs: number;
  private generation = 0;

  constructor(private readonly options: AccountDirectoryOptions) {
    this.now = options.now ?? Date.now;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 0;
  }

  async find(systemId: string): Promise<Customer | undefined> {
    const cached = this.accounts.get(systemId);
    if (cached && cached.expiresAt > this.now()) return cached.customer;
    const inFlight = this.loading.get(systemId);
    if (inFlight) return inFlight;
    const generation = this.generation;
    const load = this.options.source
      .bySystemId(systemId)
      .then((customer) => {
        // An invalidation that raced this query wins: do not cache what it replaced.
        if (generation === this.generation) {
          this.accounts.set(systemId, { customer, expiresAt: this.now() + this.options.ttlMs });
        }
        return customer;
      })
      .catch((error: unknown) => {
        // Read at failure time: an invalidation meanwhile removed it, rightly.
        const stale = this.accounts.get(systemId);
        if (stale && this.now() - stale.expiresAt < this.staleIfErrorMs) {
          this.options.onStale?.(systemId, error);
          return stale.customer;
        }
        throw error;
      })
      .finally(() => this.loading.delete(systemId));
    this.loading.set(systemId, load);
    return load;
  }

  async checkPassword(customer: Customer, password: string): Promise<boolean> {
    const key = `${customer.systemId}\0${createHash('sha256').update(password).digest('hex')}`;
    const hit = this.verified.get(key);
    if (hit && hit.expiresAt > this.now() && hit.passwordHash === customer.passwordHash)
      return true;
    const flightKey = `${key}\0${customer.passwordHash}`;
    let verification = this.verifying.get(flightKey);
    if (!verification) {
      verification = this.options.source
        .verifyPassword(customer.passwordHash, password)
        .finally(() => this.verifying.delete(flightKey));
      this.verifying.set(flightKey, verification);
    }
    const ok = await verification;
    if (ok) {
      this.verified.set(key, {
        expiresAt: this.now() + this.options.ttlMs,
        passwordHash: customer.passwordHash,
        customerId: customer.id,
      });
    } else {
      this.verified.delete(key);
    }
    return ok;
  }

  /** Drops everything cached for the customer; returns its current row (undefined if deleted). */
  async invalidate(customerId: string): Promise<Customer | undefined> {
    this.generation += 1;
    for (const [systemId, entry] of this.accounts) {
      if (entry.customer?.id === customerId) this.accounts.delete(systemId);
    }
    for (const [key, entry] of this.verified) {
      if (entry.customerId === customerId) this.verified.delete(key);
    }
    return this.options.source.byId(customerId);
  }

  /** Periodic sweep of expired entries so the maps do not grow with failed system_ids. */
  sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.accounts) {
      if (entry.expiresAt + this.staleIfErrorMs <= now) this.accounts.delete(key);
    }
    for (const [key, entry] of this.verified) if (entry.expiresAt <= now) this.verified.delete(key);
  }
}
