import type { Redis } from 'ioredis';
import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';

// Atomic so two pods counting the same address cannot both miss the limit.
// A fixed window per address: the first failure opens it, reaching the limit
// inside it sets the block key and resets the count.
const RECORD_FAILURE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('DEL', KEYS[1])
  return tonumber(ARGV[3])
end
return 0
`;

interface LimiterCommands {
  smppgwAdminAuthFailure(
    failuresKey: string,
    blockKey: string,
    limit: string,
    windowMs: string,
    blockMs: string,
  ): Promise<number>;
}

export interface RedisAuthFailureLimiterOptions {
  /** Redis DB 1 (limits), with the deployment's key prefix. */
  readonly redis: Redis;
  /** Failures within `windowMs` that trigger a block. */
  readonly limit: number;
  readonly windowMs: number;
  readonly blockMs: number;
}

export class RedisAuthFailureLimiter implements AuthFailureLimiter {
  private readonly redis: Redis & LimiterCommands;

  constructor(private readonly options: RedisAuthFailureLimiterOptions) {
    const redis = options.redis as Redis & Partial<LimiterCommands>;
    if (!redis.smppgwAdminAuthFailure) {
      redis.defineCommand('smppgwAdminAuthFailure', { numberOfKeys: 2, lua: RECORD_FAILURE });
    }
    this.redis = redis as Redis & LimiterCommands;
  }

  async blockedForMs(clientIp: string): Promise<number> {
    const ttl = await this.redis.pttl(blockKey(clientIp));
    return ttl > 0 ? ttl : 0;
  }

  async recordFailure(clientIp: string): Promise<number> {
    const result = await this.redis.smppgwAdminAuthFailure(
      failuresKey(clientIp),
      blockKey(clientIp),
      String(this.options.limit),
      String(this.options.windowMs),
      String(this.options.blockMs),
    );
    return Number(result);
  }
}

function failuresKey(clientIp: string): string {
  return `rate:admin-auth:failures:${clientIp}`;
}

function blockKey(clientIp: string): string {
  return `rate:admin-auth:blocked:${clientIp}`;
}
