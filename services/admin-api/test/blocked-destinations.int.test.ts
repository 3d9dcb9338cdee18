// /api/v1/blocked-destinations against the real PostgreSQL and RabbitMQ: the
// routers only see a block after a reload, so every change must announce
// reload-routing, and a refused one must announce nothing.
import { recordOptOut, type Customer } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addCustomer, ControlListener, startHarness, type Harness } from './harness.js';

let h: Harness;
let pod: ControlListener;
let acme: Customer;
let beta: Customer;
const UNKNOWN = '5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11';
const PATH = '/api/v1/blocked-destinations';

beforeAll(async () => {
  h = await startHarness();
  pod = await ControlListener.open(h.env.amqp.url, 'router-pod');
  acme = await addCustomer(h.db, 'acme');
  beta = await addCustomer(h.db, 'beta');
});

afterAll(async () => {
  await pod?.close();
  await h?.close();
});

/** Runs `action` and returns the one command announced meanwhile (type, issuer). */
async function announcedOne(action: () => Promise<unknown>) {
  const from = pod.received.length;
  await action();
  const [command] = await pod.waitFor(1, from);
  return { type: command?.command.type, issuedBy: command?.issuedBy };
}

/**
 * Runs `action` (a refused change), then announces reload-rates as a marker:
 * commands reach the pod in publishing order, so had `action` announced
 * anything it would arrive before the marker.
 */
async function announcesNothing(action: () => Promise<unknown>): Promise<void> {
  const from = pod.received.length;
  await action();
  expect((await h.request('POST', '/api/v1/admin/reload-rates')).status).toBe(202);
  const [first] = await pod.waitFor(1, from);
  expect(first?.command).toEqual({ type: 'reload-rates' });
}

function block(body: Record<string, unknown>) {
  return h.request('POST', PATH, { body });
}

interface ListBody {
  body: { items: { prefix: string; customerId: string | null }[] };
}

/** `prefix` or `prefix@customerId`, sorted: blocks of one prefix come in id order. */
function prefixes(res: ListBody): string[] {
  return res.body.items
    .map((b) => `${b.prefix}${b.customerId === null ? '' : `@${b.customerId}`}`)
    .sort();
}

/** How many blocks are stored (to show that a refused change stored nothing). */
async function stored(): Promise<number> {
  return (await h.request('GET', PATH)).body.total as number;
}

function sorted(values: string[]): string[] {
  return [...values].sort();
}

function problemPaths(res: { body: { error: { details: { path: string }[] } } }): string[] {
  return res.body.error.details.map((d) => d.path);
}

