// Writes MO records to messaging.mo_messages. The parts handled in one
// event-loop turn (a prefetched batch of MoReceived) go in one INSERT, so a
// burst of replies to a campaign costs one round trip per turn, not per part.
import type { MoMessageWrite } from '@smpp-gateway/db';
import { RetryableError } from '@smpp-gateway/runtime';
import type { MoArchive } from '../handlers/ports.js';

/** Rows per statement: far under PostgreSQL's 65 535 bind parameters (14 per row). */
const MAX_ROWS = 500;

interface Waiting {
  readonly records: readonly MoMessageWrite[];
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class MoArchiveWriter implements MoArchive {
  private pending: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly insert: (records: readonly MoMessageWrite[]) => Promise<void>,
    private readonly onWritten?: (rows: number, ok: boolean) => void,
  ) {}

  archive(records: readonly MoMessageWrite[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.pending.push({ records, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const waiting = this.pending;
    this.pending = [];
    // Chunks never split one caller's records: its promise settles once.
    let chunk: Waiting[] = [];
    let rows = 0;
    const chunks: Waiting[][] = [];
    for (const w of waiting) {
      if (rows > 0 && rows + w.records.length > MAX_ROWS) {
        chunks.push(chunk);
        chunk = [];
        rows = 0;
      }
      chunk.push(w);
      rows += w.records.length;
    }
    if (chunk.length > 0) chunks.push(chunk);
    await Promise.all(chunks.map((c) => this.write(c)));
  }

  private async write(chunk: readonly Waiting[]): Promise<void> {
    const records = chunk.flatMap((w) => w.records);
    try {
      await this.insert(records);
    } catch (err) {
      this.onWritten?.(records.length, false);
      const error = new RetryableError('archiving the MO failed', { cause: err });
      for (const w of chunk) w.reject(error);
      return;
    }
    this.onWritten?.(records.length, true);
    for (const w of chunk) w.resolve();
  }
}
