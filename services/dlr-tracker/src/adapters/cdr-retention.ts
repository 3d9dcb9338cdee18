// CDR retention: `messaging.cdrs` gains a row per message (hundreds of
// millions a day at full rate), so without a policy the table and its
// indexes grow until the disk is full. With CDR_RETENTION_DAYS set, every
// tracker replica runs this job; `pruneCdrs` deletes in short batches under
// an advisory lock, so one replica deletes at a time and the others yield.
// Off by default: CDRs are billing records, and how long they must be kept
// is the operator's (and the law's) decision, not ours.
//
// A run deletes at most `maxBatches` × `batchSize` rows and the next one
// continues, so enabling retention on a large table does not turn into one
// long job competing with the tracker's own writes. The same job, a second
// instance, prunes the MO archive (messaging.mo_messages) by the same policy.
import type { PruneResult } from '@smpp-gateway/db';
import { PeriodicJob, type Logger } from '@smpp-gateway/runtime';
import type { Counter } from 'prom-client';

const DAY_MS = 86_400_000;

export interface CdrRetentionOptions {
  readonly prune: (options: {
    before: Date;
    batchSize: number;
    maxBatches: number;
    shouldStop: () => boolean;
  }) => Promise<PruneResult>;
  readonly retentionDays: number;
  readonly intervalMs: number;
  readonly batchSize: number;
  readonly maxBatches: number;
  /** Rows deleted. */
  readonly pruned: Counter;
  /** What the rows are, for the logs: 'CDRs' (default) or 'MO records'. */
  readonly what?: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class CdrRetention extends PeriodicJob {
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: CdrRetentionOptions) {
    super(options.intervalMs);
    this.now = options.now ?? Date.now;
    this.log = options.logger.child({ component: 'cdr-retention', rows: options.what ?? 'CDRs' });
  }

  /** CDRs accepted before this are deleted by the next run. */
  cutoff(): Date {
    return new Date(this.now() - this.options.retentionDays * DAY_MS);
  }

  /** One run: deletes what is past retention, in batches. */
  protected override async work(): Promise<void> {
    const before = this.cutoff();
    try {
      const result = await this.options.prune({
        before,
        batchSize: this.options.batchSize,
        maxBatches: this.options.maxBatches,
        shouldStop: () => this.stopping,
      });
      this.options.pruned.inc(result.deleted);
      if (result.deleted > 0) {
        this.log.info(`${this.options.what ?? 'CDRs'} past retention deleted`, {
          deleted: result.deleted,
          before: before.toISOString(),
          yielded: result.yielded,
        });
      } else if (result.yielded) {
        this.log.debug('CDR retention: another replica is pruning');
      }
    } catch (err) {
      // PostgreSQL down or busy: the next run tries again; nothing is lost by waiting.
      this.log.warn('CDR retention run failed', { err });
    }
  }
}
