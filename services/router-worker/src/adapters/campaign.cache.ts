// 10DLC campaigns by sending number: Redis DB 2 caches what PostgreSQL says,
// including "no campaign" for a shorter time. Redis is only a cache here: when
// it fails, PostgreSQL answers.
import { getCampaignByNumber, type Database } from '@smpp-gateway/db';
import { RetryableError, type Logger } from '@smpp-gateway/runtime';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { CampaignDirectory } from '../handlers/ports.js';
import { CAMPAIGN_STATUSES, type Campaign } from '../routing/tendlc.js';

export const CAMPAIGN_KEY_PREFIX = '10dlc:campaign:';

const CachedCampaign = z.union([
  z.object({ none: z.literal(true) }),
  z.object({
    id: z.string(),
    campaignId: z.string(),
    brandId: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    tpm: z.number().int(),
    brandDailyCap: z.number().int(),
  }),
]);

export interface CampaignCacheOptions {
  readonly redis: Redis;
  /** The prefix the client applies; SCAN patterns need it spelled out. */
  readonly keyPrefix: string;
  readonly db: Kysely<Database>;
  readonly ttlSeconds: number;
  readonly negativeTtlSeconds: number;
  readonly logger: Logger;
}

export class CampaignCache implements CampaignDirectory {
  private redisFailing = false;

  constructor(private readonly options: CampaignCacheOptions) {}

  async campaignFor(source: string): Promise<Campaign | undefined> {
    const key = CAMPAIGN_KEY_PREFIX + source;
    const cached = await this.readCache(key);
    if (cached !== null) return 'none' in cached ? undefined : cached;

    let found;
    try {
      found = await getCampaignByNumber(this.options.db, source);
    } catch (err) {
      throw new RetryableError('10DLC campaign lookup failed', { cause: err });
    }
    const campaign: Campaign | undefined = found && {
      id: found.id,
      campaignId: found.campaignId,
      brandId: found.brandId,
      status: found.status,
      tpm: found.tpm,
      brandDailyCap: found.brandDailyCap,
    };
    const ttl = campaign ? this.options.ttlSeconds : this.options.negativeTtlSeconds;
    this.options.redis.set(key, JSON.stringify(campaign ?? { none: true }), 'EX', ttl).then(
      () => this.markRedis(true),
      (err: unknown) => this.markRedis(false, err),
    );
    return campaign;
  }

  async invalidateAll(): Promise<void> {
    const { redis, keyPrefix } = this.options;
    let cursor = '0';
    let removed = 0;
    do {
      // ioredis prefixes keys but not SCAN patterns; the keys SCAN returns
      // carry the prefix, which UNLINK (prefixed again) must not get twice.
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${keyPrefix}${CAMPAIGN_KEY_PREFIX}*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length > 0) {
        removed += await redis.unlink(...keys.map((k) => k.slice(keyPrefix.length)));
      }
    } while (cursor !== '0');
    this.options.logger.info('10dlc campaign cache cleared', { keys: removed });
  }

  private async readCache(key: string): Promise<z.infer<typeof CachedCampaign> | null> {
    let raw: string | null;
    try {
      raw = await this.options.redis.get(key);
      this.markRedis(true);
    } catch (err) {
      this.markRedis(false, err);
      return null;
    }
    if (raw === null) return null;
    try {
      const parsed = CachedCampaign.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null; // corrupt entry: PostgreSQL answers and overwrites it
    }
  }

  /** Logs transitions only: a Redis outage is one line, not one per message. */
  private markRedis(ok: boolean, err?: unknown): void {
    if (ok && this.redisFailing) this.options.logger.info('10dlc campaign cache reachable again');
    if (!ok && !this.redisFailing) {
      this.options.logger.warn('10dlc campaign cache unavailable, reading PostgreSQL', { err });
    }
    this.redisFailing = !ok;
  }
}
