import { DEFAULT_STATE_TTL_SECONDS, DEFAULT_TOPOLOGY_OPTIONS } from '@smpp-gateway/contracts';
import { hostname } from 'node:os';
import { z } from 'zod';
import { maskUrlCredentials } from './log-redaction.js';
import { LOG_LEVELS } from './logger.js';

/** BSD sysexits EX_CONFIG: the process cannot start with this configuration. */
export const EXIT_CONFIG = 78;

export interface ConfigProblem {
  /** Environment variable name (or the refinement's path). */
  readonly variable: string;
  readonly problem: string;
  /** The offending value, secrets masked; absent when the variable is not set. */
  readonly value?: string;
}

/** Every problem of one configuration at once, so an operator fixes them in one pass. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
  }
}

function formatProblem(p: ConfigProblem): string {
  return p.value === undefined
    ? `${p.variable}: ${p.problem}`
    : `${p.variable}: ${p.problem} (got ${p.value})`;
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;

/** Names that look like credentials have their values replaced outright; URLs lose their password. */
export function maskConfigValue(variable: string, raw: unknown): string {
  if (raw === undefined) return 'undefined';
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
  // REDIS_KEY_PREFIX is a namespace and OPT_OUT_KEYWORDS words subscribers
  // type, not secrets, despite the names.
  if (SECRET_NAME.test(variable) && !/KEY_PREFIX$|KEYWORDS$/i.test(variable))
    return `"***" (${text.length} chars)`;
  return JSON.stringify(maskUrlCredentials(text));
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the environment through a zod object schema. Pure: tests pass a
 * plain object. Throws `ConfigError` with every problem at once.
 */
export function loadConfig<S extends z.ZodType<unknown, Record<string, unknown>>>(
  schema: S,
  env: Env = process.env,
): z.output<S> {
  const result = schema.safeParse(env, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue): ConfigProblem => {
    const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : '(config)';
    const rawFromEnv = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
    const missing =
      issue.path.length === 1 && rawFromEnv === undefined && issue.code === 'invalid_type';
    if (missing) return { variable, problem: 'is required but not set' };
    const raw = issue.path.length === 1 ? rawFromEnv : undefined;
    return raw === undefined
      ? { variable, problem: issue.message }
      : { variable, problem: issue.message, value: maskConfigValue(variable, raw) };
  });
  throw new ConfigError(problems);
}

export interface ExitIo {
  readonly stderr: { write(text: string): unknown };
  readonly exit: (code: number) => never;
}

/**
 * The boot-time form: on a bad configuration, print every problem to stderr as
 * one readable block and exit 78 (EX_CONFIG), so the orchestrator shows a
 * clear CrashLoopBackOff reason instead of a stack trace.
 */
export function loadConfigOrExit<S extends z.ZodType<unknown, Record<string, unknown>>>(
  schema: S,
  serviceName: string,
  env: Env = process.env,
  io: ExitIo = { stderr: process.stderr, exit: (code) => process.exit(code) },
): z.output<S> {
  try {
    return loadConfig(schema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const lines = [
      `${serviceName}: invalid configuration, refusing to start (${err.problems.length} problem${
        err.problems.length === 1 ? '' : 's'
      }):`,
      ...err.problems.map((p) => `  - ${formatProblem(p)}`),
      '',
    ];
    io.stderr.write(lines.join('\n'));
    return io.exit(EXIT_CONFIG);
  }
}

// ---- building blocks ------------------------------------------------------

/** Environment variables are strings; an empty one means "not set" for typed values. */
function unsetIfEmpty(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/**
 * Integer from the environment (`z.coerce.number()`). An empty variable counts
 * as unset, so the default applies (plain coercion would turn '' into 0).
 * The default sits inside the preprocess for the same reason: pass it here
 * rather than chaining `.default()`.
 */
export function envInt(options: { min?: number; max?: number; default?: number } = {}) {
  let n = z.coerce.number({ error: 'must be a number' }).int('must be an integer');
  if (options.min !== undefined) n = n.min(options.min, `must be >= ${options.min}`);
  if (options.max !== undefined) n = n.max(options.max, `must be <= ${options.max}`);
  return z.preprocess(unsetIfEmpty, options.default === undefined ? n : n.default(options.default));
}

/** TCP port; 0 asks the OS for an ephemeral one (tests). */
export function envPort(defaultPort?: number) {
  return envInt({
    min: 0,
    max: 65535,
    ...(defaultPort === undefined ? {} : { default: defaultPort }),
  });
}

export function envBoolean(defaultValue?: boolean) {
  const b = z.boolean({ error: 'must be true or false' });
  return z.preprocess(
    (v) => {
      const s = unsetIfEmpty(v);
      if (typeof s !== 'string') return s;
      const lower = s.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return true;
      if (['false', '0', 'no', 'off'].includes(lower)) return false;
      return s;
    },
    defaultValue === undefined ? b : b.default(defaultValue),
  );
}

/** A URL whose scheme is one of `protocols` (without the colon). */
export function envUrl(protocols: readonly string[]) {
  return z
    .string({ error: 'must be a URL' })
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      `must be a URL with scheme ${protocols.map((p) => `${p}://`).join(' or ')}`,
    );
}

const INSTANCE_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** `hostname-pid`, reduced to the characters a queue name accepts (control queues embed it). */
export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 100);
}

