import { randomBytes } from 'node:crypto';
import type { ConfirmChannel, Message, Options } from 'amqplib';
import { PublishError } from './errors.js';
import { HEADERS } from './wire.js';

interface Pending {
  readonly resolve: () => void;
  readonly reject: (err: PublishError) => void;
  timer: NodeJS.Timeout | undefined;
  returned: string | undefined;
}

/**
 * Publisher confirms for one confirm channel, pipelined: any number of
 * publishes in flight, each settled by its own broker ack/nack.
 *
 * - `mandatory` is always set; RabbitMQ sends `basic.return` before the ack
 *   of an unroutable message, so a return recorded against the publish id
 *   turns the following ack into a rejection.
 * - `publish()` returning false means the socket buffer is full: later
 *   publishes wait for `drain` instead of growing memory without bound.
 * - A closed channel rejects everything outstanding (amqplib calls back with
 *   "channel closed"); no promise stays pending and none resolves falsely.
 */
export class ConfirmTracker {
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomBytes(6).toString('hex');
  private sequence = 0;
  private drained: Promise<void> | undefined;
  private releaseDrain: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly channel: ConfirmChannel,
    private readonly confirmTimeoutMs: number,
  ) {
    channel.on('return', (message: Message) => this.onReturn(message));
    channel.on('drain', () => this.release());
    channel.once('close', () => this.onClose());
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
  ): Promise<void> {
    while (this.drained && !this.closed) await this.drained;
    if (this.closed) throw new PublishError('channel_closed', 'channel closed before publish');
    const publishId = `${this.idPrefix}-${++this.sequence}`;
    const headers: Record<string, unknown> = {
      ...(options.headers as Record<string, unknown> | undefined),
    };
    headers[HEADERS.publishId] = publishId;

    return new Promise<void>((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined, returned: undefined };
      entry.timer = setTimeout(() => {
        if (this.pending.delete(publishId)) {
          reject(
            new PublishError(
              'timeout',
              `no broker confirm within ${this.confirmTimeoutMs} ms for ${exchange}/${routingKey}`,
            ),
          );
        }
      }, this.confirmTimeoutMs);
      this.pending.set(publishId, entry);
      let accepted: boolean;
      try {
        accepted = this.channel.publish(
          exchange,
          routingKey,
          content,
          { ...options, headers, mandatory: true },
          (err: unknown) => this.settle(publishId, err),
        );
      } catch (err) {
        // Closed channel, or a frame amqplib refuses to encode: nothing was sent.
        this.pending.delete(publishId);
        clearTimeout(entry.timer);
        reject(
          new PublishError('channel_closed', `publish failed: ${(err as Error).message}`, {
            cause: err,
          }),
        );
        return;
      }
      if (!accepted && !this.drained) {
        this.drained = new Promise<void>((release) => {
          this.releaseDrain = release;
        });
      }
    });
  }

  /** Resolves when nothing is outstanding (or the channel closed). */
  async settled(pollMs = 10): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  private settle(publishId: string, err: unknown): void {
    const entry = this.pending.get(publishId);
    if (!entry) return; // already timed out
    this.pending.delete(publishId);
    clearTimeout(entry.timer);
    if (err) {
      const message = err instanceof Error ? err.message : JSON.stringify(err);
      entry.reject(
        message === 'message nacked'
          ? new PublishError('nacked', 'broker nacked the message')
          : new PublishError(
              'channel_closed',
              `channel closed before the broker confirmed: ${message}`,
            ),
      );
    } else if (entry.returned !== undefined) {
      entry.reject(new PublishError('returned', `unroutable: ${entry.returned}`));
    } else {
      entry.resolve();
    }
  }

  private onReturn(message: Message): void {
    const publishId = message.properties.headers?.[HEADERS.publishId] as unknown;
    if (typeof publishId !== 'string') return;
    const entry = this.pending.get(publishId);
    if (!entry) return;
    const fields = message.fields as typeof message.fields & {
      replyCode?: number;
      replyText?: string;
    };
    entry.returned = `${fields.replyCode ?? '?'} ${fields.replyText ?? 'returned'} (exchange '${
      fields.exchange
    }', routing key '${fields.routingKey}')`;
  }

  private release(): void {
    const release = this.releaseDrain;
    this.drained = undefined;
    this.releaseDrain = undefined;
    release?.();
  }

  private onClose(): void {
    this.closed = true;
    this.release();
    // amqplib has called back every unconfirmed publish by now; this catches
    // anything it could not (belt and braces: a pending promise is a hung submit).
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      clearTimeout(entry.timer);
      entry.reject(
        new PublishError('channel_closed', 'channel closed before the broker confirmed'),
      );
    }
  }
}
