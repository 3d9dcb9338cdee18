import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { activeCustomerIds, findApiToken, type Database } from '@smpp-gateway/db';
import { MessageStateStore, VendorStatusStore } from '@smpp-gateway/message-state';
import {
  amqpMetrics,
  ContractPublisher,
  createLogger,
  createMetricsRegistry,
  amqpFrom,
  postgresFrom,
  redisFrom,
  Readiness,
  RedisDb,
  type Logger,
  type ShutdownManager,
} from '@smpp-gateway/runtime';
import type { Registry } from 'prom-client';
import { AmqpControlNotifier } from './adapters/amqp-control-notifier.js';
import { RedisCustomerBinds } from './adapters/customer-binds.redis.js';
import { AmqpCustomerDeliveries } from './adapters/customer-deliveries.queue.js';
import { AmqpVendorQueueDepths } from './adapters/vendor-queue.depths.js';
import { AmqpDeadLetterQueue } from './adapters/dead-letter.queue.js';
import { RedisAuthFailureLimiter } from './adapters/redis-auth-failure-limiter.js';
import { CachedTokenAuthenticator } from './auth/token-authenticator.js';
import type { AdminConfig } from './config.js';
import { createAdminApp } from './http/admin-app.js';
import { CustomerDeliveriesPoller } from './metrics/customer-deliveries.js';
import {
  activePrepaidBalanceSource,
  registerPrepaidBalanceMetrics,
} from './metrics/prepaid-balances.js';

export const SERVICE_NAME = 'admin-api';

export interface AdminApiOverrides {
  readonly logger?: Logger;
  readonly registry?: Registry;
}

export interface AdminApi {
  /** The port actually bound (the configured one, or the OS's pick for 0). */
  readonly port: number;
  readonly readiness: Readiness;
  readonly tokens: CachedTokenAuthenticator;
  /** Registers the phased stop with a shutdown manager (main.ts). */
  registerShutdown(manager: ShutdownManager): void;
  /** Runs every phase now, in order (tests). */
  stop(): Promise<void>;
}

/**
 * Builds the adapters, the express app and the listener. The HTTP server
 * starts before the broker is reached, so `/health` answers (and `/ready`
 * says why not) while RabbitMQ is still coming up; resolves once everything
 * is connected.
 */
