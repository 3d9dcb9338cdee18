// customer_prepaid_balance_micros on /metrics, read from the real PostgreSQL
// at each scrape: follows top-ups, drops customers that stop being active
// prepaid ones, and keeps the last values when the read fails.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sampleCustomer, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

let seq = 0;
async function customer(overrides: Record<string, unknown> = {}): Promise<string> {
  seq += 1;
  const res = await h.request('POST', '/api/v1/customers', {
    body: sampleCustomer({ name: `Gauge ${seq}`, systemId: `gauge${seq}`, ...overrides }),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

interface Scrape {
  readonly status: number;
  /** customer_id → the series' labels and value. */
  readonly balances: Map<string, { currency: string; service: string; value: number }>;
  readonly failures: number | undefined;
}

async function scrape(): Promise<Scrape> {
  const res = await h.request('GET', '/metrics', { token: null });
  const balances = new Map<string, { currency: string; service: string; value: number }>();
  let failures: number | undefined;
  for (const line of res.text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    if (line.startsWith('customer_prepaid_balance_micros{')) {
      balances.set(label('customer_id'), {
        currency: label('currency'),
        service: label('service'),
        value,
      });
    } else if (
      line.startsWith('admin_metric_collect_failures_total{') &&
      label('metric') === 'customer_prepaid_balance_micros'
    ) {
      failures = value;
    }
  }
  return { status: res.status, balances, failures };
}

describe('customer_prepaid_balance_micros', () => {
  it('has a series per active prepaid customer, none for postpaid ones, and follows top-ups', async () => {
    const prepaid = await customer({ creditMicros: 5_000_000, creditCurrency: 'EUR' });
    const postpaid = await customer();

    const first = await scrape();
    expect(first.status).toBe(200);
    expect(first.balances.get(prepaid)).toEqual({
      currency: 'EUR',
      service: 'admin-api',
      value: 5_000_000,
    });
    expect(first.balances.has(postpaid)).toBe(false);
    expect(first.failures).toBe(0);

    const topUp = await h.request('POST', `/api/v1/customers/${prepaid}/credit`, {
      body: { amountMicros: 2_500_000 },
    });
    expect(topUp.status).toBe(200);
    expect((await scrape()).balances.get(prepaid)?.value).toBe(7_500_000);

    // Charged behind the API's back, as the CDR trigger does: the next scrape sees it.
    await sql`UPDATE customer_mgmt.accounts SET credit_micros = credit_micros - 8000000
               WHERE id = ${prepaid}`.execute(h.db);
    expect((await scrape()).balances.get(prepaid)?.value).toBe(-500_000);
  });

  it('drops the series of a customer made postpaid, suspended or deleted', async () => {
    const toPostpaid = await customer({ creditMicros: 1_000 });
    const toSuspended = await customer({ creditMicros: 2_000 });
    const toDeleted = await customer({ creditMicros: 3_000 });
    const staying = await customer({ creditMicros: 4_000 });
    const before = await scrape();
    for (const id of [toPostpaid, toSuspended, toDeleted, staying]) {
      expect(before.balances.has(id), id).toBe(true);
    }

    const patch = (id: string, body: unknown) =>
      h.request('PATCH', `/api/v1/customers/${id}`, { body });
    expect((await patch(toPostpaid, { creditMicros: null })).status).toBe(200);
    expect((await patch(toSuspended, { status: 'suspended' })).status).toBe(200);
    expect((await h.request('DELETE', `/api/v1/customers/${toDeleted}`)).status).toBe(204);

    const after = await scrape();
    expect(after.balances.has(toPostpaid)).toBe(false);
    expect(after.balances.has(toSuspended)).toBe(false);
    expect(after.balances.has(toDeleted)).toBe(false);
    expect(after.balances.get(staying)?.value).toBe(4_000);

    // Active again: back on the next scrape.
    expect((await patch(toSuspended, { status: 'active' })).status).toBe(200);
    expect((await scrape()).balances.get(toSuspended)?.value).toBe(2_000);
  });

  it('answers 200 with the last values, counting the failure, while the accounts table is locked', async () => {
    const id = await customer({ creditMicros: 6_000, creditCurrency: 'GBP' });
    const before = await scrape();
    expect(before.balances.get(id)).toMatchObject({ currency: 'GBP', value: 6_000 });
    const failuresBefore = before.failures ?? 0;

    // A real failure: the scrape's query waits behind the lock until its
    // statement_timeout (and the client-side race) gives up.
    let during: Scrape | undefined;
    await h.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE customer_mgmt.accounts IN ACCESS EXCLUSIVE MODE`.execute(trx);
      during = await scrape();
      // Changed under the lock: a value the failed scrape cannot have read.
      await sql`UPDATE customer_mgmt.accounts SET credit_micros = 1 WHERE id = ${id}`.execute(trx);
    });
    expect(during?.status).toBe(200);
    expect(during?.balances.get(id)).toMatchObject({ currency: 'GBP', value: 6_000 });
    expect(during?.failures).toBe(failuresBefore + 1);
    await vi.waitFor(() => {
      const warning = h.logs.find(
        (l) => l.message === 'prepaid balances unreadable, last values kept in /metrics',
      );
      expect(warning).toMatchObject({ level: 'WARN', metric: 'customer_prepaid_balance_micros' });
    });

    // The lock released, the next scrape reads again.
    const after = await scrape();
    expect(after.balances.get(id)?.value).toBe(1);
    expect(after.failures).toBe(failuresBefore + 1);
  });
});
