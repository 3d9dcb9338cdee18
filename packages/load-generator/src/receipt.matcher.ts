// One-to-one matching of delivery receipts to submit_sm_resp ids. Both sides
// go through the SMPP layer's id normaliser (hex/decimal/uuid/case), with
// the format of each side configurable: carriers answer hex and report
// decimal. A receipt may overtake its resp (receiver bind, zero delay): it
// waits in `early` and is matched when the resp arrives; whatever is still
// there at the end matched nothing.
import { normalizeMessageId, type MessageIdFormat } from '@smpp-gateway/smpp';
import type { LatencyHistogram } from './latency.histogram.js';

export interface ReceiptCounts {
  /** OK responses whose submit asked for a receipt. */
  readonly requested: number;
  /** Receipt PDUs received (every one, duplicates and strays included). */
  readonly received: number;
  /** Requested messages that got at least one receipt. */
  readonly matched: number;
  /** Receipts beyond the first for the same message. */
  readonly duplicates: number;
  /** Receipts whose id matched no resp. */
  readonly unmatched: number;
  /** Requested, still without a receipt. */
  readonly outstanding: number;
  /** Receipts whose text id and receipted_message_id disagree once normalised. */
  readonly idMismatches: number;
  /** The same id answered twice in submit_sm_resp (the SMSC reused an id). */
  readonly duplicateResponseIds: number;
}

interface Expected {
  readonly sentAt: number;
  received: number;
}

export class ReceiptMatcher {
  private readonly expected = new Map<string, Expected>();
  private readonly early = new Map<string, number[]>();
  private requested = 0;
  private received = 0;
  private matched = 0;
  private duplicates = 0;
  private idMismatches = 0;
  private duplicateResponseIds = 0;
  private onAllMatched: (() => void) | undefined;

  constructor(
    private readonly respFormat: MessageIdFormat,
    private readonly receiptFormat: MessageIdFormat,
    private readonly latency: LatencyHistogram,
  ) {}

  private respKey(id: string): string {
    return normalizeMessageId(id, this.respFormat).toLowerCase();
  }

  private receiptKey(id: string): string {
    return normalizeMessageId(id, this.receiptFormat).toLowerCase();
  }

  /** A submit that asked for a receipt was answered OK with this id. */
  expect(messageId: string, sentAt: number): void {
    const key = this.respKey(messageId);
    this.requested += 1;
    if (this.expected.has(key)) {
      this.duplicateResponseIds += 1;
      return;
    }
    const entry: Expected = { sentAt, received: 0 };
    this.expected.set(key, entry);
    const early = this.early.get(key);
    if (early !== undefined) {
      this.early.delete(key);
      for (const at of early) this.count(entry, at);
    }
  }

  /** A receipt arrived. `textId` is the id in the receipt text, when both it and the TLV are present. */
  receipt(messageId: string, receivedAt: number, textId?: string): void {
    this.received += 1;
    const key = this.receiptKey(messageId);
    if (textId !== undefined && textId !== messageId && this.receiptKey(textId) !== key) {
      this.idMismatches += 1;
    }
    const entry = this.expected.get(key);
    if (entry === undefined) {
      const waiting = this.early.get(key);
      if (waiting) waiting.push(receivedAt);
      else this.early.set(key, [receivedAt]);
      return;
    }
    this.count(entry, receivedAt);
  }

  private count(entry: Expected, receivedAt: number): void {
    entry.received += 1;
    if (entry.received > 1) {
      this.duplicates += 1;
      return;
    }
    this.matched += 1;
    this.latency.record(receivedAt - entry.sentAt);
    if (this.onAllMatched && this.matched >= this.requested - this.duplicateResponseIds) {
      this.onAllMatched();
    }
  }

  /** Resolves once every requested receipt is matched, or false after timeoutMs. */
  waitForAll(timeoutMs: number): Promise<boolean> {
    if (this.outstanding() === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onAllMatched = undefined;
        resolve(false);
      }, timeoutMs);
      this.onAllMatched = () => {
        clearTimeout(timer);
        this.onAllMatched = undefined;
        resolve(true);
      };
    });
  }

  private outstanding(): number {
    return this.requested - this.duplicateResponseIds - this.matched;
  }

  counts(): ReceiptCounts {
    let unmatched = 0;
    for (const waiting of this.early.values()) unmatched += waiting.length;
    return {
      requested: this.requested,
      received: this.received,
      matched: this.matched,
      duplicates: this.duplicates,
      unmatched,
      outstanding: this.outstanding(),
      idMismatches: this.idMismatches,
      duplicateResponseIds: this.duplicateResponseIds,
    };
  }
}
