import { EventEmitter } from 'node:events';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { corkPerTick } from '../cork-per-tick.js';
import type { Logger } from '../logger.js';
import type { ReadinessCheck } from '../readiness.js';
import { backoffDelay } from '../timeout.js';
import { PublishError } from './errors.js';

export interface AmqpConnectionOptions {
  url: string;
  /** Shown as `connection_name` in the management UI and in logs. */
  name: string;
  logger: Logger;
  /** Dead peers are noticed within about two heartbeats. */
  heartbeatSeconds?: number;
  connectTimeoutMs?: number;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
}

export type AmqpConnectionState = 'idle' | 'connecting' | 'connected' | 'closing' | 'closed';

/**
 * Runs on every (re)connection, in registration order, before the connection
 * counts as connected. A setup that throws makes the connection start over
 * (topology that cannot be asserted means the service cannot work).
 */
export interface TemporaryChannelOptions {
  /**
   * The work provokes channel errors on purpose (a passive check of a queue
   * that may not exist): the broker's close is logged at debug, not warn.
   */
  readonly expectErrors?: boolean;
}

export type ConnectionSetup = (model: ChannelModel) => Promise<void>;

interface RegisteredSetup {
  readonly name: string;
  readonly run: ConnectionSetup;
  ranOnce: boolean;
  readonly onFirstRun: () => void;
}

export interface AmqpConnectionEvents {
  connected: [];
  disconnected: [error: Error | undefined];
  reconnecting: [info: { attempt: number; delayMs: number; error: Error }];
  blocked: [reason: string];
  unblocked: [];
}

/**
 * One AMQP connection that stays up: connects with TCP_NODELAY (Nagle would
 * add tens of milliseconds to every small publish and ack), reconnects with
 * capped exponential backoff after any loss, and re-runs the registered
 * setups (topology, publisher and consumer channels) each time. Errors are
 * logged and never thrown at the process.
 *
 * amqplib ships its own recovery wrapper; this class exists because the
 * gateway needs the setups to run in order before readiness flips, and one
 * state to report — not two layers of reconnect logic.
 */
export class AmqpConnection extends EventEmitter<AmqpConnectionEvents> {
  private stateValue: AmqpConnectionState = 'idle';
  private model: ChannelModel | undefined;
  private readonly setups: RegisteredSetup[] = [];
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly firstConnect: Promise<void>;
  private resolveFirstConnect!: () => void;
  private rejectFirstConnect!: (err: Error) => void;

  constructor(private readonly options: AmqpConnectionOptions) {
    super();
    this.log = options.logger.child({ component: 'amqp', connection: options.name });
    this.firstConnect = new Promise<void>((resolve, reject) => {
      this.resolveFirstConnect = resolve;
      this.rejectFirstConnect = reject;
    });
    // close() before the first connection rejects it; nobody may be waiting.
    this.firstConnect.catch(() => undefined);
  }

  get state(): AmqpConnectionState {
    return this.stateValue;
  }

  /** True once connected AND every setup has run on this connection. */
  get isConnected(): boolean {
    return this.stateValue === 'connected';
  }

  /** The live amqplib connection, for channel owners. */
  get current(): ChannelModel | undefined {
    return this.model;
  }

  /**
   * Starts connecting; resolves after the first successful connection and
   * setups. Keeps retrying until then (the service stays not-ready and logs
   * why), so boot order against the broker does not matter.
   */
  start(): Promise<void> {
    if (this.stateValue === 'idle') {
      this.stateValue = 'connecting';
      void this.attempt();
    }
    return this.firstConnect;
  }

