import {
  createDatabase,
  createCampaign,
  createNumber,
  migrateToLatest,
  type Database,
} from '@smpp-gateway/db';
import { createRedis, RedisDb, silentLogger, type RedisHandle } from '@smpp-gateway/runtime';
import { createTestEnv, type TestEnv } from '@smpp-gateway/testkit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CAMPAIGN_KEY_PREFIX, CampaignCache } from '../src/adapters/campaign.cache.js';
import {
  brandDayKey,
  campaignMinuteKey,
  RedisTenDlcLimiter,
} from '../src/adapters/tendlc.limiter.js';
import { capWindows, decideCap, type Campaign } from '../src/routing/tendlc.js';
import { addCustomer } from './support/harness.js';

const campaign: Campaign = {
  id: 'c-1',
  campaignId: 'CX',
  brandId: 'B-1',
  status: 'ACTIVE',
  tpm: 10,
  brandDailyCap: 25,
};
const now = new Date('2025-06-01T10:00:30.000Z');

describe('10DLC caps in Redis (one Lua script)', () => {
  let env: TestEnv;
  let rate: RedisHandle;
  let limiter: RedisTenDlcLimiter;

  beforeAll(async () => {
    env = await createTestEnv();
    rate = createRedis({
      url: env.redis.url,
      db: RedisDb.rate,
      keyPrefix: env.redis.keyPrefix,
      name: 't',
      logger: silentLogger,
    });
    limiter = new RedisTenDlcLimiter(rate.client);
  });

  afterAll(async () => {
    await rate.close();
    await env.destroy();
  });

  beforeEach(async () => {
    await env.redis.cleanup();
  });

  it('decides exactly like decideCap() over a sequence of messages, counting only what it allows', async () => {
    const { epochMinute, utcDay } = capWindows(now);
    const segments = [3, 4, 3, 1, 2, 5, 1];
    for (const n of segments) {
      const minute = Number(
        (await rate.client.get(campaignMinuteKey(campaign.id, epochMinute))) ?? 0,
      );
      const day = Number((await rate.client.get(brandDayKey(campaign.brandId, utcDay))) ?? 0);
      const expected = decideCap(campaign, { minute, day }, n);
      expect(await limiter.consume(campaign, n, now)).toEqual(expected);
    }
    // 3+4+3 = 10 fill the minute; the rest were refused and not counted.
    expect(await rate.client.get(campaignMinuteKey(campaign.id, epochMinute))).toBe('10');
    expect(await rate.client.ttl(campaignMinuteKey(campaign.id, epochMinute))).toBeGreaterThan(60);
    expect(await rate.client.ttl(brandDayKey(campaign.brandId, utcDay))).toBeGreaterThan(86_400);
  });

  it('moves to a new minute but keeps the brand day, then refuses on the daily cap', async () => {
    const minute = (m: number) => new Date(now.getTime() + m * 60_000);
    expect(await limiter.consume(campaign, 10, minute(0))).toEqual({ allow: true });
    expect(await limiter.consume(campaign, 1, minute(0))).toEqual({
      allow: false,
      cap: 'campaign_tpm',
    });
    expect(await limiter.consume(campaign, 10, minute(1))).toEqual({ allow: true });
    expect(await limiter.consume(campaign, 10, minute(2))).toEqual({
      allow: false,
      cap: 'brand_daily',
    });
    expect(await limiter.consume(campaign, 5, minute(2))).toEqual({ allow: true });
  });

  it('never overshoots under concurrency (check and count are atomic)', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () => limiter.consume(campaign, 1, now)),
    );
    expect(results.filter((r) => r.allow)).toHaveLength(10);
  });
});

describe('10DLC campaign cache (Redis DB 2 over PostgreSQL)', () => {
  let env: TestEnv;
  let db: Kysely<Database>;
  let tendlc: RedisHandle;
  let cache: CampaignCache;

  beforeAll(async () => {
    env = await createTestEnv();
    db = createDatabase(env.db.url);
    await migrateToLatest(db);
    tendlc = createRedis({
      url: env.redis.url,
      db: RedisDb.tendlc,
      keyPrefix: env.redis.keyPrefix,
      name: 't',
      logger: silentLogger,
    });
    cache = new CampaignCache({
      redis: tendlc.client,
      keyPrefix: env.redis.keyPrefix,
      db,
      ttlSeconds: 300,
      negativeTtlSeconds: 30,
      logger: silentLogger,
    });
  });

  afterAll(async () => {
    await tendlc.close();
    await db.destroy();
    await env.destroy();
  });

  it('caches a campaign and a "none" answer, serves them from Redis, and forgets them on invalidateAll', async () => {
    const customer = await addCustomer(db);
    const created = await createCampaign(db, {
      campaignId: 'CCACHE',
      brandId: 'B9',
      brandName: 'B',
      status: 'ACTIVE',
      tpm: 30,
      brandDailyCap: 100,
    });
    await createNumber(db, {
      number: '15125550777',
      numberType: '10dlc',
      customerId: customer.id,
      tendlcCampaignId: created.id,
    });

    expect(await cache.campaignFor('15125550777')).toMatchObject({
      id: created.id,
      status: 'ACTIVE',
      tpm: 30,
    });
    expect(await cache.campaignFor('15125550778')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 50)); // cache writes are fire-and-forget
    expect(await tendlc.client.ttl(`${CAMPAIGN_KEY_PREFIX}15125550778`)).toBeLessThanOrEqual(30);
    expect(
      JSON.parse((await tendlc.client.get(`${CAMPAIGN_KEY_PREFIX}15125550777`))!),
    ).toMatchObject({ campaignId: 'CCACHE' });

    // PostgreSQL changes are invisible until the cache is cleared (reload-tendlc).
    await db
      .updateTable('messaging.tendlc_campaigns')
      .set({ status: 'SUSPENDED' })
      .where('id', '=', created.id)
      .execute();
    expect((await cache.campaignFor('15125550777'))?.status).toBe('ACTIVE');
    await cache.invalidateAll();
    expect(
      await tendlc.client.exists(
        `${CAMPAIGN_KEY_PREFIX}15125550777`,
        `${CAMPAIGN_KEY_PREFIX}15125550778`,
      ),
    ).toBe(0);
    expect((await cache.campaignFor('15125550777'))?.status).toBe('SUSPENDED');
  });
});
