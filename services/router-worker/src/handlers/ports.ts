// What the handlers need from the outside world, as interfaces: adapters
// implement them over RabbitMQ, Redis and PostgreSQL; unit tests over memory.
import type { ContractInput, MtSubmitted } from '@smpp-gateway/contracts';
import type { MoMessageWrite } from '@smpp-gateway/db';
import type { RoutingSnapshot } from '../routing/routing-snapshot.js';
import type { Campaign, CapDecision } from '../routing/tendlc.js';

export interface SnapshotSource {
  /** The configuration in use; never blocks. */
  current(): RoutingSnapshot;
  /**
   * For a lookup that missed (a customer or number created since the last
   * load): reloads unless a load finished very recently. `fresh: false` means
   * the reload failed, so the miss proves nothing.
   */
  refreshAfterMiss(): Promise<{ snapshot: RoutingSnapshot; fresh: boolean }>;
}

export interface CampaignDirectory {
  /** The campaign the number sends under; undefined when it has none. Throws RetryableError when it cannot tell. */
  campaignFor(source: string): Promise<Campaign | undefined>;
  /** Forget every cached campaign (reload-tendlc). */
  invalidateAll(): Promise<void>;
}

export interface TenDlcLimiter {
  /** Counts `segments` against both caps if both allow it, atomically. Throws RetryableError when the counters are unreachable. */
  consume(campaign: Campaign, segments: number, now: Date): Promise<CapDecision>;
}

/** Publishes resolve on the broker's confirm; transient failures throw RetryableError. */
export interface MtOutbox {
  routed(message: ContractInput<'MtRouted'>): Promise<void>;
  failed(result: ContractInput<'MtSubmitResult'>): Promise<void>;
  /** The same MtSubmitted, into `mt.deferred.{priority}`, which expires back into `mt.messages.{priority}`. */
  deferred(message: MtSubmitted): Promise<void>;
}

export interface DeliveryOutbox {
  deliver(delivery: ContractInput<'CustomerDelivery'>): Promise<void>;
}

/**
 * Subscribers' opt-outs, kept as destination blocks of one customer. `apply`
 * resolves once the change is durable and this router applies it (the other
 * routers are told; their timed reload is the backstop); true when something
 * changed. A failed write throws RetryableError.
 */
export interface OptOutRegistry {
  apply(
    action: 'opt_out' | 'opt_in',
    customerId: string,
    number: string,
    keyword: string,
  ): Promise<boolean>;
}

/** The MO archive (messaging.mo_messages); a failed write throws RetryableError. */
export interface MoArchive {
  archive(records: readonly MoMessageWrite[]): Promise<void>;
}
