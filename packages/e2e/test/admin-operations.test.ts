// Issue 9's two cases that need running connectors, with real processes: a
// vendor created through the admin API is bound by a running
// vendor-connector without a restart, and a reconnect request reaches every
// connector instance (two running).
import { createApiToken, createDatabase } from '@smpp-gateway/db';
import { startSimulator, type Simulator } from '@smpp-gateway/smsc-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayStack } from '../src/index.js';
import { eventually } from './support/e2e.helpers.js';

let stack: GatewayStack;
let db: ReturnType<typeof createDatabase>;
let carrier: Simulator;
let token: string;
let adminUrl: string;

beforeAll(async () => {
  stack = await startGateway({
    fixture: {
      vendors: [{ key: 'primary' }],
      customers: [{ key: 'acme', systemId: 'acme', password: 'acmepw' }],
      routes: [{ name: 'default', vendor: 'primary' }],
    },
    replicas: { 'vendor-connector': 2 },
    // Status reports every 2 s instead of 30 s, so the API shows it soon.
    serviceEnv: { 'vendor-connector': { HEALTH_INTERVAL_MS: '2000' } },
  });
  db = createDatabase(stack.env.db.url, { poolMax: 2 });
  token = (await createApiToken(db, { name: 'e2e-operator', scope: 'write' })).token;
  const admin = stack.process('admin-api').ports;
  if (!admin) throw new Error('admin-api has no port');
  adminUrl = `http://127.0.0.1:${admin.ops}/api/v1`;
  carrier = await startSimulator({
    port: 0,
    controlPort: null,
    accounts: [{ systemId: 'newcarrier', password: 'ncpass' }],
  });
}, 180_000);

afterAll(async () => {
  await carrier?.stop();
  await db?.destroy();
  await stack?.stop();
}, 60_000);

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function connectorLogs(message: string, vendorId: string): number[] {
  return stack
    .replicas('vendor-connector')
    .map(
      (p) =>
        p
          .logs()
          .filter((line) => line.json?.message === message && line.json?.vendor_id === vendorId)
          .length,
    );
}

describe('admin API drives running vendor-connectors', () => {
  let vendorId: string;

  it('a vendor created through the API is bound by the running connectors without a restart', async () => {
    const created = await api('POST', '/vendors', {
      instanceName: 'new-carrier',
      displayName: 'New carrier',
      host: '127.0.0.1',
      port: carrier.port,
      useTls: false,
      bindType: 'transceiver',
      systemId: 'newcarrier',
      password: 'ncpass',
      throughput: 500,
      maxBinds: 2,
      windowSize: 10,
    });
    expect(created.status).toBe(201);
    vendorId = ((await created.json()) as { id: string }).id;
    // Two connector pods share the vendor's budget of 2 binds.
    await eventually(
      () => (carrier.stats().binds.active === 2 ? true : undefined),
      20_000,
      'both binds of the new vendor at the carrier',
    );
    const pids = stack.replicas('vendor-connector').map((p) => p.pid);
    expect(pids.every((pid) => pid !== undefined)).toBe(true);
    expect(stack.replicas('vendor-connector').every((p) => p.running)).toBe(true);
    const status = await eventually(
      async () => {
        const res = await api('GET', `/vendors/${vendorId}/status`);
        const body = (await res.json()) as { status: string };
        return body.status === 'connected' ? body : undefined;
      },
      60_000,
      'vendor status connected (written by the connectors)',
      500,
    );
    expect(status.status).toBe('connected');
  });

  it('a reconnect request reaches every connector instance', async () => {
    const acceptedBefore = carrier.stats().binds.accepted;
    const res = await api('POST', `/vendors/${vendorId}/reconnect`);
    expect(res.status).toBe(202);
    await eventually(
      () =>
        connectorLogs('control: reconnect vendor', vendorId).every((n) => n >= 1)
          ? true
          : undefined,
      15_000,
      'the reconnect command in both connectors',
    );
    expect(connectorLogs('control: reconnect vendor', vendorId)).toEqual([1, 1]);
    // Each pod dropped and re-established its share of the binds.
    await eventually(
      () =>
        carrier.stats().binds.accepted >= acceptedBefore + 2 && carrier.stats().binds.active === 2
          ? true
          : undefined,
      20_000,
      'the binds re-established after the reconnect',
    );
  });
});