/**
 * Shared variables, one zod fragment each. A service spreads the groups it
 * needs into its own `z.object({...})`, adding its own variables.
 */
export const commonEnv = {
  LOG_LEVEL: z.preprocess(
    (v) => (typeof unsetIfEmpty(v) === 'string' ? (v as string).trim().toLowerCase() : undefined),
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  METRICS_PORT: envPort(9090),
  METRICS_HOST: z.string().trim().min(1).default('0.0.0.0'),
  INSTANCE_ID: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(INSTANCE_ID, 'must be 1-100 characters of A-Z a-z 0-9 _ -')
      .default(defaultInstanceId),
  ),
  SHUTDOWN_TIMEOUT_MS: envInt({ min: 1000, max: 600_000, default: 25_000 }),
  DATABASE_URL: envUrl(['postgres', 'postgresql']),
  PG_POOL_MAX: envInt({ min: 1, max: 500, default: 10 }),
  PG_STATEMENT_TIMEOUT_MS: envInt({ min: 0, max: 3_600_000, default: 5_000 }),
  /** Hot statements as named prepared statements (createKysely); false behind a pooler that cannot keep them. */
  PG_PREPARED_STATEMENTS: envBoolean(true),
  REDIS_URL: envUrl(['redis', 'rediss']),
  REDIS_KEY_PREFIX: z.string().default(''),
  AMQP_URL: envUrl(['amqp', 'amqps']),
  AMQP_QUEUE_TYPE: z.preprocess(
    unsetIfEmpty,
    z.enum(['quorum', 'classic'], { error: 'must be quorum or classic' }).default('quorum'),
  ),
  /**
   * Unacked deliveries per consumer, for consumers without a prefetch of
   * their own (router-worker's mt.messages.{p}; vendor-connector's floor).
   * It counts AMQP messages, and on the internal hops each carries up to 20
   * contracts: 30 lets up to 600 MTs in, far more than a hop needs in flight
   * (rate × confirm time). Under a backlog every one beyond that only waits
   * in the heap, long enough to be promoted, and the old-generation GC it
   * causes cost more than the work (300: router +15–30 % CPU per SMS, +35 MB
   * RSS; docs/performance.md, sixth round).
   */
  AMQP_PREFETCH: envInt({ min: 1, max: 65535, default: 30 }),
  AMQP_CONFIRM_TIMEOUT_MS: envInt({ min: 100, max: 600_000, default: 10_000 }),
  /** Batches per key awaiting their confirm before new messages wait to join the next (see CoalescingPublisher). */
  AMQP_PUBLISH_WINDOW: envInt({ min: 0, max: 1_000, default: 1 }),
  /**
   * While messages keep coming, batches of one queue leave at most this often
   * (0 = off; see CoalescingPublisher). Trades a few ms per hop at moderate
   * rates for far fewer AMQP messages, i.e. broker and consumer CPU.
   */
  AMQP_PUBLISH_LINGER_MS: envInt({ min: 0, max: 1_000, default: 12 }),
  /** A lull this long ends lingering early (a lone submitter pays at most this). */
  AMQP_PUBLISH_LINGER_GAP_MS: envInt({ min: 1, max: 1_000, default: 2 }),
  /**
   * Queue arguments every service asserts (x-message-ttl of deliver.{id} and
   * of mt.deferred.{p}): RabbitMQ refuses an assert whose arguments differ
   * from the existing queue's, so every service must see the same value,
   * which is why they are shared variables (one ConfigMap entry).
   */
  DELIVERY_TTL_MS: envInt({
    min: 1_000,
    max: 2_147_483_647,
    default: DEFAULT_TOPOLOGY_OPTIONS.deliveryTtlMs,
  }),
  DEFER_DELAY_MS: envInt({
    min: 100,
    max: 3_600_000,
    default: DEFAULT_TOPOLOGY_OPTIONS.deferDelayMs,
  }),
  /**
   * How long a message's state lives in Redis after its last change (the
   * record, its vendor-id mappings, its receipt lease and sent marker, its
   * multipart aggregate): every writer sets it, so it is shared by the
   * services that write message state (edge-server, vendor-connector,
   * dlr-tracker), or the last writer's TTL would win. The default is the
   * stores' own (7 days, the seed's). Lookups older than this fall back to
   * the CDR.
   */
  STATE_TTL_SECONDS: envInt({ min: 60, max: 90 * 86_400, default: DEFAULT_STATE_TTL_SECONDS }),
} as const;

