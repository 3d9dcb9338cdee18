import { STATE_TTL_SECONDS, stateKeys } from '@smpp-gateway/message-state';
import type { Redis } from 'ioredis';
import type { AcceptedRecord, SentStore } from '../sending/mt-routed.handler.js';
import { connectorKeys } from './redis-keys.js';

/**
 * Receipt mapping and redelivery marker in Redis DB 0, written in ONE
 * MULTI: the mapping uses message-state's key layout and TTL (the tracker
 * reads it with `lookupVendorId`), the marker only lives as long as a
 * redelivery can plausibly take. Writing both atomically means a marker
 * never exists without its mapping, and vice versa.
 */
export class RedisSentStore implements SentStore {
  constructor(
    private readonly redis: Redis,
    private readonly markerTtlSeconds: number,
  ) {}

  async recordAccepted(
    vendorId: string,
    messageId: string,
    keys: readonly string[],
    record: AcceptedRecord,
  ): Promise<void> {
    const tx = this.redis.multi();
    for (const key of keys) {
      tx.set(stateKeys.vendorMapping(vendorId, key), messageId, 'EX', STATE_TTL_SECONDS);
    }
    tx.set(
      connectorKeys.sent(vendorId, messageId),
      JSON.stringify(record),
      'EX',
      this.markerTtlSeconds,
    );
    const results = await tx.exec();
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('receipt mapping transaction aborted');
  }

  async findAccepted(vendorId: string, messageId: string): Promise<AcceptedRecord | undefined> {
    const raw = await this.redis.get(connectorKeys.sent(vendorId, messageId));
    if (raw === null) return undefined;
    const value = JSON.parse(raw) as Partial<AcceptedRecord>;
    return typeof value.vendorMessageId === 'string' && typeof value.submittedAt === 'string'
      ? { vendorMessageId: value.vendorMessageId, submittedAt: value.submittedAt }
      : undefined;
  }
}
