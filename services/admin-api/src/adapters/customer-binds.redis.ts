// How many binds a customer holds right now across every edge pod: the live
// leases in the edge's bind-lease set (Redis DB 1), the same number the edge
// admits a new bind against.
import { limitKeys } from '@smpp-gateway/message-state';
import { withTimeout } from '@smpp-gateway/runtime';
import type { Redis } from 'ioredis';

export interface CustomerBinds {
  /** Unexpired bind leases of the customer; rejects when Redis cannot say. */
  live(customerId: string): Promise<number>;
}

// The edge scores leases and prunes them by the Redis server's clock (TIME in
// its scripts), so "expired" is judged by that clock here too: this pod's
// clock may be off by more than a lease's slack. Expired members are only
// pruned at the next bind attempt, hence a count above now rather than ZCARD.
const LIVE_LEASES_SCRIPT = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. nowMs, '+inf')
`;

interface LiveLeasesCommand {
  smppgwAdminLiveBindLeases(key: string): Promise<number>;
}

/** Bounded so a Redis that is away cannot hold up the status answer. */
const TIMEOUT_MS = 2_000;

export class RedisCustomerBinds implements CustomerBinds {
  private readonly redis: Redis & LiveLeasesCommand;

  /** `redis`: DB 1 (RedisDb.rate) with the deployment's key prefix, as the edge's. */
  constructor(redis: Redis) {
    const client = redis as Redis & Partial<LiveLeasesCommand>;
    if (!client.smppgwAdminLiveBindLeases) {
      client.defineCommand('smppgwAdminLiveBindLeases', {
        numberOfKeys: 1,
        lua: LIVE_LEASES_SCRIPT,
      });
    }
    this.redis = client as Redis & LiveLeasesCommand;
  }

  live(customerId: string): Promise<number> {
    return withTimeout(
      this.redis.smppgwAdminLiveBindLeases(limitKeys.bindLeases(customerId)),
      TIMEOUT_MS,
      'customer bind leases',
    );
  }
}