  /**
   * Registers a setup for every future connection. If connected now it also
   * runs immediately; the promise settles with that run (and a failing
   * immediate run is not kept). Otherwise it resolves once a connection has run it.
   */
  addSetup(name: string, run: ConnectionSetup): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: RegisteredSetup = { name, run, ranOnce: false, onFirstRun: resolve };
      this.setups.push(entry);
      const model = this.model;
      if (this.stateValue === 'connected' && model) {
        run(model).then(
          () => this.markRan(entry),
          (err: unknown) => {
            this.removeSetup(run);
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      }
    });
  }

  removeSetup(run: ConnectionSetup): void {
    const index = this.setups.findIndex((s) => s.run === run);
    if (index >= 0) this.setups.splice(index, 1);
  }

  /** A short-lived channel for one-off work (late topology assertions, admin checks). */
  withChannel<T>(
    work: (channel: Channel) => Promise<T>,
    options: TemporaryChannelOptions = {},
  ): Promise<T> {
    return this.withTemporaryChannel((model) => model.createChannel(), work, options);
  }

  /** As `withChannel`, on a confirm channel (one-off publishes the broker must confirm). */
  withConfirmChannel<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    return this.withTemporaryChannel((model) => model.createConfirmChannel(), work);
  }

  private async withTemporaryChannel<C extends Channel, T>(
    open: (model: ChannelModel) => Promise<C>,
    work: (channel: C) => Promise<T>,
    options: TemporaryChannelOptions = {},
  ): Promise<T> {
    const model = this.model;
    if (!this.isConnected || !model)
      throw new PublishError(
        'unavailable',
        `amqp connection ${this.options.name} is ${this.stateValue}`,
      );
    const channel = await open(model);
    channel.on('error', (err: Error) =>
      options.expectErrors
        ? this.log.debug('temporary channel closed by the broker', { err })
        : this.log.warn('temporary channel error', { err }),
    );
    try {
      return await work(channel);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  readiness(): ReadinessCheck {
    return {
      name: `amqp:${this.options.name}`,
      check: () => {
        if (!this.isConnected) throw new Error(`amqp connection is ${this.stateValue}`);
      },
    };
  }

  async close(): Promise<void> {
    if (this.stateValue === 'closed' || this.stateValue === 'closing') return;
    this.stateValue = 'closing';
    clearTimeout(this.reconnectTimer);
    this.rejectFirstConnect(
      new Error(`amqp connection ${this.options.name} closed before it connected`),
    );
    const model = this.model;
    this.model = undefined;
    if (model) {
      try {
        await model.close();
      } catch (err) {
        this.log.debug('closing an already broken connection', { err });
      }
    }
    this.stateValue = 'closed';
    this.log.info('amqp connection closed');
  }

  private markRan(entry: RegisteredSetup): void {
    if (!entry.ranOnce) {
      entry.ranOnce = true;
      entry.onFirstRun();
    }
  }

  private connectUrl(): string {
    const url = new URL(this.options.url);
    if (!url.searchParams.has('heartbeat')) {
      url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds ?? 10));
    }
    return url.toString();
  }

  private async attempt(): Promise<void> {
    if (this.stateValue !== 'connecting') return;
    let model: ChannelModel;
    try {
      model = await amqp.connect(this.connectUrl(), {
        noDelay: true,
        timeout: this.options.connectTimeoutMs ?? 10_000,
        clientProperties: { connection_name: this.options.name },
      });
    } catch (err) {
      this.scheduleReconnect(err as Error);
      return;
    }
    if (this.stateValue !== 'connecting') {
      await model.close().catch(() => undefined);
      return;
    }
    model.on('error', (err: Error) => this.log.error('amqp connection error', { err }));
    model.on('handler-error', (err: Error, event: string) =>
      this.log.error('amqp connection listener threw', { err, event }),
    );
    model.on('blocked', (reason: string) => {
      this.log.warn('amqp connection blocked by broker', { reason });
      this.emit('blocked', reason);
    });
    model.on('unblocked', () => {
      this.log.info('amqp connection unblocked');
      this.emit('unblocked');
    });
    model.once('close', (err?: Error) => this.onClosed(model, err));
    // Frames written in one tick (a batch's publishes, acks) leave in one
    // write instead of one syscall each (cork-per-tick.ts).
    corkPerTick((model as unknown as { connection?: { stream?: unknown } }).connection?.stream);
    this.model = model;

    // Index loop over the live array: a setup registered while these run is run too.
    for (let i = 0; i < this.setups.length; i++) {
      const setup = this.setups[i];
      if (!setup) continue;
      try {
        await setup.run(model);
        this.markRan(setup);
      } catch (err) {
        if (this.model !== model) return; // the connection died under the setup; onClosed reconnects
        this.log.error('amqp setup failed, reconnecting', { setup: setup.name, err });
        // Closing fires onClosed, which schedules the next attempt.
        await model.close().catch(() => undefined);
        return;
      }
    }
    if (this.model !== model || this.stateValue !== 'connecting') return;
    this.stateValue = 'connected';
    const recovered = this.failures > 0;
    this.failures = 0;
    this.log.info(recovered ? 'amqp reconnected' : 'amqp connected', {
      setups: this.setups.length,
    });
    this.emit('connected');
    this.resolveFirstConnect();
  }

  private onClosed(model: ChannelModel, err: Error | undefined): void {
    if (this.model !== model) return;
    this.model = undefined;
    if (this.stateValue === 'closing' || this.stateValue === 'closed') return;
    const wasConnected = this.stateValue === 'connected';
    this.stateValue = 'connecting';
    if (wasConnected) {
      this.log.warn('amqp connection lost', { err });
      this.emit('disconnected', err);
    }
    this.scheduleReconnect(err ?? new Error('connection closed'));
  }

  private scheduleReconnect(error: Error): void {
    if (this.stateValue !== 'connecting') return;
    this.failures += 1;
    const delayMs = backoffDelay(
      this.failures,
      this.options.reconnectInitialDelayMs ?? 250,
      this.options.reconnectMaxDelayMs ?? 10_000,
    );
    // Every attempt while the broker is away is worth a line, but not a stack each time.
    this.log.warn('amqp reconnect scheduled', {
      attempt: this.failures,
      delay_ms: delayMs,
      reason: error.message,
    });
    this.emit('reconnecting', { attempt: this.failures, delayMs, error });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.attempt(), delayMs);
  }
}
