// customer_prepaid_balance_micros: the prepaid balance of every active prepaid
// customer, read from PostgreSQL when Prometheus scrapes (prom-client's async
// `collect`), so the value is as fresh as the scrape and no timer runs.
//
// A scrape must not fail or hang because PostgreSQL is slow or down: that
// would drop every other admin metric too. So the read is bounded (client
// side by a race, server side by a statement_timeout), and when it fails the
// last values stay (a gap in the balance graph would hide an account running
// dry), the failure is counted and a warning is logged at most once a minute.
import { activePrepaidBalances, type Database, type PrepaidBalance } from '@smpp-gateway/db';
import { throttled, withTimeout, type Logger } from '@smpp-gateway/runtime';
import { sql, type Kysely } from 'kysely';
import { Counter, Gauge, type Registry } from 'prom-client';

export const PREPAID_BALANCE_METRIC = 'customer_prepaid_balance_micros';
export const COLLECT_FAILURES_METRIC = 'admin_metric_collect_failures_total';
/** Well below Prometheus's default 10 s scrape timeout. */
export const PREPAID_BALANCE_TIMEOUT_MS = 2_000;
const WARN_INTERVAL_MS = 60_000;

/** Every active prepaid customer's balance, in one query. */
export type PrepaidBalanceSource = () => Promise<readonly PrepaidBalance[]>;

/**
 * All active prepaid accounts (packages/db). The statement_timeout makes
 * PostgreSQL cancel the query before the client stops waiting: the race in
 * `withTimeout` alone would leave it holding a pool connection (e.g. behind
 * a lock) until PG_STATEMENT_TIMEOUT_MS. Shorter than the client's bound
 * (four fifths of it), so a timed-out query is over by the time the scrape
 * gives up, and the next scrape starts a fresh query instead of joining one
 * PostgreSQL is about to cancel (it would fail too, however healthy the
 * database had become meanwhile).
 */
export function activePrepaidBalanceSource(
  db: Kysely<Database>,
  timeoutMs: number = PREPAID_BALANCE_TIMEOUT_MS,
): PrepaidBalanceSource {
  const serverTimeoutMs = Math.max(1, Math.floor(timeoutMs * 0.8));
  return () =>
    db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('statement_timeout', ${String(serverTimeoutMs)}, true)`.execute(
        trx,
      );
      return activePrepaidBalances(trx);
    });
}

export interface PrepaidBalanceMetricsOptions {
  readonly source: PrepaidBalanceSource;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Default PREPAID_BALANCE_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Default 60 000. */
  readonly warnIntervalMs?: number;
  readonly now?: () => number;
}

/** Registers the gauge and its failure counter; reads happen only on scrapes. */
export function registerPrepaidBalanceMetrics(options: PrepaidBalanceMetricsOptions): void {
  const timeoutMs = options.timeoutMs ?? PREPAID_BALANCE_TIMEOUT_MS;
  const log = options.logger.child({ component: 'metrics' });
  const warn = throttled(
    options.warnIntervalMs ?? WARN_INTERVAL_MS,
    (failures, err: unknown) =>
      log.warn('prepaid balances unreadable, last values kept in /metrics', {
        metric: PREPAID_BALANCE_METRIC,
        failures,
        err,
      }),
    options.now,
  );

  // At most one query at a time: a scrape that comes while a previous one's
  // query still runs (it timed out on our side) waits on that query instead of
  // taking another pool connection.
  let query: Promise<readonly PrepaidBalance[]> | undefined;
  // The current scrape's refresh, shared by both collects below.
  let refreshing: Promise<void> | undefined;

  // Literal names in the constructors: packages/deploy-check finds the
  // registered series (for the dashboard and the alert rules) by them.
  const gauge = new Gauge({
    name: 'customer_prepaid_balance_micros',
    help: 'Prepaid credit balance per customer in micro-units of its currency, read from PostgreSQL at scrape time',
    labelNames: ['customer_id', 'currency'],
    registers: [options.registry],
    collect: () => refresh(),
  });
  const failures = new Counter({
    name: 'admin_metric_collect_failures_total',
    help: 'Scrape-time metric reads that failed or timed out (the previous values were served)',
    labelNames: ['metric'],
    registers: [options.registry],
    // The registry serialises metrics concurrently: joining the refresh makes
    // a scrape report the failure it suffered, not only the next one.
    collect: () => refresh(),
  });
  // Exported at 0 from the start, so increase() sees the first failure.
  failures.inc({ metric: PREPAID_BALANCE_METRIC }, 0);

  function refresh(): Promise<void> {
    refreshing ??= readAndSet().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  async function readAndSet(): Promise<void> {
    try {
      query ??= options.source().finally(() => {
        query = undefined;
      });
      const balances = await withTimeout(query, timeoutMs, 'prepaid balances query');
      // Reset then set, synchronously: accounts no longer prepaid, active or
      // present lose their series, and no scrape sees the gauge half-filled.
      gauge.reset();
      for (const balance of balances) {
        gauge.set(
          { customer_id: balance.customerId, currency: balance.creditCurrency },
          balance.creditMicros,
        );
      }
    } catch (err) {
      failures.inc({ metric: PREPAID_BALANCE_METRIC });
      warn(err);
    }
  }
}
