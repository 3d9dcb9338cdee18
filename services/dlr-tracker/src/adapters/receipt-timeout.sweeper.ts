// Receipt timeout. Carriers accept a share of their traffic and never report
// on it; without a bound those messages stay `submitted` for good, and a
// customer that asked for a receipt waits for one that never comes (one of
// the ways receipts get "lost" in other gateways). Every RECEIPT_TIMEOUT_
// SWEEP_MS a replica looks for CDRs still without a final status
// RECEIPT_TIMEOUT_MS after acceptance (db sweepOverdueSubmissions: one
// replica at a time, resuming where the last batch ended) and gives each an
// UNKNOWN receipt, err 908, as if its vendor had sent it.
//
// The receipt goes through `dlr.receipts` like a vendor's, so everything a
// receipt does happens once and in one place: the state merge (the first
// final status wins, so a real receipt that beat the sweep keeps its
// status, and one that comes after changes nothing), the CDR update, the
// customer receipt when the customer asked for one (our message id, the
// receipt lease against duplicates), the archive fallback when Redis no
// longer maps the vendor's id. The batch's mark advances only once the
// broker confirmed its receipts: a failure finds the same messages again.
import { randomUUID } from 'node:crypto';
import type { ContractInput } from '@smpp-gateway/contracts';
import type { OverdueSubmission, OverdueSweepBatch, OverdueSweepOptions } from '@smpp-gateway/db';
import { PeriodicJob, type Logger } from '@smpp-gateway/runtime';
import type { Counter } from 'prom-client';
import { RECEIPT_TIMEOUT_ERROR_CODE } from '../handlers/receipt-policy.js';

/** Messages per batch (one transaction; its receipts are confirmed before it commits). */
const BATCH_LIMIT = 500;
/** Acceptance time one batch scans: a sweep after a long pause reads in slices. */
const BATCH_SPAN_MS = 10 * 60_000;
/** Batches per run; the next run continues. */
const MAX_BATCHES = 100;
/** Receipts per AMQP message. */
const PUBLISH_BATCH = 20;

export interface ReceiptTimeoutSweeperOptions {
  readonly sweep: (options: OverdueSweepOptions) => Promise<OverdueSweepBatch>;
  /** Publishes receipts of one vendor to `dlr.receipts`, resolving on the broker's confirm. */
  readonly publish: (receipts: readonly ContractInput<'VendorReceipt'>[]) => Promise<unknown>;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly timeouts: Counter<'vendor_id'>;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly batchLimit?: number;
}

export class ReceiptTimeoutSweeper extends PeriodicJob {
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: ReceiptTimeoutSweeperOptions) {
    super(options.intervalMs);
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'receipt-timeout' });
  }

  /** One sweep; never rejects. */
  protected override async work(): Promise<void> {
    const before = new Date(this.now() - this.options.timeoutMs);
    let total = 0;
    try {
      for (let batch = 0; batch < MAX_BATCHES && !this.stopping; batch += 1) {
        const result = await this.options.sweep({
          before,
          limit: this.options.batchLimit ?? BATCH_LIMIT,
          spanMs: BATCH_SPAN_MS,
          handle: (overdue) => this.expire(overdue),
        });
        if (result.kind === 'yielded') {
          this.log.debug('receipt timeout: another replica is sweeping');
          break;
        }
        if (result.kind === 'started') {
          this.log.info('receipt timeout: first sweep, starting at the cutoff', {
            before: before.toISOString(),
          });
          break;
        }
        total += result.found;
        if (result.caughtUp) break;
      }
    } catch (err) {
      // PostgreSQL or the broker away: the batch rolled back, the next run
      // finds the same messages. Nothing is lost by waiting.
      this.log.warn('receipt timeout sweep failed', { err });
    }
    if (total > 0) {
      this.log.info('messages without a vendor receipt given a final UNKNOWN', {
        messages: total,
        accepted_before: before.toISOString(),
        timeout_ms: this.options.timeoutMs,
      });
    }
  }

  private async expire(overdue: readonly OverdueSubmission[]): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const byVendor = new Map<string, ContractInput<'VendorReceipt'>[]>();
    for (const message of overdue) {
      // A row no receipt contract can carry would fail its whole batch on
      // every run and hold the sweep at it for good: passed over, logged.
      if (!fitsReceipt(message)) {
        this.log.warn('receipt timeout: a CDR whose vendor ids no receipt can carry, passed over', {
          message_id: message.messageId,
          vendor_id: message.vendorId,
        });
        continue;
      }
      const receipts = byVendor.get(message.vendorId) ?? [];
      receipts.push({
        v: 1,
        messageId: randomUUID(),
        occurredAt: at,
        vendorId: message.vendorId,
        vendorMessageId: message.vendorMessageId,
        // Rows archived before the key existed are matched by the raw id.
        vendorMessageKey: message.vendorMessageKey ?? message.vendorMessageId,
        stat: 'UNKNOWN',
        err: RECEIPT_TIMEOUT_ERROR_CODE,
        doneDate: at,
        receivedAt: at,
      });
      byVendor.set(message.vendorId, receipts);
    }
    const publishes: Promise<unknown>[] = [];
    for (const receipts of byVendor.values()) {
      // AMQP messages the size the connectors send: a consumer's prefetch
      // counts messages, not the receipts inside.
      for (let i = 0; i < receipts.length; i += PUBLISH_BATCH) {
        publishes.push(this.options.publish(receipts.slice(i, i + PUBLISH_BATCH)));
      }
    }
    await Promise.all(publishes);
    for (const [vendorId, receipts] of byVendor) {
      this.options.timeouts.inc({ vendor_id: vendorId }, receipts.length);
    }
  }
}

/** The bounds of VendorReceipt's vendorMessageId (1-64) and vendorMessageKey (1-128). */
function fitsReceipt(message: OverdueSubmission): boolean {
  const key = message.vendorMessageKey ?? message.vendorMessageId;
  return (
    message.vendorId.length > 0 &&
    message.vendorMessageId.length > 0 &&
    message.vendorMessageId.length <= 64 &&
    key.length > 0 &&
    key.length <= 128
  );
}
