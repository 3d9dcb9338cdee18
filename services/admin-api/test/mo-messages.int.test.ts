// The MO archive over HTTP: parts written the way router-worker writes them
// (insertMoMessages), searched and read back.
import { randomUUID } from 'node:crypto';
import { insertMoMessages, type MoMessage } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCustomer, startHarness, type Harness } from './harness.js';

let h: Harness;
let customerId: string;
let otherCustomerId: string;
const vendorId = '00000000-0000-4000-8000-0000000000a1';
const now = Date.now();
/** `minutesAgo` minutes before the test started, on the millisecond. */
const ago = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);

function mo(messageId: string, overrides: Partial<MoMessage> = {}): MoMessage {
  const receivedAt = overrides.receivedAt ?? ago(10);
  return {
    messageId,
    customerId,
    vendorId,
    source: '447700900123',
    destination: '15551230001',
    esmClass: 0,
    dataCoding: 0,
    octets: 4,
    concat: null,
    receivedAt,
    routedAt: new Date(receivedAt.getTime() + 15),
    deliveryMessageId: `d-${messageId}`,
    ...overrides,
  };
}

beforeAll(async () => {
  h = await startHarness();
  customerId = (await addCustomer(h.db, 'mo')).id;
  otherCustomerId = (await addCustomer(h.db, 'mox')).id;
  await insertMoMessages(h.db, [
    mo('mo-1', { receivedAt: ago(50) }),
    mo('mo-2', { receivedAt: ago(40), source: '447700900999' }),
    // Two parts of one message in the same millisecond: the id breaks the tie.
    mo('mo-3a', {
      receivedAt: ago(30),
      esmClass: 0x40,
      dataCoding: 8,
      octets: 134,
      concat: { reference: 42, sequence: 1, total: 2 },
      deliveryMessageId: 'd-mo-3',
    }),
    mo('mo-3b', {
      receivedAt: ago(30),
      esmClass: 0x40,
      dataCoding: 8,
      octets: 20,
      concat: { reference: 42, sequence: 2, total: 2 },
      deliveryMessageId: 'd-mo-3',
    }),
    mo('mo-4', { receivedAt: ago(20), vendorId: null }),
    mo('mo-old', { receivedAt: ago(60 * 30) }),
    mo('mo-other', { customerId: otherCustomerId, receivedAt: ago(15) }),
  ]);
});

afterAll(async () => {
  await h?.close();
});

const search = (query: string, token: string | null = h.readToken) =>
  h.request('GET', `/api/v1/mo-messages?${query}`, { token });
const ids = (body: { items: { messageId: string }[] }) => body.items.map((m) => m.messageId);

