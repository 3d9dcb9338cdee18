// Bind pools, the global bind budget across connector instances, reconnects,
// and live vendor reloads, against the bundled simulator over real TCP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@smpp-gateway/contracts';
import { getVendorById, updateVendor } from '@smpp-gateway/db';
import { VendorStatusStore, stateKeys } from '@smpp-gateway/message-state';
import { connectorKeys } from '../src/adapters/redis-keys.js';
import { about, createHarness, eventually, routed, type Harness } from './support/harness.js';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const activeBinds = (sim: { accounts(): { activeBinds: number }[] }) =>
  sim.accounts().reduce((n, a) => n + a.activeBinds, 0);

describe('bind pools', () => {
  it(
    'two connectors share a global budget of 4 binds and never exceed it',
    { timeout: 40_000 },
    async () => {
      const sim = await h.simulator();
      const vendor = await h.vendor(sim, { maxBinds: 4 });
      const a = await h.connector();
      // The simulator counts a bind from its authorisation, the pool from bind_resp: wait for both.
      await eventually(
        () => activeBinds(sim) === 4 && a.manager.vendor(vendor.id)?.snapshot().bound === 4,
        10_000,
        'first connector holds 4 binds',
      );

      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, activeBinds(sim))), 5);
      const b = await h.connector();
      await eventually(
        () =>
          a.manager.vendor(vendor.id)?.snapshot().bound === 2 &&
          b.manager.vendor(vendor.id)?.snapshot().bound === 2,
        15_000,
        'rebalanced to 2 + 2',
      );
      await new Promise((r) => setTimeout(r, 1_000));
      clearInterval(sampler);
      expect(peak).toBeLessThanOrEqual(4);
      expect(activeBinds(sim)).toBe(4);
      expect(await a.leases.count(vendor.id)).toBe(4);

      // Both pods send (each consumes the vendor queue), nothing is lost.
      const events = await h.collect(QUEUES.events);
      const messages = Array.from({ length: 40 }, () => routed(vendor.id));
      for (const m of messages) h.publishRouted(m);
      expect(await events.waitFor(40, about(messages))).toHaveLength(40);

      // Status: binds and breaker per pod in Redis (for the router), 'connected' in PostgreSQL (admin API).
      await eventually(
        async () => (await getVendorById(h.db, vendor.id))?.status === 'connected',
        5_000,
        'pg status',
      );
      const status = JSON.parse((await h.redis.get(stateKeys.vendorStatus(vendor.id))) ?? '{}') as {
        binds: number;
        pods: Record<string, { binds: number; outage: boolean }>;
      };
      expect(status.binds).toBe(4);
      expect(Object.values(status.pods).map((p) => [p.binds, p.outage])).toEqual([
        [2, false],
        [2, false],
      ]);

      // One pod stops: it unbinds and the other takes the whole budget again.
      await b.stop();
      h.connectors.splice(h.connectors.indexOf(b), 1);
      // Its last report gives its share back, so the router no longer counts it.
      const afterStop = JSON.parse(
        (await h.redis.get(stateKeys.vendorStatus(vendor.id))) ?? '{}',
      ) as { pods: Record<string, { binds: number; share: number }> };
      expect(Object.values(afterStop.pods)).toContainEqual(
        expect.objectContaining({ binds: 0, share: 0 }),
      );
      await eventually(
        () => a.manager.vendor(vendor.id)?.snapshot().bound === 4,
        15_000,
        'back to 4 on one pod',
      );
      expect(activeBinds(sim)).toBe(4);
      await a.stop();
      h.connectors.splice(h.connectors.indexOf(a), 1);
      await eventually(() => activeBinds(sim) === 0, 5_000, 'simulator saw every unbind');
      expect(await h.redis.zcard(connectorKeys.leases(vendor.id))).toBe(0);
    },
  );

  it(
    'reconnects after the simulator drops and refuses binds, within 1 s of it accepting again',
    { timeout: 40_000 },
    async () => {
      const sim = await h.simulator();
      const vendor = await h.vendor(sim, { maxBinds: 2 });
      const c = await h.connector({ RECONNECT_ALERT_AFTER: '3' });
      const runtime = () => c.manager.vendor(vendor.id);
      await eventually(() => runtime()?.snapshot().bound === 2, 10_000, 'bound');

      // Exported at 0 before any failure, so an alert on increase() sees the first.
      for (const name of [
        'smpp_client_reconnect_alerts_total',
        'vendor_connector_mapping_failures_total',
      ]) {
        const before = await c.registry.getSingleMetric(name)!.get();
        expect(before.values.find((v) => v.labels.vendor_id === vendor.id)?.value, name).toBe(0);
      }

      const refuseMs = 4_000;
      sim.setFaults({ refuseBindsMs: refuseMs, dropConnections: true });
      const refusedUntil = performance.now() + refuseMs;
      await eventually(() => runtime()?.snapshot().bound === 0, 5_000, 'binds dropped');
      await eventually(() => (runtime()?.snapshot().bound ?? 0) > 0, 15_000, 'first bind back');
      const firstBack = performance.now() - refusedUntil;
      await eventually(() => runtime()?.snapshot().bound === 2, 5_000, 'all binds back');
      const allBack = performance.now() - refusedUntil;
      console.log(
        `reconnect: first bind ${firstBack.toFixed(0)} ms, all binds ${allBack.toFixed(0)} ms after the vendor accepted again`,
      );
      expect(firstBack).toBeLessThan(1_500);
      const alerts = await c.registry.getSingleMetric('smpp_client_reconnect_alerts_total')!.get();
      expect(alerts.values.find((v) => v.labels.vendor_id === vendor.id)?.value).toBe(1);

      // Messages flow again.
      const events = await h.collect(QUEUES.events);
      const m = routed(vendor.id);
      h.publishRouted(m);
      await events.waitFor(1, about([m]));
    },
  );

  it(
    'reports its share, an outage and its end to the status document at once, for the router',
    { timeout: 40_000 },
    async () => {
      const sim = await h.simulator();
      const vendor = await h.vendor(sim, { maxBinds: 1 });
      // The periodic report is far away: whatever the document says comes from the breaker.
      const c = await h.connector({ HEALTH_INTERVAL_MS: '600000', BIND_WAIT_MS: '500' });
      const runtime = () => c.manager.vendor(vendor.id);
      await eventually(() => runtime()?.snapshot().bound === 1, 10_000, 'bound');
      const fleet = new VendorStatusStore(h.redis);
      const down = async () => (await fleet.read([vendor.id])).get(vendor.id)?.down;
      // Taking its share and its first bind are reported at once too.
      await eventually(
        async () => (await fleet.read([vendor.id])).get(vendor.id)?.binds === 1,
        5_000,
        'reported bound at start',
      );
      expect(await down()).toBe(false);

      sim.setFaults({ refuseBindsMs: 60_000, dropConnections: true });
      await eventually(() => runtime()?.snapshot().bound === 0, 5_000, 'binds dropped');
      // BIND_WAIT_MS without a bind opens the breaker, with no traffic at all,
      // and it is reported at once.
      await eventually(async () => (await down()) === true, 5_000, 'reported down');
      expect(runtime()?.snapshot().outage).toBe(true);

      sim.clearFaults();
      await eventually(() => runtime()?.snapshot().bound === 1, 15_000, 'bound again');
      await eventually(async () => (await down()) === false, 5_000, 'reported back');
      // Messages flow again.
      const events = await h.collect(QUEUES.events);
      const m = routed(vendor.id);
      h.publishRouted(m);
      await events.waitFor(1, about([m]));
    },
  );

  it(
    'two pods keep their binds when Redis loses the pod set and the leases',
    { timeout: 40_000 },
    async () => {
      const sim = await h.simulator();
      const vendor = await h.vendor(sim, { maxBinds: 4 });
      const env = { BIND_LEASE_REFRESH_MS: '200', BIND_LEASE_TTL_MS: '1000' };
      const a = await h.connector(env);
      const b = await h.connector(env);
      const bound = () =>
        [a, b].map((c) => c.manager.vendor(vendor.id)?.snapshot().bound ?? 0).join('+');
      await eventually(() => bound() === '2+2' && activeBinds(sim) === 4, 15_000, '2 + 2');
      const opened = sim.stats().binds.accepted;

      // Whoever heartbeats first sees itself alone (share 4) and must not
      // take the other pod's budget before the pod set is whole again.
      const seen = new Set<string>();
      const sampler = setInterval(() => seen.add(bound()), 5);
      await h.redis.del(connectorKeys.pods(vendor.id), connectorKeys.leases(vendor.id));
      await new Promise((r) => setTimeout(r, 2_000));
      clearInterval(sampler);
      expect([...seen]).toEqual(['2+2']);
      expect(sim.stats().binds.accepted).toBe(opened);
      expect(activeBinds(sim)).toBe(4);
      expect(await h.redis.zcard(connectorKeys.leases(vendor.id))).toBe(4);
      for (const c of [a, b]) {
        await c.stop();
        h.connectors.splice(h.connectors.indexOf(c), 1);
      }
    },
  );

  it(
    'a bind whose lease was taken answers its in-flight submits before it closes (no second copy at the carrier)',
    { timeout: 40_000 },
    async () => {
      // The carrier answers after 1.5 s, so the submit is in flight when the lease goes.
      const sim = await h.simulator({ responseLatencyMs: 1_500 });
      const vendor = await h.vendor(sim, { maxBinds: 1 });
      const c = await h.connector({ BIND_LEASE_REFRESH_MS: '200', BIND_LEASE_TTL_MS: '1000' });
      const runtime = () => c.manager.vendor(vendor.id);
      await eventually(() => runtime()?.snapshot().bound === 1, 10_000, 'bound');

      const events = await h.collect(QUEUES.events);
      const m = routed(vendor.id);
      h.publishRouted(m);
      await eventually(
        () => sim.records.ofCommand('submit_sm').length === 1,
        5_000,
        'the submit at the carrier',
      );
      // Redis lost the lease set and another pod took the whole budget.
      const leases = connectorKeys.leases(vendor.id);
      await h.redis.del(leases);
      await h.redis.zadd(leases, Date.now() + 60_000, 'another-pod:0:lease');
      // The next lease refresh (200 ms) sees the loss; the bind then waits for
      // its in-flight submit (1.5 s) before it unbinds. Generous: on a loaded
      // CI machine this took longer than 5 s once.
      await eventually(() => runtime()?.snapshot().bound === 0, 15_000, 'the bind retired');

      const [result] = await events.waitFor(1, about([m]));
      expect(result).toMatchObject({ messageId: m.messageId, outcome: 'submitted' });
      await eventually(() => activeBinds(sim) === 0, 5_000, 'unbound at the carrier');
      // Retried submits would show up here (and at the carrier) as a second copy.
      await new Promise((r) => setTimeout(r, 500));
      expect(sim.records.ofCommand('submit_sm')).toHaveLength(1);

      // The budget comes back: the pod binds again.
      await h.redis.del(leases);
      await eventually(() => runtime()?.snapshot().bound === 1, 10_000, 'bound again');
    },
  );

  it('reload adds, rebinds and removes a vendor live', { timeout: 40_000 }, async () => {
    const sim = await h.simulator();
    const vendor = await h.vendor(sim, { maxBinds: 1 });
    h.control({ type: 'reload-vendors' });
    await eventually(() => activeBinds(sim) === 1, 10_000, 'vendor added and bound');

    // A change of a session setting: the vendor is rebound with the new budget.
    await updateVendor(h.db, vendor.id, { maxBinds: 3 });
    h.control({ type: 'reload-vendors' });
    await eventually(() => activeBinds(sim) === 3, 10_000, 'rebound with 3');

    // Messages queued for it are sent, then it is deactivated: drained and unbound.
    const events = await h.collect(QUEUES.events);
    const messages = Array.from({ length: 10 }, () => routed(vendor.id));
    for (const m of messages) h.publishRouted(m);
    await events.waitFor(10, about(messages));
    await updateVendor(h.db, vendor.id, { isActive: false });
    h.control({ type: 'reload-vendors' });
    await eventually(
      () => activeBinds(sim) === 0 && h.connectors.every((c) => !c.manager.vendor(vendor.id)),
      10_000,
      'vendor removed',
    );
  });
});
