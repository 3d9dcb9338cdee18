import { Counter, Histogram, type Registry } from 'prom-client';

export const MISS_REASONS = ['unknown_id', 'ambiguous_id', 'no_context'] as const;
export type MissReason = (typeof MISS_REASONS)[number];

/**
 * The tracker's metrics. Labels are bounded: vendor ids (a configured set),
 * receipt stat words, outcome words; never a message id or a phone number.
 */
export interface TrackerMetrics {
  readonly receiptsReceived: Counter<'vendor_id' | 'dlr_status'>;
  readonly trackingHits: Counter;
  readonly trackingMisses: Counter<'reason'>;
  readonly receiptsDeferred: Counter;
  readonly submitResults: Counter<'outcome'>;
  readonly customerReceipts: Counter<'stat'>;
  readonly customerReceiptSeconds: Histogram;
  readonly cdrBatchSize: Histogram;
  readonly cdrFlushSeconds: Histogram;
  readonly cdrLagSeconds: Histogram;
  readonly cdrFlushFailures: Counter;
  readonly cdrsPruned: Counter;
  readonly moMessagesPruned: Counter;
  readonly receiptTimeouts: Counter<'vendor_id'>;
  readonly receiptDatesBeforeSubmit: Counter<'vendor_id'>;
}

export function createTrackerMetrics(registry: Registry): TrackerMetrics {
  const registers = [registry];
  return {
    receiptsReceived: new Counter({
      // Not the seed's smpp_client_dlr_received_total, which vendor-connector
      // exports (receipts received): one name in two services with two
      // meanings would be double-counted by any query without a job filter.
      name: 'dlr_receipts_processed_total',
      help: 'Vendor delivery receipts processed to a final outcome (applied or missed)',
      labelNames: ['vendor_id', 'dlr_status'],
      registers,
    }),
    trackingHits: new Counter({
      name: 'dlr_tracking_hits_total',
      help: 'Vendor receipts matched to our message',
      registers,
    }),
    trackingMisses: new Counter({
      name: 'dlr_tracking_misses_total',
      help: 'Vendor receipts given up on after RECEIPT_MAX_AGE_MS: unknown_id (no mapping), ambiguous_id (the id only matched a reading two messages share: mapped to neither) or no_context (no MT context, no customer receipt)',
      labelNames: ['reason'],
      registers,
    }),
    receiptsDeferred: new Counter({
      name: 'dlr_receipts_deferred_total',
      help: 'Receipts parked in dlr.receipts.deferred because their mapping or MT context was not there yet',
      registers,
    }),
    submitResults: new Counter({
      name: 'dlr_submit_results_total',
      help: 'Submit results (dlr.events) applied, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    customerReceipts: new Counter({
      name: 'dlr_customer_receipts_total',
      help: 'Customer receipts published (confirmed) to deliver.{customerId}',
      labelNames: ['stat'],
      registers,
    }),
    customerReceiptSeconds: new Histogram({
      name: 'dlr_customer_receipt_seconds',
      help: 'Vendor receipt received (vendor-connector) → customer receipt confirmed by the broker',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    cdrBatchSize: new Histogram({
      name: 'dlr_cdr_batch_size',
      help: 'Rows per CDR upsert batch',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
      registers,
    }),
    cdrFlushSeconds: new Histogram({
      name: 'dlr_cdr_flush_seconds',
      help: 'Duration of one CDR batch upsert',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    cdrLagSeconds: new Histogram({
      name: 'dlr_cdr_lag_seconds',
      help: 'Event time (submit result or receipt) → its CDR row committed',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    cdrFlushFailures: new Counter({
      name: 'dlr_cdr_flush_failures_total',
      help: 'CDR batches that failed (their messages are retried, never acked)',
      registers,
    }),
    cdrsPruned: new Counter({
      name: 'dlr_cdrs_pruned_total',
      help: 'CDRs deleted by the retention job (CDR_RETENTION_DAYS) on this replica',
      registers,
    }),
    moMessagesPruned: new Counter({
      name: 'dlr_mo_messages_pruned_total',
      help: 'MO archive rows (messaging.mo_messages) deleted by the retention job (CDR_RETENTION_DAYS) on this replica',
      registers,
    }),
    receiptTimeouts: new Counter({
      name: 'dlr_receipt_timeouts_total',
      help: 'Messages the vendor accepted but never reported on within RECEIPT_TIMEOUT_MS, given a final UNKNOWN (err 908) by this replica',
      labelNames: ['vendor_id'],
      registers,
    }),
    receiptDatesBeforeSubmit: new Counter({
      name: 'dlr_receipt_dates_before_submit_total',
      help: "Receipts whose done date lay more than 5 minutes before the message was submitted (reported as the submit time): the vendor's receipt time zone is wrong",
      labelNames: ['vendor_id'],
      registers,
    }),
  };
}
