// A customer's messages in a time window and their usage per hour or day,
// from CDRs written the way the tracker writes them, read over HTTP.
import { randomUUID } from 'node:crypto';
import { createCustomer, upsertCdrs, type CdrWrite } from '@smpp-gateway/db';
import { MessageStateStore } from '@smpp-gateway/message-state';
import { Redis } from 'ioredis';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { addCustomer, startHarness, type Harness } from './harness.js';

let h: Harness;
let customerId: string;
let otherCustomerId: string;
const now = Date.now();
/** Accepted `minutesAgo` minutes before the test started, on the millisecond. */
const ago = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);

function cdr(messageId: string, overrides: Partial<CdrWrite> = {}): CdrWrite {
  return {
    messageId,
    customerId,
    systemId: 'acme',
    sourceAddr: '15551230001',
    destinationAddr: '447700900123',
    segments: 1,
    submitStatus: 'submitted',
    acceptedAt: ago(10),
    pricePerSegmentMicros: 5_000,
    currency: 'USD',
    ...overrides,
  };
}

beforeAll(async () => {
  h = await startHarness();
  customerId = (await addCustomer(h.db, 'search')).id;
  otherCustomerId = (await addCustomer(h.db, 'other')).id;
  await upsertCdrs(h.db, [
    cdr('m-1', { acceptedAt: ago(50), deliveryStatus: 'DELIVRD' }),
    cdr('m-2', { acceptedAt: ago(40), deliveryStatus: 'UNDELIV', destinationAddr: '15125550100' }),
    // Two in the same millisecond: the id breaks the tie, no row is skipped.
    cdr('m-3a', { acceptedAt: ago(30) }),
    cdr('m-3b', { acceptedAt: ago(30), deliveryStatus: 'DELIVRD' }),
    cdr('m-4', { acceptedAt: ago(20), submitStatus: 'failed' }),
    cdr('m-old', { acceptedAt: ago(60 * 30) }),
    cdr('m-other', { customerId: otherCustomerId, acceptedAt: ago(15) }),
  ]);
});

afterAll(async () => {
  await h?.close();
});

const search = (query: string) =>
  h.request('GET', `/api/v1/messages?${query}`, { token: h.readToken });

