// One vendor's outgoing submits in this pod: a FIFO that pays the pacer,
// picks a bind with a free window slot, and resends throttled PDUs first.
//
// Order: priority PDUs (priority_flag ≥ PRIORITY_LANE_FROM, from the vendor's
// priority lane) leave before the others, each class in arrival order. A PDU
// the vendor throttled goes back to its original position in its class, and
// its bind pauses; PDUs already in flight on other window slots cannot be
// recalled, so order holds up to the window, as on any windowed SMPP link.
import type { PduInit, PduOf } from '@smpp-gateway/smpp';
import { isThrottleStatus, PRIORITY_LANE_FROM } from '@smpp-gateway/contracts';

export type SubmitSmResp = PduOf<'submit_sm_resp'>;

/** One bound session able to transmit (transmitter or transceiver). */
export interface SubmitBind {
  /** Stable within the pool, for logs and per-bind state. */
  readonly key: string;
  readonly windowSize: number;
  /** Bound, transmit-capable, not being retired. */
  readonly usable: boolean;
  submit(pdu: PduInit<'submit_sm'>): Promise<SubmitSmResp>;
}

/** Source of pacing tokens (segments) shared by every pod; see vendor-pacer.ts. */
export interface Pacer {
  /** Takes n tokens from what this pod already holds; false = not enough. */
  tryTake(n: number): boolean;
  /** Resolves once at least n tokens are held locally (waiting for the bucket as needed). */
  replenish(n: number): Promise<void>;
  /** Traffic stopped: give up locally banked tokens so a later burst stays within the rate. */
  idle(): void;
}

export interface DispatcherObserver {
  throttled?(bindKey: string, commandStatus: number, pauseMs: number): void;
  responded?(commandStatus: number, latencyMs: number): void;
  /** A bind refused work while paused or full; for debugging only. */
  pacerError?(err: unknown): void;
  /**
   * The vendor has had no usable bind for bindWaitMs and submits now fail
   * at once (`down` true, once per outage), or a bind is usable again
   * (`down` false). `unboundMs`: how long it has been without one.
   */
  outage?(down: boolean, unboundMs: number): void;
}

export interface DispatcherOptions {
  readonly pacer: Pacer;
  readonly binds: () => readonly SubmitBind[];
  /**
   * Without any usable bind, a queued submit fails after this long; once the
   * vendor has had no usable bind for this long, every submit fails at once
   * (the vendor is down: its traffic fails over at the rate it arrives
   * instead of each message waiting out the same wait).
   */
  readonly bindWaitMs: number;
  /** First pause of a throttled bind; doubles per consecutive throttle up to the max. */
  readonly throttlePauseMs: number;
  readonly throttlePauseMaxMs: number;
  readonly observer?: DispatcherObserver;
  readonly now?: () => number;
}

/** No bind came up within bindWaitMs: the vendor is unreachable from this pod. */
export class NoBindError extends Error {
  override readonly name = 'NoBindError';
}

/**
 * What to do with submits the vendor never saw when its dispatcher stops:
 * `requeue` (this pod is shutting down: another pod or a restart sends them)
 * or `hand-back` (the vendor was removed: the router picks another).
 */
export type NotSentDisposition = 'requeue' | 'hand-back';

/** The dispatcher stopped before this PDU was sent: the vendor never saw it. */
export class NotSentError extends Error {
  override readonly name = 'NotSentError';
  constructor(
    message: string,
    readonly disposition: NotSentDisposition,
  ) {
    super(message);
  }
}

interface Item {
  readonly seq: number;
  /** Leaves before every item that is not (see PRIORITY_LANE_FROM). */
  readonly urgent: boolean;
  readonly pdu: PduInit<'submit_sm'>;
  readonly segments: number;
  readonly enqueuedAt: number;
  paid: boolean;
  readonly resolve: (resp: SubmitSmResp) => void;
  readonly reject: (err: Error) => void;
}

function comesBefore(a: Item, b: Item): boolean {
  return a.urgent === b.urgent ? a.seq < b.seq : a.urgent;
}

interface BindState {
  inFlight: number;
  pausedUntil: number;
  throttleStreak: number;
}

export class SubmitDispatcher {
  private readonly queue: Item[] = [];
  private readonly state = new Map<string, BindState>();
  private nextSeq = 0;
  private replenishing = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private stopped: { reason: string; disposition: NotSentDisposition } | undefined;
  private inFlightTotal = 0;
  /** Since when no bind has been usable (seen while submits were waiting); undefined while one is. */
  private unboundSince: number | undefined;
  /** Submits fail at once (no bind for bindWaitMs); reported to the observer on each change. */
  private down = false;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly options: DispatcherOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** The outage breaker is open: no usable bind for bindWaitMs, submits fail at once. */
  get isDown(): boolean {
    return this.down;
  }

