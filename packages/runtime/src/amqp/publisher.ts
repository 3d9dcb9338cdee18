import { randomUUID } from 'node:crypto';
import {
  catalog,
  safeParseContract,
  type Contract,
  type ContractInput,
  type ContractName,
} from '@smpp-gateway/contracts';
import type { ConfirmChannel, Options } from 'amqplib';
import type { Logger } from '../logger.js';
import type { ReadinessCheck } from '../readiness.js';
import type { AmqpConnection } from './connection.js';
import { ConfirmTracker } from './confirm-tracker.js';
import { ContractValidationError, describeIssues, PublishError } from './errors.js';
import type { AmqpMetrics, PublishOutcome } from './metrics.js';
import { ManagedChannel } from './managed-channel.js';
import { HEADERS, JSON_CONTENT_TYPE } from './wire.js';

export interface PublisherOptions {
  logger: Logger;
  metrics?: AmqpMetrics;
  /** A publish not confirmed by then is rejected (the broker may still have it: at-least-once). */
  confirmTimeoutMs?: number;
  /** AMQP `app-id`: which service published. */
  appId?: string;
  name?: string;
}

/** Per-publish options. */
export interface PublishOptions {
  /**
   * Overrides the catalog's routing key (same exchange). For the few hops
   * where one contract goes to a second queue, e.g. a deferred MtSubmitted
   * to `mt.deferred.{p}` instead of `mt.messages.{p}`. Still `mandatory`: a
   * key no queue is bound to is rejected, never dropped.
   */
  routingKey?: string;
}

interface Prepared {
  readonly exchange: string;
  readonly routingKey: string;
  readonly value: unknown;
}

/**
 * Publishes catalog contracts on a confirm channel. Every message is parsed
 * by its schema first (`safeParseContract`: nothing invalid leaves the
 * process), routed by the
 * catalog, sent persistent and `mandatory`, and the returned promise settles
 * only with the broker's verdict: resolved = the broker has it (routed to at
 * least one queue and, for durable queues, on disk); rejected = treat as not
 * sent. Many publishes may be in flight at once.
 */
export class ContractPublisher {
  private readonly managed: ManagedChannel<ConfirmChannel>;
  private tracker: ConfirmTracker | undefined;
  private readonly confirmTimeoutMs: number;

  private constructor(
    connection: AmqpConnection,
    private readonly options: PublisherOptions,
  ) {
    this.confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
    this.managed = new ManagedChannel<ConfirmChannel>(connection, {
      name: options.name ?? 'publisher',
      confirm: true,
      logger: options.logger.child({ component: 'amqp-publisher' }),
      onOpen: (channel) => {
        this.tracker = new ConfirmTracker(channel, this.confirmTimeoutMs);
        return Promise.resolve();
      },
      onClose: () => {
        this.tracker = undefined;
      },
    });
  }

  /** Opens the confirm channel (now, or on the first connection if not connected yet). */
  static async open(
    connection: AmqpConnection,
    options: PublisherOptions,
  ): Promise<ContractPublisher> {
    const publisher = new ContractPublisher(connection, options);
    await publisher.managed.start();
    return publisher;
  }

  get isReady(): boolean {
    return this.tracker !== undefined && !this.tracker.isClosed;
  }

  /** Publishes awaiting their confirm. */
  get inFlight(): number {
    return this.tracker?.inFlight ?? 0;
  }

  readiness(): ReadinessCheck {
    return {
      name: `amqp-publisher:${this.options.name ?? 'publisher'}`,
      check: () => {
        if (!this.isReady) throw new Error('publisher channel is not open');
      },
    };
  }

  /**
   * Validates, publishes and resolves on the broker's confirm. Returns the
   * parsed message (defaults applied): the caller's own object when it needed
   * no default (safeParseContract's fast path), so treat it as read-only.
   */
  async publish<N extends ContractName>(
    name: N,
    message: ContractInput<N>,
    options: PublishOptions = {},
  ): Promise<Contract<N>> {
    const prepared = this.prepare(name, message);
    const value = prepared.value as { messageId: string };
    await this.send(
      name,
      1,
      prepared.exchange,
      options.routingKey ?? prepared.routingKey,
      Buffer.from(JSON.stringify(value)),
      {
        messageId: value.messageId,
        headers: { [HEADERS.contract]: name },
      },
    );
    return prepared.value as Contract<N>;
  }

