import { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import type { ReadinessCheck } from './readiness.js';
import { corkPerTick } from './cork-per-tick.js';
import { withTimeout } from './timeout.js';

/** Logical databases (DESIGN.md §5). */
export const RedisDb = {
  /** `dlr:msg:{id}` message state and the vendor-id mapping. */
  dlr: 0,
  /** Sliding-window rate limits. */
  rate: 1,
  /** 10DLC campaign cache. */
  tendlc: 2,
} as const;
export type RedisDb = (typeof RedisDb)[keyof typeof RedisDb];

export interface RedisOptions {
  url: string;
  db: RedisDb;
  /**
   * Prepended to every key by ioredis (tests isolate by prefix). Note: ioredis
   * does not apply it to SCAN/KEYS patterns, which callers must prefix.
   */
  keyPrefix?: string;
  /** Connection name shown in CLIENT LIST and in logs. */
  name: string;
  logger: Logger;
  /** Cap of the reconnect backoff. */
  maxReconnectDelayMs?: number;
  /**
   * Reconnect attempts a queued command waits through before failing. Small:
   * Redis is a cache and a limiter here, callers degrade rather than stall.
   */
  maxRetriesPerRequest?: number;
}

export interface RedisHandle {
  readonly client: Redis;
  readonly readiness: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * An ioredis client that reconnects forever with capped exponential backoff
 * and logs (never throws) connection errors. Connects immediately but never
 * blocks boot: readiness says when it is usable.
 */
export function createRedis(options: RedisOptions): RedisHandle {
  const log = options.logger.child({ component: 'redis', redis: options.name });
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  const client = new Redis(options.url, {
    db: options.db,
    keyPrefix: options.keyPrefix ?? '',
    connectionName: options.name,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    enableOfflineQueue: true,
    // Returning a number keeps retrying forever; null would give up.
    retryStrategy: (times) => Math.min(maxDelay, 50 * 2 ** Math.min(times, 10)),
    connectTimeout: 5_000,
  });
  // Every new connection's socket coalesces the commands of a tick into one
  // write (cork-per-tick.ts): 15–20 % of the tracker's CPU went to one
  // syscall per command. ioredis's own auto-pipelining does this with
  // per-command bookkeeping that cost more than it saved here.
  client.on('connect', () => corkPerTick((client as unknown as { stream?: unknown }).stream));
  let lastError: string | undefined;
  client.on('error', (err: Error) => {
    // ioredis emits the same error on every failed attempt; log changes, not repeats.
    if (err.message !== lastError) log.error('redis connection error', { err });
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = undefined;
    log.info('redis ready', { db: options.db });
  });
  client.on('reconnecting', (delayMs: number) =>
    log.warn('redis reconnecting', { delay_ms: delayMs }),
  );
  let closed = false;

  return {
    client,
    readiness: {
      name: `redis:${options.name}`,
      check: async () => {
        if (client.status !== 'ready') throw new Error(`redis status is ${client.status}`);
        await withTimeout(client.ping(), 1_000, 'redis PING');
      },
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await withTimeout(client.quit(), 2_000, 'redis QUIT');
      } catch {
        // Not connected or unresponsive: drop the socket instead.
        client.disconnect();
      }
    },
  };
}
