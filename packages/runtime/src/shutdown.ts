import type { Logger } from './logger.js';
import type { Readiness } from './readiness.js';

/**
 * Phases run in this order. `stop-intake`: stop listening / cancel consumers
 * so no new work starts. `drain`: wait for in-flight work (handlers, pending
 * confirms, SMPP windows). `close`: close connections to brokers and stores.
 */
export const SHUTDOWN_PHASES = ['stop-intake', 'drain', 'close'] as const;
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

export type ShutdownHandler = () => Promise<void> | void;

export interface ShutdownOptions {
  logger: Logger;
  /** Overall deadline for all phases; keep it under the pod's terminationGracePeriodSeconds. */
  timeoutMs: number;
  readiness?: Readiness;
  /** Injected so tests can observe the exit instead of losing the runner. */
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

type HandlerState = 'pending' | 'running' | 'done' | 'failed';

interface Registered {
  readonly phase: ShutdownPhase;
  readonly name: string;
  readonly fn: ShutdownHandler;
  state: HandlerState;
}

export interface ShutdownResult {
  readonly exitCode: number;
  readonly timedOut: boolean;
  /** Handlers that had not finished when the deadline passed, as `phase/name`. */
  readonly unfinished: readonly string[];
  readonly failed: readonly string[];
}

/**
 * Named shutdown handlers run once, phase by phase. Within a phase handlers
 * run one after another in registration order, because that order usually
 * encodes a dependency (cancel consumers, then close their channel). The
 * readiness flag flips first so the load balancer stops routing here while
 * the rest proceeds.
 */
export class ShutdownManager {
  private readonly handlers: Registered[] = [];
  private running: Promise<ShutdownResult> | undefined;
  private readonly exit: (code: number) => void;
  private readonly signalListeners = new Map<NodeJS.Signals, () => void>();

  constructor(private readonly options: ShutdownOptions) {
    this.exit = options.exit ?? ((code) => process.exit(code));
  }

  register(phase: ShutdownPhase, name: string, fn: ShutdownHandler): this {
    if (this.running)
      throw new Error(`cannot register shutdown handler '${name}': shutdown has begun`);
    this.handlers.push({ phase, name, fn, state: 'pending' });
    return this;
  }

  get isShuttingDown(): boolean {
    return this.running !== undefined;
  }

  /** Installs the signal handlers (SIGTERM, SIGINT by default). Further signals are logged and ignored. */
  listen(): this {
    for (const signal of this.options.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
      const listener = (): void => {
        void this.shutdown(`signal ${signal}`);
      };
      this.signalListeners.set(signal, listener);
      process.on(signal, listener);
    }
    return this;
  }

  /** Removes the signal handlers (tests; or a service that hands over to another manager). */
  unlisten(): void {
    for (const [signal, listener] of this.signalListeners) process.off(signal, listener);
    this.signalListeners.clear();
  }

  /** Runs the shutdown once; later calls return the same result. Ends with `exit(code)`. */
  shutdown(reason: string): Promise<ShutdownResult> {
    if (this.running) {
      this.options.logger.warn('shutdown already in progress', { reason });
      return this.running;
    }
    this.running = this.run(reason);
    return this.running;
  }

  private async run(reason: string): Promise<ShutdownResult> {
    const { logger, timeoutMs } = this.options;
    this.options.readiness?.markShuttingDown();
    logger.info('shutdown started', { reason, timeout_ms: timeoutMs });
    const started = performance.now();

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.runPhases().then(() => 'done' as const), deadline]);
    clearTimeout(timer);

    const failed = this.handlers.filter((h) => h.state === 'failed').map(label);
    const unfinished = this.handlers
      .filter((h) => h.state === 'pending' || h.state === 'running')
      .map(label);
    const timedOut = outcome === 'timeout';
    const exitCode = timedOut || failed.length > 0 ? 1 : 0;
    const elapsedMs = Math.round(performance.now() - started);
    if (timedOut) {
      logger.error('shutdown deadline passed, exiting with work unfinished', {
        reason,
        timeout_ms: timeoutMs,
        unfinished,
        failed,
      });
    } else {
      logger.info('shutdown complete', { reason, elapsed_ms: elapsedMs, failed });
    }
    this.unlisten();
    this.exit(exitCode);
    return { exitCode, timedOut, unfinished, failed };
  }

  private async runPhases(): Promise<void> {
    for (const phase of SHUTDOWN_PHASES) {
      for (const handler of this.handlers.filter((h) => h.phase === phase)) {
        handler.state = 'running';
        const started = performance.now();
        try {
          await handler.fn();
          handler.state = 'done';
          this.options.logger.debug('shutdown handler finished', {
            handler: label(handler),
            elapsed_ms: Math.round(performance.now() - started),
          });
        } catch (err) {
          handler.state = 'failed';
          // One failing handler must not keep the others from closing their resources.
          this.options.logger.error('shutdown handler failed', { handler: label(handler), err });
        }
      }
    }
  }
}

function label(h: Registered): string {
  return `${h.phase}/${h.name}`;
}
