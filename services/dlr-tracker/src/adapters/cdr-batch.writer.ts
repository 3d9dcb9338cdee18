import type { CdrWrite } from '@smpp-gateway/db';
import { RetryableError, type Logger } from '@smpp-gateway/runtime';
import type { CdrSink } from '../handlers/ports.js';
import type { TrackerMetrics } from '../metrics.js';

interface Entry {
  readonly row: CdrWrite;
  readonly eventAt: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export interface CdrBatchWriterOptions {
  /** Writes one batch (upsertCdrs); resolves when committed. */
  readonly flush: (rows: CdrWrite[]) => Promise<number>;
  readonly maxRows: number;
  /** A partial batch waits at most this long for company. */
  readonly intervalMs: number;
  readonly metrics: TrackerMetrics;
  readonly logger: Logger;
}

/**
 * Buffers CDR writes into multi-row upserts: a batch goes when it has
 * `maxRows` rows or its first row is `intervalMs` old. Each `write` resolves
 * only after the batch holding it committed, so the caller (an AMQP handler)
 * acks only durable work; a failed batch rejects every write in it with a
 * RetryableError and those messages come back, never acked.
 *
 * One batch is in flight at a time: rows keep arriving meanwhile and go in
 * the next one, so the batch size grows with load by itself, and writes for
 * one message reach PostgreSQL in the order they were made.
 */
export class CdrBatchWriter implements CdrSink {
  private buffer: Entry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly options: CdrBatchWriterOptions) {
    this.log = options.logger.child({ component: 'cdr-writer' });
  }

  get buffered(): number {
    return this.buffer.length;
  }

  write(row: CdrWrite, eventAt: Date): Promise<void> {
    if (this.closed) return Promise.reject(new RetryableError('CDR writer is closed'));
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ row, eventAt: eventAt.getTime(), resolve, reject });
      if (this.buffer.length >= this.options.maxRows) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.intervalMs);
    });
  }

  /** Stops accepting rows and writes everything buffered (shutdown, after the consumers drained). */
  async close(): Promise<void> {
    this.closed = true;
    while (this.buffer.length > 0 || this.flushing) {
      if (!this.flushing) this.kick();
      await this.flushing;
    }
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.buffer.length === 0) return;
    this.flushing = this.flushBatch(this.buffer.splice(0, this.options.maxRows)).finally(() => {
      this.flushing = undefined;
      if (this.buffer.length === 0) return;
      // Rows that queued up during the flush have waited at least that long.
      if (this.buffer.length >= this.options.maxRows || this.closed) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.options.intervalMs);
    });
  }

  private async flushBatch(batch: Entry[]): Promise<void> {
    const { metrics } = this.options;
    const started = performance.now();
    try {
      await this.options.flush(batch.map((e) => e.row));
    } catch (err) {
      metrics.cdrFlushFailures.inc();
      this.log.error('CDR batch failed, its messages will be retried', { rows: batch.length, err });
      const failure = new RetryableError('CDR batch write failed', { cause: err });
      for (const entry of batch) entry.reject(failure);
      return;
    }
    const now = Date.now();
    metrics.cdrFlushSeconds.observe((performance.now() - started) / 1000);
    metrics.cdrBatchSize.observe(batch.length);
    for (const entry of batch) {
      metrics.cdrLagSeconds.observe(Math.max(0, now - entry.eventAt) / 1000);
      entry.resolve();
    }
  }
}
