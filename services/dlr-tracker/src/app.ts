import { randomUUID } from 'node:crypto';
import { QUEUES, receiptRetryQueue } from '@smpp-gateway/contracts';
import {
  getCdr,
  getCdrByVendorMessageId,
  pruneCdrs,
  pruneMoMessages,
  sweepOverdueSubmissions,
  upsertCdrs,
  type Database,
} from '@smpp-gateway/db';
import { MessageAggregateStore, MessageStateStore } from '@smpp-gateway/message-state';
import {
  coalescingFrom,
  amqpFrom,
  amqpMetrics,
  consume,
  ContractPublisher,
  createLogger,
  createMetricsRegistry,
  postgresFrom,
  redisFrom,
  Readiness,
  RedisDb,
  ShutdownManager,
  startOpsServer,
  type Logger,
} from '@smpp-gateway/runtime';
import type { Registry } from 'prom-client';
import { CdrBatchWriter } from './adapters/cdr-batch.writer.js';
import { CdrRetention } from './adapters/cdr-retention.js';
import { RedisDeferralLedger } from './adapters/deferral.ledger.js';
import { CustomerDeliveryPublisher } from './adapters/customer-delivery.publisher.js';
import { ReceiptDeferralPublisher } from './adapters/receipt-deferral.publisher.js';
import { ReceiptTimeoutSweeper } from './adapters/receipt-timeout.sweeper.js';
import { SERVICE_NAME, type DlrTrackerConfig } from './config.js';
import { CustomerReceiptSettler } from './handlers/customer-receipt.settler.js';
import { systemClock } from './handlers/ports.js';
import { createSubmitResultHandler } from './handlers/submit-result.handler.js';
import { createVendorReceiptHandler } from './handlers/vendor-receipt.handler.js';
import { createTrackerMetrics } from './metrics.js';

/** A retention run deletes at most this many batches (CDR_PRUNE_BATCH rows each); the next run goes on. */
const CDR_PRUNE_MAX_BATCHES = 500;

export interface DlrTrackerOverrides {
  readonly logger?: Logger;
  /** Called at the end of shutdown; main.ts passes process.exit, tests nothing. */
  readonly exit?: (code: number) => void;
}

export interface DlrTracker {
  /** Port of /metrics /health /ready (ephemeral when METRICS_PORT=0). */
  readonly opsPort: number;
  readonly registry: Registry;
  readonly readiness: Readiness;
  readonly shutdown: ShutdownManager;
  /** Graceful stop: not ready → cancel consumers → drain → flush CDRs → close. */
  stop(): Promise<void>;
}

