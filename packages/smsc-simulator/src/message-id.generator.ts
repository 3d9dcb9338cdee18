// Message ids as carriers issue them. A counter seeded from the clock keeps
// ids unique across simulator restarts within a test run, which matters to a
// receipt tracker that keys on vendor ids.
import { randomUUID } from 'node:crypto';

export const SIM_MESSAGE_ID_FORMATS = ['uuid', 'decimal', 'hex'] as const;
export type SimMessageIdFormat = (typeof SIM_MESSAGE_ID_FORMATS)[number];

/** The id in submit_sm_resp and the id the receipt quotes for the same message. */
export interface IssuedMessageId {
  readonly resp: string;
  readonly receipt: string;
}

export class MessageIdGenerator {
  private next: number;

  /**
   * `decimalInReceipt` (hex only) mimics carriers that answer `1A2B3C` but
   * report `1715004` in the receipt: same number, other base.
   */
  constructor(
    private readonly format: SimMessageIdFormat,
    private readonly decimalInReceipt = false,
    start = Date.now() * 1_000,
  ) {
    if (decimalInReceipt && format !== 'hex') {
      throw new RangeError('decimalInReceipt needs the hex message id format');
    }
    this.next = start;
  }

  issue(): IssuedMessageId {
    switch (this.format) {
      case 'uuid': {
        const id = randomUUID();
        return { resp: id, receipt: id };
      }
      case 'decimal': {
        const id = String(this.next++);
        return { resp: id, receipt: id };
      }
      case 'hex': {
        const value = this.next++;
        const hex = value.toString(16).toUpperCase();
        return { resp: hex, receipt: this.decimalInReceipt ? String(value) : hex };
      }
    }
  }
}
