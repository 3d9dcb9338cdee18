// Per-customer rate limit in segments per second, shared by every edge pod.
//
// Redis (DB 1) holds a sliding window per customer, approximated the usual way
// from two fixed windows: used = current + previous × (share of the previous
// window still inside the sliding one). A pod does not ask Redis per submit:
// it reserves a chunk of the allowance (a fraction of the customer's
// throughput) in one Lua call and spends it locally; tokens unspent when their
// window has passed are dropped, so a pod can never bank allowance. The cost
// is precision: another pod may be throttled up to one chunk early.
//
// Redis down or slow: fail open to a per-pod token bucket at the customer's
// throughput. A limiter must not turn a Redis outage into a full outage; the
// worst case is N pods × throughput while Redis is away.
import type { Redis } from 'ioredis';

const RESERVE_SCRIPT = `
local limit = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local index = math.floor(nowMs / window)
local elapsed = nowMs - index * window
local currentKey = KEYS[1] .. ':' .. index
local previousKey = KEYS[1] .. ':' .. (index - 1)
local current = tonumber(redis.call('GET', currentKey) or '0')
local previous = tonumber(redis.call('GET', previousKey) or '0')
local used = current + previous * (window - elapsed) / window
local free = math.floor(limit - used)
if free <= 0 then return 0 end
local grant = want
if free < grant then grant = free end
redis.call('INCRBY', currentKey, grant)
redis.call('PEXPIRE', currentKey, window * 2)
return grant
`;

interface ReserveCommand {
  smppgwRateReserve(key: string, limit: number, want: number, windowMs: number): Promise<number>;
}

export interface RateLimiterOptions {
  /** Client on DB 1 (RedisDb.rate) with the deployment's key prefix. */
  readonly redis: Redis;
  /** Sliding window length; throughput is per second, so the limit is scaled to it. */
  readonly windowMs?: number;
  /** Share of the per-window limit reserved per Redis call. */
  readonly reserveFraction?: number;
  /** A Redis call slower than this counts as a failure (fail open). */
  readonly redisTimeoutMs?: number;
  /** After a Redis failure, skip Redis for this long. */
  readonly redisBackoffMs?: number;
  readonly now?: () => number;
  readonly onFallback?: (error: unknown) => void;
}

interface Waiter {
  readonly segments: number;
  readonly resolve: (allowed: boolean) => void;
}

interface Bucket {
  tokens: number;
  expiresAt: number;
  deniedUntil: number;
  /** Submits waiting for the reservation in flight; served in arrival order. */
  waiters: Waiter[];
  reserving: boolean;
  /** Local fallback bucket. */
  localTokens: number;
  localRefilledAt: number;
}

export class CustomerRateLimiter {
  private readonly redis: Redis & ReserveCommand;
  private readonly windowMs: number;
  private readonly reserveFraction: number;
  private readonly redisTimeoutMs: number;
  private readonly redisBackoffMs: number;
  private readonly now: () => number;
  private readonly buckets = new Map<string, Bucket>();
  private redisSkipUntil = 0;

