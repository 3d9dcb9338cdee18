import {
  EXCHANGES,
  safeParseContract,
  type Contract,
  type ContractName,
} from '@smpp-gateway/contracts';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../logger.js';
import type { ReadinessCheck } from '../readiness.js';
import { backoffDelay } from '../timeout.js';
import type { AmqpConnection } from './connection.js';
import { AckCoalescer } from './ack-coalescer.js';
import { ConfirmTracker } from './confirm-tracker.js';
import { describeIssues, RetryableError } from './errors.js';
import { ManagedChannel } from './managed-channel.js';
import type { AmqpMetrics } from './metrics.js';
import { decodeBody, HEADERS, JSON_CONTENT_TYPE, truncateReason } from './wire.js';

export interface MessageContext {
  readonly contract: ContractName;
  readonly queue: string;
  /**
   * Delivered before: the broker redelivered it (a previous consumer died or
   * requeued it) or an operator replayed it from the dead-letter queue.
   * Handlers must be idempotent.
   */
  readonly redelivered: boolean;
  readonly headers: Readonly<Record<string, unknown>>;
  /** Position in the batch the message arrived in, when it was batched. */
  readonly batch: { readonly index: number; readonly size: number } | undefined;
}

/**
 * Resolve = done (the message is acked once every item of its delivery is
 * done). Throw `RetryableError` = transient, requeue later. Throw anything
 * else = poison, dead-letter.
 */
export type ContractHandler<N extends ContractName> = (
  message: Contract<N>,
  ctx: MessageContext,
) => Promise<void>;

export interface ConsumeOptions {
  logger: Logger;
  /** Unacked deliveries the broker may push; tuned for throughput, not 1. */
  prefetch?: number;
  /**
   * Pause before the first requeue after a RetryableError, so a failing
   * dependency is not hammered in a loop. Later attempts double it (±20 %
   * jitter) up to `retryMaxDelayMs`; see `DEFAULT_RETRY_MAX_DELAY_MS`.
   */
  retryDelayMs?: number;
  /** Cap of the retry backoff (default `DEFAULT_RETRY_MAX_DELAY_MS`). */
  retryMaxDelayMs?: number;
  /** For dead-letter and retry republishes, which must be confirmed before the original is acked. */
  confirmTimeoutMs?: number;
  metrics?: AmqpMetrics;
}

export interface Consumer {
  readonly queue: string;
  /** Deliveries received and not yet acked/nacked. */
  readonly inFlight: number;
  readonly isConsuming: boolean;
  /** Stop intake: no new deliveries, no resubscription after reconnect. In-flight work continues. */
  cancel(): Promise<void>;
  /** Resolves when no delivery is in flight. */
  drain(): Promise<void>;
  /** cancel → drain → close the channel. */
  close(): Promise<void>;
  readiness(): ReadinessCheck;
}

/**
 * Why retries back off: on a quorum queue every requeue counts towards its
 * `x-delivery-limit` (20), after which the broker dead-letters the message.
 * With a fixed 1 s pause that was ≈ 20 s of outage: a PostgreSQL failover
 * or a Redis restart sent every submit result and receipt in flight to
 * `dead.letters`, waiting for an operator's replay. Doubling from 1 s up to
 * 60 s spreads the 20 attempts over ≈ 15 minutes (1+2+…+32 s, then 60 s
 * each), long enough for a managed database's failover, while a message
 * that crashes its consumer is still dead-lettered by the same limit.
 */
export const DEFAULT_RETRY_MAX_DELAY_MS = 60_000;

/**
 * Which attempt of a message this delivery is, from 1: the broker's count of
 * earlier returns (quorum queues' `x-delivery-count`), or, for the remainder
 * of a batch republished after a partial retry, our own `x-retries`; classic
 * queues count nothing but `redelivered`.
 */
export function deliveryAttempt(
  headers: Readonly<Record<string, unknown>>,
  redelivered: boolean,
): number {
  const count = (value: unknown): number =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
  const earlier = Math.max(
    count(headers[HEADERS.deliveryCount]),
    count(headers[HEADERS.retries]),
    redelivered ? 1 : 0,
  );
  return earlier + 1;
}

type ItemOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'dead'; readonly reason: string };

interface DeadItem {
  readonly reason: string;
  readonly content: Buffer;
  readonly index: number | undefined;
  readonly messageId: string | undefined;
}

function messageIdOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { messageId?: unknown }).messageId;
  return typeof id === 'string' ? id : undefined;
}

