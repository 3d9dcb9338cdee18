// deliver_sm towards one account (receipts and MO). Items wait in a bounded
// FIFO per account and are handed to that account's receiver/transceiver
// binds round-robin, never more than each bind's window at a time: the
// session's own queue stays empty, so an item that could not be delivered
// (connection dropped before deliver_sm_resp) can go back to the head of the
// line and reach the next bind that comes up, as a carrier would redeliver.
import {
  SmppConnectionClosedError,
  SmppQueueFullError,
  SmppStatus,
  SmppTimeoutError,
  type PduInit,
  type PduOf,
  type SmppSession,
} from '@smpp-gateway/smpp';
import type { DelayScheduler } from './delay.scheduler.js';

export type OutboundKind = 'receipt' | 'mo';

export interface OutboundItem {
  readonly kind: OutboundKind;
  readonly pdu: PduInit<'deliver_sm'>;
  /** Called once: deliver_sm_resp status, or an Error (dropped, timed out, stopped). */
  readonly settle?: (result: number | Error) => void;
}

export interface OutboundEvents {
  sent(item: OutboundItem, session: SmppSession): void;
  acked(item: OutboundItem, session: SmppSession, response: PduOf<'deliver_sm_resp'>): void;
  failed(item: OutboundItem, reason: 'timeout' | 'rejected' | 'dropped' | 'error'): void;
}

/** Throttled deliver_sm are offered again after this long. */
const THROTTLE_RETRY_MS = 100;
/**
 * ESME_RX_T_APPN ("temporary application error": e.g. the gateway could not
 * hand the receipt to its broker) and unanswered deliver_sm are retried
 * after this long, as carriers do; only a permanent refusal drops an item.
 */
const TEMPORARY_RETRY_MS = 1_000;
const ESME_RX_T_APPN = 0x64;

export class AccountOutbox {
  private queue: OutboundItem[] = [];
  private head = 0;
  private readonly receivers: SmppSession[] = [];
  private cursor = 0;
  private stopped = false;

  constructor(
    readonly systemId: string,
    private readonly windowSize: number,
    private readonly limit: number,
    private readonly scheduler: DelayScheduler,
    private readonly events: OutboundEvents,
  ) {}

  get queued(): number {
    return this.queue.length - this.head;
  }

  get receiverCount(): number {
    return this.receivers.length;
  }

  addReceiver(session: SmppSession): void {
    this.receivers.push(session);
    this.pump();
  }

  removeReceiver(session: SmppSession): void {
    const index = this.receivers.indexOf(session);
    if (index >= 0) {
      this.receivers.splice(index, 1);
    }
  }

  /** false when the queue is full: the item was dropped (and settled with an error). */
  enqueue(item: OutboundItem): boolean {
    if (this.stopped || this.queued >= this.limit) {
      this.events.failed(item, 'dropped');
      item.settle?.(
        new Error(
          this.stopped ? 'simulator stopped' : `outbound queue for ${this.systemId} is full`,
        ),
      );
      return false;
    }
    this.queue.push(item);
    this.pump();
    return true;
  }

  stop(): void {
    this.stopped = true;
    const pending = this.queue.slice(this.head);
    this.queue = [];
    this.head = 0;
    for (const item of pending) {
      this.events.failed(item, 'dropped');
      item.settle?.(new Error('simulator stopped'));
    }
  }

  private requeueFront(item: OutboundItem): void {
    if (this.stopped) {
      item.settle?.(new Error('simulator stopped'));
      return;
    }
    if (this.head > 0) {
      this.head -= 1;
      this.queue[this.head] = item;
    } else {
      this.queue.unshift(item);
    }
  }

  pump(): void {
    while (this.queued > 0) {
      const session = this.pickSession();
      if (session === undefined) {
        break;
      }
      const item = this.queue[this.head] as OutboundItem;
      this.queue[this.head] = undefined as unknown as OutboundItem;
      this.head += 1;
      this.send(item, session);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private pickSession(): SmppSession | undefined {
    const count = this.receivers.length;
    for (let i = 0; i < count; i++) {
      const session = this.receivers[(this.cursor + i) % count];
      if (
        session !== undefined &&
        session.state === 'bound' &&
        session.inFlight + session.queued < this.windowSize
      ) {
        this.cursor = (this.cursor + i + 1) % count;
        return session;
      }
    }
    return undefined;
  }

  private retryLater(item: OutboundItem, delayMs: number): void {
    this.scheduler.schedule(delayMs, () => {
      this.requeueFront(item);
      this.pump();
    });
  }

  private send(item: OutboundItem, session: SmppSession): void {
    this.events.sent(item, session);
    session.request(item.pdu).then(
      (response) => {
        const status = response.commandStatus;
        if (status === SmppStatus.ESME_RTHROTTLED || status === SmppStatus.ESME_RMSGQFUL) {
          // The ESME asks us to slow down: a carrier retries the same receipt later.
          this.retryLater(item, THROTTLE_RETRY_MS);
        } else if (status === ESME_RX_T_APPN) {
          this.retryLater(item, TEMPORARY_RETRY_MS);
        } else {
          this.events.acked(item, session, response);
          item.settle?.(status);
        }
        this.pump();
      },
      (error: unknown) => {
        if (error instanceof SmppConnectionClosedError || error instanceof SmppQueueFullError) {
          // Not confirmed by the ESME: deliver it again on whichever bind comes next.
          this.requeueFront(item);
        } else if (error instanceof SmppTimeoutError) {
          // No answer is no confirmation: offer it again (at least once).
          this.retryLater(item, TEMPORARY_RETRY_MS);
        } else {
          this.events.failed(item, 'error');
          item.settle?.(error instanceof Error ? error : new Error(String(error)));
        }
        this.pump();
      },
    );
  }
}