/** Builds every adapter and handler and starts consuming; resolves once consuming. */
export async function startDlrTracker(
  config: DlrTrackerConfig,
  overrides: DlrTrackerOverrides = {},
): Promise<DlrTracker> {
  const logger =
    overrides.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const registry = createMetricsRegistry({ service: SERVICE_NAME });
  const metrics = createTrackerMetrics(registry);
  const readiness = new Readiness();
  const shutdown = new ShutdownManager({
    logger,
    readiness,
    timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    exit: overrides.exit ?? (() => undefined),
  });

  const pg = postgresFrom<Database>(config, {
    applicationName: `${SERVICE_NAME}-${config.INSTANCE_ID}`,
    logger,
  });
  const redis = redisFrom(config, { db: RedisDb.dlr, name: 'dlr', logger });
  const { amqp, topology } = amqpFrom(config, {
    name: `${SERVICE_NAME}-${config.INSTANCE_ID}`,
    logger,
    queues: (options) => [receiptRetryQueue(options, config.RECEIPT_RETRY_DELAY_MS)],
  });
  readiness.register(pg.readiness).register(redis.readiness).register(amqp.readiness());
  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry,
    readiness,
    logger,
  });
  shutdown.register('close', 'ops', () => ops.close());
  shutdown.register('close', 'postgres', () => pg.destroy());
  shutdown.register('close', 'redis', () => redis.close());

  await amqp.start();
  shutdown.register('close', 'amqp', () => amqp.close());
  const messaging = amqpMetrics(registry);
  const publisher = await ContractPublisher.open(amqp, {
    logger,
    metrics: messaging,
    confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
    appId: SERVICE_NAME,
  });
  readiness.register(publisher.readiness());

  const state = new MessageStateStore({
    redis: redis.client,
    ttlSeconds: config.STATE_TTL_SECONDS,
  });
  const aggregates = new MessageAggregateStore({
    redis: redis.client,
    ttlSeconds: config.STATE_TTL_SECONDS,
  });
  const cdrs = new CdrBatchWriter({
    flush: (rows) => upsertCdrs(pg.db, rows),
    maxRows: config.CDR_BATCH_MAX_ROWS,
    intervalMs: config.CDR_FLUSH_INTERVAL_MS,
    metrics,
    logger,
  });
  const settler = new CustomerReceiptSettler({
    state,
    deliveries: new CustomerDeliveryPublisher(
      amqp,
      publisher,
      topology,
      coalescingFrom(config, config.DELIVERY_PUBLISH_MAX_BATCH),
    ),
    clock: systemClock,
    metrics,
    logger,
    owner: `${config.INSTANCE_ID}:${randomUUID()}`,
    leaseMs: config.CUSTOMER_RECEIPT_LEASE_MS,
  });
  const onSubmitResult = createSubmitResultHandler({ state, aggregates, cdrs, settler, metrics });
  const onReceipt = createVendorReceiptHandler({
    state,
    aggregates,
    cdrs,
    settler,
    archive: {
      findByVendorMessageId: (vendorId, ref) => getCdrByVendorMessageId(pg.db, vendorId, ref),
      findByMessageId: (messageId) => getCdr(pg.db, messageId),
    },
    deferral: new ReceiptDeferralPublisher(publisher),
    ledger: new RedisDeferralLedger(redis.client, config.RECEIPT_MAX_AGE_MS),
    clock: systemClock,
    metrics,
    logger,
    holdMs: config.RECEIPT_HOLD_MS,
    retryDelayMs: config.RECEIPT_RETRY_DELAY_MS,
    maxAgeMs: config.RECEIPT_MAX_AGE_MS,
    deferralQueue: QUEUES.receiptsDeferred,
  });

  const consumerOptions = {
    logger,
    metrics: messaging,
    confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
  };
  const events = await consume(amqp, 'MtSubmitResult', QUEUES.events, onSubmitResult, {
    ...consumerOptions,
    prefetch: config.EVENTS_PREFETCH,
  });
  const receipts = await consume(amqp, 'VendorReceipt', QUEUES.receipts, onReceipt, {
    ...consumerOptions,
    prefetch: config.RECEIPTS_PREFETCH,
  });
  readiness.register(events.readiness()).register(receipts.readiness());

  shutdown
    .register('stop-intake', 'events-consumer', () => events.cancel())
    .register('stop-intake', 'receipts-consumer', () => receipts.cancel())
    // Handlers wait for their CDR batch, which the writer's timer still flushes.
    .register('drain', 'events-consumer', () => events.drain())
    .register('drain', 'receipts-consumer', () => receipts.drain())
    .register('drain', 'cdr-writer', () => cdrs.close())
    .register('close', 'events-channel', () => events.close())
    .register('close', 'receipts-channel', () => receipts.close())
    .register('close', 'publisher', () => publisher.close());

  if (config.CDR_RETENTION_DAYS > 0) {
    const policy = {
      retentionDays: config.CDR_RETENTION_DAYS,
      intervalMs: config.CDR_PRUNE_INTERVAL_MS,
      batchSize: config.CDR_PRUNE_BATCH,
      maxBatches: CDR_PRUNE_MAX_BATCHES,
      logger,
    };
    const retentions = [
      new CdrRetention({
        ...policy,
        prune: (options) => pruneCdrs(pg.db, options),
        pruned: metrics.cdrsPruned,
      }),
      // The MO archive (router-worker writes it) ages out by the same policy.
      new CdrRetention({
        ...policy,
        prune: (options) => pruneMoMessages(pg.db, options),
        pruned: metrics.moMessagesPruned,
        what: 'MO records',
      }),
    ];
    for (const retention of retentions) retention.start();
    // Before the pool closes: a batch in progress commits or rolls back first.
    shutdown.register('stop-intake', 'cdr-retention', async () => {
      await Promise.all(retentions.map((r) => r.stop()));
    });
  }

  if (config.RECEIPT_TIMEOUT_MS > 0) {
    const receiptTimeout = new ReceiptTimeoutSweeper({
      sweep: (options) => sweepOverdueSubmissions(pg.db, options),
      publish: (receipts) => publisher.publishBatch('VendorReceipt', receipts),
      timeoutMs: config.RECEIPT_TIMEOUT_MS,
      intervalMs: config.RECEIPT_TIMEOUT_SWEEP_MS,
      timeouts: metrics.receiptTimeouts,
      logger,
    });
    receiptTimeout.start();
    // Before the publisher and the pool close: a batch in progress finishes
    // (its receipts confirmed, its mark moved) or rolls back.
    shutdown.register('stop-intake', 'receipt-timeout', () => receiptTimeout.stop());
  }

  logger.info('dlr-tracker consuming', {
    receipts_prefetch: config.RECEIPTS_PREFETCH,
    events_prefetch: config.EVENTS_PREFETCH,
    cdr_batch_max_rows: config.CDR_BATCH_MAX_ROWS,
    cdr_flush_interval_ms: config.CDR_FLUSH_INTERVAL_MS,
    cdr_retention_days: config.CDR_RETENTION_DAYS,
    receipt_timeout_ms: config.RECEIPT_TIMEOUT_MS,
  });

  return {
    opsPort: ops.port,
    registry,
    readiness,
    shutdown,
    stop: async () => {
      await shutdown.shutdown('stop requested');
    },
  };
}
