// The router's view of the submits edge-server refused after their MT may
// have reached the broker (message-state's RefusedSubmitsStore). It polls the
// set, keeps the last hour's ids in memory, and the MT handler drops an MT
// whose id is among them: the customer was told ESME_RSYSERR, so delivering
// it too would duplicate it once the customer resubmits.
//
// Polling is enough because the case is a broker connection dying with a
// batch in flight: the refusal is recorded at once, the MT reappears only
// after the broker is back (seconds later), and the watcher has read the set
// within a poll interval. A confirm that times out on a live but slow broker
// is not covered: the MT may reach the router before the edge gives up.
import { REFUSED_RETENTION_MS, type RefusedSubmit } from '@smpp-gateway/message-state';
import { PeriodicTask, TimeoutError, withTimeout } from '@smpp-gateway/runtime';

export interface RefusedSubmitsSource {
  since(sinceMs: number): Promise<RefusedSubmit[]>;
}

export interface RefusedSubmitsWatcherOptions {
  readonly source: RefusedSubmitsSource;
  /** Between two reads of the set. */
  readonly pollMs: number;
  /** Re-read this far behind the newest entry seen: edge pods' clocks differ. */
  readonly clockSkewMs?: number;
  readonly retentionMs?: number;
  readonly now?: () => number;
  /** A failed read (Redis down): the next poll retries. */
  readonly onError?: (error: unknown) => void;
}

export class RefusedSubmitsWatcher {
  private readonly refused = new Map<string, number>();
  private readonly now: () => number;
  private readonly retentionMs: number;
  private readonly clockSkewMs: number;
  private cursor: number;
  private readonly task: PeriodicTask;

  constructor(private readonly options: RefusedSubmitsWatcherOptions) {
    this.now = options.now ?? Date.now;
    this.retentionMs = options.retentionMs ?? REFUSED_RETENTION_MS;
    this.clockSkewMs = options.clockSkewMs ?? 60_000;
    // A router that starts (or restarts with the broker) reads the whole hour.
    this.cursor = this.now() - this.retentionMs;
    this.task = new PeriodicTask(() => this.read(), options.pollMs);
  }

  /**
   * Reads the set now, then every pollMs. Resolves after the first read, its
   * failure, or `firstReadTimeoutMs`: a Redis that does not answer must not
   * hold the router's start (the next polls keep trying).
   */
  async start(firstReadTimeoutMs = 2_000): Promise<void> {
    this.task.start();
    try {
      await withTimeout(
        this.task.run(),
        firstReadTimeoutMs,
        'the first read of the refused submits',
      );
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
    }
  }

  /** Ends the polling and waits for a read in progress (before Redis is closed). */
  stop(): Promise<void> {
    return this.task.stop();
  }

  has(messageId: string): boolean {
    return this.refused.has(messageId);
  }

  get size(): number {
    return this.refused.size;
  }

  /** One read of the set; concurrent calls share it. */
  poll(): Promise<void> {
    return this.task.run();
  }

  private async read(): Promise<void> {
    try {
      const entries = await this.options.source.since(this.cursor - this.clockSkewMs);
      for (const { messageId, atMs } of entries) {
        this.refused.set(messageId, atMs);
        if (atMs > this.cursor) this.cursor = atMs;
      }
    } catch (error) {
      this.options.onError?.(error);
    }
    const oldest = this.now() - this.retentionMs;
    for (const [messageId, atMs] of this.refused) if (atMs < oldest) this.refused.delete(messageId);
  }
}