  /**
   * Several messages of one contract and one routing key as ONE AMQP message
   * (a JSON array, header `x-batch: n`): one frame set and one confirm
   * instead of n, for internal hops under load. Consumers unpack it
   * transparently; all or none are confirmed.
   */
  async publishBatch<N extends ContractName>(
    name: N,
    messages: readonly ContractInput<N>[],
  ): Promise<Contract<N>[]> {
    if (messages.length === 0) return [];
    if (messages.length === 1) return [await this.publish(name, messages[0] as ContractInput<N>)];
    const prepared = messages.map((m) => this.prepare(name, m));
    const first = prepared[0] as Prepared;
    const stray = prepared.find((p) => p.routingKey !== first.routingKey);
    if (stray) {
      throw new ContractValidationError(name, [
        `a batch must share one routing key ('${first.routingKey}' vs '${stray.routingKey}')`,
      ]);
    }
    const values = prepared.map((p) => p.value);
    await this.send(
      name,
      values.length,
      first.exchange,
      first.routingKey,
      Buffer.from(JSON.stringify(values)),
      {
        messageId: `batch-${randomUUID()}`,
        headers: { [HEADERS.contract]: name, [HEADERS.batch]: values.length },
      },
    );
    return values as Contract<N>[];
  }

  /** Waits for outstanding confirms (bounded by the confirm timeout), then closes the channel. */
  async close(): Promise<void> {
    this.managed.detach();
    await this.tracker?.settled();
    await this.managed.close();
  }

  private prepare<N extends ContractName>(name: N, message: ContractInput<N>): Prepared {
    const entry = catalog[name];
    const parsed = safeParseContract(name, message);
    if (!parsed.success) {
      this.options.metrics?.publishOutcomes.inc({ contract: name, outcome: 'invalid' });
      throw new ContractValidationError(name, describeIssues(parsed.error));
    }
    let routingKey: string;
    try {
      routingKey = (entry.routingKey as (m: unknown) => string)(parsed.data);
    } catch (err) {
      throw new ContractValidationError(name, [(err as Error).message]);
    }
    return { exchange: entry.exchange, routingKey, value: parsed.data };
  }

  private async send(
    name: ContractName,
    count: number,
    exchange: string,
    routingKey: string,
    body: Buffer,
    extra: Options.Publish,
  ): Promise<void> {
    const metrics = this.options.metrics;
    const tracker = this.tracker;
    if (!tracker || tracker.isClosed) {
      metrics?.publishOutcomes.inc({ contract: name, outcome: 'unavailable' }, count);
      throw new PublishError(
        'unavailable',
        'publisher channel is not open (broker unreachable or reconnecting)',
      );
    }
    const started = performance.now();
    metrics?.published.inc({ contract: name }, count);
    try {
      await tracker.publish(exchange, routingKey, body, {
        ...extra,
        headers: {
          ...(extra.headers as Record<string, unknown> | undefined),
          [HEADERS.publishedAt]: Date.now(),
        },
        persistent: true,
        contentType: JSON_CONTENT_TYPE,
        type: name,
        timestamp: Math.floor(Date.now() / 1000),
        ...(this.options.appId ? { appId: this.options.appId } : {}),
      });
    } catch (err) {
      const outcome: PublishOutcome = err instanceof PublishError ? err.kind : 'channel_closed';
      metrics?.publishOutcomes.inc({ contract: name, outcome }, count);
      throw err;
    }
    metrics?.publishOutcomes.inc({ contract: name, outcome: 'confirmed' }, count);
    metrics?.confirmSeconds.observe({ contract: name }, (performance.now() - started) / 1000);
  }
}
