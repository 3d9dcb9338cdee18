// The router's environment: runtime's shared groups plus its own knobs.
import { envGroups, envInt, loadConfig as parseEnv } from '@smpp-gateway/runtime';
import { z } from 'zod';
import {
  DEFAULT_OPT_IN_KEYWORDS,
  DEFAULT_OPT_OUT_KEYWORDS,
  parseKeywordList,
} from './mo/opt-out.js';

export const SERVICE_NAME = 'router-worker';

/** A comma-separated keyword list (mo/opt-out.ts); empty = none. */
function keywordList(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseKeywordList(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
}

export const configSchema = z
  .object({
    ...envGroups.base,
    ...envGroups.postgres,
    ...envGroups.redis,
    ...envGroups.amqp,
    /** Prefetch of the mo.messages consumer: reassembly holds parts unacked, so it needs room. */
    MO_PREFETCH: envInt({ min: 1, max: 65535, default: 1000 }),
    /** Wait before requeueing after a transient failure (broker, Redis, PostgreSQL). */
    AMQP_RETRY_DELAY_MS: envInt({ min: 0, max: 60_000, default: 1_000 }),
    /**
     * Most routed MTs per batch message to one vendor queue; 1 publishes each MT
     * on its own. × the connector's vendor-queue prefetch bounds the MTs one
     * connector holds under a backlog (docs/performance.md).
     */
    ROUTER_PUBLISH_BATCH_MAX: envInt({ min: 1, max: 1_000, default: 20 }),
    ROUTER_RELOAD_INTERVAL_MS: envInt({ min: 1_000, max: 86_400_000, default: 30_000 }),
    /**
     * How long an MT whose vendors all failed for transient reasons keeps being
     * deferred and retried (from its acceptance) before it fails
     * vendors_exhausted. A short carrier outage must not become UNDELIV.
     */
    ROUTER_TRANSIENT_RETRY_MAX_AGE_MS: envInt({ min: 0, max: 86_400_000, default: 600_000 }),
    ROUTER_MISS_RELOAD_MIN_INTERVAL_MS: envInt({ min: 0, max: 600_000, default: 1_000 }),
    TENDLC_CACHE_TTL_SECONDS: envInt({ min: 1, max: 86_400, default: 300 }),
    TENDLC_NEGATIVE_CACHE_TTL_SECONDS: envInt({ min: 1, max: 86_400, default: 30 }),
    MO_REASSEMBLY_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 30_000 }),
    /**
     * An MO that is only one of these words records the subscriber's opt-out:
     * the customer's MTs to that number fail `blocked` until it opts in again
     * (OPT_IN_KEYWORDS). Empty: the gateway leaves opt-outs to the customers.
     */
    OPT_OUT_KEYWORDS: keywordList(DEFAULT_OPT_OUT_KEYWORDS),
    OPT_IN_KEYWORDS: keywordList(DEFAULT_OPT_IN_KEYWORDS),
    QUEUE_DEPTH_POLL_MS: envInt({ min: 100, max: 600_000, default: 5_000 }),
    /**
     * Between two reads of the vendors' status documents (which vendors no
     * connector can reach; VendorAvailabilityWatcher). A connector's outage
     * breaker opens after its BIND_WAIT_MS, so a second adds little to that.
     */
    VENDOR_STATUS_POLL_MS: envInt({ min: 100, max: 60_000, default: 1_000 }),
  })
  .superRefine((config, ctx) => {
    const both = config.OPT_IN_KEYWORDS.filter((k) => config.OPT_OUT_KEYWORDS.includes(k));
    if (both.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['OPT_IN_KEYWORDS'],
        message: `${both.join(', ')} cannot both opt out and opt in`,
      });
    }
  });

export type RouterConfig = z.output<typeof configSchema>;

/** Pure: tests pass a plain object. Throws ConfigError listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): RouterConfig {
  return parseEnv(configSchema, env);
}
