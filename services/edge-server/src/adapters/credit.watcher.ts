// Prepaid credit at the edge: the last known balance of each bound prepaid
// customer, so a submit from one whose balance is spent (≤ 0) is refused
// before it costs a rate-limit token, a Redis call or a broker publish.
//
// A soft limit, on purpose. The price of a message is only known once the
// router has picked its route, and the charge is made by the CDR triggers in
// PostgreSQL when a carrier accepts it; the edge cannot reserve the cost of a
// submit, only stop taking new ones once the database says the balance is
// spent. Balances are re-read every `refreshMs` (one query for all bound
// prepaid customers), so a customer can go below zero by about one refresh
// interval of traffic (plus what is already queued or in flight towards the
// carriers). Postpaid customers (creditMicros null) are not tracked at all:
// they are never refused and cost no query.
//
// A customer's first bind on this pod reads its balance fresh (`prime`, one
// query, before the bind is answered): the account row the edge holds comes
// from a cache, and balances move with every message without invalidating
// it, so an ESME that binds, sends a burst and unbinds each time would
// otherwise start every session from the same stale, positive balance. A
// failed read, or one slower than `primeTimeoutMs`, falls back to that row. `invalidate-customer` seeds the fresh
// row it brings; the refresh then replaces both. A customer the refresh no longer finds prepaid (credit_micros set to
// null, or deleted) stops being checked. When PostgreSQL cannot be read the
// last known balances stay in force: refusing everybody during a database
// outage would be worse than the overdraft it could prevent.
import type { PrepaidBalance } from '@smpp-gateway/db';
import { PeriodicTask, throttled, withTimeout } from '@smpp-gateway/runtime';

export interface CreditSource {
  /** The balances of those of `customerIds` that are prepaid, in one query. */
  balances(customerIds: readonly string[]): Promise<readonly PrepaidBalance[]>;
}

export interface CreditWatcherOptions {
  readonly source: CreditSource;
  /** Interval between refreshes (EDGE_CREDIT_REFRESH_MS). */
  readonly refreshMs: number;
  /**
   * The source failed and the last known balances were kept. Called at most
   * once per `warnIntervalMs`, with the failures since the previous call.
   */
  readonly onSourceError?: (error: unknown, failures: number) => void;
  /** Default 30 000. */
  readonly warnIntervalMs?: number;
  /**
   * How long a first bind waits for its fresh balance before the account row
   * stands in (default 1 000): a stalled database must not hold binds for
   * the whole statement timeout, past many ESMEs' own bind timeouts.
   */
  readonly primeTimeoutMs?: number;
  readonly now?: () => number;
}

/** One entry per tracked customer; replaced, never mutated, so a refresh can tell whether it was re-seeded meanwhile. */
interface Balance {
  readonly creditMicros: number;
}

export class CreditWatcher {
  private readonly balances = new Map<string, Balance>();
  private readonly warn: (error: unknown) => void;
  private readonly task: PeriodicTask;

  constructor(private readonly options: CreditWatcherOptions) {
    this.warn = throttled(
      options.warnIntervalMs ?? 30_000,
      (failures, error: unknown) => options.onSourceError?.(error, failures),
      options.now ?? Date.now,
    );
    this.task = new PeriodicTask(() => this.load(), options.refreshMs);
  }

  /**
   * Seeds (or replaces) the balance of a bound customer from its account
   * row; null (postpaid) stops checking it.
   */
  track(customerId: string, creditMicros: number | null): void {
    if (creditMicros === null) this.balances.delete(customerId);
    else this.balances.set(customerId, { creditMicros });
  }

  /**
   * Before a customer's bind is answered: reads its balance fresh unless it
   * is tracked already (then the refresh keeps it current). `rowCredit` is
   * the account row's balance: null (postpaid) costs nothing, and it stands
   * in when the read fails.
   */
  async prime(customerId: string, rowCredit: number | null): Promise<void> {
    if (rowCredit === null || this.balances.has(customerId)) return;
    try {
      const [fresh] = await withTimeout(
        this.options.source.balances([customerId]),
        this.options.primeTimeoutMs ?? 1_000,
        'the prepaid balance read of a first bind',
      );
      // Tracked meanwhile (a concurrent bind, invalidate-customer): that word stands.
      if (this.balances.has(customerId)) return;
      if (fresh) this.balances.set(customerId, { creditMicros: fresh.creditMicros });
    } catch (error) {
      if (!this.balances.has(customerId))
        this.balances.set(customerId, { creditMicros: rowCredit });
      this.warn(error);
    }
  }

  /** Tracks a prepaid customer from its account row unless it is tracked already (a primed bind). */
  seed(customerId: string, creditMicros: number | null): void {
    if (creditMicros !== null && !this.balances.has(customerId)) {
      this.balances.set(customerId, { creditMicros });
    }
  }

  /** The customer's last session here closed. */
  forget(customerId: string): void {
    this.balances.delete(customerId);
  }

  /** True for a prepaid customer whose last known balance is ≤ 0; never for a postpaid one. */
  exhausted(customerId: string): boolean {
    const balance = this.balances.get(customerId);
    return balance !== undefined && balance.creditMicros <= 0;
  }

  /** Last known balance in micro-units; undefined when not tracked (postpaid or not bound). */
  balanceOf(customerId: string): number | undefined {
    return this.balances.get(customerId)?.creditMicros;
  }

  /** Customers currently checked. */
  get trackedCount(): number {
    return this.balances.size;
  }

  /**
   * Re-reads the tracked balances (one query; none when nobody is tracked).
   * A refresh still running is shared rather than overlapped by a second.
   */
  refresh(): Promise<void> {
    return this.task.run();
  }

  start(): void {
    this.task.start();
  }

  /** Stops the timer; a refresh still running is ignored when it ends. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  private async load(): Promise<void> {
    if (this.task.isStopped || this.balances.size === 0) return;
    const asked = new Map(this.balances);
    let rows: readonly PrepaidBalance[];
    try {
      rows = await this.options.source.balances([...asked.keys()]);
    } catch (error) {
      // Keep the last known balances: see the header.
      if (!this.task.isStopped) this.warn(error);
      return;
    }
    if (this.task.isStopped) return;
    const fresh = new Map(rows.map((row) => [row.customerId, row.creditMicros]));
    for (const [customerId, entry] of asked) {
      // Re-seeded (invalidate-customer), turned postpaid or unbound while the
      // query ran: that later word stands until the next refresh.
      if (this.balances.get(customerId) !== entry) continue;
      const creditMicros = fresh.get(customerId);
      if (creditMicros === undefined) this.balances.delete(customerId);
      else this.balances.set(customerId, { creditMicros });
    }
  }
}
