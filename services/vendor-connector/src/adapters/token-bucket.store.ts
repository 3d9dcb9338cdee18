import type { Redis } from 'ioredis';
import type { TokenBucket, TokenGrant } from '../sending/vendor-pacer.js';
import { connectorKeys } from './redis-keys.js';

// One bucket per vendor in DB 1, refilled continuously at `rate` tokens per
// second up to `burst`, time from the Redis server. Returns the tokens
// granted (0..want) and, when fewer than `need`, the wait until they could be.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local need = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
local granted = math.min(want, math.floor(tokens))
if granted < 0 then granted = 0 end
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], 60000)
local wait = 0
local missing = need - granted - tokens
if missing > 0 then wait = math.ceil(missing * 1000 / rate) end
return { granted, wait }
`;

interface BucketCommands {
  vcBucketTake(
    key: string,
    rate: number,
    burst: number,
    want: number,
    need: number,
  ): Promise<[number, number]>;
}

/** The vendor's token bucket shared by every pod (Redis DB 1). */
export class RedisTokenBucket implements TokenBucket {
  private readonly redis: Redis & BucketCommands;

  constructor(
    redis: Redis,
    private readonly vendorId: string,
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    const r = redis as Redis & Partial<BucketCommands>;
    if (!r.vcBucketTake) redis.defineCommand('vcBucketTake', { numberOfKeys: 1, lua: TAKE });
    this.redis = redis as Redis & BucketCommands;
  }

  async take(want: number, need: number): Promise<TokenGrant> {
    const [granted, waitMs] = await this.redis.vcBucketTake(
      connectorKeys.bucket(this.vendorId),
      this.ratePerSecond,
      this.burst,
      want,
      need,
    );
    return { granted, waitMs };
  }
}
