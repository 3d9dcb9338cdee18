// Composition root of the vendor-connector: builds the adapters and the
// vendor manager, starts everything, and hands back the three shutdown steps.
import { controlQueue, type ControlCommand } from '@smpp-gateway/contracts';
import { resolveVendorSecretKey, type Database } from '@smpp-gateway/db';
import { VendorStatusStore } from '@smpp-gateway/message-state';
import {
  coalescingFrom,
  amqpMetrics,
  consume,
  ContractPublisher,
  createLogger,
  createMetricsRegistry,
  amqpFrom,
  postgresFrom,
  redisFrom,
  Readiness,
  RedisDb,
  startOpsServer,
  type Consumer,
  type Logger,
} from '@smpp-gateway/runtime';
import type { Registry } from 'prom-client';
import { ContractOutcomePublisher } from './adapters/contract-outcome.publisher.js';
import { RedisBindLeaseStore } from './adapters/bind-lease.store.js';
import { RedisSentStore } from './adapters/sent.store.js';
import type { Connect } from './binds/bind-pool.js';
import { SERVICE_NAME, type VendorConnectorConfig } from './config.js';
import { VendorHealthReporter } from './health/vendor-health.reporter.js';
import { createConnectorMetrics } from './metrics.js';
import { VendorManager } from './vendors/vendor-manager.js';

export interface StartOverrides {
  readonly logger?: Logger;
  /** Replaces connectSmpp (tests that need to observe or fail binds). */
  readonly connect?: Connect;
  /** Node's default process metrics; off in tests that start several instances. */
  readonly defaultMetrics?: boolean;
}