describe('GET /api/v1/mo-messages', () => {
  it("pages through one customer's last 24 h, newest first, every part once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await search(
        `customerId=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(res.body));
      cursor = res.body.next;
      pages += 1;
    } while (cursor !== null && pages < 10);
    // mo-old is 30 h old (outside the default window); mo-other is not theirs.
    expect(seen).toEqual(['mo-4', 'mo-3b', 'mo-3a', 'mo-2', 'mo-1']);
    expect(pages).toBe(3);
  });

  it('answers the view: metadata, concat, ISO timestamps, no text', async () => {
    const res = await search(`customerId=${customerId}&limit=3`);
    expect(res.status).toBe(200);
    const [latest, part2, part1] = res.body.items;
    expect(latest).toMatchObject({ messageId: 'mo-4', vendorId: null, concat: null });
    expect(part1).toEqual({
      messageId: 'mo-3a',
      customerId,
      vendorId,
      source: '447700900123',
      destination: '15551230001',
      esmClass: 0x40,
      dataCoding: 8,
      octets: 134,
      concat: { reference: 42, sequence: 1, total: 2 },
      receivedAt: ago(30).toISOString(),
      routedAt: new Date(ago(30).getTime() + 15).toISOString(),
      deliveryMessageId: 'd-mo-3',
    });
    expect(part2).toMatchObject({
      messageId: 'mo-3b',
      concat: { reference: 42, sequence: 2, total: 2 },
      deliveryMessageId: 'd-mo-3',
    });
  });

  it("keeps the first page's window start on the following pages", async () => {
    const from = encodeURIComponent(ago(45).toISOString());
    const first = await search(`customerId=${customerId}&from=${from}&limit=2`);
    expect(ids(first.body)).toEqual(['mo-4', 'mo-3b']);
    // No `from` now: the cursor's (45 min ago) holds, so mo-1 (50 min) stays out.
    const second = await search(`customerId=${customerId}&limit=2&cursor=${first.body.next}`);
    expect(ids(second.body)).toEqual(['mo-3a', 'mo-2']);
    expect(second.body.next).toBeNull();
  });

  it('filters by source, destination and window', async () => {
    const found = async (query: string) => {
      const res = await search(`customerId=${customerId}&${query}`);
      expect(res.status).toBe(200);
      return ids(res.body);
    };
    // "Did my customer get the STOP from this number?"
    expect(await found('source=447700900999')).toEqual(['mo-2']);
    expect(await found('source=447700900000')).toEqual([]);
    expect(await found('destination=15551230001')).toEqual([
      'mo-4',
      'mo-3b',
      'mo-3a',
      'mo-2',
      'mo-1',
    ]);
    expect(await found('destination=15551230002')).toEqual([]);
    const from = encodeURIComponent(ago(60 * 31).toISOString());
    const to = encodeURIComponent(ago(60 * 29).toISOString());
    expect(await found(`from=${from}&to=${to}`)).toEqual(['mo-old']);
    // The other customer's part is theirs only.
    const other = await search(`customerId=${otherCustomerId}`);
    expect(ids(other.body)).toEqual(['mo-other']);
  });

  it('says what is wrong with a search, and 404 for an unknown customer', async () => {
    const problems = async (query: string) => {
      const res = await search(query);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      return res.body.error.details as { location: string; path: string; message: string }[];
    };
    const paths = async (query: string) => (await problems(query)).map((d) => d.path);
    expect(await paths('limit=5')).toContain('customerId');
    const t = (d: Date) => encodeURIComponent(d.toISOString());
    expect(await problems(`customerId=${customerId}&from=${t(ago(60 * 24 * 40))}`)).toEqual([
      { location: 'query', path: 'from', message: 'the window may span at most 31 days' },
    ]);
    expect(await paths(`customerId=${customerId}&from=${t(ago(1))}&to=${t(ago(2))}`)).toEqual([
      'from',
    ]);
    expect(await problems(`customerId=${customerId}&cursor=not-a-cursor`)).toEqual([
      { location: 'query', path: 'cursor', message: 'is not a cursor this API returned' },
    ]);
    const wrongShape = Buffer.from(JSON.stringify(['x', 1]), 'utf8').toString('base64url');
    expect(await paths(`customerId=${customerId}&cursor=${wrongShape}`)).toEqual(['cursor']);
    expect(await paths(`customerId=not-a-uuid`)).toEqual(['customerId']);
    expect(await paths(`customerId=${customerId}&limit=501`)).toEqual(['limit']);
    expect(await paths(`customerId=${customerId}&text=STOP`)).toEqual(['']);

    const unknown = await search(`customerId=${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', message: 'customer not found' });
  });
});

describe('GET /api/v1/mo-messages/:id', () => {
  it('answers one part, timestamps in ISO', async () => {
    const res = await h.request('GET', '/api/v1/mo-messages/mo-2', { token: h.readToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      messageId: 'mo-2',
      customerId,
      vendorId,
      source: '447700900999',
      destination: '15551230001',
      esmClass: 0,
      dataCoding: 0,
      octets: 4,
      concat: null,
      receivedAt: ago(40).toISOString(),
      routedAt: new Date(ago(40).getTime() + 15).toISOString(),
      deliveryMessageId: 'd-mo-2',
    });
  });

  it('404 for an unknown id, 400 for an impossible one', async () => {
    const missing = await h.request('GET', '/api/v1/mo-messages/never-seen');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'not_found',
      message: 'mo message not found',
    });
    const tooLong = await h.request('GET', `/api/v1/mo-messages/${'x'.repeat(65)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0]).toMatchObject({ location: 'params', path: 'id' });
  });
});

describe('authentication', () => {
  it('401 without a token or with a forged one; read and write tokens may read', async () => {
    const query = `customerId=${customerId}`;
    for (const token of [null, 'sgw_forged']) {
      const res = await search(query, token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(res.text).not.toContain('mo-4');
      const one = await h.request('GET', '/api/v1/mo-messages/mo-4', { token });
      expect(one.status).toBe(401);
    }
    expect((await search(query, h.writeToken)).status).toBe(200);
    expect(
      (await h.request('GET', '/api/v1/mo-messages/mo-4', { token: h.readToken })).status,
    ).toBe(200);
  });
});
