// Composition root: builds the adapters and handlers and starts consuming.
// main.ts calls it for production; integration tests call it in-process.
import { controlCommandOf, controlQueue, PRIORITIES, QUEUES } from '@smpp-gateway/contracts';
import { insertMoMessages, type Database } from '@smpp-gateway/db';
import { RefusedSubmitsStore, VendorStatusStore } from '@smpp-gateway/message-state';
import {
  coalescingFrom,
  throttled,
  amqpFrom,
  amqpMetrics,
  consume,
  ContractPublisher,
  createLogger,
  createMetricsRegistry,
  postgresFrom,
  redisFrom,
  PeriodicTask,
  Readiness,
  RedisDb,
  ShutdownManager,
  startOpsServer,
  type Consumer,
  type Logger,
  type ShutdownResult,
  withTimeout,
} from '@smpp-gateway/runtime';
import type { Registry } from 'prom-client';
import { AmqpOutbox, DynamicQueues } from './adapters/amqp.outbox.js';
import { CampaignCache } from './adapters/campaign.cache.js';
import { MoArchiveWriter } from './adapters/mo-archive.writer.js';
import { DatabaseOptOutRegistry } from './adapters/opt-out.registry.js';
import { QueueDepthPoller } from './adapters/queue-depth.poller.js';
import { RefusedSubmitsWatcher } from './adapters/refused-submits.watcher.js';
import { loadRoutingSnapshot } from './adapters/routing-config.loader.js';
import { RedisTenDlcLimiter } from './adapters/tendlc.limiter.js';
import { VendorAvailabilityWatcher } from './adapters/vendor-availability.watcher.js';
import { SnapshotStore } from './cache/snapshot.store.js';
import { SERVICE_NAME, type RouterConfig } from './config.js';
import { createControlHandler } from './handlers/control.handler.js';
import { createMoHandler } from './handlers/mo.handler.js';
import { createMtHandler } from './handlers/mt.handler.js';
import { createRouterMetrics } from './metrics.js';

export interface RouterOverrides {
  readonly logger?: Logger;
  /** Injected time (tests move it across a 10DLC minute). */
  readonly clock?: () => Date;
  /** Process exit after a signal-driven shutdown; tests leave it a no-op. */
  readonly exit?: (code: number) => void;
  /** Default metrics off for in-process replicas sharing one process. */
  readonly defaultMetrics?: boolean;
  /** Install SIGTERM/SIGINT handlers before connecting (production), so a signal during startup shuts down cleanly. */
  readonly listenForSignals?: boolean;
}

export interface RouterWorker {
  readonly metricsPort: number;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly shutdown: ShutdownManager;
  readonly snapshots: SnapshotStore;
  /** Graceful stop: not ready → stop intake → drain → close. */
  stop(): Promise<ShutdownResult>;
}

