// Holds the routing snapshot in use and replaces it: load everything into a
// new immutable value, then swap one reference. Loads are serialised and
// coalesced, so a burst of control messages costs at most two loads, and a
// failed load keeps serving the previous configuration.
import type { Logger } from '@smpp-gateway/runtime';
import type { SnapshotSource } from '../handlers/ports.js';
import type { RouterMetrics } from '../metrics.js';
import { RoutingSnapshot } from '../routing/routing-snapshot.js';

export interface SnapshotStoreOptions {
  readonly load: () => Promise<RoutingSnapshot>;
  readonly logger: Logger;
  readonly metrics: RouterMetrics;
  /** A lookup miss reloads at most this often (a flood of unknown numbers must not flood PostgreSQL). */
  readonly missReloadMinIntervalMs: number;
}

export class SnapshotStore implements SnapshotSource {
  private snapshot = RoutingSnapshot.empty();
  private loaded = false;
  private running: Promise<boolean> | undefined;
  private queued: Promise<boolean> | undefined;
  private lastSuccessAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SnapshotStoreOptions) {}

  current(): RoutingSnapshot {
    return this.snapshot;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Loads and swaps. A call during a load waits for a second load that starts
   * after the first, because the first may have read the database before the
   * change the caller was told about. Resolves false when the load failed.
   */
  reload(reason: string): Promise<boolean> {
    if (!this.running) return this.start(reason);
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.start(reason);
    });
    return this.queued;
  }

  async refreshAfterMiss(): Promise<{ snapshot: RoutingSnapshot; fresh: boolean }> {
    if (performance.now() - this.lastSuccessAt < this.options.missReloadMinIntervalMs) {
      return { snapshot: this.snapshot, fresh: true };
    }
    const ok = await this.reload('lookup-miss');
    return { snapshot: this.snapshot, fresh: ok };
  }

  /** The first load, retried until it succeeds or `signal` aborts: nothing can be routed without it. */
  async loadInitial(signal: AbortSignal, retryDelayMs = 1_000): Promise<void> {
    while (!signal.aborted) {
      if (await this.reload('startup')) return;
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs).unref());
    }
    throw new Error('stopped before the routing configuration could be loaded');
  }

  startInterval(intervalMs: number): void {
    this.stopInterval();
    this.timer = setInterval(() => void this.reload('interval'), intervalMs);
    this.timer.unref();
  }

  stopInterval(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  readiness() {
    return {
      name: 'routing-config',
      check: () => {
        if (!this.loaded) throw new Error('routing configuration not loaded yet');
      },
    };
  }

  private start(reason: string): Promise<boolean> {
    const run = this.loadOnce(reason).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async loadOnce(reason: string): Promise<boolean> {
    const { logger, metrics } = this.options;
    const started = performance.now();
    try {
      const next = await this.options.load();
      this.snapshot = next;
      this.loaded = true;
      this.lastSuccessAt = performance.now();
      metrics.reloads.inc({ outcome: 'ok' });
      metrics.configLoadedAt.set(next.loadedAt.getTime() / 1000);
      const log = reason === 'interval' ? logger.debug.bind(logger) : logger.info.bind(logger);
      log('routing configuration loaded', {
        reason,
        ...next.counts,
        latency_ms: Math.round(performance.now() - started),
      });
      return true;
    } catch (err) {
      metrics.reloads.inc({ outcome: 'failed' });
      logger.error('routing configuration load failed, keeping the previous one', { reason, err });
      return false;
    }
  }
}