describe('GET /api/v1/messages', () => {
  it("pages through one customer's last 24 h, newest first, every message once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search(
        `customerId=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((m: { messageId: string }) => m.messageId));
      cursor = res.body.next;
      pages += 1;
    } while (cursor !== null && pages < 10);
    // m-old is 30 h old (outside the default window); m-other is not theirs.
    expect(seen).toEqual(['m-4', 'm-3b', 'm-3a', 'm-2', 'm-1']);
    expect(pages).toBe(3);

    const first = await search(`customerId=${customerId}&limit=1`);
    expect(first.body.items[0]).toMatchObject({
      messageId: 'm-4',
      customerId,
      status: 'failed',
      final: true,
      from: 'postgres',
      destination: { addr: '447700900123' },
    });
    expect(first.body.items[0]).not.toHaveProperty('textPreview');
  });

  it("keeps the first page's window start on the following pages", async () => {
    const from = encodeURIComponent(ago(45).toISOString());
    const first = await search(`customerId=${customerId}&from=${from}&limit=2`);
    expect(first.body.items.map((m: { messageId: string }) => m.messageId)).toEqual([
      'm-4',
      'm-3b',
    ]);
    // No `from` now: the cursor's (45 min ago) holds, so m-1 (50 min) stays out.
    const second = await search(`customerId=${customerId}&limit=2&cursor=${first.body.next}`);
    expect(second.body.items.map((m: { messageId: string }) => m.messageId)).toEqual([
      'm-3a',
      'm-2',
    ]);
    expect(second.body.next).toBeNull();
  });

  it('shows a message Redis still holds from its live record (the customer receipt included)', async () => {
    const redis = new Redis(h.env.redis.url, { keyPrefix: h.env.redis.keyPrefix, db: 0 });
    try {
      const store = new MessageStateStore({ redis });
      await store.recordAccepted('m-3b', {
        status: 'DELIVRD',
        customerId,
        systemId: 'acme',
        source: { addr: '15551230001', ton: 1, npi: 1 },
        destination: { addr: '447700900123', ton: 1, npi: 1 },
        registeredDelivery: 1,
        segments: 1,
        acceptedAt: ago(30).toISOString(),
        customerReceipt: 'sent',
      });
      // Not JSON: that one falls back to its CDR instead of failing the page.
      await redis.set('dlr:msg:m-3a', 'not json');
      const res = await search(`customerId=${customerId}&limit=3`);
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(
        (res.body.items as { messageId: string; from: string }[]).map((m) => [m.messageId, m]),
      );
      expect(byId['m-3b']).toMatchObject({ from: 'redis', customerReceipt: 'sent' });
      expect(byId['m-3a']).toMatchObject({ from: 'postgres', status: 'submitted' });
      expect(byId['m-4']).toMatchObject({ from: 'postgres' });
    } finally {
      redis.disconnect();
    }
  });

  it('filters by status, destination and window', async () => {
    const ids = async (query: string): Promise<string[]> => {
      const res = await search(`customerId=${customerId}&${query}`);
      return (res.body.items as { messageId: string }[]).map((m) => m.messageId);
    };
    expect(await ids('status=DELIVRD')).toEqual(['m-3b', 'm-1']);
    expect(await ids('status=submitted')).toEqual(['m-3a']);
    expect(await ids('destination=15125550100')).toEqual(['m-2']);
    const from = encodeURIComponent(ago(60 * 31).toISOString());
    const to = encodeURIComponent(ago(60 * 29).toISOString());
    expect(await ids(`from=${from}&to=${to}`)).toEqual(['m-old']);
  });

  it('says what is wrong with a search, and 404 for an unknown customer', async () => {
    const problems = async (query: string) => {
      const res = await search(query);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      return (res.body.error.details as { path: string }[]).map((d) => d.path);
    };
    expect(await problems('limit=5')).toContain('customerId');
    const t = (d: Date) => encodeURIComponent(d.toISOString());
    expect(await problems(`customerId=${customerId}&from=${t(ago(1))}&to=${t(ago(2))}`)).toEqual([
      'from',
    ]);
    expect(
      await problems(`customerId=${customerId}&from=${t(ago(60 * 24 * 40))}&to=${t(ago(0))}`),
    ).toEqual(['from']);
    expect(await problems(`customerId=${customerId}&cursor=not-a-cursor`)).toEqual(['cursor']);
    expect(await problems(`customerId=${customerId}&status=LOST`)).toEqual(['status']);
    expect(await problems(`customerId=${customerId}&limit=501`)).toEqual(['limit']);
    const unknown = await search(`customerId=${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(
      (await h.request('GET', `/api/v1/messages?customerId=${customerId}`, { token: null })).status,
    ).toBe(401);
  });
});

