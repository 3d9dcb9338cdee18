import type { Logger } from '@smpp-gateway/runtime';
import { RetryableError } from '@smpp-gateway/runtime';
import {
  isFinalStatus,
  type MessageStatePatch,
  type MessageStateRecord,
  type ReceiptClaim,
} from '@smpp-gateway/message-state';
import type { TrackerMetrics } from '../metrics.js';
import { customerReceiptFor, RECEIPT_CONTEXT_FIELDS, receiptContext } from './message-context.js';
import type { Clock, DeliveryPort, StatePort } from './ports.js';
import { RECEIPT_DECISIONS, wantsFinalReceipt } from './receipt-policy.js';

export const SETTLE_OUTCOMES = [
  'sent',
  'already_sent',
  'not_requested',
  'not_final',
  'no_context',
] as const;
export type SettleOutcome = (typeof SETTLE_OUTCOMES)[number];

/** A merged record with what `mergeAndClaim` decided for its customer receipt. */
export interface MergedForSettle {
  readonly record: MessageStateRecord;
  /** The lease owner the merge claimed for; settle must publish as this owner. */
  readonly owner: string;
  readonly claim: ReceiptClaim | undefined;
}

export interface CustomerReceiptSettlerDeps {
  readonly state: StatePort;
  readonly deliveries: DeliveryPort;
  readonly clock: Clock;
  readonly metrics: TrackerMetrics;
  readonly logger: Logger;
  /** Unique per process; each settle call adds a sequence number to it. */
  readonly owner: string;
  readonly leaseMs: number;
  /** Pause between looks while another publisher holds the lease. */
  readonly pollMs?: number;
}

/**
 * Exactly one customer receipt per message, with at-least-once inputs:
 *
 * 1. decide: a final record without `customerReceipt` gets 'pending' or
 *    'not_requested' by compare-and-set (absent → value), computed from the
 *    record's own final status, so two racing writers agree;
 * 2. claim: only the holder of the short lease publishes (duplicate receipts
 *    handled concurrently, on this pod or another, cannot both publish);
 * 3. publish, wait for the broker's confirm, then pending → sent (one SET
 *    of the lease key; the state store folds it into the record).
 *
 * On the hot path steps 1 and 2 happen inside the merge of the status
 * (`mergeAndClaim`, one Redis script, same rules); the loop in `settle` is
 * the general case (lease held by someone else, decided elsewhere, retries).
 *
 * A crash after the publish and before step 3 leaves 'pending': the
 * redelivered message publishes again once the lease expired — the one
 * duplicate SMPP allows rather than a lost receipt. 'sent' → nothing.
 */
export class CustomerReceiptSettler {
  private readonly pollMs: number;
  private calls = 0;

  constructor(private readonly deps: CustomerReceiptSettlerDeps) {
    this.pollMs = deps.pollMs ?? 20;
  }

  /**
   * A lease owner for one settle: unique per call, not per pod, so two
   * duplicates handled concurrently by the same pod do not share a lease.
   */
  nextOwner(): string {
    return `${this.deps.owner}:${(this.calls += 1)}`;
  }

  /**
   * Merges `patch` and, in the same Redis step, decides the customer
   * receipt and takes its lease (steps 1 and 2 below): the hot path costs
   * one round trip instead of three. Hand the result to `settle`.
   */
  async mergeAndClaim(messageId: string, patch: MessageStatePatch): Promise<MergedForSettle> {
    const owner = this.nextOwner();
    const merged = await this.deps.state.mergeAndClaim(messageId, patch, {
      decisions: RECEIPT_DECISIONS,
      contextFields: RECEIPT_CONTEXT_FIELDS,
      owner,
      leaseMs: this.deps.leaseMs,
    });
    return { record: merged.record, owner, claim: merged.claim };
  }

  /** Gives back a lease `mergeAndClaim` took when the caller fails before `settle`. */
  async abandon(merged: MergedForSettle): Promise<void> {
    if (merged.claim !== 'claimed') return;
    await this.deps.state
      .releaseCustomerReceipt(merged.record.messageId, merged.owner)
      .catch(() => undefined);
  }

  async settle(
    record: MessageStateRecord,
    receivedAt?: number,
    merged?: Pick<MergedForSettle, 'owner' | 'claim'>,
  ): Promise<SettleOutcome> {
    const { state, clock } = this.deps;
    // Past the lease a dead holder's claim has expired and we can take over.
    const deadline = clock.now() + this.deps.leaseMs + 10 * this.pollMs;
    const owner = merged?.owner ?? this.nextOwner();
    if (merged?.claim === 'claimed' && record.customerReceipt === 'pending') {
      // Decided and claimed inside the merge: straight to the publish.
      const context = receiptContext(record);
      if (context) {
        await this.publish(record, context, owner, receivedAt);
        return 'sent';
      }
    }
    let current: MessageStateRecord | undefined = record;
    for (;;) {
      if (!current || !isFinalStatus(current.status)) return 'not_final';
      const context = receiptContext(current);
      switch (current.customerReceipt) {
        case 'sent':
          return 'already_sent';
        case 'not_requested':
          return 'not_requested';
        case undefined: {
          if (!context) return 'no_context';
          const decision: 'pending' | 'not_requested' = wantsFinalReceipt(
            context.registeredDelivery,
            current.status,
          )
            ? 'pending'
            : 'not_requested';
          if (
            await state.compareAndSet(current.messageId, 'customerReceipt', undefined, decision)
          ) {
            current = { ...current, customerReceipt: decision };
          } else {
            current = await state.get(current.messageId);
          }
          continue;
        }
        case 'pending': {
          if (!context) {
            this.deps.logger.error('customer receipt pending without MT context', {
              message_id: current.messageId,
            });
            return 'no_context';
          }
          const claim = await state.claimCustomerReceipt(
            current.messageId,
            owner,
            this.deps.leaseMs,
          );
          if (claim === 'claimed') {
            await this.publish(current, context, owner, receivedAt);
            return 'sent';
          }
          if (claim === 'held') {
            if (clock.now() > deadline) {
              throw new RetryableError('customer receipt lease still held by another publisher');
            }
            await clock.sleep(this.pollMs);
          }
          current = await state.get(current.messageId);
          continue;
        }
      }
    }
  }

  private async publish(
    record: MessageStateRecord,
    context: NonNullable<ReturnType<typeof receiptContext>>,
    owner: string,
    receivedAt: number | undefined,
  ): Promise<void> {
    const { state, deliveries, metrics, clock } = this.deps;
    const delivery = customerReceiptFor(record, context, {
      messageId: record.messageId,
      occurredAt: new Date(clock.now()).toISOString(),
    });
    if (!delivery || delivery.delivery.kind !== 'receipt') {
      throw new Error(`no customer receipt can be built for status ${record.status}`);
    }
    try {
      await deliveries.publishCustomerDelivery(delivery);
    } catch (err) {
      // Hand the lease back so the retry does not wait it out.
      await state.releaseCustomerReceipt(record.messageId, owner).catch(() => undefined);
      throw err;
    }
    await state.markCustomerReceiptSent(record.messageId);
    metrics.customerReceipts.inc({ stat: delivery.delivery.stat });
    if (receivedAt !== undefined) {
      metrics.customerReceiptSeconds.observe(Math.max(0, clock.now() - receivedAt) / 1000);
    }
  }
}
