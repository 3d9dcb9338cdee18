import type { PrepaidBalance } from '@smpp-gateway/db';
import { createMetricsRegistry, type Logger, type LogFields } from '@smpp-gateway/runtime';
import type { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  COLLECT_FAILURES_METRIC,
  PREPAID_BALANCE_METRIC,
  registerPrepaidBalanceMetrics,
  type PrepaidBalanceSource,
} from './prepaid-balances.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function setup(source: PrepaidBalanceSource, timeoutMs = 1_000) {
  const registry = createMetricsRegistry({ service: 'admin-api', defaultMetrics: false });
  const warnings: (LogFields & { message: string })[] = [];
  let clock = 0;
  registerPrepaidBalanceMetrics({
    source,
    registry,
    logger: capturingLogger(warnings),
    timeoutMs,
    warnIntervalMs: 60_000,
    now: () => clock,
  });
  return {
    registry,
    warnings,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** Records warn lines synchronously (winston writes to its stream later). */
function capturingLogger(warnings: (LogFields & { message: string })[]): Logger {
  const ignore = (): void => undefined;
  const logger: Logger = {
    level: 'debug',
    isLevelEnabled: () => true,
    debug: ignore,
    info: ignore,
    warn: (message, fields) => warnings.push({ ...fields, message }),
    error: ignore,
    fatal: ignore,
    child: () => logger,
  };
  return logger;
}

/** The balance series of one scrape, by customer id, and the failure count. */
async function scrape(registry: Registry) {
  const text = await registry.metrics();
  const balances = new Map<string, { currency: string; value: number }>();
  let failures: number | undefined;
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith(`${PREPAID_BALANCE_METRIC}{`)) {
      const id = /customer_id="([^"]+)"/.exec(line)?.[1] ?? '';
      const currency = /currency="([^"]+)"/.exec(line)?.[1] ?? '';
      balances.set(id, { currency, value });
    } else if (line.startsWith(`${COLLECT_FAILURES_METRIC}{`)) {
      expect(line).toContain(`metric="${PREPAID_BALANCE_METRIC}"`);
      failures = value;
    }
  }
  return { balances, failures };
}

const balance = (customerId: string, creditMicros: number, creditCurrency = 'USD') =>
  ({ customerId, creditMicros, creditCurrency }) satisfies PrepaidBalance;

describe('customer_prepaid_balance_micros', () => {
  it('reads at each scrape, one series per balance; a customer the next read lacks disappears', async () => {
    let rows: PrepaidBalance[] = [balance(A, 5_000_000, 'EUR'), balance(B, -20)];
    let reads = 0;
    const { registry } = setup(() => {
      reads += 1;
      return Promise.resolve(rows);
    });
    expect(reads).toBe(0);

    const first = await scrape(registry);
    expect(reads).toBe(1);
    expect(Object.fromEntries(first.balances)).toEqual({
      [A]: { currency: 'EUR', value: 5_000_000 },
      [B]: { currency: 'USD', value: -20 },
    });
    expect(first.failures).toBe(0);

    rows = [balance(A, 7_500_000, 'EUR')];
    const second = await scrape(registry);
    expect(reads).toBe(2);
    expect(Object.fromEntries(second.balances)).toEqual({
      [A]: { currency: 'EUR', value: 7_500_000 },
    });
  });

  it('keeps the last values when the read fails, counts it in the same scrape, warns once per interval', async () => {
    let fail = false;
    const { registry, warnings, advance } = setup(() =>
      fail ? Promise.reject(new Error('connection refused')) : Promise.resolve([balance(A, 1_000)]),
    );
    await scrape(registry);

    fail = true;
    const failed = await scrape(registry);
    expect(failed.balances.get(A)).toEqual({ currency: 'USD', value: 1_000 });
    expect(failed.failures).toBe(1);
    expect((await scrape(registry)).failures).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      message: 'prepaid balances unreadable, last values kept in /metrics',
      metric: PREPAID_BALANCE_METRIC,
      failures: 1,
    });
    expect(String(warnings[0]?.err)).toContain('connection refused');

    advance(60_000);
    await scrape(registry);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ failures: 2 });

    fail = false;
    const recovered = await scrape(registry);
    expect(recovered.balances.get(A)?.value).toBe(1_000);
    expect(recovered.failures).toBe(3);
  });

  it('gives up on a read that outlives the timeout, and runs no second query while it hangs', async () => {
    let reads = 0;
    let hang = false;
    let release: (rows: PrepaidBalance[]) => void = () => undefined;
    const { registry } = setup(() => {
      reads += 1;
      if (!hang) return Promise.resolve([balance(A, 300)]);
      return new Promise<PrepaidBalance[]>((resolve) => {
        release = resolve;
      });
    }, 20);
    await scrape(registry);

    hang = true;
    const timedOut = await scrape(registry);
    expect(timedOut.balances.get(A)?.value).toBe(300);
    expect(timedOut.failures).toBe(1);
    // The hung query is still running: the next scrape waits on it, no new one.
    const again = await scrape(registry);
    expect(reads).toBe(2);
    expect(again.failures).toBe(2);

    release([balance(B, 9)]);
    hang = false;
    await new Promise((resolve) => setImmediate(resolve));
    const fresh = await scrape(registry);
    expect(reads).toBe(3);
    expect(Object.fromEntries(fresh.balances)).toEqual({ [A]: { currency: 'USD', value: 300 } });
  });

  it('shares one read between concurrent scrapes', async () => {
    let reads = 0;
    const { registry } = setup(async () => {
      reads += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return [balance(A, 1)];
    });
    const results = await Promise.all([scrape(registry), scrape(registry), scrape(registry)]);
    expect(reads).toBe(1);
    for (const result of results) expect(result.balances.get(A)?.value).toBe(1);
  });
});
