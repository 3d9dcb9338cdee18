// One vendor in this pod: its bind pool, pacer, dispatcher and the consumers
// of its two lanes, `vendor.{id}.priority` and `vendor.{id}`. The consumers
// run only while the pod holds at least one transmit-capable bind lease, so a
// pod left without a share of the bind budget does not take messages it
// cannot send. Both lanes feed the one dispatcher, which sends priority MTs
// first.
import { randomUUID } from 'node:crypto';
import { EXCHANGE_SPECS, vendorQueues, type TopologyOptions } from '@smpp-gateway/contracts';
import {
  assertTopology,
  consume,
  type AmqpConnection,
  type AmqpMetrics,
  type Consumer,
  type Logger,
} from '@smpp-gateway/runtime';
import type { Redis } from 'ioredis';
import {
  BindPool,
  type Connect,
  type LeaseStore,
  type PoolSnapshot,
  type PoolTiming,
} from '../binds/bind-pool.js';
import { createInboundHandler, type InboundPublisher } from '../inbound/inbound.handler.js';
import type { ConnectorMetrics } from '../metrics.js';
import {
  createMtRoutedHandler,
  type OutcomePublisher,
  type SentStore,
} from '../sending/mt-routed.handler.js';
import {
  SubmitDispatcher,
  type NotSentDisposition,
  type Pacer,
} from '../sending/submit.dispatcher.js';
import { pacerBurst, VendorPacer } from '../sending/vendor-pacer.js';
import { RedisTokenBucket } from '../adapters/token-bucket.store.js';
import { bindSettingsDiffer, type VendorConfig } from './vendor-config.js';

export interface SendTiming {
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly bindWaitMs: number;
  readonly throttlePauseMs: number;
  readonly throttlePauseMaxMs: number;
}

export interface VendorRuntimeDeps {
  readonly amqp: AmqpConnection;
  readonly amqpMetrics: AmqpMetrics;
  readonly topology: TopologyOptions;
  readonly publisher: OutcomePublisher & InboundPublisher;
  readonly sent: SentStore;
  readonly leases: LeaseStore;
  readonly rateRedis: Redis;
  readonly instanceId: string;
  readonly poolTiming: PoolTiming;
  readonly send: SendTiming;
  readonly prefetchFloor: number;
  readonly prefetchMax: number;
  readonly metrics: ConnectorMetrics;
  readonly logger: Logger;
  readonly connect?: Connect;
  /** Accepted submits, for the throughput gauge. */
  readonly onAccepted: (vendorId: string) => void;
  /**
   * The outage breaker opened or closed, this pod's share of the bind budget
   * changed, or its first bind came up or its last went: the vendor's status
   * should be reported now (router-worker routes around a vendor down in
   * every pod that holds a share; PostgreSQL says connected or not), not at
   * the next health interval.
   */
  readonly onStatusChange?: (vendorId: string) => void;
}

/** The bind pool's state plus the dispatcher's outage breaker. */
export interface VendorSnapshot extends PoolSnapshot {
  readonly outage: boolean;
}