export async function startRouterWorker(
  config: RouterConfig,
  overrides: RouterOverrides = {},
): Promise<RouterWorker> {
  const logger =
    overrides.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const clock = overrides.clock ?? (() => new Date());
  const registry = createMetricsRegistry({
    service: SERVICE_NAME,
    defaultMetrics: overrides.defaultMetrics ?? true,
  });
  const metrics = createRouterMetrics(registry);
  const readiness = new Readiness();
  const shutdown = new ShutdownManager({
    logger,
    readiness,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    exit: overrides.exit ?? (() => undefined),
  });
  if (overrides.listenForSignals) shutdown.listen();
  const aborted = new AbortController();

  const pg = postgresFrom<Database>(config, { applicationName: SERVICE_NAME, logger });
  const rateRedis = redisFrom(config, { db: RedisDb.rate, name: 'tendlc-caps', logger });
  const campaignRedis = redisFrom(config, {
    db: RedisDb.tendlc,
    name: 'tendlc-campaigns',
    logger,
  });
  // Message state's DB 0, read by two watchers; neither is a readiness check:
  // without Redis the router routes as before.
  // - Submits edge-server refused although their MT may have reached the
  //   broker: read every 200 ms, dropped if they turn up (RefusedSubmitsWatcher).
  // - Vendors no connector can reach: ranked last (VendorAvailabilityWatcher).
  const stateRedis = redisFrom(config, { db: RedisDb.dlr, name: 'message-state', logger });
  const refusedSubmits = new RefusedSubmitsWatcher({
    source: new RefusedSubmitsStore({ redis: stateRedis.client }),
    pollMs: 200,
    onError: throttled(10_000, (_count, error: unknown) =>
      logger.warn('cannot read the refused submits; MTs are routed without that check', {
        err: error instanceof Error ? error.message : String(error),
      }),
    ),
  });
  const vendorAvailability = new VendorAvailabilityWatcher({
    source: new VendorStatusStore(stateRedis.client),
    vendorIds: () => snapshots.current().rules.map((rule) => rule.vendorId),
    pollMs: config.VENDOR_STATUS_POLL_MS,
    onChange: (vendorId, down) => {
      metrics.vendorDown.set({ vendor_id: vendorId }, down ? 1 : 0);
      if (down) {
        logger.warn('no connector can reach the vendor: its MTs go to the next candidate first', {
          vendor_id: vendorId,
        });
      } else {
        logger.info('a connector reaches the vendor again: it is ranked as configured', {
          vendor_id: vendorId,
        });
      }
    },
    onError: throttled(10_000, (_count, error: unknown) =>
      logger.warn("cannot read the vendors' status; every vendor stays eligible", {
        err: error instanceof Error ? error.message : String(error),
      }),
    ),
  });
  // The pod's exclusive control queue is part of the topology, so it is
  // declared again on every reconnect.
  const { amqp, topology } = amqpFrom(config, {
    name: `${SERVICE_NAME}-${config.INSTANCE_ID}`,
    logger,
    queues: () => [controlQueue(SERVICE_NAME, config.INSTANCE_ID)],
  });

  const snapshots = new SnapshotStore({
    load: () => loadRoutingSnapshot(pg.db, clock()),
    logger: logger.child({ component: 'routing-config' }),
    metrics,
    missReloadMinIntervalMs: config.ROUTER_MISS_RELOAD_MIN_INTERVAL_MS,
  });
  readiness
    .register(pg.readiness)
    .register(rateRedis.readiness)
    .register(campaignRedis.readiness)
    .register(amqp.readiness())
    .register(snapshots.readiness());

  const consumers: Consumer[] = [];
  let publisher: ContractPublisher | undefined;
  const depthPoller = new QueueDepthPoller({
    amqp,
    metrics,
    logger,
    intervalMs: config.QUEUE_DEPTH_POLL_MS,
    vendorIds: () => snapshots.current().rules.map((rule) => rule.vendorId),
  });

  const campaigns = new CampaignCache({
    redis: campaignRedis.client,
    keyPrefix: config.REDIS_KEY_PREFIX,
    db: pg.db,
    ttlSeconds: config.TENDLC_CACHE_TTL_SECONDS,
    negativeTtlSeconds: config.TENDLC_NEGATIVE_CACHE_TTL_SECONDS,
    logger: logger.child({ component: 'tendlc' }),
  });
  const limiter = new RedisTenDlcLimiter(rateRedis.client);

  // Exported at 0: an alert on increase() sees the first failure only if the
  // series was scraped before it.
  metrics.moArchived.inc({ outcome: 'failed' }, 0);
  const moArchive = new MoArchiveWriter(
    (records) => insertMoMessages(pg.db, records),
    (rows, ok) => metrics.moArchived.inc({ outcome: ok ? 'written' : 'failed' }, rows),
  );
  // This router reloads before it announces an opt-out: the announcement's
  // own copy (the fanout reaches every router, this one too) is skipped.
  const optOutIssuer = `${SERVICE_NAME}:opt-out:${config.INSTANCE_ID}`;
  const optOutRegistry = new DatabaseOptOutRegistry({
    db: pg.db,
    reload: (reason) => snapshots.reload(reason),
    announce: async () => {
      if (!publisher) throw new Error('publisher not open');
      await publisher.publish(
        'ControlCommand',
        controlCommandOf({ type: 'reload-routing' }, optOutIssuer, clock()),
      );
    },
    logger: logger.child({ component: 'opt-out' }),
  });
  const moHandler = createMoHandler({
    snapshots,
    outbox: { deliver: (d) => outbox().deliver(d) },
    archive: moArchive,
    metrics,
    logger: logger.child({ component: 'mo' }),
    clock,
    reassemblyTimeoutMs: config.MO_REASSEMBLY_TIMEOUT_MS,
    optOut: {
      keywords: {
        optOut: new Set(config.OPT_OUT_KEYWORDS),
        optIn: new Set(config.OPT_IN_KEYWORDS),
      },
      registry: optOutRegistry,
    },
  });
  let timersStopped: Promise<unknown> = Promise.resolve();
  // Long MOs whose parts stopped coming are delivered part by part.
  const moSweep = new PeriodicTask(
    () => moHandler.sweep(),
    Math.max(50, Math.min(1_000, Math.floor(config.MO_REASSEMBLY_TIMEOUT_MS / 4))),
  );
  let amqpOutbox: AmqpOutbox | undefined;
  const outbox = (): AmqpOutbox => {
    if (!amqpOutbox) throw new Error('publisher not open');
    return amqpOutbox;
  };

  shutdown
    .register('stop-intake', 'timers', () => {
      aborted.abort();
      snapshots.stopInterval();
      // Stopped now, waited for in drain: a sweep in progress publishes and
      // waits for its confirm, which must not hold up cancelling the consumers.
      timersStopped = Promise.all([depthPoller.stop(), moSweep.stop()]);
    })
    .register('stop-intake', 'consumers', async () => {
      await Promise.all(consumers.map((c) => c.cancel()));
    })
    // Held MO parts would wait for their timeout: hand them back to the queue
    // (another replica completes them) instead of delaying shutdown.
    .register('stop-intake', 'mo-reassembly', () => moHandler.releaseAll())
    .register('drain', 'timers', async () => {
      await timersStopped;
    })
    .register('drain', 'consumers', async () => {
      await Promise.all(consumers.map((c) => c.drain()));
    })
    .register('close', 'consumer-channels', async () => {
      await Promise.all(consumers.map((c) => c.close()));
    })
    .register('close', 'publisher', () => publisher?.close())
    .register('close', 'amqp', () => amqp.close())
    .register('close', 'redis', async () => {
      // A read in progress ends before its client closes; a Redis that does
      // not answer holds this step no longer than its QUIT would.
      await withTimeout(
        Promise.all([refusedSubmits.stop(), vendorAvailability.stop()]),
        2_000,
        "the Redis watchers' last reads",
      ).catch(() => undefined);
      await Promise.all([rateRedis.close(), campaignRedis.close(), stateRedis.close()]);
    })
    .register('close', 'postgres', () => pg.destroy());

  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry,
    readiness,
    logger,
  });
  shutdown.register('close', 'ops-server', () => ops.close());

  const worker: RouterWorker = {
    metricsPort: ops.port,
    registry,
    readiness,
    shutdown,
    snapshots,
    stop: () => shutdown.shutdown('stop requested'),
  };

  try {
    await amqp.start(); // retries until the broker is there; /ready says 503 meanwhile
    await snapshots.loadInitial(aborted.signal);
    snapshots.startInterval(config.ROUTER_RELOAD_INTERVAL_MS);

    const amqpMetricSet = amqpMetrics(registry);
    publisher = await ContractPublisher.open(amqp, {
      logger,
      metrics: amqpMetricSet,
      confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
      appId: SERVICE_NAME,
    });
    readiness.register(publisher.readiness());
    amqpOutbox = new AmqpOutbox(
      publisher,
      new DynamicQueues(amqp),
      topology,
      coalescingFrom(config, config.ROUTER_PUBLISH_BATCH_MAX),
    );

    const mtHandler = createMtHandler({
      snapshots,
      campaigns,
      limiter,
      outbox: amqpOutbox,
      metrics,
      logger: logger.child({ component: 'mt' }),
      clock,
      transientRetryMaxAgeMs: config.ROUTER_TRANSIENT_RETRY_MAX_AGE_MS,
      refused: refusedSubmits,
      vendors: vendorAvailability,
    });
    // Known refusals before the first MT (a router restarted with the broker).
    await refusedSubmits.start();
    vendorAvailability.start();
    const consumeOptions = {
      logger,
      metrics: amqpMetricSet,
      retryDelayMs: config.AMQP_RETRY_DELAY_MS,
      confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
    };
    const control = await consume(
      amqp,
      'ControlCommand',
      QUEUES.control(SERVICE_NAME, config.INSTANCE_ID),
      createControlHandler({
        reload: (reason) => snapshots.reload(reason),
        campaigns,
        logger,
        ownIssuer: optOutIssuer,
      }),
      { ...consumeOptions, prefetch: 10 },
    );
    consumers.push(control);
    // Highest priority first, so its consumer is up first after a restart.
    for (const priority of [...PRIORITIES].reverse()) {
      const consumer = await consume(
        amqp,
        'MtSubmitted',
        QUEUES.mt(priority),
        async (msg, ctx) => void (await mtHandler(msg, { redelivered: ctx.redelivered })),
        { ...consumeOptions, prefetch: config.AMQP_PREFETCH },
      );
      consumers.push(consumer);
    }
    consumers.push(
      await consume(amqp, 'MoReceived', QUEUES.mo, (mo) => moHandler.handle(mo), {
        ...consumeOptions,
        prefetch: config.MO_PREFETCH,
      }),
    );
    for (const consumer of consumers) readiness.register(consumer.readiness());

    moSweep.start();
    depthPoller.start();
  } catch (err) {
    // A half-started worker must not leave connections open behind it.
    await shutdown.shutdown('start failed');
    throw err;
  }
  return worker;
}
