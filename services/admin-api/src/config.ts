import { parseSecretKey, resolveVendorSecretKey } from '@smpp-gateway/db';
import { commonEnv, envGroups, envInt, envPort, loadConfig } from '@smpp-gateway/runtime';
import { z } from 'zod';

/**
 * Express's `trust proxy`: `false` (use the socket address), `true`, a hop
 * count, or a comma-separated list of addresses/CIDRs of trusted proxies.
 * Behind an ingress it must be set, or every client shares the ingress's
 * address and one attacker's failed logins would lock everyone out.
 */
export type TrustProxy = boolean | number | string[];

function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^[0-9]+$/.test(value)) return Number(value);
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const adminEnv = z.object({
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  INSTANCE_ID: commonEnv.INSTANCE_ID,
  SHUTDOWN_TIMEOUT_MS: commonEnv.SHUTDOWN_TIMEOUT_MS,
  ...envGroups.postgres,
  ...envGroups.redis,
  ...envGroups.amqp,
  NODE_ENV: z.string().optional(),
  /** The REST API, /metrics, /health and /ready share this port (the seed's 8080). */
  ADMIN_PORT: envPort(8080),
  ADMIN_HOST: z.string().trim().min(1).default('0.0.0.0'),
  ADMIN_TRUST_PROXY: z.string().default('false').transform(parseTrustProxy),
  ADMIN_BODY_LIMIT_KB: envInt({ min: 1, max: 10_240, default: 100 }),
  /** How long a verified token is trusted without asking PostgreSQL again (revocation delay). */
  ADMIN_TOKEN_CACHE_TTL_MS: envInt({ min: 0, max: 300_000, default: 5_000 }),
  ADMIN_AUTH_FAILURE_LIMIT: envInt({ min: 1, max: 10_000, default: 10 }),
  ADMIN_AUTH_FAILURE_WINDOW_MS: envInt({ min: 1_000, max: 86_400_000, default: 60_000 }),
  ADMIN_AUTH_BLOCK_MS: envInt({ min: 1_000, max: 86_400_000, default: 300_000 }),
  /** Serve the route list at /docs (public, like the open-source code it describes). */
  ADMIN_DOCS_ENABLED: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  /** A connector status report older than this is shown as stale (connectors write every 30 s). */
  VENDOR_STATUS_STALE_MS: envInt({ min: 1_000, max: 86_400_000, default: 90_000 }),
  /** Between two polls of every active customer's deliver.{id} queue (customer_deliveries_queued). */
  DELIVERY_BACKLOG_POLL_MS: envInt({ min: 1_000, max: 3_600_000, default: 30_000 }),
  // The format is checked here so it is reported with every other problem;
  // the production rules need NODE_ENV and run in the transform below.
  VENDOR_SECRET_KEY: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined || value.trim() === '') return;
      try {
        parseSecretKey(value);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          message: err instanceof Error ? err.message : 'invalid key',
        });
      }
    }),
});

export const adminConfigSchema = adminEnv.transform((env, ctx) => {
  let vendorSecretKey: Buffer;
  let usingDevVendorKey: boolean;
  try {
    const resolved = resolveVendorSecretKey(env);
    vendorSecretKey = resolved.key;
    usingDevVendorKey = resolved.usingDevKey;
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      path: ['VENDOR_SECRET_KEY'],
      message: err instanceof Error ? err.message : 'invalid vendor secret key',
    });
    return z.NEVER;
  }
  // The raw key text must not travel further than this function.
  const { VENDOR_SECRET_KEY: _secret, ...rest } = env;
  return { ...rest, vendorSecretKey, usingDevVendorKey };
});

export type AdminConfig = z.output<typeof adminConfigSchema>;

/** Pure: tests pass a plain object. Throws `ConfigError` listing every problem. */
export function loadAdminConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AdminConfig {
  return loadConfig(adminConfigSchema, env);
}