class ContractConsumer<N extends ContractName> implements Consumer {
  private readonly managed: ManagedChannel<ConfirmChannel>;
  private tracker: ConfirmTracker | undefined;
  /** Acks coalesced per turn, one coalescer per channel (delivery tags are per channel). */
  private readonly acks = new WeakMap<ConfirmChannel, AckCoalescer>();
  private consumerTag: string | undefined;
  private cancelled = false;
  private inFlightCount = 0;
  private drainWaiters: (() => void)[] = [];
  private readonly log: Logger;
  private readonly retryDelayMs: number;
  private readonly retryMaxDelayMs: number;
  /** Retry pauses in progress: cancel() ends them, so their messages go back to the queue now. */
  private readonly pauses = new Set<() => void>();

  constructor(
    connection: AmqpConnection,
    private readonly name: N,
    readonly queue: string,
    private readonly handler: ContractHandler<N>,
    private readonly options: ConsumeOptions,
  ) {
    this.log = options.logger.child({ component: 'amqp-consumer', queue, contract: name });
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
    this.retryMaxDelayMs = Math.max(
      this.retryDelayMs,
      options.retryMaxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    );
    this.managed = new ManagedChannel<ConfirmChannel>(connection, {
      name: `consumer:${queue}`,
      // Confirm mode so dead letters and retry republishes are confirmed
      // before the original is acked: nothing is lost between the two.
      confirm: true,
      logger: this.log,
      onOpen: async (channel) => {
        const tracker = new ConfirmTracker(channel, options.confirmTimeoutMs ?? 10_000);
        this.acks.set(
          channel,
          new AckCoalescer(channel, (err) =>
            this.log.debug('acking on a closing channel failed', { err }),
          ),
        );
        await channel.prefetch(options.prefetch ?? 300);
        const ok = await channel.consume(queue, (msg) => this.onDelivery(channel, tracker, msg), {
          noAck: false,
        });
        this.tracker = tracker;
        this.consumerTag = ok.consumerTag;
        this.log.info('consuming', { prefetch: options.prefetch ?? 300 });
      },
      onClose: () => {
        this.tracker = undefined;
        this.consumerTag = undefined;
      },
    });
  }