  /** Queued (not yet sent) submits. */
  get queued(): number {
    return this.queue.length;
  }

  /** Submits written to a bind and awaiting their response. */
  get inFlight(): number {
    return this.inFlightTotal;
  }

  /**
   * Resolves with the vendor's final answer for this PDU (any command_status
   * but a throttle, which is resent here); rejects with NoBindError,
   * NotSentError, or the session's error (timeout, connection closed,
   * generic_nack) for a PDU that was written.
   */
  submit(pdu: PduInit<'submit_sm'>, segments: number): Promise<SubmitSmResp> {
    if (this.stopped !== undefined) {
      return Promise.reject(new NotSentError(this.stopped.reason, this.stopped.disposition));
    }
    return new Promise<SubmitSmResp>((resolve, reject) => {
      this.enqueue({
        seq: this.nextSeq++,
        urgent: (pdu.priorityFlag ?? 0) >= PRIORITY_LANE_FROM,
        pdu,
        segments,
        enqueuedAt: this.now(),
        paid: false,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /** Something changed (a bind came up or went, a window slot freed): try to send. */
  readonly wake = (): void => {
    if (this.queue.length === 0 && this.stopped === undefined) this.watchBinds(this.now());
    this.pump();
  };

  /** Rejects every queued submit (and later ones) with NotSentError; in-flight ones complete. */
  stop(reason: string, disposition: NotSentDisposition): void {
    this.stopped ??= { reason, disposition };
    clearTimeout(this.wakeTimer);
    this.wakeAt = Infinity;
    const { reason: why, disposition: what } = this.stopped;
    for (const item of this.queue.splice(0)) item.reject(new NotSentError(why, what));
    this.checkIdle();
  }

  /** Resolves true when nothing is queued or in flight, false after timeoutMs. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlightTotal === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private bindState(key: string): BindState {
    let s = this.state.get(key);
    if (!s) {
      s = { inFlight: 0, pausedUntil: 0, throttleStreak: 0 };
      this.state.set(key, s);
    }
    return s;
  }

  private pump(): void {
    if (this.stopped !== undefined) return;
    while (this.queue.length > 0) {
      const head = this.queue[0] as Item;
      if (!head.paid) {
        if (!this.options.pacer.tryTake(head.segments)) {
          // Waiting for tokens is waiting for a bind too: the outage clock
          // starts now, or a submit that waited out bindWaitMs would fail
          // without the breaker opening (it would count from the refill).
          // Once per refill, not on every pump while it runs.
          if (!this.replenishing) {
            const now = this.now();
            this.trackOutage(this.pickBind(now).usable, now);
          }
          this.replenish(head.segments);
          return;
        }
        head.paid = true;
      }
      const now = this.now();
      const pick = this.pickBind(now);
      this.trackOutage(pick.usable, now);
      if (pick.bind === undefined) {
        if (pick.usable === 0) this.failStale(now, this.down);
        // Woken by a response, a bind coming up, or the earliest pause ending.
        this.scheduleWake(pick.pausedUntil, now);
        return;
      }
      this.queue.shift();
      this.send(pick.bind, head);
    }
    this.options.pacer.idle();
    this.checkIdle();
  }

  private pickBind(now: number): {
    bind: SubmitBind | undefined;
    usable: number;
    pausedUntil: number;
  } {
    let best: SubmitBind | undefined;
    let bestLoad = Infinity;
    let usable = 0;
    let pausedUntil = Infinity;
    for (const bind of this.options.binds()) {
      if (!bind.usable) continue;
      usable += 1;
      const s = this.bindState(bind.key);
      if (s.pausedUntil > now) {
        pausedUntil = Math.min(pausedUntil, s.pausedUntil);
        continue;
      }
      if (s.inFlight >= bind.windowSize) continue;
      // Least-loaded bind first: spreads the window evenly across binds.
      const load = s.inFlight / bind.windowSize;
      if (load < bestLoad) {
        best = bind;
        bestLoad = load;
      }
    }
    return { bind: best, usable, pausedUntil };
  }

  /**
   * With nothing queued, bind changes (and the wake armed here) move the
   * breaker: it opens bindWaitMs after the last usable bind went whether or
   * not traffic is waiting, so every pod that holds binds of a dead vendor
   * reports it, not only the one its traffic happened to reach (router-worker
   * routes around a vendor only when all of them do); and it closes when a
   * bind is back, not when the next submit happens to look. A pod without a
   * bind lease (no binds to judge) leaves it alone.
   */
  private watchBinds(now: number): void {
    if (!this.down && this.options.binds().length === 0) return;
    this.trackOutage(this.pickBind(now).usable, now);
    if (!this.down && this.unboundSince !== undefined) {
      this.scheduleWake(this.unboundSince + this.options.bindWaitMs, now);
    }
  }

  /**
   * The outage breaker, from the usable binds one look saw: without any for
   * bindWaitMs the vendor is down (submits fail at once); any usable bind
   * ends that. Each change is reported once.
   */
  private trackOutage(usable: number, now: number): void {
    if (usable > 0) {
      if (this.down) {
        this.down = false;
        this.options.observer?.outage?.(false, now - (this.unboundSince ?? now));
      }
      this.unboundSince = undefined;
      return;
    }
    this.unboundSince ??= now;
    const unboundMs = now - this.unboundSince;
    if (unboundMs >= this.options.bindWaitMs && !this.down) {
      this.down = true;
      this.options.observer?.outage?.(true, unboundMs);
    }
  }

  /** Fails the submits that waited bindWaitMs for a bind, or every queued one (`all`: the vendor is down). */
  private failStale(now: number, all: boolean): void {
    const limit = all ? Infinity : now - this.options.bindWaitMs;
    let oldest = Infinity;
    for (let i = 0; i < this.queue.length;) {
      const item = this.queue[i] as Item;
      if (item.enqueuedAt <= limit) {
        this.queue.splice(i, 1);
        item.reject(
          new NoBindError(
            all
              ? `no bind to the vendor for ${Math.round(now - (this.unboundSince ?? now))} ms`
              : `no bind to the vendor within ${this.options.bindWaitMs} ms`,
          ),
        );
      } else {
        oldest = Math.min(oldest, item.enqueuedAt);
        i += 1;
      }
    }
    if (oldest !== Infinity) this.scheduleWake(oldest + this.options.bindWaitMs, now);
    this.checkIdle();
  }

  private scheduleWake(at: number, now: number): void {
    if (at === Infinity || at >= this.wakeAt) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = Infinity;
        this.wake();
      },
      Math.max(1, Math.ceil(at - now)),
    );
  }

  private replenish(segments: number): void {
    if (this.replenishing) return;
    this.replenishing = true;
    this.options.pacer.replenish(segments).then(
      () => {
        this.replenishing = false;
        this.pump();
      },
      (err: unknown) => {
        // The pacer degrades by itself; a rejection here is a bug. Try again shortly.
        this.options.observer?.pacerError?.(err);
        setTimeout(() => {
          this.replenishing = false;
          this.pump();
        }, 100);
      },
    );
  }

  private send(bind: SubmitBind, item: Item): void {
    const s = this.bindState(bind.key);
    s.inFlight += 1;
    this.inFlightTotal += 1;
    const started = this.now();
    bind.submit(item.pdu).then(
      (resp) => {
        this.release(s);
        this.options.observer?.responded?.(resp.commandStatus, this.now() - started);
        if (isThrottleStatus(resp.commandStatus) && this.stopped === undefined) {
          this.onThrottled(bind, s, item, resp.commandStatus);
        } else {
          s.throttleStreak = 0;
          item.resolve(resp);
        }
        this.pump();
        this.checkIdle();
      },
      (err: unknown) => {
        this.release(s);
        item.reject(err instanceof Error ? err : new Error(String(err)));
        this.pump();
        this.checkIdle();
      },
    );
  }

  private release(s: BindState): void {
    s.inFlight -= 1;
    this.inFlightTotal -= 1;
  }

  private onThrottled(bind: SubmitBind, s: BindState, item: Item, commandStatus: number): void {
    s.throttleStreak += 1;
    const pauseMs = Math.min(
      this.options.throttlePauseMaxMs,
      this.options.throttlePauseMs * 2 ** (s.throttleStreak - 1),
    );
    s.pausedUntil = Math.max(s.pausedUntil, this.now() + pauseMs);
    this.options.observer?.throttled?.(bind.key, commandStatus, pauseMs);
    // Back to its original place: before everything of its class that
    // arrived after it.
    this.enqueue(item);
  }

  /** Inserts in (urgent first, then arrival) order; the common case, a bulk item, appends. */
  private enqueue(item: Item): void {
    const q = this.queue;
    const last = q[q.length - 1];
    if (last === undefined || comesBefore(last, item)) {
      q.push(item);
      return;
    }
    let index = 0;
    while (index < q.length && comesBefore(q[index] as Item, item)) index += 1;
    q.splice(index, 0, item);
  }
}