/** Groups of `commonEnv` in the shape services spread: `z.object({ ...envGroups.base, ...envGroups.amqp })`. */
export const envGroups = {
  base: {
    LOG_LEVEL: commonEnv.LOG_LEVEL,
    METRICS_PORT: commonEnv.METRICS_PORT,
    METRICS_HOST: commonEnv.METRICS_HOST,
    INSTANCE_ID: commonEnv.INSTANCE_ID,
    SHUTDOWN_TIMEOUT_MS: commonEnv.SHUTDOWN_TIMEOUT_MS,
  },
  postgres: {
    DATABASE_URL: commonEnv.DATABASE_URL,
    PG_POOL_MAX: commonEnv.PG_POOL_MAX,
    PG_STATEMENT_TIMEOUT_MS: commonEnv.PG_STATEMENT_TIMEOUT_MS,
    PG_PREPARED_STATEMENTS: commonEnv.PG_PREPARED_STATEMENTS,
  },
  redis: {
    REDIS_URL: commonEnv.REDIS_URL,
    REDIS_KEY_PREFIX: commonEnv.REDIS_KEY_PREFIX,
  },
  amqp: {
    AMQP_URL: commonEnv.AMQP_URL,
    AMQP_QUEUE_TYPE: commonEnv.AMQP_QUEUE_TYPE,
    AMQP_PREFETCH: commonEnv.AMQP_PREFETCH,
    AMQP_CONFIRM_TIMEOUT_MS: commonEnv.AMQP_CONFIRM_TIMEOUT_MS,
    AMQP_PUBLISH_WINDOW: commonEnv.AMQP_PUBLISH_WINDOW,
    AMQP_PUBLISH_LINGER_MS: commonEnv.AMQP_PUBLISH_LINGER_MS,
    AMQP_PUBLISH_LINGER_GAP_MS: commonEnv.AMQP_PUBLISH_LINGER_GAP_MS,
    DELIVERY_TTL_MS: commonEnv.DELIVERY_TTL_MS,
    DEFER_DELAY_MS: commonEnv.DEFER_DELAY_MS,
  },
  /** For the services that write message state in Redis DB 0. */
  messageState: {
    STATE_TTL_SECONDS: commonEnv.STATE_TTL_SECONDS,
  },
} as const;

/**
 * Cross-field check for `.superRefine`: the listed ports must differ (0,
 * ephemeral, may repeat). Two listeners on one port fail at bind time with a
 * less helpful message, after connections were already opened.
 */
export function distinctPorts<K extends string>(keys: readonly K[]) {
  return (config: Record<K, number>, ctx: z.RefinementCtx): void => {
    const seen = new Map<number, K>();
    for (const key of keys) {
      const port = config[key];
      if (port === 0) continue;
      const other = seen.get(port);
      if (other !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must differ from ${other} (both are ${port})`,
        });
      } else {
        seen.set(port, key);
      }
    }
  };
}