  start(): Promise<void> {
    return this.managed.start();
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get isConsuming(): boolean {
    return !this.cancelled && this.managed.isOpen;
  }

  readiness(): ReadinessCheck {
    return {
      name: `amqp-consumer:${this.queue}`,
      check: () => {
        if (!this.isConsuming) throw new Error(`not consuming ${this.queue}`);
      },
    };
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    this.managed.detach();
    // A message pausing before its requeue would hold the drain (and so the
    // shutdown, or an edge's last unbind) for up to a minute: requeue it now,
    // for another consumer.
    for (const wake of [...this.pauses]) wake();
    const channel = this.managed.current;
    const tag = this.consumerTag;
    if (channel && tag) {
      try {
        await channel.cancel(tag);
      } catch (err) {
        this.log.warn('cancel failed (channel already gone)', { err });
      }
    }
    this.log.info('consumer cancelled', { in_flight: this.inFlightCount });
  }

  drain(): Promise<void> {
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.cancel();
    await this.drain();
    await this.managed.close();
  }

  private onDelivery(
    channel: ConfirmChannel,
    tracker: ConfirmTracker,
    msg: ConsumeMessage | null,
  ): void {
    if (msg === null) {
      // The broker cancelled us (queue deleted or failed over). Closing the
      // channel makes it reopen and resubscribe with backoff.
      this.log.warn('consumer cancelled by the broker, resubscribing');
      channel.close().catch(() => undefined);
      return;
    }
    this.acks.get(channel)?.track(msg.fields.deliveryTag);
    this.inFlightCount += 1;
    this.process(channel, tracker, msg)
      .catch((err: unknown) => {
        // Only a bug lands here; the message stays unacked and returns on channel close.
        this.log.error('delivery processing failed unexpectedly', { err });
      })
      .finally(() => {
        this.inFlightCount -= 1;
        if (this.inFlightCount === 0) {
          // Whoever waits for the drain may close the channel next: the
          // acks of this turn must be on the wire before that.
          this.acks.get(channel)?.flushNow();
          const waiters = this.drainWaiters;
          this.drainWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }

  private async process(
    channel: ConfirmChannel,
    tracker: ConfirmTracker,
    msg: ConsumeMessage,
  ): Promise<void> {
    const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
    const redelivered = msg.fields.redelivered || headers[HEADERS.replays] !== undefined;
    // Only a retry needs it: not worked out for every delivery.
    const attempt = () => deliveryAttempt(headers, msg.fields.redelivered);
    const decoded = decodeBody(msg.content, headers, this.name);
    const metrics = this.options.metrics;
    const publishedAt = headers[HEADERS.publishedAt];
    if (metrics && typeof publishedAt === 'number') {
      metrics.consumeLag.observe(
        { contract: this.name },
        Math.max(0, Date.now() - publishedAt) / 1000,
      );
    }

    if (decoded.kind === 'invalid') {
      metrics?.consumed.inc({ contract: this.name });
      const dead: DeadItem = {
        reason: decoded.reason,
        content: msg.content,
        index: undefined,
        messageId: undefined,
      };
      if (await this.deadLetter(tracker, msg, [dead])) {
        metrics?.consumeOutcomes.inc({ contract: this.name, outcome: 'dead_lettered' });
        this.settle(channel, msg, 'ack');
      } else {
        await this.requeueLater(channel, msg, attempt());
      }
      return;
    }

    const items = decoded.kind === 'single' ? [decoded.value] : decoded.items;
    const isBatch = decoded.kind === 'batch';
    metrics?.consumed.inc({ contract: this.name }, items.length);
    const outcomes = await Promise.all(
      items.map((raw, index) =>
        this.handleItem(
          raw,
          {
            contract: this.name,
            queue: this.queue,
            redelivered,
            headers,
            batch: isBatch ? { index, size: items.length } : undefined,
          },
          attempt,
        ),
      ),
    );

    const dead: DeadItem[] = [];
    const retry: unknown[] = [];
    outcomes.forEach((outcome, index) => {
      const raw = items[index];
      if (outcome.kind === 'dead') {
        dead.push({
          reason: outcome.reason,
          content: isBatch ? Buffer.from(JSON.stringify(raw)) : msg.content,
          index: isBatch ? index : undefined,
          messageId: messageIdOf(raw),
        });
      } else if (outcome.kind === 'retry') {
        retry.push(raw);
      }
    });
    const okCount = items.length - dead.length - retry.length;

    if (retry.length > 0 && retry.length === items.length) {
      metrics?.consumeOutcomes.inc({ contract: this.name, outcome: 'retried' }, retry.length);
      await this.requeueLater(channel, msg, attempt());
      return;
    }
    if (dead.length > 0 && !(await this.deadLetter(tracker, msg, dead))) {
      await this.requeueLater(channel, msg, attempt());
      return;
    }
    if (
      retry.length > 0 &&
      !(await this.republishRemainder(tracker, msg, headers, retry, attempt()))
    ) {
      await this.requeueLater(channel, msg, attempt());
      return;
    }
    metrics?.consumeOutcomes.inc({ contract: this.name, outcome: 'retried' }, retry.length);
    metrics?.consumeOutcomes.inc({ contract: this.name, outcome: 'dead_lettered' }, dead.length);
    metrics?.consumeOutcomes.inc({ contract: this.name, outcome: 'acked' }, okCount);
    this.settle(channel, msg, 'ack');
  }

  private async handleItem(
    raw: unknown,
    ctx: MessageContext,
    attempt: () => number,
  ): Promise<ItemOutcome> {
    const parsed = safeParseContract(this.name, raw);
    if (!parsed.success) {
      return {
        kind: 'dead',
        reason: `schema validation failed: ${describeIssues(parsed.error).join('; ')}`,
      };
    }
    try {
      await this.handler(parsed.data, ctx);
      return { kind: 'ok' };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof RetryableError) {
        this.log.warn('handler asked for a retry', {
          message_id: messageIdOf(parsed.data),
          attempt: attempt(),
          err,
        });
        return { kind: 'retry', reason: message };
      }
      this.log.error('handler failed, dead-lettering', {
        message_id: messageIdOf(parsed.data),
        err,
      });
      return { kind: 'dead', reason: `handler failed: ${message}` };
    }
  }

  /** Publishes each dead item to `smpp.dead` and waits for the confirms. False = not safe to ack. */
  private async deadLetter(
    tracker: ConfirmTracker,
    msg: ConsumeMessage,
    items: readonly DeadItem[],
  ): Promise<boolean> {
    const original = { ...(msg.properties.headers ?? {}) } as Record<string, unknown>;
    delete original[HEADERS.publishId];
    delete original[HEADERS.batch];
    try {
      await Promise.all(
        items.map((item) => {
          const reason = truncateReason(item.reason);
          this.log.warn('message dead-lettered', {
            message_id: item.messageId,
            reason,
            batch_index: item.index,
            redelivered: msg.fields.redelivered,
          });
          return tracker.publish(EXCHANGES.dead, this.queue, item.content, {
            persistent: true,
            contentType: JSON_CONTENT_TYPE,
            ...(item.messageId ? { messageId: item.messageId } : {}),
            timestamp: Math.floor(Date.now() / 1000),
            headers: {
              ...original,
              [HEADERS.contract]: this.name,
              [HEADERS.deadReason]: reason,
              [HEADERS.originalExchange]: msg.fields.exchange,
              [HEADERS.originalRoutingKey]: msg.fields.routingKey,
              [HEADERS.originalQueue]: this.queue,
              [HEADERS.deadLetteredAt]: new Date().toISOString(),
              ...(item.index !== undefined ? { [HEADERS.batchIndex]: item.index } : {}),
            },
          });
        }),
      );
      return true;
    } catch (err) {
      this.log.error('dead-letter publish failed, requeueing the original', { err });
      return false;
    }
  }

  /**
   * Part of a batch failed transiently while the rest succeeded: requeueing
   * the whole delivery would repeat the successes (a second SMS), so only the
   * remainder goes back to the queue, confirmed, before the original is acked.
   */
  private async republishRemainder(
    tracker: ConfirmTracker,
    msg: ConsumeMessage,
    headers: Record<string, unknown>,
    remainder: readonly unknown[],
    attempt: number,
  ): Promise<boolean> {
    await this.pause(attempt);
    // A new message: the broker's count starts again, ours goes on.
    const next: Record<string, unknown> = { ...headers, [HEADERS.retries]: attempt };
    delete next[HEADERS.publishId];
    delete next[HEADERS.deliveryCount];
    const single = remainder.length === 1;
    if (single) delete next[HEADERS.batch];
    else next[HEADERS.batch] = remainder.length;
    try {
      await tracker.publish(
        '',
        this.queue,
        Buffer.from(JSON.stringify(single ? remainder[0] : remainder)),
        {
          persistent: true,
          contentType: JSON_CONTENT_TYPE,
          type: this.name,
          timestamp: Math.floor(Date.now() / 1000),
          headers: next,
        },
      );
      return true;
    } catch (err) {
      this.log.error('republishing the retryable part of a batch failed, requeueing all of it', {
        err,
      });
      return false;
    }
  }

  private async requeueLater(
    channel: ConfirmChannel,
    msg: ConsumeMessage,
    attempt: number,
  ): Promise<void> {
    await this.pause(attempt);
    this.settle(channel, msg, 'requeue');
  }

  /** The backoff after a failed `attempt`; ends at once when the consumer is cancelled. */
  private pause(attempt: number): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    const ms = backoffDelay(attempt, this.retryDelayMs, this.retryMaxDelayMs);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.pauses.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pauses.add(wake);
    });
  }

