// edge-server configuration: the shared runtime fragments plus the SMPP
// listeners, bind security, rate limiting and delivery settings.
import {
  distinctPorts,
  envGroups,
  envInt,
  envPort,
  loadConfig as parseConfig,
} from '@smpp-gateway/runtime';
import { z } from 'zod';

const optionalPath = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().trim().min(1).optional(),
);

export const EdgeConfigSchema = z
  .object({
    ...envGroups.base,
    ...envGroups.postgres,
    ...envGroups.redis,
    ...envGroups.amqp,
    ...envGroups.messageState,
    SMPP_HOST: z.string().trim().min(1).default('0.0.0.0'),
    SMPP_PORT: envPort(2775),
    SMPP_TLS_PORT: envPort(2776),
    /** cert-manager style directory; unset disables the TLS listener. */
    TLS_CERT_DIR: optionalPath,
    TLS_DEFAULT_CERT: z.string().trim().min(1).default('default'),
    SMPP_SYSTEM_ID: z.string().trim().min(1).max(15).default('smpp-gateway'),
    SMPP_MAX_CONNECTIONS: envInt({ min: 1, max: 1_000_000, default: 10_000 }),
    BIND_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
    SMPP_WINDOW_SIZE: envInt({ min: 1, max: 10_000, default: 10 }),
    SMPP_RESPONSE_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 10_000 }),
    SMPP_ENQUIRE_LINK_INTERVAL_MS: envInt({ min: 0, max: 3_600_000, default: 30_000 }),
    SMPP_MAX_INCOMING_IN_FLIGHT: envInt({ min: 1, max: 100_000, default: 1_000 }),
    AUTH_CACHE_TTL_MS: envInt({ min: 0, max: 3_600_000, default: 60_000 }),
    /** An expired account entry still answers binds this long while PostgreSQL cannot be read (0 = off). */
    AUTH_CACHE_STALE_IF_ERROR_MS: envInt({ min: 0, max: 86_400_000, default: 3_600_000 }),
    BIND_LEASE_TTL_MS: envInt({ min: 1_000, max: 600_000, default: 30_000 }),
    BIND_LOCKOUT_FAILURES: envInt({ min: 1, max: 1_000, default: 5 }),
    BIND_LOCKOUT_WINDOW_MS: envInt({ min: 1_000, max: 86_400_000, default: 60_000 }),
    BIND_LOCKOUT_MS: envInt({ min: 1_000, max: 86_400_000, default: 300_000 }),
    DEFAULT_COUNTRY_CODE: z
      .string()
      .trim()
      .regex(/^[1-9][0-9]{0,2}$/, 'must be 1-3 digits')
      .default('1'),
    NATIONAL_NUMBER_LENGTH: envInt({ min: 4, max: 14, default: 10 }),
    RATE_LIMIT_WINDOW_MS: envInt({ min: 100, max: 60_000, default: 1_000 }),
    /** Per mille of a customer's per-window limit one Redis call reserves for this pod. */
    RATE_LIMIT_RESERVE_PERMILLE: envInt({ min: 1, max: 1_000, default: 50 }),
    /**
     * Submits of one event-loop turn and priority share one AMQP message and
     * confirm, up to this many. × the router's prefetch (AMQP_PREFETCH, 30)
     * bounds the MTs one router holds under a backlog (docs/performance.md).
     */
    MT_PUBLISH_MAX_BATCH: envInt({ min: 1, max: 1_000, default: 20 }),
    /**
     * Unacked deliveries per customer queue and pod, each up to the tracker's
     * DELIVERY_PUBLISH_MAX_BATCH (20) receipts: 30 × 20 = 600, more than a
     * customer's binds × window takes at once. It is per customer, so it also
     * bounds what a backlog of many customers can push into one pod's heap.
     */
    DELIVERY_PREFETCH: envInt({ min: 1, max: 65_535, default: 30 }),
    DELIVERY_RETRY_DELAY_MS: envInt({ min: 10, max: 600_000, default: 2_000 }),
    /**
     * How often the bound prepaid customers' balances are re-read (one query
     * for all of them, none when no bound customer is prepaid). A prepaid
     * customer can overdraw by about this much of its traffic.
     */
    EDGE_CREDIT_REFRESH_MS: envInt({ min: 100, max: 60_000, default: 1_000 }),
  })
  .superRefine(distinctPorts(['SMPP_PORT', 'SMPP_TLS_PORT', 'METRICS_PORT']))
  .superRefine((config, ctx) => {
    if (
      config.SMPP_ENQUIRE_LINK_INTERVAL_MS > 0 &&
      config.SMPP_RESPONSE_TIMEOUT_MS >= config.SMPP_ENQUIRE_LINK_INTERVAL_MS * 3
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['SMPP_RESPONSE_TIMEOUT_MS'],
        message: 'must be below 3 × SMPP_ENQUIRE_LINK_INTERVAL_MS',
      });
    }
  });

export type EdgeConfig = z.output<typeof EdgeConfigSchema>;

/** Pure: tests pass a plain object. Throws ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): EdgeConfig {
  return parseConfig(EdgeConfigSchema, env);
}
