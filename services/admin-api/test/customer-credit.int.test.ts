// Prepaid credit over the API: the balance's currency on the customer, and
// POST /customers/:id/credit, the atomic top-up (a PATCH of creditMicros
// would overwrite the charges made between an operator's read and write).
import { getCustomerById } from '@smpp-gateway/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ControlListener,
  sampleCustomer,
  startHarness,
  type Harness,
  type HttpResult,
} from './harness.js';

let h: Harness;
let pod: ControlListener;
const UNKNOWN = '5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11';

beforeAll(async () => {
  h = await startHarness();
  pod = await ControlListener.open(h.env.amqp.url, 'edge-pod');
});

afterAll(async () => {
  await pod?.close();
  await h?.close();
});

let seq = 0;
/** A new customer over the API (prepaid when `creditMicros` is given). */
async function customer(overrides: Record<string, unknown> = {}): Promise<HttpResult> {
  seq += 1;
  const res = await h.request('POST', '/api/v1/customers', {
    body: sampleCustomer({ name: `Credit ${seq}`, systemId: `credit${seq}`, ...overrides }),
  });
  expect(res.status).toBe(201);
  return res;
}

const credit = (id: string, body: unknown, token?: string | null) =>
  h.request('POST', `/api/v1/customers/${id}/credit`, { body, token });

async function balanceOf(id: string): Promise<number | null | undefined> {
  return (await getCustomerById(h.db, id))?.creditMicros;
}

/** Runs `action` and returns the commands announced meanwhile (waits for `count`). */
async function announced(count: number, action: () => Promise<unknown>) {
  const from = pod.received.length;
  await action();
  return (await pod.waitFor(count, from)).map((c) => c.command);
}

describe('creditCurrency', () => {
  it('defaults to USD, is set on create and patch, and shown', async () => {
    const plain = await customer();
    expect(plain.body).toMatchObject({ creditMicros: null, creditCurrency: 'USD' });

    const prepaid = await customer({ creditMicros: 5_000_000, creditCurrency: 'EUR' });
    expect(prepaid.body).toMatchObject({ creditMicros: 5_000_000, creditCurrency: 'EUR' });
    const id = prepaid.body.id as string;
    expect((await h.request('GET', `/api/v1/customers/${id}`)).body.creditCurrency).toBe('EUR');

    const commands = await announced(2, async () => {
      const patched = await h.request('PATCH', `/api/v1/customers/${id}`, {
        body: { creditCurrency: 'GBP' },
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ creditMicros: 5_000_000, creditCurrency: 'GBP' });
    });
    expect(commands).toContainEqual({ type: 'invalidate-customer', customerId: id });
    expect((await getCustomerById(h.db, id))?.creditCurrency).toBe('GBP');
  });

  it('400 for anything but three capital letters, on create and on patch', async () => {
    const { id } = (await customer()).body as { id: string };
    for (const creditCurrency of ['usd', 'EURO', 'E1R', 'US', '', 840, null]) {
      const created = await h.request('POST', '/api/v1/customers', {
        body: sampleCustomer({ systemId: `bad${seq}`, creditCurrency }),
      });
      expect(created.status, String(creditCurrency)).toBe(400);
      expect(created.body.error.code).toBe('validation_failed');
      expect(created.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        'creditCurrency',
      ]);
      const patched = await h.request('PATCH', `/api/v1/customers/${id}`, {
        body: { creditCurrency },
      });
      expect(patched.status, String(creditCurrency)).toBe(400);
      expect(patched.body.error.details.map((d: { path: string }) => d.path)).toEqual([
        'creditCurrency',
      ]);
    }
    expect((await getCustomerById(h.db, id))?.creditCurrency).toBe('USD');
  });
});