describe('blocked destinations', () => {
  let globalId: string;
  let acmeId: string;

  it('creates a global block: 201 with the block and its location; announces reload-routing', async () => {
    let res: Awaited<ReturnType<typeof block>> | undefined;
    const command = await announcedOne(async () => {
      res = await block({ prefix: '4477', reason: 'IRSF range (SMS pumping)' });
    });
    expect(res?.status).toBe(201);
    expect(res?.body).toEqual({
      id: expect.any(String),
      prefix: '4477',
      customerId: null,
      reason: 'IRSF range (SMS pumping)',
      origin: 'operator',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    globalId = res?.body.id;
    expect(res?.headers.get('location')).toBe(`${PATH}/${globalId}`);
    expect(command).toEqual({ type: 'reload-routing', issuedBy: 'ops-write' });
  });

  it("creates a customer's block, even for a prefix blocked globally; reason defaults to ''", async () => {
    let res: Awaited<ReturnType<typeof block>> | undefined;
    const command = await announcedOne(async () => {
      res = await block({ prefix: '4477', customerId: acme.id });
    });
    expect(res?.status).toBe(201);
    expect(res?.body).toMatchObject({ prefix: '4477', customerId: acme.id, reason: '' });
    acmeId = res?.body.id;
    expect(command.type).toBe('reload-routing');

    // The boundaries are accepted: 1 and 15 digits, a 200-character reason, null scope.
    for (const body of [
      { prefix: '44', customerId: null },
      { prefix: '447700900123456', customerId: beta.id, reason: 'r'.repeat(200) },
      { prefix: '3', customerId: acme.id },
      { prefix: '33612' },
    ]) {
      expect((await block(body)).status, JSON.stringify(body)).toBe(201);
    }
  });

  it('lists, by prefix, with each filter; pages with limit and offset', async () => {
    const all = await h.request('GET', PATH, { token: h.readToken });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 6, limit: 50, offset: 0 });
    // By prefix.
    expect(all.body.items.map((b: { prefix: string }) => b.prefix)).toEqual([
      '3',
      '33612',
      '44',
      '4477',
      '4477',
      '447700900123456',
    ]);
    expect(prefixes(all)).toEqual(
      sorted([
        `3@${acme.id}`,
        '33612',
        '44',
        '4477',
        `4477@${acme.id}`,
        `447700900123456@${beta.id}`,
      ]),
    );

    const global = await h.request('GET', `${PATH}?global=true`);
    expect(prefixes(global)).toEqual(sorted(['33612', '44', '4477']));
    const scoped = await h.request('GET', `${PATH}?global=false`);
    expect(prefixes(scoped)).toEqual(
      sorted([`3@${acme.id}`, `4477@${acme.id}`, `447700900123456@${beta.id}`]),
    );
    const ofAcme = await h.request('GET', `${PATH}?customerId=${acme.id}`);
    expect(prefixes(ofAcme)).toEqual(sorted([`3@${acme.id}`, `4477@${acme.id}`]));
    // Not a contradiction: a customer's blocks are not global.
    const ofAcmeScoped = await h.request('GET', `${PATH}?customerId=${acme.id}&global=false`);
    expect(ofAcmeScoped.body.total).toBe(2);

    // Either side of the digits: the blocks a destination 447700… could hit
    // (44, 4477) and those under 4477 (447700900123456).
    const under = await h.request('GET', `${PATH}?prefix=4477`);
    expect(prefixes(under)).toEqual(
      sorted(['44', '4477', `4477@${acme.id}`, `447700900123456@${beta.id}`]),
    );
    const number = await h.request('GET', `${PATH}?prefix=447712345678`);
    expect(prefixes(number)).toEqual(sorted(['44', '4477', `4477@${acme.id}`]));
    const combined = await h.request('GET', `${PATH}?prefix=33612345678&global=true`);
    expect(prefixes(combined)).toEqual(sorted(['33612']));

    const page = await h.request('GET', `${PATH}?limit=2&offset=2`);
    expect(page.body).toMatchObject({ total: 6, limit: 2, offset: 2 });
    expect(page.body.items.map((b: { prefix: string }) => b.prefix)).toEqual(['44', '4477']);
  });

  it('400 for global=true with customerId, saying they contradict each other', async () => {
    const res = await h.request('GET', `${PATH}?global=true&customerId=${acme.id}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual([
      {
        location: 'query',
        path: 'global',
        message: expect.stringMatching(/contradicts customerId/),
      },
    ]);
  });

  it('400 for bad list filters (not a boolean, not digits, not a UUID, unknown)', async () => {
    for (const [query, path] of [
      ['global=yes', 'global'],
      ['prefix=%2B44', 'prefix'],
      ['prefix=1234567890123456', 'prefix'],
      ['customerId=acme', 'customerId'],
      ['limit=0', 'limit'],
      ['vendorId=x', ''],
    ] as const) {
      const res = await h.request('GET', `${PATH}?${query}`);
      expect(res.status, query).toBe(400);
      expect(problemPaths(res), query).toEqual([path]);
    }
  });

  it('gets one; 404 for an unknown id, 400 for a malformed one', async () => {
    const res = await h.request('GET', `${PATH}/${acmeId}`, { token: h.readToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: acmeId, prefix: '4477', customerId: acme.id });
    const unknown = await h.request('GET', `${PATH}/${UNKNOWN}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: 'not_found',
      message: 'blocked destination not found',
    });
    expect((await h.request('GET', `${PATH}/not-a-uuid`)).status).toBe(400);
  });

  it('409 for a prefix already blocked in the same scope; nothing announced', async () => {
    for (const body of [{ prefix: '4477' }, { prefix: '4477', customerId: acme.id }]) {
      await announcesNothing(async () => {
        const res = await block(body);
        expect(res.status, JSON.stringify(body)).toBe(409);
        expect(res.body.error).toMatchObject({
          code: 'conflict',
          message: expect.stringMatching(/already blocked/),
        });
      });
    }
  });

  it('400 for a bad prefix (a leading + says so), a long reason, an unknown field', async () => {
    const before = await stored();
    const plus = await block({ prefix: '+4477' });
    expect(plus.status).toBe(400);
    expect(plus.body.error.details).toEqual([
      { location: 'body', path: 'prefix', message: expect.stringContaining("leading '+'") },
    ]);
    for (const [body, path] of [
      [{ prefix: '44 77' }, 'prefix'],
      [{ prefix: '4477000000000000' }, 'prefix'],
      [{ prefix: '' }, 'prefix'],
      [{ prefix: 4477 }, 'prefix'],
      [{}, 'prefix'],
      [{ prefix: '4478', reason: 'r'.repeat(201) }, 'reason'],
      [{ prefix: '4478', customerId: 'acme' }, 'customerId'],
      [{ prefix: '4478', active: true }, ''],
    ] as const) {
      const res = await block(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(problemPaths(res), JSON.stringify(body)).toEqual([path]);
    }
    expect(await stored()).toBe(before);
  });

  it('400 invalid_reference for an unknown customer; nothing stored, nothing announced', async () => {
    const before = await stored();
    await announcesNothing(async () => {
      const res = await block({ prefix: '4479', customerId: UNKNOWN });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_reference',
        message: 'customerId does not name an existing customer',
      });
    });
    expect(await stored()).toBe(before);
  });

  it('401 without a token; 403 for a read token on POST and DELETE, nothing changed', async () => {
    const before = await stored();
    expect((await h.request('GET', PATH, { token: null })).status).toBe(401);
    expect((await h.request('GET', `${PATH}/${acmeId}`, { token: null })).status).toBe(401);
    const anonymous = await h.request('POST', PATH, { token: null, body: { prefix: '4480' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('unauthorized');
    expect((await h.request('DELETE', `${PATH}/${acmeId}`, { token: null })).status).toBe(401);

    const post = await h.request('POST', PATH, { token: h.readToken, body: { prefix: '4480' } });
    expect(post.status).toBe(403);
    expect(post.body.error).toMatchObject({
      code: 'forbidden',
      message: "this token has scope 'read'; 'write' is required",
    });
    const del = await h.request('DELETE', `${PATH}/${acmeId}`, { token: h.readToken });
    expect(del.status).toBe(403);
    expect(await stored()).toBe(before);
    expect((await h.request('GET', `${PATH}/${acmeId}`)).status).toBe(200);
  });

  it('deletes: 204, reload-routing announced; then 404 (and 404 for an unknown id)', async () => {
    let status: number | undefined;
    const command = await announcedOne(async () => {
      status = (await h.request('DELETE', `${PATH}/${acmeId}`)).status;
    });
    expect(status).toBe(204);
    expect(command).toEqual({ type: 'reload-routing', issuedBy: 'ops-write' });
    expect((await h.request('GET', `${PATH}/${acmeId}`)).status).toBe(404);
    // The global block of the same prefix stays.
    expect((await h.request('GET', `${PATH}/${globalId}`)).status).toBe(200);

    await announcesNothing(async () => {
      expect((await h.request('DELETE', `${PATH}/${acmeId}`)).status).toBe(404);
      const unknown = await h.request('DELETE', `${PATH}/${UNKNOWN}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.message).toBe('blocked destination not found');
    });
  });

  it('audits changes with the prefix and scope only (never the reason)', async () => {
    const created = await block({ prefix: '88216', reason: 'do-not-log-this' });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect((await h.request('DELETE', `${PATH}/${id}`)).status).toBe(204);
    // acme's 4477 was deleted above: allowed again, then a duplicate.
    expect((await block({ prefix: '4477', customerId: acme.id })).status).toBe(201);
    expect((await block({ prefix: '4477', customerId: acme.id })).status).toBe(409);

    await vi.waitFor(() => {
      const audits = h.logs.filter(
        (l) => l.message === 'audit' && l.resource === 'blocked-destination',
      );
      const create = audits.find(
        (l) => l.operation === 'createBlockedDestination' && l.resource_id === id,
      );
      expect(create).toMatchObject({
        actor: 'ops-write',
        action: `POST ${PATH}`,
        fields: ['prefix', 'reason'],
        details: { prefix: '88216', customer_id: null },
        status: 201,
        outcome: 'success',
      });
      const remove = audits.find(
        (l) => l.operation === 'deleteBlockedDestination' && l.resource_id === id,
      );
      expect(remove).toMatchObject({
        action: `DELETE ${PATH}/:id`,
        details: { prefix: '88216', customer_id: null },
        status: 204,
      });
      // A refused attempt still says what it tried to block.
      const duplicate = audits.find(
        (l) =>
          l.operation === 'createBlockedDestination' &&
          l.status === 409 &&
          (l.details as { customer_id?: unknown } | undefined)?.customer_id === acme.id,
      );
      expect(duplicate).toMatchObject({
        details: { prefix: '4477', customer_id: acme.id },
        outcome: 'refused',
      });
      // Lines refused before the handler ran (403, 400) carry no details.
      for (const line of audits.filter((l) => l.details !== undefined)) {
        expect(Object.keys(line.details as object).sort()).toEqual(['customer_id', 'prefix']);
      }
    });
    expect(h.logText()).not.toContain('do-not-log-this');

    // A whole number blocked (an opted-out subscriber) is masked in the audit line.
    const number = await block({ prefix: '447700900123' });
    expect(number.status).toBe(201);
    await vi.waitFor(() => {
      const line = h.logs.find(
        (l) =>
          l.message === 'audit' &&
          l.operation === 'createBlockedDestination' &&
          l.resource_id === number.body.id,
      );
      expect(line?.details).toEqual({ prefix: '4477******23', customer_id: null });
    });
    expect(h.logText()).not.toContain('447700900123');
  });

  it("shows a subscriber's opt-out apart from the operators' blocks, and an operator may lift it", async () => {
    // What router-worker records when the subscriber replies STOP.
    await recordOptOut(h.db, { customerId: beta.id, number: '15125550177', keyword: 'STOP' });
    const optOuts = await h.request('GET', `${PATH}?origin=opt_out`);
    expect(optOuts.status).toBe(200);
    expect(optOuts.body.items).toEqual([
      expect.objectContaining({
        prefix: '15125550177',
        customerId: beta.id,
        origin: 'opt_out',
        reason: 'subscriber opted out (STOP)',
      }),
    ]);
    const operators = await h.request('GET', `${PATH}?origin=operator`);
    expect(operators.body.items.length).toBeGreaterThan(0);
    expect(operators.body.items.every((b: { origin: string }) => b.origin === 'operator')).toBe(
      true,
    );
    expect((await h.request('GET', `${PATH}?origin=subscriber`)).status).toBe(400);
    const command = await announcedOne(async () => {
      const lifted = await h.request('DELETE', `${PATH}/${optOuts.body.items[0].id as string}`);
      expect(lifted.status).toBe(204);
    });
    expect(command.type).toBe('reload-routing');
    expect((await h.request('GET', `${PATH}?origin=opt_out`)).body.total).toBe(0);
  });
});
