import type { Redis } from 'ioredis';
import type { LeaseStore } from '../binds/bind-pool.js';
import { connectorKeys } from './redis-keys.js';

// Both scripts take the time from the Redis server, so pods with skewed
// clocks still agree on which entries have expired.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

// Acquire or refresh one lease: drop expired entries first (a pod that died
// loses its binds after the TTL), then admit the lease when it is already
// held or the budget has room. Atomic, so concurrent pods cannot overshoot.
const ACQUIRE = `${NOW}
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl * 2)
  return 1
end
return 0
`;

const HEARTBEAT = `${NOW}
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZRANGE', KEYS[1], 0, -1)
`;

interface LeaseCommands {
  vcLeaseAcquire(key: string, leaseId: string, maxBinds: number, ttlMs: number): Promise<number>;
  vcPodHeartbeat(key: string, instanceId: string, ttlMs: number): Promise<string[]>;
}

/** Redis lease set behind each vendor's global bind budget (DB 0). */
export class RedisBindLeaseStore implements LeaseStore {
  private readonly redis: Redis & LeaseCommands;

  constructor(
    redis: Redis,
    private readonly ttlMs: number,
  ) {
    const r = redis as Redis & Partial<LeaseCommands>;
    if (!r.vcLeaseAcquire) {
      redis.defineCommand('vcLeaseAcquire', { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand('vcPodHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    }
    this.redis = redis as Redis & LeaseCommands;
  }

  async heartbeat(vendorId: string, instanceId: string): Promise<string[]> {
    return this.redis.vcPodHeartbeat(connectorKeys.pods(vendorId), instanceId, this.ttlMs);
  }

  async leave(vendorId: string, instanceId: string): Promise<void> {
    await this.redis.zrem(connectorKeys.pods(vendorId), instanceId);
  }

  async acquire(vendorId: string, leaseId: string, maxBinds: number): Promise<boolean> {
    const ok = await this.redis.vcLeaseAcquire(
      connectorKeys.leases(vendorId),
      leaseId,
      maxBinds,
      this.ttlMs,
    );
    return ok === 1;
  }

  async release(vendorId: string, leaseId: string): Promise<void> {
    await this.redis.zrem(connectorKeys.leases(vendorId), leaseId);
  }

  /** Live leases of a vendor across every pod (tests, status). */
  async count(vendorId: string): Promise<number> {
    const key = connectorKeys.leases(vendorId);
    await this.redis.zremrangebyscore(key, '-inf', Date.now());
    return this.redis.zcard(key);
  }
}
