// Pacing to the vendor's throughput (segments per second) across every pod.
// The authoritative bucket lives in Redis (one per vendor); each pod takes
// tokens from it in small batches so Redis is called once per batch, not per
// message, and spends them locally. Tokens banked while traffic pauses are
// dropped, so a pod cannot save up a burst above the configured rate.
import type { Pacer } from './submit.dispatcher.js';

export interface TokenGrant {
  readonly granted: number;
  /** When granted < need: how long until the rest could be there. */
  readonly waitMs: number;
}

/** A token bucket: take up to `want` tokens now; `need` sizes the wait hint. */
export interface TokenBucket {
  take(want: number, need: number): Promise<TokenGrant>;
}

/**
 * The same bucket in memory, for one pod. Used when Redis is unreachable:
 * the pod then paces to its share of the rate (rate / pods), so the vendor
 * still sees at most the configured total while Redis is away.
 */
export class LocalTokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private ratePerSecond: number,
    private burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  configure(ratePerSecond: number, burst: number): void {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  take(want: number, need: number): TokenGrant {
    const now = this.now();
    this.tokens = Math.min(
      this.burst,
      this.tokens + ((now - this.last) * this.ratePerSecond) / 1000,
    );
    this.last = now;
    const granted = Math.max(0, Math.min(want, Math.floor(this.tokens)));
    this.tokens -= granted;
    const missing = need - granted - this.tokens;
    const waitMs = missing > 0 ? Math.ceil((missing * 1000) / this.ratePerSecond) : 0;
    return { granted, waitMs };
  }
}

export interface PacerOptions {
  readonly bucket: TokenBucket;
  readonly ratePerSecond: number;
  /** Pods sharing the vendor (for the fallback share). */
  readonly pods: () => number;
  /** Tokens asked from Redis per call. */
  readonly batch: number;
  /** Banked tokens are dropped after traffic paused this long. */
  readonly idleDiscardMs: number;
  readonly onBucketError?: (err: unknown) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Tokens per Redis call: about 20 ms of the rate, at least 1, at most 100. */
export function pacerBatch(ratePerSecond: number): number {
  return Math.max(1, Math.min(100, Math.ceil(ratePerSecond / 50)));
}

/** Bucket capacity: 100 ms of the rate, and never less than one batch. */
export function pacerBurst(ratePerSecond: number): number {
  return Math.max(pacerBatch(ratePerSecond), Math.ceil(ratePerSecond / 10));
}

export class VendorPacer implements Pacer {
  private local = 0;
  private idleSince: number | undefined;
  private readonly fallback: LocalTokenBucket;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: PacerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // Reconfigured with the pod count each time it is used.
    this.fallback = new LocalTokenBucket(options.ratePerSecond, options.batch, this.now);
  }

  /** Tokens this pod holds right now. */
  get banked(): number {
    return this.local;
  }

  tryTake(n: number): boolean {
    if (this.idleSince !== undefined) {
      if (this.now() - this.idleSince > this.options.idleDiscardMs) this.local = 0;
      this.idleSince = undefined;
    }
    if (this.local < n) return false;
    this.local -= n;
    return true;
  }

  async replenish(n: number): Promise<void> {
    this.idleSince = undefined;
    while (this.local < n) {
      const need = n - this.local;
      const want = Math.max(this.options.batch, need);
      let grant: TokenGrant;
      try {
        grant = await this.options.bucket.take(want, need);
      } catch (err) {
        this.options.onBucketError?.(err);
        const pods = Math.max(1, this.options.pods());
        this.fallback.configure(this.options.ratePerSecond / pods, this.options.batch);
        grant = this.fallback.take(want, need);
      }
      this.local += grant.granted;
      if (this.local < n) await this.sleep(Math.max(1, grant.waitMs));
    }
  }

  idle(): void {
    this.idleSince ??= this.now();
  }
}
