import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib';
import type { Logger } from '../logger.js';
import { backoffDelay } from '../timeout.js';
import type { AmqpConnection } from './connection.js';

export interface ManagedChannelOptions<C extends Channel> {
  name: string;
  confirm: C extends ConfirmChannel ? true : false;
  logger: Logger;
  /** Prepare a fresh channel (prefetch, consume, listeners). Throwing closes it. */
  onOpen: (channel: C) => Promise<void>;
  /** The channel is gone (channel error or connection loss). */
  onClose?: (channel: C) => void;
}

/**
 * A channel that comes back. After a connection loss the connection's setup
 * reopens it; after a channel-only failure (a 404/406 from the broker closes
 * just the channel) it reopens itself with backoff on the same connection.
 */
export class ManagedChannel<C extends Channel> {
  private channel: C | undefined;
  private everOpened = false;
  private opening = false;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly setup = (model: ChannelModel): Promise<void> => this.open(model);

  constructor(
    private readonly connection: AmqpConnection,
    private readonly options: ManagedChannelOptions<C>,
  ) {}

  /** Registers with the connection; resolves when the channel is first open. */
  start(): Promise<void> {
    return this.connection.addSetup(this.options.name, this.setup);
  }

  get current(): C | undefined {
    return this.channel;
  }

  get isOpen(): boolean {
    return this.channel !== undefined;
  }

  /** Stops reopening; the current channel stays usable until `close()`. */
  detach(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.connection.removeSetup(this.setup);
  }

  async close(): Promise<void> {
    this.detach();
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.close().catch(() => undefined);
  }

  private async open(model: ChannelModel): Promise<void> {
    // One channel per owner, even if a reconnect and a retry timer race.
    if (this.closed || this.channel || this.opening) return;
    this.opening = true;
    try {
      await this.openChannel(model);
    } finally {
      this.opening = false;
    }
  }

  private async openChannel(model: ChannelModel): Promise<void> {
    let channel: C | undefined;
    try {
      channel = (
        this.options.confirm ? await model.createConfirmChannel() : await model.createChannel()
      ) as C;
      const opened = channel;
      opened.on('error', (err: Error) =>
        this.options.logger.warn('amqp channel error', { channel: this.options.name, err }),
      );
      opened.on('handler-error', (err: Error, event: string) =>
        this.options.logger.error('amqp channel listener threw', {
          channel: this.options.name,
          err,
          event,
        }),
      );
      opened.once('close', () => this.onChannelClosed(opened, model));
      this.channel = opened;
      await this.options.onOpen(opened);
      this.everOpened = true;
      this.failures = 0;
    } catch (err) {
      if (channel && this.channel === channel) {
        this.channel = undefined;
        await channel.close().catch(() => undefined);
      }
      // First open: let the caller (or the connection's setup loop) see it.
      if (!this.everOpened) throw err;
      this.options.logger.error('amqp channel reopen failed', { channel: this.options.name, err });
      this.scheduleRetry(model);
    }
  }

  private onChannelClosed(channel: C, model: ChannelModel): void {
    if (this.channel !== channel) return;
    this.channel = undefined;
    this.options.onClose?.(channel);
    if (this.closed || !this.everOpened) return;
    // If the whole connection went, its reconnect re-runs `open`; this only
    // matters when the connection survived. The timer re-checks which it was.
    this.scheduleRetry(model);
  }

  private scheduleRetry(model: ChannelModel): void {
    this.failures += 1;
    const delayMs = backoffDelay(this.failures, 250, 5_000);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (this.closed || this.channel) return;
      if (!this.connection.isConnected || this.connection.current !== model) return;
      this.options.logger.warn('amqp channel reopening', {
        channel: this.options.name,
        attempt: this.failures,
      });
      void this.open(model);
    }, delayMs);
  }
}
