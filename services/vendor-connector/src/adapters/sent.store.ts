import { MessageStateStore, type VendorIdKeys } from '@smpp-gateway/message-state';
import type { Redis } from 'ioredis';
import type { AcceptedRecord, SentStore } from '../sending/mt-routed.handler.js';
import { connectorKeys } from './redis-keys.js';

/**
 * Receipt mapping and redelivery marker in Redis DB 0, written in ONE
 * atomic step (message-state's mapVendorId script): the mapping uses
 * message-state's key layout and TTL (the tracker reads it with
 * `lookupVendorId`), the marker only lives as long as a redelivery can
 * plausibly take. Writing both atomically means a marker never exists
 * without its mapping, and vice versa.
 */
export class RedisSentStore implements SentStore {
  private readonly state: MessageStateStore;

  constructor(
    private readonly redis: Redis,
    private readonly markerTtlSeconds: number,
    /** The mappings' TTL: STATE_TTL_SECONDS, as the records they point to. */
    stateTtlSeconds: number,
  ) {
    this.state = new MessageStateStore({ redis, ttlSeconds: stateTtlSeconds });
  }

  async recordAccepted(
    vendorId: string,
    messageId: string,
    keys: VendorIdKeys,
    record: AcceptedRecord,
  ): Promise<void> {
    await this.state.mapVendorId(vendorId, keys, messageId, {
      key: connectorKeys.sent(vendorId, messageId),
      value: JSON.stringify(record),
      ttlSeconds: this.markerTtlSeconds,
    });
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
