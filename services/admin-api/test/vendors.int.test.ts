import { DEFAULT_TOPOLOGY_OPTIONS, vendorLane, vendorQueues } from '@smpp-gateway/contracts';
import { decryptVendorPassword, getVendorById, setVendorStatus } from '@smpp-gateway/db';
import { assertTopology } from '@smpp-gateway/runtime';
import amqp from 'amqplib';
import { VendorStatusStore } from '@smpp-gateway/message-state';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlListener, sampleVendor, startHarness, type Harness } from './harness.js';

let h: Harness;
// Two independent control queues: what two running pods (e.g. two
// vendor-connector instances) each have.
let podA: ControlListener;
let podB: ControlListener;

beforeAll(async () => {
  h = await startHarness();
  podA = await ControlListener.open(h.env.amqp.url, 'pod-a');
  podB = await ControlListener.open(h.env.amqp.url, 'pod-b');
});

afterAll(async () => {
  await podA?.close();
  await podB?.close();
  await h?.close();
});

describe('vendors', () => {
  let vendorId: string;

  it('creates a vendor: 201, Location, no password in any form, stored encrypted, announced to every pod', async () => {
    const before = { a: podA.received.length, b: podB.received.length };
    const res = await h.request('POST', '/api/v1/vendors', { body: sampleVendor() });
    expect(res.status).toBe(201);
    vendorId = res.body.id;
    expect(res.headers.get('location')).toBe(`/api/v1/vendors/${vendorId}`);
    expect(res.body).toMatchObject({
      instanceName: 'sinch-chicago',
      port: 2775,
      bindType: 'transceiver',
      useTls: false,
      maxBinds: 1,
      status: 'unknown',
      version: 1,
      isActive: true,
    });
    expect(res.text).not.toMatch(/password|s3cr3tpw/i);

    const stored = await getVendorById(h.db, vendorId);
    expect(stored?.passwordEncrypted).toMatch(/^v1:/);
    expect(stored?.passwordEncrypted).not.toContain('s3cr3tpw');
    // The DEV key is what the test config resolves to (no VENDOR_SECRET_KEY).
    const { resolveVendorSecretKey } = await import('@smpp-gateway/db');
    expect(decryptVendorPassword(stored!, resolveVendorSecretKey({}).key)).toBe('s3cr3tpw');

    for (const [pod, from] of [
      [podA, before.a],
      [podB, before.b],
    ] as const) {
      const [command] = await pod.waitFor(1, from);
      expect(command).toMatchObject({ command: { type: 'reload-vendors' }, issuedBy: 'ops-write' });
    }
  });

  it('lists with pagination and filters', async () => {
    await h.request('POST', '/api/v1/vendors', {
      body: sampleVendor({
        instanceName: 'sinch-atlanta',
        displayName: 'Sinch Atlanta',
        priority: 200,
        isActive: false,
      }),
    });
    const all = await h.request('GET', '/api/v1/vendors', { token: h.readToken });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(all.body.items.map((v: { instanceName: string }) => v.instanceName)).toEqual([
      'sinch-chicago',
      'sinch-atlanta',
    ]);

    const page = await h.request('GET', '/api/v1/vendors?limit=1&offset=1', { token: h.readToken });
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.body.items).toHaveLength(1);
    expect(page.body.items[0].instanceName).toBe('sinch-atlanta');

    const active = await h.request('GET', '/api/v1/vendors?isActive=true');
    expect(active.body.items.map((v: { instanceName: string }) => v.instanceName)).toEqual([
      'sinch-chicago',
    ]);
    const search = await h.request('GET', '/api/v1/vendors?search=ATLANTA');
    expect(search.body.total).toBe(1);
  });

  it('rejects invalid list queries field by field', async () => {
    const res = await h.request(
      'GET',
      '/api/v1/vendors?limit=0&isActive=maybe&status=on-fire&color=red',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const fields = res.body.error.details.map(
      (d: { location: string; path: string }) => `${d.location}:${d.path}`,
    );
    expect(fields).toEqual(
      expect.arrayContaining(['query:limit', 'query:isActive', 'query:status', 'query:']),
    );
  });

  it('gets one vendor; 404 for an unknown id; 400 for a malformed id', async () => {
    expect((await h.request('GET', `/api/v1/vendors/${vendorId}`)).body.id).toBe(vendorId);
    const missing = await h.request('GET', '/api/v1/vendors/5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'not_found', message: 'vendor not found' });
    const malformed = await h.request('GET', '/api/v1/vendors/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details).toEqual([
      { location: 'params', path: 'id', message: 'must be a UUID' },
    ]);
  });

  it('400 with every field problem of a bad body, and nothing of the submitted values echoed', async () => {
    const res = await h.request('POST', '/api/v1/vendors', {
      body: {
        ...sampleVendor({
          instanceName: 'bad name!',
          port: 70000,
          password: 'muchtoolongpassword',
          bindType: 'tx_rx',
        }),
        pasword: 'typo',
        id: 'x',
      },
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['instanceName', 'port', 'password', 'maxBinds', '']),
    );
    const unknown = res.body.error.details.find((d: { path: string }) => d.path === '');
    expect(unknown.message).toMatch(/pasword/);
    expect(res.text).not.toContain('muchtoolongpassword');
    expect((await h.request('GET', '/api/v1/vendors')).body.total).toBe(2);
  });

  it('409 for a duplicate instance name', async () => {
    const res = await h.request('POST', '/api/v1/vendors', { body: sampleVendor() });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      message: 'a vendor with this instanceName already exists',
      details: { constraint: 'service_providers_instance_name_key' },
    });
  });

  it('patches: bumps the version, re-encrypts a new password, announces reload-vendors + reload-routing', async () => {
    const from = podA.received.length;
    const res = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { throughput: 250, password: 'newpw123', expectedVersion: 1 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ throughput: 250, version: 2 });
    expect(res.text).not.toContain('newpw123');
    const stored = await getVendorById(h.db, vendorId);
    const { resolveVendorSecretKey } = await import('@smpp-gateway/db');
    expect(decryptVendorPassword(stored!, resolveVendorSecretKey({}).key)).toBe('newpw123');
    const commands = await podA.waitFor(2, from);
    expect(commands.map((c) => c.command.type).sort()).toEqual([
      'reload-routing',
      'reload-vendors',
    ]);
  });

  it('sets, clears and validates the receipt message-id format', async () => {
    const set = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' });
    const cleared = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { receiptMessageIdFormat: null },
    });
    expect(cleared.body).toMatchObject({ messageIdFormat: 'hex', receiptMessageIdFormat: null });
    const bad = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { receiptMessageIdFormat: 'octal' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/receiptMessageIdFormat/);
  });

  it('sets, clears and validates the receipt time zone', async () => {
    const set = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { receiptTimeZone: ' America/Sao_Paulo ' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ receiptTimeZone: 'America/Sao_Paulo' });
    expect((await getVendorById(h.db, vendorId))?.receiptTimeZone).toBe('America/Sao_Paulo');
    const offset = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { receiptTimeZone: '-03:00' },
    });
    expect(offset.body).toMatchObject({ receiptTimeZone: '-03:00' });
    const cleared = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { receiptTimeZone: null },
    });
    expect(cleared.body).toMatchObject({ receiptTimeZone: null });
    for (const bad of ['Mars/Olympus_Mons', '+15:00', '']) {
      const res = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
        body: { receiptTimeZone: bad },
      });
      expect(res.status, bad).toBe(400);
      expect(JSON.stringify(res.body), bad).toMatch(/receiptTimeZone/);
    }
    const named = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { receiptTimeZone: 'Mars/Olympus_Mons' },
    });
    expect(JSON.stringify(named.body)).toMatch(/not a time zone: use an IANA name/);
    expect((await getVendorById(h.db, vendorId))?.receiptTimeZone).toBeNull();
  });

  it('409 when expectedVersion is stale; 404 for an unknown vendor; 400 tx_rx with one bind', async () => {
    const stale = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { throughput: 1, expectedVersion: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/modified concurrently/);
    const unknown = await h.request(
      'PATCH',
      '/api/v1/vendors/5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11',
      {
        body: { throughput: 1 },
      },
    );
    expect(unknown.status).toBe(404);
    // The stored vendor has maxBinds 1: the database check is the backstop.
    const txRx = await h.request('PATCH', `/api/v1/vendors/${vendorId}`, {
      body: { bindType: 'tx_rx' },
    });
    expect(txRx.status).toBe(400);
    expect(txRx.body.error).toMatchObject({
      code: 'invalid_value',
      message: 'maxBinds must be at least 2 for bindType tx_rx',
    });
  });

  it('status: what the connector reported in PostgreSQL, with staleness, and the live fleet view', async () => {
    const fresh = await h.request('GET', `/api/v1/vendors/${vendorId}/status`, {
      token: h.readToken,
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({
      vendorId,
      status: 'unknown',
      statusUpdatedAt: null,
      ageMs: null,
      stale: true,
    });

    await setVendorStatus(h.db, vendorId, 'connected', '2/2 binds up');
    const reported = await h.request('GET', `/api/v1/vendors/${vendorId}/status`, {
      token: h.readToken,
    });
    expect(reported.body).toMatchObject({
      vendorId,
      instanceName: 'sinch-chicago',
      status: 'connected',
      statusDetail: '2/2 binds up',
      stale: false,
    });
    expect(reported.body.ageMs).toBeGreaterThanOrEqual(0);
    expect(reported.body.fleet).toBeNull();

    // The connectors' live view: one pod with a share whose breaker is open.
    const redis = new Redis(h.env.redis.url, { keyPrefix: h.env.redis.keyPrefix, db: 0 });
    try {
      const pod = { binds: 0, health: 'error', detail: 'bind refused', share: 2 } as const;
      await new VendorStatusStore(redis).report(
        vendorId,
        'pod-1',
        { ...pod, outage: true },
        60_000,
      );
      const down = await h.request('GET', `/api/v1/vendors/${vendorId}/status`, {
        token: h.readToken,
      });
      expect(down.body.fleet).toEqual({ binds: 0, sendingPods: 1, down: true });
      await new VendorStatusStore(redis).report(
        vendorId,
        'pod-1',
        { ...pod, binds: 2, health: 'connected', outage: false },
        60_000,
      );
      const up = await h.request('GET', `/api/v1/vendors/${vendorId}/status`, {
        token: h.readToken,
      });
      expect(up.body.fleet).toEqual({ binds: 2, sendingPods: 1, down: false });
    } finally {
      redis.disconnect();
    }
    // No MT was ever routed to it: its lanes do not exist, nothing waits.
    expect(fresh.body.queued).toEqual({ priority: 0, bulk: 0 });
    // MTs waiting in RabbitMQ, per lane.
    const broker = await amqp.connect(h.env.amqp.url);
    try {
      const channel = await broker.createChannel();
      const options = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' as const };
      await assertTopology(channel, { exchanges: [], queues: vendorQueues(vendorId, options) });
      const routed = (priority: number) =>
        channel.sendToQueue(vendorLane(vendorId, priority), Buffer.from('{}'));
      for (const priority of [3, 0, 0]) routed(priority);
      await channel.close();
      const waiting = await h.request('GET', `/api/v1/vendors/${vendorId}/status`, {
        token: h.readToken,
      });
      expect(waiting.body.queued).toEqual({ priority: 1, bulk: 2 });
    } finally {
      await broker.close();
    }
    expect(
      (await h.request('GET', '/api/v1/vendors/5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11/status'))
        .status,
    ).toBe(404);
  });

  it('reconnect reaches every pod (two independent control queues) with the vendor id', async () => {
    const from = { a: podA.received.length, b: podB.received.length };
    const res = await h.request('POST', `/api/v1/vendors/${vendorId}/reconnect`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true, commands: ['reconnect-vendor'] });
    const [a] = await podA.waitFor(1, from.a);
    const [b] = await podB.waitFor(1, from.b);
    for (const command of [a, b]) {
      expect(command).toMatchObject({
        command: { type: 'reconnect-vendor', vendorId },
        issuedBy: 'ops-write',
      });
    }
    expect(a?.messageId).toBe(b?.messageId);
  });

  it('reconnect: 403 with a read token, 404 unknown, 409 for an inactive vendor', async () => {
    const readOnly = await h.request('POST', `/api/v1/vendors/${vendorId}/reconnect`, {
      token: h.readToken,
    });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error.code).toBe('forbidden');
    expect(
      (await h.request('POST', '/api/v1/vendors/5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11/reconnect'))
        .status,
    ).toBe(404);
    const inactive = (await h.request('GET', '/api/v1/vendors?isActive=false')).body.items[0].id;
    const res = await h.request('POST', `/api/v1/vendors/${inactive}/reconnect`);
    expect(res.status).toBe(409);
  });

  it('reload-vendors reaches every pod', async () => {
    const from = { a: podA.received.length, b: podB.received.length };
    const res = await h.request('POST', '/api/v1/admin/reload-vendors');
    expect(res.status).toBe(202);
    expect((await podA.waitFor(1, from.a))[0]?.command).toEqual({ type: 'reload-vendors' });
    expect((await podB.waitFor(1, from.b))[0]?.command).toEqual({ type: 'reload-vendors' });
    expect(
      (await h.request('POST', '/api/v1/admin/reload-vendors', { token: h.readToken })).status,
    ).toBe(403);
  });

  it('the other reloads announce their command', async () => {
    for (const command of ['reload-routing', 'reload-rates', 'reload-tendlc'] as const) {
      const from = { a: podA.received.length, b: podB.received.length };
      expect((await h.request('POST', `/api/v1/admin/${command}`)).status).toBe(202);
      expect((await podA.waitFor(1, from.a))[0]?.command).toEqual({ type: command });
      // podB gets it too; waiting here keeps a late delivery out of the
      // window the next test opens on podB.
      expect((await podB.waitFor(1, from.b))[0]?.command).toEqual({ type: command });
    }
  });

  it('deletes (204), then 404; announces vendors, routing and rates reloads', async () => {
    const from = podB.received.length;
    const res = await h.request('DELETE', `/api/v1/vendors/${vendorId}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const commands = await podB.waitFor(3, from);
    expect(commands.map((c) => c.command.type).sort()).toEqual([
      'reload-rates',
      'reload-routing',
      'reload-vendors',
    ]);
    expect((await h.request('DELETE', `/api/v1/vendors/${vendorId}`)).status).toBe(404);
    expect((await h.request('GET', `/api/v1/vendors/${vendorId}`)).status).toBe(404);
  });

  it('writes one audit line per change, naming who and what, never a password', () => {
    const audits = h.logs.filter((l) => l.message === 'audit');
    const creates = audits.filter((l) => l.operation === 'createVendor');
    expect(creates.length).toBeGreaterThanOrEqual(3);
    expect(creates[0]).toMatchObject({
      actor: 'ops-write',
      action: 'POST /api/v1/vendors',
      resource: 'vendor',
      resource_id: vendorId,
      status: 201,
      outcome: 'success',
    });
    expect(audits.find((l) => l.operation === 'deleteVendor' && l.status === 204)).toMatchObject({
      resource_id: vendorId,
      action: 'DELETE /api/v1/vendors/:id',
    });
    // A change refused for lack of scope is on the record too.
    expect(audits.find((l) => l.operation === 'reconnectVendor' && l.status === 403)).toMatchObject(
      {
        actor: 'dashboard-read',
        outcome: 'refused',
        resource_id: vendorId,
      },
    );
    const patch = audits.find((l) => l.operation === 'updateVendor' && l.status === 200);
    expect(patch?.fields).toEqual(['throughput', 'password', 'expectedVersion']);
    const text = h.logText();
    for (const secret of ['s3cr3tpw', 'newpw123', h.writeToken, h.readToken])
      expect(text).not.toContain(secret);
  });
});