function withDeadline(work: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void work.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export class VendorRuntime {
  private configValue: VendorConfig;
  private pool: BindPool;
  private pacer: VendorPacer;
  readonly dispatcher: SubmitDispatcher;
  /** One per lane while consuming, none otherwise. */
  private consumers: Consumer[] = [];
  /** Cancelled consumers whose in-flight deliveries are still being handled. */
  private readonly retiredConsumers = new Set<Consumer>();
  private consumerPrefetch = 0;
  /** Share and bound-or-not as last announced through onStatusChange. */
  private reportedState: string | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private stopping = false;
  private readonly log: Logger;
  private readonly handler: ReturnType<typeof createMtRoutedHandler>;

  constructor(
    config: VendorConfig,
    private readonly deps: VendorRuntimeDeps,
  ) {
    this.configValue = config;
    this.log = deps.logger.child({ component: 'vendor', vendor_id: config.id });
    this.pool = this.createPool(config);
    this.pacer = this.createPacer(config);
    const m = deps.metrics;
    // Exported at 0 from the vendor's start: an alert on increase() sees the
    // first failure only if the series was scraped before it (prom-client
    // creates a labelled series at its first inc).
    m.alerts.inc({ vendor_id: config.id }, 0);
    m.mappingFailures.inc({ vendor_id: config.id }, 0);
    const pacer: Pacer = {
      tryTake: (n) => this.pacer.tryTake(n),
      replenish: (n) => this.pacer.replenish(n),
      idle: () => this.pacer.idle(),
    };
    this.dispatcher = new SubmitDispatcher({
      pacer,
      binds: () => this.pool.transmitters(),
      bindWaitMs: deps.send.bindWaitMs,
      throttlePauseMs: deps.send.throttlePauseMs,
      throttlePauseMaxMs: deps.send.throttlePauseMaxMs,
      observer: {
        throttled: (bindKey, commandStatus, pauseMs) => {
          m.submits.inc({ vendor_id: config.id, status: 'throttled' });
          m.rateLimited.inc({ type: 'vendor' });
          this.log.debug('vendor throttled a bind, pausing it', {
            bind: bindKey,
            command_status: commandStatus,
            pause_ms: pauseMs,
          });
        },
        responded: (_status, latencyMs) =>
          m.submitSeconds.observe({ vendor_id: config.id }, latencyMs / 1000),
        pacerError: (err) => this.log.error('pacer failed unexpectedly', { err }),
        outage: (down, unboundMs) => {
          if (down) {
            this.log.warn('no bind to the vendor in this pod: its submits fail over at once', {
              unbound_ms: Math.round(unboundMs),
            });
          } else {
            this.log.info('a bind to the vendor is back: submits go to it again', {
              unbound_ms: Math.round(unboundMs),
            });
          }
          deps.onStatusChange?.(config.id);
        },
      },
    });
    this.handler = createMtRoutedHandler({
      vendor: () => this.configValue,
      submitter: this.dispatcher,
      sent: deps.sent,
      outcomes: deps.publisher,
      logger: this.log,
      retries: deps.send.retries,
      retryDelayMs: deps.send.retryDelayMs,
      observer: {
        accepted: (vendorId) => {
          m.submits.inc({ vendor_id: vendorId, status: 'success' });
          deps.onAccepted(vendorId);
        },
        attemptFailed: (vendorId) => m.submits.inc({ vendor_id: vendorId, status: 'failure' }),
        handedBack: (vendorId) => m.handBacks.inc({ vendor_id: vendorId }),
        converted: (vendorId, conversion) => m.conversions.inc({ vendor_id: vendorId, conversion }),
        mappingFailed: (vendorId) => m.mappingFailures.inc({ vendor_id: vendorId }),
        duplicateSuppressed: (vendorId) => m.duplicatesSuppressed.inc({ vendor_id: vendorId }),
      },
    });
  }

  get config(): VendorConfig {
    return this.configValue;
  }

  get id(): string {
    return this.configValue.id;
  }

  get isConsuming(): boolean {
    return this.consumers.length > 0 && this.consumers.every((c) => c.isConsuming);
  }

  snapshot(): VendorSnapshot {
    return { ...this.pool.snapshot(), outage: this.dispatcher.isDown };
  }

  /** Asserts the vendor's lanes and starts binding; consuming follows the binds. */
  async start(): Promise<void> {
    const queues = vendorQueues(this.id, this.deps.topology);
    await this.deps.amqp.withChannel((channel) =>
      assertTopology(channel, { exchanges: EXCHANGE_SPECS, queues }),
    );
    this.pool.start();
    this.log.info('vendor started', {
      name: this.configValue.name,
      version: this.configValue.version,
    });
  }

  /** A new configuration version: applied live, rebinding only when the session settings changed. */
  async update(config: VendorConfig): Promise<void> {
    const previous = this.configValue;
    this.configValue = config;
    if (previous.throughput !== config.throughput) this.pacer = this.createPacer(config);
    if (bindSettingsDiffer(previous.bind, config.bind)) {
      this.log.info('vendor settings changed, rebinding', { version: config.version });
      const old = this.pool;
      this.pool = this.createPool(config);
      await old.stop();
      this.pool.start();
    }
    this.syncConsumer();
    await this.syncing;
  }

  /** The reconnect-vendor command: unbind every session and bind again at once. */
  reconnect(): void {
    this.log.info('reconnecting vendor binds on request');
    this.pool.reconnect();
  }

  /** Stop taking messages (in-flight ones continue). */
  async stopIntake(): Promise<void> {
    this.stopping = true;
    this.syncConsumer();
    await this.syncing;
  }

  /**
   * Drains and unbinds. `requeue` (pod shutdown) gives back what was never
   * sent; `hand-back` (vendor removed) passes it to the router for another vendor.
   */
  async stop(disposition: NotSentDisposition, drainTimeoutMs: number): Promise<void> {
    await this.stopIntake();
    const consumers = [...this.retiredConsumers];
    const drained = () => Promise.all(consumers.map((c) => c.drain())).then(() => undefined);
    if (!(await withDeadline(drained(), drainTimeoutMs))) {
      this.log.warn('vendor drain deadline passed, returning unsent messages', {
        queued: this.dispatcher.queued,
        in_flight: this.dispatcher.inFlight,
      });
    }
    this.dispatcher.stop(
      disposition === 'requeue' ? 'connector shutting down' : 'vendor removed from service',
      disposition,
    );
    // What is left settles quickly now: in-flight submits answer or time out.
    await withDeadline(drained(), drainTimeoutMs);
    await this.pool.stop();
    await Promise.all(consumers.map((c) => c.close().catch(() => undefined)));
    this.log.info('vendor stopped', { disposition });
  }

  private createPacer(config: VendorConfig): VendorPacer {
    const rate = Math.max(1, config.throughput);
    // Ask for up to a burst's worth: when a refill round trip runs late the
    // bucket has accrued more, and taking only a small batch would cap the
    // rate at batch / round-trip instead of the configured one.
    const batch = pacerBurst(rate);
    const vendorId = config.id;
    return new VendorPacer({
      bucket: new RedisTokenBucket(this.deps.rateRedis, vendorId, rate, pacerBurst(rate)),
      ratePerSecond: rate,
      batch,
      idleDiscardMs: 1_000,
      pods: () => this.pool.pods,
      onBucketError: (err) => {
        this.deps.metrics.pacerErrors.inc({ vendor_id: vendorId });
        this.log.warn("token bucket unavailable, pacing to this pod's share", { err });
      },
    });
  }

  private createPool(config: VendorConfig): BindPool {
    const m = this.deps.metrics;
    const inbound = createInboundHandler({
      vendor: () => this.configValue,
      publisher: this.deps.publisher,
      logger: this.log,
      newId: randomUUID,
      observer: {
        receipt: (vendorId, stat) => m.dlrs.inc({ vendor_id: vendorId, dlr_status: stat }),
        mo: (vendorId) => m.mo.inc({ vendor_id: vendorId }),
        publishFailed: (vendorId) =>
          m.inboundRefused.inc({ vendor_id: vendorId, kind: 'transient' }),
        unusable: (vendorId) => m.inboundRefused.inc({ vendor_id: vendorId, kind: 'permanent' }),
        doneDateInFuture: (vendorId) => m.receiptDatesInFuture.inc({ vendor_id: vendorId }),
      },
    });
    return new BindPool({
      settings: config.bind,
      instanceId: this.deps.instanceId,
      leases: this.deps.leases,
      inbound,
      timing: this.deps.poolTiming,
      logger: this.deps.logger,
      ...(this.deps.connect ? { connect: this.deps.connect } : {}),
      observer: {
        bindAttempt: (vendorId, outcome) => m.bindAttempts.inc({ vendor_id: vendorId, outcome }),
        alert: (vendorId) => m.alerts.inc({ vendor_id: vendorId }),
        connections: (vendorId, connected, disconnected) => {
          m.connections.set({ vendor_id: vendorId, status: 'connected' }, connected);
          m.connections.set({ vendor_id: vendorId, status: 'disconnected' }, disconnected);
        },
      },
      onChange: () => {
        this.dispatcher.wake();
        this.syncConsumer();
        // Reported at once: a new share, and the pod's first bind up or its
        // last bind gone (not every bind change); the health interval covers
        // the rest.
        const { share, bound } = this.pool.snapshot();
        const state = `${share}/${bound > 0 ? 'bound' : 'unbound'}`;
        if (state !== this.reportedState) {
          this.reportedState = state;
          this.deps.onStatusChange?.(this.id);
        }
      },
    });
  }

  private prefetch(): number {
    const { maxBinds, windowSize } = this.configValue.bind;
    return Math.min(
      this.deps.prefetchMax,
      Math.max(this.deps.prefetchFloor, maxBinds * windowSize * 2),
    );
  }

  /** Serialised: consume while we can transmit and are not stopping; recreate on a prefetch change. */
  private syncConsumer(): void {
    this.syncing = this.syncing.then(async () => {
      const want = !this.stopping && this.pool.transmitSlots > 0;
      const prefetch = this.prefetch();
      if (this.consumers.length > 0 && (!want || this.consumerPrefetch !== prefetch)) {
        const old = this.consumers;
        this.consumers = [];
        for (const consumer of old) this.retiredConsumers.add(consumer);
        await Promise.all(old.map((consumer) => consumer.cancel()));
        // In-flight handlers finish and ack on the old channels; close them once they did.
        for (const consumer of old) {
          void consumer
            .drain()
            .then(() => consumer.close())
            .catch(() => undefined)
            .finally(() => this.retiredConsumers.delete(consumer));
        }
      }
      if (want && this.consumers.length === 0) {
        const started: Consumer[] = [];
        try {
          // The priority lane first. Each lane has the full prefetch: the
          // dispatcher puts priority MTs ahead of the bulk ones it holds.
          for (const spec of vendorQueues(this.id, this.deps.topology)) {
            started.push(
              await consume(this.deps.amqp, 'MtRouted', spec.name, this.handler, {
                logger: this.log,
                metrics: this.deps.amqpMetrics,
                prefetch,
              }),
            );
          }
          this.consumers = started;
          this.consumerPrefetch = prefetch;
        } catch (err) {
          this.log.error('cannot consume the vendor queues', { err });
          // Half a pair would starve the other lane unnoticed: none, and the
          // next bind change tries again.
          await Promise.all(started.map((c) => c.close().catch(() => undefined)));
        }
      }
    });
  }
}
