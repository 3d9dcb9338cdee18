// One timer for any number of delayed callbacks. At 10 000 msg/s a timer per
// submit_sm_resp and per receipt would mean 20 000 timer objects a second;
// a min-heap keyed on the due time keeps that to one armed timer, and jitter
// (delays that are not monotonic) still comes out in due order.
import { performance } from 'node:perf_hooks';

interface Entry {
  readonly due: number;
  /** Insertion order, so callbacks due at the same instant run FIFO. */
  readonly order: number;
  readonly run: () => void;
}

export class DelayScheduler {
  private heap: Entry[] = [];
  private order = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  get size(): number {
    return this.heap.length;
  }

  /** Runs `run` after `delayMs` (at least on the next timer turn, never synchronously). */
  schedule(delayMs: number, run: () => void): void {
    if (this.stopped) {
      return;
    }
    const entry: Entry = {
      due: performance.now() + Math.max(0, delayMs),
      order: this.order++,
      run,
    };
    this.push(entry);
    if (entry.due < this.armedFor) {
      this.arm(entry.due);
    }
  }

  /** Resolves after `delayMs`; a stopped scheduler never resolves it. */
  wait(delayMs: number): Promise<void> {
    return new Promise<void>((resolve) => this.schedule(delayMs, resolve));
  }

  /** Drops everything pending; later schedule() calls are ignored. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.heap = [];
  }

  private arm(due: number): void {
    clearTimeout(this.timer);
    this.armedFor = due;
    this.timer = setTimeout(this.fire, Math.max(0, Math.ceil(due - performance.now())));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    // Node may fire a timer up to ~1 ms early relative to performance.now().
    const now = performance.now() + 1;
    let top = this.heap[0];
    while (top !== undefined && top.due <= now) {
      this.pop();
      try {
        top.run();
      } catch (error) {
        // A callback bug must not stall every other delayed response.
        process.emitWarning(
          `delayed callback threw: ${error instanceof Error ? error.message : String(error)}`,
          'SmscSimulatorWarning',
        );
      }
      if (this.stopped) {
        return;
      }
      top = this.heap[0];
    }
    if (top !== undefined) {
      this.arm(top.due);
    }
  };

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Entry;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) {
      return;
    }
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const l = heap[left] as Entry;
      const r = heap[right];
      const child = r !== undefined && before(r, l) ? right : left;
      const c = heap[child] as Entry;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}
