// Bind limits shared by every edge pod, in Redis DB 1:
// - bind leases: a sorted set per account (message-state's
//   `limitKeys.bindLeases`, which admin-api counts too) of session ids scored
//   by lease expiry on the Redis server's clock. A bind is admitted when the
//   live (unexpired) members are fewer than max_binds; bound sessions refresh
//   their lease periodically, so a pod that dies frees its slots within one
//   TTL.
// - failed-bind lockout per source IP: failures are counted in a window
//   (`edge:bindfail:{ip}`); at the threshold the IP is locked
//   (`edge:bindlock:{ip}`) and every bind from it is refused until it expires.
//
// Redis down: leases fall back to this pod's own count (the limit then holds
// per pod, not across pods) and the lockout to a local map. A bind outage
// because the limiter's store is away would be worse than a briefly loose limit.
import { limitKeys } from '@smpp-gateway/message-state';
import type { Redis } from 'ioredis';

const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', nowMs)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
`;

const REFRESH_SCRIPT = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], nowMs + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1
`;

const FAILURE_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
if count >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', tonumber(ARGV[3]))
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

interface GuardCommands {
  smppgwBindAcquire(
    key: string,
    sessionId: string,
    maxBinds: number,
    ttlMs: number,
  ): Promise<number>;
  smppgwBindRefresh(key: string, sessionId: string, ttlMs: number): Promise<number>;
  smppgwBindFailure(
    failKey: string,
    lockKey: string,
    windowMs: number,
    threshold: number,
    lockMs: number,
  ): Promise<number>;
}

export interface BindGuardOptions {
  /** Client on DB 1 with the deployment's key prefix. */
  readonly redis: Redis;
  readonly leaseTtlMs: number;
  readonly lockoutFailures: number;
  readonly lockoutWindowMs: number;
  readonly lockoutMs: number;
  readonly redisTimeoutMs?: number;
  readonly onFallback?: (operation: string, error: unknown) => void;
}

interface Lease {
  readonly customerId: string;
  readonly sessionId: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis call exceeded ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export class BindGuard {
  private readonly redis: Redis & GuardCommands;
  private readonly timeoutMs: number;
  /** Leases this pod holds, refreshed on a timer. */
  private readonly leases = new Map<string, Lease>();
  private readonly localFailures = new Map<string, { count: number; since: number }>();
  private readonly localLocks = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: BindGuardOptions) {
    const redis = options.redis as Redis & Partial<GuardCommands>;
    if (!redis.smppgwBindAcquire) {
      redis.defineCommand('smppgwBindAcquire', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
      redis.defineCommand('smppgwBindRefresh', { numberOfKeys: 1, lua: REFRESH_SCRIPT });
      redis.defineCommand('smppgwBindFailure', { numberOfKeys: 2, lua: FAILURE_SCRIPT });
    }
    this.redis = redis as Redis & GuardCommands;
    this.timeoutMs = options.redisTimeoutMs ?? 500;
  }

  /** Starts refreshing held leases (every third of the TTL). */
  start(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setInterval(
      () => void this.refreshAll(),
      Math.max(100, Math.floor(this.options.leaseTtlMs / 3)),
    );
    this.refreshTimer.unref();
  }

  stop(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** Admits one more bind of the account if it is under maxBinds across all pods. */
  async acquire(customerId: string, sessionId: string, maxBinds: number): Promise<boolean> {
    let admitted: boolean;
    try {
      admitted =
        (await withTimeout(
          this.redis.smppgwBindAcquire(
            this.leaseKey(customerId),
            sessionId,
            maxBinds,
            this.options.leaseTtlMs,
          ),
          this.timeoutMs,
        )) === 1;
    } catch (error) {
      this.options.onFallback?.('bind_lease', error);
      const local = [...this.leases.values()].filter((l) => l.customerId === customerId).length;
      admitted = local < maxBinds;
    }
    if (admitted) this.leases.set(sessionId, { customerId, sessionId });
    return admitted;
  }

  async release(sessionId: string): Promise<void> {
    const lease = this.leases.get(sessionId);
    if (!lease) return;
    this.leases.delete(sessionId);
    try {
      await withTimeout(
        this.redis.zrem(this.leaseKey(lease.customerId), sessionId),
        this.timeoutMs,
      );
    } catch (error) {
      // The lease expires on its own within one TTL.
      this.options.onFallback?.('bind_release', error);
    }
  }

  async isLocked(ip: string): Promise<boolean> {
    const localUntil = this.localLocks.get(ip);
    if (localUntil !== undefined) {
      if (localUntil > Date.now()) return true;
      this.localLocks.delete(ip);
    }
    try {
      return (await withTimeout(this.redis.exists(this.lockKey(ip)), this.timeoutMs)) === 1;
    } catch (error) {
      this.options.onFallback?.('bind_lockout', error);
      return false;
    }
  }

  /** Counts a failed bind; resolves true when this failure locked the IP. */
  async recordFailure(ip: string): Promise<boolean> {
    const { lockoutWindowMs, lockoutFailures, lockoutMs } = this.options;
    try {
      return (
        (await withTimeout(
          this.redis.smppgwBindFailure(
            this.failKey(ip),
            this.lockKey(ip),
            lockoutWindowMs,
            lockoutFailures,
            lockoutMs,
          ),
          this.timeoutMs,
        )) === 1
      );
    } catch (error) {
      this.options.onFallback?.('bind_lockout', error);
      const now = Date.now();
      const entry = this.localFailures.get(ip);
      const current =
        entry && now - entry.since < lockoutWindowMs ? entry : { count: 0, since: now };
      current.count += 1;
      this.localFailures.set(ip, current);
      if (current.count >= lockoutFailures) {
        this.localFailures.delete(ip);
        this.localLocks.set(ip, now + lockoutMs);
        return true;
      }
      return false;
    }
  }

  private async refreshAll(): Promise<void> {
    if (this.leases.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const lease of this.leases.values()) {
      void (pipeline as unknown as GuardCommands).smppgwBindRefresh(
        this.leaseKey(lease.customerId),
        lease.sessionId,
        this.options.leaseTtlMs,
      );
    }
    try {
      await withTimeout(pipeline.exec(), this.timeoutMs * 4);
    } catch (error) {
      this.options.onFallback?.('bind_refresh', error);
    }
  }

  private leaseKey(customerId: string): string {
    return limitKeys.bindLeases(customerId);
  }

  private failKey(ip: string): string {
    return `edge:bindfail:${ip}`;
  }

  private lockKey(ip: string): string {
    return `edge:bindlock:${ip}`;
  }
}
