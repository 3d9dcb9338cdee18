import { hashApiToken, type ApiToken } from '@smpp-gateway/db';

/** Resolves a bearer token to its live metadata, or undefined (unknown or revoked). */
export interface TokenAuthenticator {
  authenticate(token: string): Promise<ApiToken | undefined>;
}

export interface CachedTokenAuthenticatorOptions {
  /** The database lookup (`findApiToken`), which also stamps `last_used_at`. */
  readonly lookup: (token: string) => Promise<ApiToken | undefined>;
  /** How long a positive answer is reused; 0 disables caching. */
  readonly ttlMs: number;
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly token: ApiToken;
  readonly expiresAt: number;
}

/**
 * Positive answers are cached for a few seconds so an operator's script does
 * not turn every request into a PostgreSQL write (`findApiToken` stamps
 * `last_used_at`). The price is that a revoked token keeps working on a pod
 * for at most `ttlMs`. Negative answers are never cached: a token created a
 * second ago must work at once, and failed attempts are rate-limited anyway.
 * Keys are the token's sha256, so the cache holds no usable secret.
 */
export class CachedTokenAuthenticator implements TokenAuthenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<ApiToken | undefined>>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly options: CachedTokenAuthenticatorOptions) {
    this.maxEntries = options.maxEntries ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  async authenticate(token: string): Promise<ApiToken | undefined> {
    if (this.options.ttlMs === 0) return this.options.lookup(token);
    const key = hashApiToken(token);
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.token;
    if (cached) this.entries.delete(key);

    // Concurrent requests with the same token share one lookup.
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const lookup = this.options
      .lookup(token)
      .then((found) => {
        if (found) this.remember(key, found);
        return found;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, lookup);
    return lookup;
  }

  /** Forget everything (tests; an operator action that must take effect now). */
  clear(): void {
    this.entries.clear();
  }

  private remember(key: string, token: ApiToken): void {
    if (this.entries.size >= this.maxEntries) {
      // Map iteration is insertion order: drop the oldest entry.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { token, expiresAt: this.now() + this.options.ttlMs });
  }
}