describe('POST /api/v1/customers/:id/credit', () => {
  it('tops up and takes off, answering the balance after; announces invalidate-customer', async () => {
    const { id } = (await customer({ creditMicros: 1_000_000, creditCurrency: 'EUR' })).body as {
      id: string;
    };
    let res: HttpResult | undefined;
    const commands = await announced(1, async () => {
      res = await credit(id, { amountMicros: 250_000 });
    });
    expect(res?.status).toBe(200);
    expect(res?.body).toEqual({ customerId: id, creditMicros: 1_250_000, creditCurrency: 'EUR' });
    expect(commands).toEqual([{ type: 'invalidate-customer', customerId: id }]);

    // A correction: negative amounts take off, and may take the balance below zero.
    const down = await announced(1, async () => {
      res = await credit(id, { amountMicros: -1_300_000 });
    });
    expect(res?.status).toBe(200);
    expect(res?.body).toEqual({ customerId: id, creditMicros: -50_000, creditCurrency: 'EUR' });
    expect(down).toEqual([{ type: 'invalidate-customer', customerId: id }]);
    expect((await h.request('GET', `/api/v1/customers/${id}`)).body.creditMicros).toBe(-50_000);
  });

  it('adds up concurrent top-ups, each seeing its own balance after', async () => {
    const { id } = (await customer({ creditMicros: 0 })).body as { id: string };
    const results = await Promise.all(
      Array.from({ length: 25 }, () => credit(id, { amountMicros: 1_000 })),
    );
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 25 }, () => 200));
    const after = results.map((r) => r.body.creditMicros as number).sort((a, b) => a - b);
    expect(after).toEqual(Array.from({ length: 25 }, (_, i) => (i + 1) * 1_000));
    expect(await balanceOf(id)).toBe(25_000);
  });

  it('keeps the charges made since the operator last read the balance (what PATCH would lose)', async () => {
    const { id } = (await customer({ creditMicros: 100_000 })).body as { id: string };
    // The operator read 100 000; then a message is charged 15 000 (as the CDR
    // trigger does it: in PostgreSQL, behind the API's back).
    await sql`UPDATE customer_mgmt.accounts SET credit_micros = credit_micros - 15000
               WHERE id = ${id}`.execute(h.db);
    const res = await credit(id, { amountMicros: 50_000 });
    expect(res.body.creditMicros).toBe(135_000);
    expect(await balanceOf(id)).toBe(135_000);
  });

  it('404 for an unknown customer; 409 for a postpaid one, saying to set creditMicros first', async () => {
    const unknown = await credit(UNKNOWN, { amountMicros: 1_000 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');

    const { id } = (await customer()).body as { id: string };
    const postpaid = await credit(id, { amountMicros: 1_000 });
    expect(postpaid.status).toBe(409);
    expect(postpaid.body.error.code).toBe('conflict');
    expect(postpaid.body.error.message).toMatch(/postpaid.*set(ting)? creditMicros/);
    expect(await balanceOf(id)).toBeNull();
  });

  it('400 for a missing, zero, fractional, too large or non-numeric amount, or any other field', async () => {
    const { id } = (await customer({ creditMicros: 10_000 })).body as { id: string };
    const cases: [unknown, string][] = [
      [{}, 'amountMicros'],
      [{ amountMicros: 0 }, 'amountMicros'],
      [{ amountMicros: 1.5 }, 'amountMicros'],
      [{ amountMicros: 1_000_000_000_000_001 }, 'amountMicros'],
      [{ amountMicros: -1_000_000_000_000_001 }, 'amountMicros'],
      [{ amountMicros: '1000' }, 'amountMicros'],
      [{ amountMicros: null }, 'amountMicros'],
      [{ amountMicros: 1_000, currency: 'USD' }, ''],
      [[1_000], ''],
    ];
    for (const [body, path] of cases) {
      const res = await credit(id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
    }
    const zero = await credit(id, { amountMicros: 0 });
    expect(zero.body.error.details[0].message).toBe('must not be zero');
    const missing = await h.request('POST', `/api/v1/customers/${id}/credit`);
    expect(missing.status).toBe(400);
    expect((await credit('not-a-uuid', { amountMicros: 1 })).status).toBe(400);
    // The bounds themselves are allowed.
    expect((await credit(id, { amountMicros: 1_000_000_000_000_000 })).status).toBe(200);
    expect((await credit(id, { amountMicros: -1_000_000_000_000_000 })).status).toBe(200);
    expect(await balanceOf(id)).toBe(10_000);
  });

  it('400 invalid_value, changing nothing, when the balance after would not be a safe integer', async () => {
    const top = Number.MAX_SAFE_INTEGER - 5;
    const { id } = (await customer({ creditMicros: top })).body as { id: string };
    const over = await credit(id, { amountMicros: 10 });
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('invalid_value');
    expect(await balanceOf(id)).toBe(top);
    expect((await h.request('GET', '/api/v1/customers?limit=500')).status).toBe(200);
    expect((await credit(id, { amountMicros: 5 })).body.creditMicros).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('403 for a read token, 401 without one; the balance stays', async () => {
    const { id } = (await customer({ creditMicros: 7_000 })).body as { id: string };
    const read = await credit(id, { amountMicros: 1_000 }, h.readToken);
    expect(read.status).toBe(403);
    expect(read.body.error.code).toBe('forbidden');
    const none = await credit(id, { amountMicros: 1_000 }, null);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(await balanceOf(id)).toBe(7_000);
  });

  it('writes an audit line with who, which customer, the amount and the balance after', async () => {
    const { id } = (await customer({ creditMicros: 2_000, creditCurrency: 'CAD' })).body as {
      id: string;
    };
    expect((await credit(id, { amountMicros: 3_000 })).status).toBe(200);
    await vi.waitFor(() => {
      const line = h.logs.find(
        (l) =>
          l.message === 'audit' && l.operation === 'adjustCustomerCredit' && l.resource_id === id,
      );
      expect(line).toMatchObject({
        actor: 'ops-write',
        action: 'POST /api/v1/customers/:id/credit',
        resource: 'customer',
        resource_id: id,
        fields: ['amountMicros'],
        details: { amount_micros: 3_000, credit_micros: 5_000, credit_currency: 'CAD' },
        status: 200,
        outcome: 'success',
      });
    });
  });
});
