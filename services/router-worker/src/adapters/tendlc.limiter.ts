// 10DLC caps in Redis DB 1, counted in segments: the campaign per minute and
// the brand per UTC day. One Lua script checks both and increments both, so
// concurrent routers (and replicas) can never overshoot between check and count.
import { RetryableError } from '@smpp-gateway/runtime';
import type { Redis } from 'ioredis';
import type { TenDlcLimiter } from '../handlers/ports.js';
import { capWindows, type Campaign, type CapDecision } from '../routing/tendlc.js';

// Same rule as decideCap() in routing/tendlc.ts (the tests run both on one table).
const CHECK_AND_COUNT = `
local segments = tonumber(ARGV[1])
local minute = tonumber(redis.call('GET', KEYS[1]) or '0')
local day = tonumber(redis.call('GET', KEYS[2]) or '0')
if minute + segments > tonumber(ARGV[2]) then return 1 end
if day + segments > tonumber(ARGV[3]) then return 2 end
redis.call('INCRBY', KEYS[1], segments)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('INCRBY', KEYS[2], segments)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return 0
`;

/** A minute key lives past its minute (clock skew between pods); a day key past its day. */
const MINUTE_KEY_TTL_SECONDS = 120;
const DAY_KEY_TTL_SECONDS = 2 * 24 * 60 * 60;

type WithCapScript = Redis & {
  tendlcCheckAndCount(
    minuteKey: string,
    dayKey: string,
    segments: number,
    tpm: number,
    dailyCap: number,
    minuteTtl: number,
    dayTtl: number,
  ): Promise<number>;
};

export function campaignMinuteKey(campaignId: string, epochMinute: number): string {
  return `rate:tendlc:campaign:${campaignId}:${epochMinute}`;
}

export function brandDayKey(brandId: string, utcDay: string): string {
  return `rate:tendlc:brand:${brandId}:${utcDay}`;
}

export class RedisTenDlcLimiter implements TenDlcLimiter {
  private readonly redis: WithCapScript;

  constructor(redis: Redis) {
    // EVALSHA with a fallback to EVAL, handled by ioredis.
    redis.defineCommand('tendlcCheckAndCount', { numberOfKeys: 2, lua: CHECK_AND_COUNT });
    this.redis = redis as WithCapScript;
  }

  async consume(campaign: Campaign, segments: number, now: Date): Promise<CapDecision> {
    const { epochMinute, utcDay } = capWindows(now);
    let code: number;
    try {
      code = await this.redis.tendlcCheckAndCount(
        campaignMinuteKey(campaign.id, epochMinute),
        brandDayKey(campaign.brandId, utcDay),
        segments,
        campaign.tpm,
        campaign.brandDailyCap,
        MINUTE_KEY_TTL_SECONDS,
        DAY_KEY_TTL_SECONDS,
      );
    } catch (err) {
      // Never send uncapped: without the counters the message waits (requeued).
      throw new RetryableError('10DLC cap counters unavailable', { cause: err });
    }
    switch (code) {
      case 0:
        return { allow: true };
      case 1:
        return { allow: false, cap: 'campaign_tpm' };
      case 2:
        return { allow: false, cap: 'brand_daily' };
      default:
        throw new Error(`10DLC cap script returned ${code}`);
    }
  }
}
