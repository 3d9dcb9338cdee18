import type { Redis } from 'ioredis';
import type { DeferralLedger } from '../handlers/ports.js';

const key = (receiptId: string) => `dlr:rpass:${receiptId}`;

/** Deferral counts in Redis DB 0, kept a little longer than a receipt may be retried. */
export class RedisDeferralLedger implements DeferralLedger {
  private readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    maxAgeMs: number,
  ) {
    this.ttlSeconds = Math.ceil((2 * maxAgeMs) / 1000) + 60;
  }

  async passes(receiptId: string): Promise<number> {
    const value = await this.redis.get(key(receiptId));
    return value === null ? 0 : Number(value);
  }

  async recordDeferral(receiptId: string): Promise<void> {
    const results = await this.redis
      .multi()
      .incr(key(receiptId))
      .expire(key(receiptId), this.ttlSeconds)
      .exec();
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('deferral ledger transaction aborted');
  }
}