  constructor(private readonly options: RateLimiterOptions) {
    const redis = options.redis as Redis & Partial<ReserveCommand>;
    if (!redis.smppgwRateReserve) {
      redis.defineCommand('smppgwRateReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    }
    this.redis = redis as Redis & ReserveCommand;
    this.windowMs = options.windowMs ?? 1_000;
    this.reserveFraction = options.reserveFraction ?? 0.05;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 250;
    this.redisBackoffMs = options.redisBackoffMs ?? 1_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** True when `segments` fit the customer's rate now; false = throttle. */
  acquire(customerId: string, throughput: number, segments: number): Promise<boolean> {
    if (throughput <= 0) return Promise.resolve(false);
    const bucket = this.bucketOf(customerId);
    const now = this.now();
    if (bucket.expiresAt <= now) bucket.tokens = 0;
    if (bucket.waiters.length === 0 && bucket.tokens >= segments) {
      bucket.tokens -= segments;
      return Promise.resolve(true);
    }
    if (bucket.deniedUntil > now) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      bucket.waiters.push({ segments, resolve });
      if (!bucket.reserving) void this.serve(bucket, customerId, throughput);
    });
  }

  /** Drops local state of a customer (its throughput changed). */
  forget(customerId: string): void {
    this.buckets.delete(customerId);
  }

  private bucketOf(customerId: string): Bucket {
    let bucket = this.buckets.get(customerId);
    if (!bucket) {
      bucket = {
        tokens: 0,
        expiresAt: 0,
        deniedUntil: 0,
        waiters: [],
        reserving: false,
        localTokens: Number.NaN,
        localRefilledAt: 0,
      };
      this.buckets.set(customerId, bucket);
    }
    return bucket;
  }

  /**
   * One reservation for everything waiting, then hand tokens out in order.
   * Waiters that arrived meanwhile get another round; if the grant fell
   * short, whoever is still waiting is over the rate and throttled.
   */
  private async serve(bucket: Bucket, customerId: string, throughput: number): Promise<void> {
    bucket.reserving = true;
    try {
      for (;;) {
        const demand = bucket.waiters.reduce((sum, w) => sum + w.segments, 0) - bucket.tokens;
        const granted = demand > 0 ? await this.reserve(bucket, customerId, throughput, demand) : 0;
        const now = this.now();
        if (bucket.expiresAt <= now) bucket.tokens = 0;
        bucket.tokens += granted;
        bucket.expiresAt = now + this.windowMs;
        while (bucket.waiters.length > 0 && bucket.tokens >= (bucket.waiters[0]?.segments ?? 0)) {
          const waiter = bucket.waiters.shift();
          if (!waiter) break;
          bucket.tokens -= waiter.segments;
          waiter.resolve(true);
        }
        if (bucket.waiters.length === 0) return;
        if (granted < demand) {
          // Out of allowance: throttle the rest, and answer locally for a
          // moment instead of asking Redis again for every submit.
          bucket.deniedUntil = now + Math.max(5, this.windowMs / 20);
          const denied = bucket.waiters;
          bucket.waiters = [];
          for (const waiter of denied) waiter.resolve(false);
          return;
        }
      }
    } finally {
      bucket.reserving = false;
    }
  }

  private async reserve(
    bucket: Bucket,
    customerId: string,
    throughput: number,
    need: number,
  ): Promise<number> {
    const limit = Math.max(1, Math.floor((throughput * this.windowMs) / 1_000));
    const want = Math.max(need, Math.ceil(limit * this.reserveFraction));
    if (this.now() < this.redisSkipUntil || this.redis.status !== 'ready') {
      return this.reserveLocally(bucket, throughput, want);
    }
    try {
      return await this.reserveInRedis(customerId, limit, want);
    } catch (error) {
      this.redisSkipUntil = this.now() + this.redisBackoffMs;
      this.options.onFallback?.(error);
      return this.reserveLocally(bucket, throughput, want);
    }
  }

  private reserveInRedis(customerId: string, limit: number, want: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('rate limiter Redis call timed out')),
        this.redisTimeoutMs,
      );
      this.redis.smppgwRateReserve(`rate:customer:${customerId}`, limit, want, this.windowMs).then(
        (granted) => {
          clearTimeout(timer);
          resolve(Number(granted));
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private reserveLocally(bucket: Bucket, throughput: number, want: number): number {
    const now = this.now();
    if (Number.isNaN(bucket.localTokens)) {
      bucket.localTokens = throughput;
    } else {
      bucket.localTokens = Math.min(
        throughput,
        bucket.localTokens + ((now - bucket.localRefilledAt) / 1_000) * throughput,
      );
    }
    bucket.localRefilledAt = now;
    const granted = Math.max(0, Math.min(want, Math.floor(bucket.localTokens)));
    bucket.localTokens -= granted;
    return granted;
  }
}