export async function startAdminApi(
  config: AdminConfig,
  overrides: AdminApiOverrides = {},
): Promise<AdminApi> {
  const logger =
    overrides.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const registry = overrides.registry ?? createMetricsRegistry({ service: SERVICE_NAME });
  const readiness = new Readiness();
  if (config.usingDevVendorKey) {
    logger.warn('VENDOR_SECRET_KEY is not set: vendor passwords use the public development key');
  }

  const pg = postgresFrom<Database>(config, { applicationName: SERVICE_NAME, logger });
  const stateRedis = redisFrom(config, { db: RedisDb.dlr, name: 'message-state', logger });
  // DB 1 holds the limits: the API's own auth-failure counts, and the edge
  // pods' bind leases, which the customer status counts.
  const limitRedis = redisFrom(config, { db: RedisDb.rate, name: 'auth-limits', logger });
  // admin-api consumes nothing, but declares the shared queues as every
  // service does (with the shared arguments: the broker refuses a
  // declaration whose arguments differ from the existing queue's).
  const { amqp } = amqpFrom(config, { name: `${SERVICE_NAME}-${config.INSTANCE_ID}`, logger });
  const control = new AmqpControlNotifier({ logger, registry });
  registerPrepaidBalanceMetrics({ source: activePrepaidBalanceSource(pg.db), registry, logger });
  const customerDeliveries = new AmqpCustomerDeliveries(amqp);
  const deliveryBacklog = new CustomerDeliveriesPoller({
    customers: () => activeCustomerIds(pg.db),
    counts: (id) => customerDeliveries.counts(id),
    registry,
    logger,
    intervalMs: config.DELIVERY_BACKLOG_POLL_MS,
  });
  readiness
    .register(pg.readiness)
    .register(stateRedis.readiness)
    .register(limitRedis.readiness)
    .register(amqp.readiness());

  const tokens = new CachedTokenAuthenticator({
    lookup: (token) => findApiToken(pg.db, token),
    ttlMs: config.ADMIN_TOKEN_CACHE_TTL_MS,
  });
  const app = createAdminApp({
    db: pg.db,
    messageState: new MessageStateStore({ redis: stateRedis.client }),
    vendorStatus: new VendorStatusStore(stateRedis.client),
    vendorQueues: new AmqpVendorQueueDepths(amqp),
    customerBinds: new RedisCustomerBinds(limitRedis.client),
    customerDeliveries,
    control,
    deadLetters: new AmqpDeadLetterQueue({
      connection: amqp,
      confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
      logger,
      registry,
    }),
    tokens,
    authLimiter: new RedisAuthFailureLimiter({
      redis: limitRedis.client,
      limit: config.ADMIN_AUTH_FAILURE_LIMIT,
      windowMs: config.ADMIN_AUTH_FAILURE_WINDOW_MS,
      blockMs: config.ADMIN_AUTH_BLOCK_MS,
    }),
    vendorSecretKey: config.vendorSecretKey,
    logger,
    registry,
    readiness,
    options: {
      trustProxy: config.ADMIN_TRUST_PROXY,
      bodyLimitKb: config.ADMIN_BODY_LIMIT_KB,
      vendorStatusStaleMs: config.VENDOR_STATUS_STALE_MS,
      docsEnabled: config.ADMIN_DOCS_ENABLED,
    },
  });

  const server = createServer(app);
  // Slow-loris guard: a client must send its headers and body promptly.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await listen(server, config.ADMIN_PORT, config.ADMIN_HOST);
  const port = (server.address() as AddressInfo).port;
  logger.info('admin api listening', { port });

  let publisher: ContractPublisher | undefined;
  try {
    await amqp.start();
    publisher = await ContractPublisher.open(amqp, {
      logger,
      metrics: amqpMetrics(registry),
      confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
      appId: SERVICE_NAME,
      name: 'control',
    });
  } catch (err) {
    // Only a close() during boot lands here; release what was opened.
    await stopListening(server);
    await Promise.allSettled([amqp.close(), stateRedis.close(), limitRedis.close(), pg.destroy()]);
    throw err;
  }
  control.attach(publisher);
  readiness.register(publisher.readiness());
  deliveryBacklog.start();
  const openedPublisher = publisher;

  let closing: Promise<void> | undefined;
  const phases = {
    // Refuse new connections; requests in flight run to completion.
    stopIntake: () => {
      closing ??= stopListening(server);
    },
    drain: async () => {
      closing ??= stopListening(server);
      // Keep-alive sockets that went idle after their last response.
      server.closeIdleConnections();
      await closing;
    },
    stopPolling: () => deliveryBacklog.stop(),
    closePublisher: () => openedPublisher.close(),
    closeAmqp: () => amqp.close(),
    closeRedis: async () => {
      await Promise.all([stateRedis.close(), limitRedis.close()]);
    },
    closePostgres: () => pg.destroy(),
  };

  let stopped: Promise<void> | undefined;
  return {
    port,
    readiness,
    tokens,
    registerShutdown(manager) {
      manager
        // Not-ready first, so the load balancer stops sending while we drain.
        .register('stop-intake', 'readiness', () => readiness.markShuttingDown())
        .register('stop-intake', 'http', phases.stopIntake)
        .register('drain', 'http', phases.drain)
        .register('drain', 'delivery-backlog-poller', phases.stopPolling)
        .register('close', 'control-publisher', phases.closePublisher)
        .register('close', 'amqp', phases.closeAmqp)
        .register('close', 'redis', phases.closeRedis)
        .register('close', 'postgres', phases.closePostgres);
    },
    stop() {
      stopped ??= (async () => {
        readiness.markShuttingDown();
        phases.stopIntake();
        await phases.drain();
        await phases.stopPolling();
        await phases.closePublisher();
        await phases.closeAmqp();
        await phases.closeRedis();
        await phases.closePostgres();
      })();
      return stopped;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting; resolves when every connection has ended (idle keep-alive sockets close at once). */
function stopListening(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
