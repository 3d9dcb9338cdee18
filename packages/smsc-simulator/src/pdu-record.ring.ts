// The last N PDUs the simulator received, for tests and for operators asking
// "what exactly did the gateway send?". A fixed-size ring: recording is one
// array store, and memory stays flat however long the simulator runs.
import { performance } from 'node:perf_hooks';
import type { BindType, CommandName, Pdu } from '@smpp-gateway/smpp';

export interface PduRecord {
  /** Increasing from 1 for the simulator's lifetime; use it to page (sinceId). */
  readonly id: number;
  /** Epoch milliseconds with sub-millisecond precision, from the monotonic clock. */
  readonly receivedAt: number;
  readonly command: CommandName;
  /** The system_id of the bind it arrived on (for binds: the one requested). */
  readonly systemId: string;
  readonly bindType: BindType | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly sequenceNumber: number;
  readonly commandStatus: number;
  /**
   * The decoded PDU for submit_sm, data_sm, query_sm, cancel_sm, replace_sm
   * and responses to our deliver_sm. Absent for binds (the session layer hands
   * over bind fields, not the PDU; the password is never kept).
   */
  readonly pdu?: Pdu;
}

export interface PduRecordQuery {
  readonly command?: CommandName;
  readonly systemId?: string;
  /** Only records with id greater than this. */
  readonly sinceId?: number;
  /** The most recent `limit` matches (default all), returned oldest first. */
  readonly limit?: number;
}

export type RecordedPdu<C extends CommandName> = PduRecord & {
  readonly pdu: Extract<Pdu, { command: C }>;
};

export type NewPduRecord = Omit<PduRecord, 'id' | 'receivedAt'>;

export class PduRecordRing {
  private readonly slots: (PduRecord | undefined)[];
  private nextId = 1;
  private readonly timeOrigin = performance.timeOrigin;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(`record capacity must be an integer >= 0, got ${capacity}`);
    }
    this.slots = new Array<PduRecord | undefined>(capacity);
  }

  /** Records received so far (including those already overwritten). */
  get total(): number {
    return this.nextId - 1;
  }

  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  add(record: NewPduRecord): void {
    const id = this.nextId++;
    if (this.capacity === 0) {
      return;
    }
    this.slots[(id - 1) % this.capacity] = {
      ...record,
      id,
      receivedAt: this.timeOrigin + performance.now(),
    };
  }

  query(query: PduRecordQuery = {}): PduRecord[] {
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    const sinceId = query.sinceId ?? 0;
    const out: PduRecord[] = [];
    // Newest first, so a small limit does not walk the whole ring.
    for (let id = this.total; id > 0 && id > this.total - this.size && out.length < limit; id--) {
      if (id <= sinceId) break;
      const record = this.slots[(id - 1) % this.capacity];
      if (record === undefined) continue;
      if (query.command !== undefined && record.command !== query.command) continue;
      if (query.systemId !== undefined && record.systemId !== query.systemId) continue;
      out.push(record);
    }
    return out.reverse();
  }

  /** Typed view of one command's records (those that carry the decoded PDU). */
  ofCommand<C extends CommandName>(
    command: C,
    query: Omit<PduRecordQuery, 'command'> = {},
  ): RecordedPdu<C>[] {
    return this.query({ ...query, command }).filter(
      (record): record is RecordedPdu<C> =>
        record.pdu !== undefined && record.pdu.command === command,
    );
  }

  clear(): void {
    this.slots.fill(undefined);
  }
}
