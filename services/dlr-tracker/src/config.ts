import { envGroups, envInt, loadConfig as parseConfig } from '@smpp-gateway/runtime';
import { z } from 'zod';

export const SERVICE_NAME = 'dlr-tracker';

export const configSchema = z
  .object({
    ...envGroups.base,
    ...envGroups.postgres,
    ...envGroups.redis,
    ...envGroups.amqp,
    ...envGroups.messageState,
    /**
     * Unacked receipt deliveries per pod; EVENTS_PREFETCH the same for
     * submit results. A delivery holds up to the connector's
     * RESULT_PUBLISH_MAX_BATCH contracts (20), and every handler waits for
     * its CDR batch, so the contracts in flight (prefetch × batch) must
     * cover the rate × (CDR_FLUSH_INTERVAL_MS + one flush): 20 × 20 covers
     * ≈ 6 600/s per queue at ≈ 60 ms. Batches are small only at low rates
     * (the connector lingers 12 ms, so a batch holds about rate × 12 ms),
     * where that still covers four times the rate. A connector configured with batches of 1 or no
     * lingering needs a larger prefetch here. More than needed only holds a
     * backlog in the heap, long enough to be promoted, and the
     * old-generation GC that follows costs more than the work: 120 cost the
     * tracker 50–60 % more CPU per SMS under a backlog and 30 MB more RSS
     * (docs/performance.md, sixth round).
     */
    RECEIPTS_PREFETCH: envInt({ min: 1, max: 65535, default: 20 }),
    EVENTS_PREFETCH: envInt({ min: 1, max: 65535, default: 20 }),
    CDR_BATCH_MAX_ROWS: envInt({ min: 1, max: 2000, default: 100 }),
    /**
     * Every handler waits for its batch: this is added to every ack (prefetch
     * must cover rate × it), never to a customer receipt, which is published
     * while the batch fills. 50 rather than 10 ms: a fifth of the PostgreSQL
     * commits at moderate rates (PostgreSQL −33 %, tracker −5 % CPU per SMS
     * at 1 000 msg/s; docs/performance.md).
     */
    CDR_FLUSH_INTERVAL_MS: envInt({ min: 1, max: 60_000, default: 50 }),
    /** How long a receipt without a mapping is retried in-process (delivery unacked) before it is deferred. */
    RECEIPT_HOLD_MS: envInt({ min: 0, max: 30_000, default: 1_000 }),
    /** TTL of `dlr.receipts.deferred`: the pause between deferred mapping attempts. */
    RECEIPT_RETRY_DELAY_MS: envInt({ min: 100, max: 600_000, default: 1_000 }),
    /** A receipt still unmapped this long after the vendor-connector received it is counted as a miss. */
    RECEIPT_MAX_AGE_MS: envInt({ min: 1_000, max: 24 * 3600_000, default: 60_000 }),
    /** Lease of the pod publishing a customer receipt; a dead holder blocks the receipt this long. */
    CUSTOMER_RECEIPT_LEASE_MS: envInt({ min: 1_000, max: 600_000, default: 15_000 }),
    /** Customer receipts of one customer and event-loop turn share one AMQP message and confirm, up to this many. */
    DELIVERY_PUBLISH_MAX_BATCH: envInt({ min: 1, max: 1_000, default: 20 }),
    /**
     * Delete CDRs of messages accepted more than this many days ago (0 = keep
     * them all, the default). At least 8 when set: a receipt can still come
     * for a message while its state lives (STATE_TTL, 7 days), and it must
     * find its CDR.
     */
    CDR_RETENTION_DAYS: envInt({ min: 0, max: 36_500, default: 0 }),
    /** How often a retention run starts (each replica; one deletes at a time). */
    CDR_PRUNE_INTERVAL_MS: envInt({ min: 1_000, max: 86_400_000, default: 600_000 }),
    /** Rows per delete transaction; a run deletes at most 500 batches. */
    CDR_PRUNE_BATCH: envInt({ min: 100, max: 100_000, default: 10_000 }),
    /**
     * A message the vendor accepted and never reported on this long after we
     * accepted it gets a final UNKNOWN (err 908): its CDR is closed and the
     * customer, if it asked for a receipt, gets one instead of waiting for
     * ever. 0 = off. Past the carriers' usual validity (48 h): a receipt
     * that comes later finds the message final and changes nothing.
     */
    RECEIPT_TIMEOUT_MS: envInt({ min: 0, max: 30 * 86_400_000, default: 72 * 3_600_000 }),
    /** How often a receipt-timeout sweep starts (each replica; one sweeps at a time). */
    RECEIPT_TIMEOUT_SWEEP_MS: envInt({ min: 100, max: 3_600_000, default: 60_000 }),
  })
  .superRefine((config, ctx) => {
    if (config.CDR_RETENTION_DAYS > 0 && config.CDR_RETENTION_DAYS < 8) {
      ctx.addIssue({
        code: 'custom',
        path: ['CDR_RETENTION_DAYS'],
        message: 'must be 0 (keep every CDR) or at least 8 (receipts come for up to 7 days)',
      });
    }
    if (
      config.RECEIPT_TIMEOUT_MS > 0 &&
      config.CDR_RETENTION_DAYS > 0 &&
      config.RECEIPT_TIMEOUT_MS >= config.CDR_RETENTION_DAYS * 86_400_000
    ) {
      // The sweep finds overdue messages in the CDRs: they must still be there.
      ctx.addIssue({
        code: 'custom',
        path: ['RECEIPT_TIMEOUT_MS'],
        message: 'must be shorter than CDR_RETENTION_DAYS',
      });
    }
    if (config.RECEIPT_MAX_AGE_MS <= config.RECEIPT_HOLD_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RECEIPT_MAX_AGE_MS'],
        message: 'must be greater than RECEIPT_HOLD_MS',
      });
    }
    if (config.CUSTOMER_RECEIPT_LEASE_MS <= config.AMQP_CONFIRM_TIMEOUT_MS) {
      // A lease shorter than a publish could take would let a second pod
      // publish while the first is still waiting for its confirm.
      ctx.addIssue({
        code: 'custom',
        path: ['CUSTOMER_RECEIPT_LEASE_MS'],
        message: 'must be greater than AMQP_CONFIRM_TIMEOUT_MS',
      });
    }
  });

export type DlrTrackerConfig = z.output<typeof configSchema>;

/** Pure: tests pass a plain object. Throws ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): DlrTrackerConfig {
  return parseConfig(configSchema, env);
}