export interface VendorConnector {
  readonly metricsPort: number;
  readonly registry: Registry;
  readonly manager: VendorManager;
  readonly leases: RedisBindLeaseStore;
  readonly health: VendorHealthReporter;
  readonly readiness: Readiness;
  /** Resolves once the first vendor load succeeded. */
  readonly loaded: Promise<void>;
  /** Shutdown step 1: cancel every consumer. */
  stopIntake(): Promise<void>;
  /** Shutdown step 2: drain windows, give back unsent messages, unbind, report. */
  drain(): Promise<void>;
  /** Shutdown step 3: close the publisher and every connection. */
  close(): Promise<void>;
  /** All three. */
  stop(): Promise<void>;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function startVendorConnector(
  config: VendorConnectorConfig,
  overrides: StartOverrides = {},
): Promise<VendorConnector> {
  const logger =
    overrides.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const registry = createMetricsRegistry({
    service: SERVICE_NAME,
    defaultMetrics: overrides.defaultMetrics ?? true,
  });
  const metrics = createConnectorMetrics(registry);
  // Exported at 0 from the start, like the per-vendor counters: rate() and
  // increase() see the first throttle only if the series existed before it.
  metrics.rateLimited.inc({ type: 'vendor' }, 0);
  const messaging = amqpMetrics(registry);
  const readiness = new Readiness();
  const { key: secretKey, usingDevKey } = resolveVendorSecretKey(config);
  if (usingDevKey) logger.warn('using the public development vendor secret key');

  const pg = postgresFrom<Database>(config, {
    applicationName: `${SERVICE_NAME}-${config.INSTANCE_ID}`,
    logger,
  });
  const stateRedis = redisFrom(config, { db: RedisDb.dlr, name: 'state', logger });
  const rateRedis = redisFrom(config, { db: RedisDb.rate, name: 'rate', logger });
  // The pod's control queue is exclusive and auto-deleted: it is declared
  // again on every reconnect, with the shared topology.
  const controlSpec = controlQueue(SERVICE_NAME, config.INSTANCE_ID);
  const { amqp, topology } = amqpFrom(config, {
    name: `${SERVICE_NAME}-${config.INSTANCE_ID}`,
    logger,
    queues: () => [controlSpec],
  });
  readiness.register(pg.readiness).register(stateRedis.readiness).register(rateRedis.readiness);
  readiness.register(amqp.readiness());

  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry,
    readiness,
    logger,
  });
  await amqp.start();
  const contractPublisher = await ContractPublisher.open(amqp, {
    logger,
    metrics: messaging,
    confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
    appId: SERVICE_NAME,
  });
  const publisher = new ContractOutcomePublisher(
    contractPublisher,
    coalescingFrom(config, config.RESULT_PUBLISH_MAX_BATCH),
  );
  const leases = new RedisBindLeaseStore(stateRedis.client, config.BIND_LEASE_TTL_MS);
  const accepted = new Map<string, number>();

  const manager = new VendorManager({
    db: pg.db,
    secretKey,
    drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
    logger,
    runtime: {
      amqp,
      amqpMetrics: messaging,
      topology,
      publisher,
      sent: new RedisSentStore(
        stateRedis.client,
        config.SENT_MARKER_TTL_S,
        config.STATE_TTL_SECONDS,
      ),
      leases,
      rateRedis: rateRedis.client,
      instanceId: config.INSTANCE_ID,
      poolTiming: {
        leaseTtlMs: config.BIND_LEASE_TTL_MS,
        leaseRefreshMs: config.BIND_LEASE_REFRESH_MS,
        backoffMs: config.RECONNECT_BACKOFF_MS,
        canaryIntervalMs: config.RECONNECT_CANARY_INTERVAL_MS,
        alertAfterFailures: config.RECONNECT_ALERT_AFTER,
        drainTimeoutMs: config.DRAIN_TIMEOUT_MS,
      },
      send: {
        retries: config.SUBMIT_RETRIES,
        retryDelayMs: config.SUBMIT_RETRY_DELAY_MS,
        bindWaitMs: config.BIND_WAIT_MS,
        throttlePauseMs: config.THROTTLE_PAUSE_MS,
        throttlePauseMaxMs: config.THROTTLE_PAUSE_MAX_MS,
      },
      prefetchFloor: config.AMQP_PREFETCH,
      prefetchMax: config.VENDOR_PREFETCH_MAX,
      metrics,
      logger,
      ...(overrides.connect ? { connect: overrides.connect } : {}),
      onAccepted: (vendorId) => accepted.set(vendorId, (accepted.get(vendorId) ?? 0) + 1),
      // Vendors start with the first reload, after `health` exists.
      onStatusChange: () => void health.report(),
    },
  });

  const health = new VendorHealthReporter({
    db: pg.db,
    status: new VendorStatusStore(stateRedis.client),
    instanceId: config.INSTANCE_ID,
    statusTtlMs: config.HEALTH_INTERVAL_MS * 3,
    snapshots: () => manager.vendors.map((v) => v.snapshot()),
    intervalMs: config.HEALTH_INTERVAL_MS,
    logger,
  });

  let stopping = false;
  // PostgreSQL may not be there yet: keep trying, /ready tells the orchestrator meanwhile.
  const loaded = (async () => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await manager.reload('start');
        return;
      } catch (err) {
        logger.error('loading vendors failed, retrying', { attempt, err });
        await delay(Math.min(10_000, 500 * attempt));
      }
    }
  })();
  health.start();

  const onControl = async (message: ControlCommand): Promise<void> => {
    const command = message.command;
    switch (command.type) {
      case 'reload-vendors':
        logger.info('control: reload vendors', { issued_by: message.issuedBy });
        await manager.reload('control');
        return;
      case 'reconnect-vendor':
        logger.info('control: reconnect vendor', {
          vendor_id: command.vendorId,
          issued_by: message.issuedBy,
        });
        await manager.reconnect(command.vendorId);
        return;
      case 'reload-routing':
      case 'reload-rates':
      case 'reload-tendlc':
      case 'invalidate-customer':
        return; // another service's business
    }
  };
  const control: Consumer = await consume(amqp, 'ControlCommand', controlSpec.name, onControl, {
    logger,
    metrics: messaging,
    prefetch: 10,
  });

  const gaugeTimer = setInterval(() => {
    for (const v of manager.vendors) {
      metrics.throughput.set({ vendor_id: v.id }, accepted.get(v.id) ?? 0);
    }
    accepted.clear();
  }, 1_000);
  const refreshTimer =
    config.VENDOR_REFRESH_INTERVAL_MS > 0
      ? setInterval(() => {
          manager
            .reload('refresh timer')
            .catch((err: unknown) => logger.warn('periodic vendor refresh failed', { err }));
        }, config.VENDOR_REFRESH_INTERVAL_MS)
      : undefined;

  let intakeStopped: Promise<void> | undefined;
  let drained: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  const stopIntake = (): Promise<void> =>
    (intakeStopped ??= (async () => {
      stopping = true;
      readiness.markShuttingDown();
      clearInterval(refreshTimer);
      await control.cancel();
      await manager.stopIntake();
    })());
  const drain = (): Promise<void> =>
    (drained ??= (async () => {
      await stopIntake();
      await loaded;
      const vendors = manager.vendors;
      await manager.close();
      await health.stop();
      // The last word on each vendor: this pod holds no binds and no share any
      // more (close() took the vendors out of the manager, so a plain report
      // would not cover them).
      await health.reportStopped(vendors.map((v) => v.snapshot()));
    })());
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      await drain();
      clearInterval(gaugeTimer);
      await control.close();
      await contractPublisher.close();
      await amqp.close();
      await stateRedis.close();
      await rateRedis.close();
      await pg.destroy();
      await ops.close();
    })());

  logger.info('vendor-connector started', { instance_id: config.INSTANCE_ID, port: ops.port });
  return {
    metricsPort: ops.port,
    registry,
    manager,
    leases,
    health,
    readiness,
    loaded,
    stopIntake,
    drain,
    close,
    stop: close,
  };
}