describe('GET /api/v1/customers/:id/usage', () => {
  let usageCustomer: string;
  const at = (iso: string) => new Date(iso);

  beforeAll(async () => {
    usageCustomer = (
      await createCustomer(h.db, {
        name: 'usage',
        systemId: `usage-${randomUUID().slice(0, 8)}`,
        password: 'secret12',
        throughput: 50,
        maxBinds: 2,
      })
    ).id;
    const row = (messageId: string, overrides: Partial<CdrWrite>) =>
      cdr(messageId, { customerId: usageCustomer, ...overrides });
    await upsertCdrs(h.db, [
      row('u-1', {
        acceptedAt: at('2026-03-10T10:05:00.000Z'),
        costPerSegmentMicros: 3_000,
        deliveryStatus: 'DELIVRD',
      }),
      row('u-2', {
        acceptedAt: at('2026-03-10T10:40:00.000Z'),
        segments: 2,
        costPerSegmentMicros: 3_000,
        deliveryStatus: 'UNDELIV',
      }),
      row('u-3', { acceptedAt: at('2026-03-10T11:10:00.000Z') }),
      // Priced, but no carrier has accepted it yet: not charged.
      row('u-3b', { acceptedAt: at('2026-03-10T11:50:00.000Z'), submitStatus: 'accepted' }),
      row('u-4', {
        acceptedAt: at('2026-03-10T11:20:00.000Z'),
        segments: 3,
        currency: 'EUR',
        pricePerSegmentMicros: 7_000,
        costPerSegmentMicros: 4_000,
        deliveryStatus: 'DELIVRD',
      }),
      // Refused by the vendor after routing (it carries the price): not charged.
      row('u-5', { acceptedAt: at('2026-03-11T09:00:00.000Z'), submitStatus: 'failed' }),
      row('u-late', { acceptedAt: at('2026-03-12T00:00:00.000Z') }),
    ]);
  });

  const usage = (query: string) =>
    h.request('GET', `/api/v1/customers/${usageCustomer}/usage?${query}`, { token: h.readToken });

  it('sums messages, segments, statuses, price, charges and cost per UTC hour and currency', async () => {
    const res = await usage('interval=hour&from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      customerId: usageCustomer,
      interval: 'hour',
      from: '2026-03-10T00:00:00.000Z',
      to: '2026-03-11T00:00:00.000Z',
    });
    expect(res.body.buckets).toEqual([
      {
        start: '2026-03-10T10:00:00.000Z',
        currency: 'USD',
        messages: 2,
        segments: 3,
        byStatus: { DELIVRD: 1, UNDELIV: 1 },
        priceMicros: 15_000,
        chargedMicros: 15_000,
        costMicros: 9_000,
      },
      {
        start: '2026-03-10T11:00:00.000Z',
        currency: 'EUR',
        messages: 1,
        segments: 3,
        byStatus: { DELIVRD: 1 },
        priceMicros: 21_000,
        chargedMicros: 21_000,
        costMicros: 12_000,
      },
      {
        start: '2026-03-10T11:00:00.000Z',
        currency: 'USD',
        messages: 2,
        segments: 2,
        byStatus: { submitted: 1, accepted: 1 },
        priceMicros: 10_000,
        chargedMicros: 5_000,
        costMicros: 0,
      },
    ]);
  });

  it('per day, with totals per currency; the window end is exclusive', async () => {
    const res = await usage('from=2026-03-10T00:00:00Z&to=2026-03-12T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body.interval).toBe('day');
    expect(
      res.body.buckets.map((b: { start: string; currency: string }) => `${b.start} ${b.currency}`),
    ).toEqual([
      '2026-03-10T00:00:00.000Z EUR',
      '2026-03-10T00:00:00.000Z USD',
      '2026-03-11T00:00:00.000Z USD',
    ]);
    expect(res.body.totals).toEqual([
      {
        currency: 'EUR',
        messages: 1,
        segments: 3,
        byStatus: { DELIVRD: 1 },
        priceMicros: 21_000,
        chargedMicros: 21_000,
        costMicros: 12_000,
      },
      {
        currency: 'USD',
        messages: 5,
        segments: 6,
        byStatus: { DELIVRD: 1, UNDELIV: 1, submitted: 1, accepted: 1, failed: 1 },
        priceMicros: 30_000,
        chargedMicros: 20_000,
        costMicros: 9_000,
      },
    ]);
  });

  it('shows per currency what carriers accepted was charged, apart from the price', async () => {
    const res = await usage('from=2026-03-10T00:00:00Z&to=2026-03-13T00:00:00Z');
    expect(res.status).toBe(200);
    const figures = (res.body.totals as Record<string, unknown>[]).map(
      ({ currency, priceMicros, chargedMicros }) => ({ currency, priceMicros, chargedMicros }),
    );
    // u-late (2026-03-12) is in this window; u-3b (accepted) and u-5 (failed) are priced only.
    expect(figures).toEqual([
      { currency: 'EUR', priceMicros: 21_000, chargedMicros: 21_000 },
      { currency: 'USD', priceMicros: 35_000, chargedMicros: 25_000 },
    ]);
    expect(
      res.body.buckets.map(
        (b: { start: string; currency: string; chargedMicros: number }) =>
          `${b.start} ${b.currency} ${b.chargedMicros}`,
      ),
    ).toEqual([
      '2026-03-10T00:00:00.000Z EUR 21000',
      '2026-03-10T00:00:00.000Z USD 20000',
      '2026-03-11T00:00:00.000Z USD 0',
      '2026-03-12T00:00:00.000Z USD 5000',
    ]);
  });

  it('refuses windows it will not scan, and 404 for an unknown customer', async () => {
    for (const query of [
      'interval=hour&from=2026-03-01T00:00:00Z&to=2026-03-10T00:00:00Z',
      'from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z',
      'from=2026-03-10T00:00:00Z&to=2026-03-09T00:00:00Z',
      'interval=week',
    ]) {
      const res = await usage(query);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const unknown = await h.request('GET', `/api/v1/customers/${randomUUID()}/usage`, {
      token: h.readToken,
    });
    expect(unknown.status).toBe(404);
  });
});
