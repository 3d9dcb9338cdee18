import { envGroups, envInt, loadConfig as parseEnv } from '@smpp-gateway/runtime';
import { z } from 'zod';

export const SERVICE_NAME = 'vendor-connector';

/** Comma-separated milliseconds, e.g. the seed's reconnect schedule. */
const msList = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? v : undefined),
  z
    .string()
    .regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'must be comma-separated milliseconds')
    .default('1000,2000,4000,8000,16000,30000')
    .transform((s) => s.split(',').map((n) => Number(n.trim()))),
);

export const configSchema = z
  .object({
    ...envGroups.base,
    ...envGroups.postgres,
    ...envGroups.redis,
    ...envGroups.amqp,
    ...envGroups.messageState,
    NODE_ENV: z.string().optional(),
    /** Key of the vendor password envelopes (see @smpp-gateway/db secrets). */
    VENDOR_SECRET_KEY: z.string().optional(),
    /** Bind leases expire this long after their last refresh (a dead pod's binds return to the budget). */
    BIND_LEASE_TTL_MS: envInt({ min: 1_000, max: 600_000, default: 10_000 }),
    /** Lease refresh, pod registry heartbeat and share rebalancing period. */
    BIND_LEASE_REFRESH_MS: envInt({ min: 100, max: 60_000, default: 2_000 }),
    /** Delays after 1, 2, 3… consecutive failed binds of one slot (the seed's schedule). */
    RECONNECT_BACKOFF_MS: msList,
    /** While a vendor has no bind, one slot retries this often (recovery noticed within it). */
    RECONNECT_CANARY_INTERVAL_MS: envInt({ min: 100, max: 60_000, default: 1_000 }),
    /** Consecutive failed bind attempts of a vendor before the ERROR alert and metric. */
    RECONNECT_ALERT_AFTER: envInt({ min: 1, max: 1_000, default: 5 }),
    /** Retries after a failed submit (not counting throttling), then hand-back to the router. */
    SUBMIT_RETRIES: envInt({ min: 0, max: 20, default: 3 }),
    SUBMIT_RETRY_DELAY_MS: envInt({ min: 0, max: 60_000, default: 500 }),
    /** A queued submit with no bind to the vendor at all fails (and fails over) after this. */
    BIND_WAIT_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
    /** First pause of a bind the vendor throttled; doubles per consecutive throttle. */
    THROTTLE_PAUSE_MS: envInt({ min: 10, max: 60_000, default: 1_000 }),
    THROTTLE_PAUSE_MAX_MS: envInt({ min: 10, max: 600_000, default: 8_000 }),
    /** Vendor status to PostgreSQL and Redis (the seed's 30 s health check). */
    HEALTH_INTERVAL_MS: envInt({ min: 100, max: 3_600_000, default: 30_000 }),
    /** Safety net beside control messages: compare vendor versions this often (0 = off). */
    VENDOR_REFRESH_INTERVAL_MS: envInt({ min: 0, max: 3_600_000, default: 60_000 }),
    /** How long the "already sent" marker of an accepted message lives. */
    SENT_MARKER_TTL_S: envInt({ min: 10, max: 7 * 24 * 3600, default: 600 }),
    /** Windows and handlers get this long to finish when a vendor or the pod stops. */
    DRAIN_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 10_000 }),
    /**
     * Upper bound of a vendor queue's prefetch (binds × window × 2 otherwise).
     * It counts AMQP messages, each up to the router's ROUTER_PUBLISH_BATCH_MAX
     * MTs. It must cover the vendor's rate × its submit_sm_resp time (5 000/s
     * × 200 ms = 1 000 MTs in flight): 50 × 20 = 1 000 MTs, and below
     * ≈ 1 700/s, where the router's 12 ms batches are not full, 200 ms of
     * batches is 17 messages. More only holds a backlog in the heap, where
     * under the 160 MB heap cap it costs GC time (1 000 cost +20 % CPU per
     * message under a backlog, 100 +13–30 % and +25 MB RSS against 50;
     * docs/performance.md).
     */
    VENDOR_PREFETCH_MAX: envInt({ min: 1, max: 65_535, default: 50 }),
    /**
     * Submit results / receipts that leave together (one event-loop turn, the
     * confirm window, lingering) share one AMQP message and confirm, up to
     * this many (1 = one publish per message). 20 like the MT hops: with 10,
     * at 1 000 msg/s these hops sent twice the AMQP messages of the others
     * (broker −15 %, receipt → customer p95 41 → 29 ms with 20; 40 no better).
     */
    RESULT_PUBLISH_MAX_BATCH: envInt({ min: 1, max: 1_000, default: 20 }),
  })
  .superRefine((c, ctx) => {
    if (c.THROTTLE_PAUSE_MAX_MS < c.THROTTLE_PAUSE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['THROTTLE_PAUSE_MAX_MS'],
        message: 'must be at least THROTTLE_PAUSE_MS',
      });
    }
    if (c.BIND_LEASE_REFRESH_MS * 2 > c.BIND_LEASE_TTL_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['BIND_LEASE_REFRESH_MS'],
        message:
          'must be at most half of BIND_LEASE_TTL_MS, or a single slow refresh loses the binds',
      });
    }
  });

export type VendorConnectorConfig = z.output<typeof configSchema>;

/** Pure: tests pass a plain object. Throws ConfigError listing every problem. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
): VendorConnectorConfig {
  return parseEnv(configSchema, env);
}
