/**
 * Calls made in one turn of the event loop, sent to Redis together. Each
 * ioredis call costs its caller ≈ 20–40 µs of bookkeeping (a command object,
 * a promise, the reply's parsing) on the slowest machine measured, and Redis
 * ≈ 6 µs of script invocation; the services handle their traffic in bursts
 * (the items of an AMQP message run concurrently, a socket read brings
 * several submit_sm_resp), so the calls of one burst can share one script
 * call (docs/performance.md, ninth round).
 *
 * `send` gets up to `max` items in call order and resolves one outcome per
 * item: an Error rejects that item's call only. `send` failing (Redis
 * unreachable) rejects every call of its batch.
 */
export class TurnBatcher<I, R> {
  private pending: { item: I; resolve: (value: R) => void; reject: (error: Error) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (items: readonly I[]) => Promise<readonly (R | Error)[]>,
    private readonly max: number,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`batch size must be >= 1, got ${max}`);
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After this turn's microtasks and I/O callbacks: a burst's calls are
      // made at different await depths.
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.pending;
    this.pending = [];
    for (let i = 0; i < all.length; i += this.max) this.run(all.slice(i, i + this.max));
  }

  private run(batch: typeof this.pending): void {
    this.send(batch.map((entry) => entry.item)).then(
      (outcomes) => {
        if (outcomes.length !== batch.length) {
          const error = new Error(
            `a batch of ${batch.length} got ${outcomes.length} results from Redis`,
          );
          for (const entry of batch) entry.reject(error);
          return;
        }
        batch.forEach((entry, i) => {
          const outcome = outcomes[i] as R | Error;
          if (outcome instanceof Error) entry.reject(outcome);
          else entry.resolve(outcome);
        });
      },
      (error: unknown) => {
        const err = error instanceof Error ? error : new Error(String(error));
        for (const entry of batch) entry.reject(err);
      },
    );
  }
}