  private settle(channel: ConfirmChannel, msg: ConsumeMessage, action: 'ack' | 'requeue'): void {
    // A delivery tag belongs to the channel it came on. If that channel is
    // gone the broker has already requeued the message; acking on a newer
    // channel would be a protocol error that kills it.
    if (this.managed.current !== channel) return;
    const acks = this.acks.get(channel);
    const tag = msg.fields.deliveryTag;
    try {
      if (action === 'ack') {
        if (acks) acks.ack(tag);
        else channel.ack(msg);
      } else {
        channel.nack(msg, false, true);
        acks?.settledElsewhere(tag);
      }
    } catch (err) {
      this.log.debug('settling on a closing channel failed', { err, action });
    }
  }
}

/**
 * Consumes `queue` as contract `name`. Resolves once subscribed (now, or on
 * the first connection); re-subscribes after every reconnect or channel
 * failure. Each message (each item of a batch) is validated with
 * `safeParse`, handed to `handler`, and acked only after every item is done.
 */
export async function consume<N extends ContractName>(
  connection: AmqpConnection,
  name: N,
  queue: string,
  handler: ContractHandler<N>,
  options: ConsumeOptions,
): Promise<Consumer> {
  const consumer = new ContractConsumer(connection, name, queue, handler, options);
  await consumer.start();
  return consumer;
}
