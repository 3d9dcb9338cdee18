import {
  QUEUES,
  type MtRouted,
  type MtSubmitResult,
  type MtSubmitted,
} from '@smpp-gateway/contracts';
import {
  createBlockedDestination,
  createCampaign,
  createNumber,
  createRate,
  createRoutingRule,
  listBlockedDestinations,
  updateVendor,
  type Customer,
  type RoutingRule,
  type Vendor,
} from '@smpp-gateway/db';
import { RefusedSubmitsStore } from '@smpp-gateway/message-state';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWorker } from '../src/app.js';
import {
  addCustomer,
  addVendor,
  controlCommand,
  counterReaches,
  counterValue,
  createHarness,
  moReceived,
  mtSubmitted,
  waitFor,
  type Harness,
} from './support/harness.js';

describe('MT routing against real PostgreSQL, Redis and RabbitMQ', () => {
  let h: Harness;
  let router: RouterWorker;
  let customer: Customer;
  let prepaidEur: Customer;
  let prepaidUsd: Customer;
  let vendors: Vendor[];
  let ukRules: RoutingRule[];
  let clockOffsetMs = 0;

  beforeAll(async () => {
    h = await createHarness();
    customer = await addCustomer(h.db, { pricePlan: 'standard' });
    prepaidEur = await addCustomer(h.db, { creditMicros: 10_000, creditCurrency: 'EUR' });
    prepaidUsd = await addCustomer(h.db, { creditMicros: 0, creditCurrency: 'USD' });
    vendors = [
      await addVendor(h.db, 'alpha'),
      await addVendor(h.db, 'bravo'),
      await addVendor(h.db, 'charlie'),
    ];
    ukRules = [];
    for (const [i, vendor] of vendors.entries()) {
      ukRules.push(
        await createRoutingRule(h.db, {
          name: `uk-${vendor.displayName}`,
          destinationPrefix: '44',
          vendorId: vendor.id,
          priority: i + 1,
        }),
      );
      await createRate(h.db, {
        kind: 'vendor',
        vendorId: vendor.id,
        destinationPrefix: '44',
        pricePerSegmentMicros: 3000 + i * 100,
        currency: 'USD',
      });
      await createRate(h.db, {
        kind: 'vendor',
        vendorId: vendor.id,
        destinationPrefix: '1',
        pricePerSegmentMicros: 2000,
        currency: 'USD',
      });
    }
    await createRoutingRule(h.db, {
      name: 'us-10dlc',
      destinationPrefix: '1',
      sourceType: '10dlc',
      vendorId: vendors[0]!.id,
    });
    await createRate(h.db, {
      kind: 'customer',
      pricePlan: 'standard',
      destinationPrefix: '',
      pricePerSegmentMicros: 5000,
      currency: 'USD',
    });
    await createRate(h.db, {
      kind: 'customer',
      pricePlan: 'standard',
      destinationPrefix: '44',
      pricePerSegmentMicros: 4000,
      currency: 'USD',
    });

    // 10DLC: one number under an ACTIVE campaign of 2 segments/minute.
    const campaign = await createCampaign(h.db, {
      campaignId: 'CTEST01',
      brandId: 'BTEST',
      brandName: 'Test brand',
      status: 'ACTIVE',
      tpm: 2,
      brandDailyCap: 1000,
    });
    await createNumber(h.db, {
      number: '15125550002',
      numberType: '10dlc',
      customerId: customer.id,
      tendlcCampaignId: campaign.id,
    });

    router = await h.startRouter(
      { ROUTER_RELOAD_INTERVAL_MS: '3600000' },
      { clock: () => new Date(Date.now() + clockOffsetMs) },
    );
  });

  afterAll(async () => {
    await h?.destroy();
  });

  /** What the admin API does after a change: reload-routing, and the router has reloaded. */
  async function reloadRouting(): Promise<void> {
    const loads = await counterValue(router, 'router_config_reloads_total', { outcome: 'ok' });
    await h.publish('ControlCommand', controlCommand({ type: 'reload-routing' }));
    await waitFor(
      async () =>
        (await counterValue(router, 'router_config_reloads_total', { outcome: 'ok' })) > loads,
      'the reload',
    );
  }

  it('routes an MT to vendor.{id} of the best rule, priced per segment', async () => {
    const mt = mtSubmitted({ customerId: customer.id, segments: 2 });
    await h.publish('MtSubmitted', mt);
    const { body, message } = await h.take(QUEUES.vendor(vendors[0]!.id));
    const routed = body as MtRouted;
    expect(message.properties.headers?.['x-contract']).toBe('MtRouted');
    expect(routed).toMatchObject({
      messageId: mt.messageId,
      vendorId: vendors[0]!.id,
      routeId: ukRules[0]!.id,
      segments: 2,
      pricing: {
        currency: 'USD',
        pricePerSegmentMicros: 4000,
        costPerSegmentMicros: 3000,
        costCurrency: 'USD',
      },
      shortMessage: mt.shortMessage,
    });
    // Postpaid: nothing comes off a balance.
    expect(routed.pricing.prepaid).toBeUndefined();
    await counterReaches(router, 'router_routed_total', { vendor_id: vendors[0]!.id }, 1);
  });

  it('drops an MT that edge-server recorded as refused: nothing to the vendor, no submit result', async () => {
    // What an edge does when a batch's confirm never came back although the
    // broker kept it: it answers ESME_RSYSERR and records the id.
    const refused = mtSubmitted({ customerId: customer.id });
    const redis = new Redis(h.env.redis.url, { keyPrefix: h.env.redis.keyPrefix, db: 0 });
    try {
      await new RefusedSubmitsStore({ redis }).record([refused.messageId]);
    } finally {
      redis.disconnect();
    }
    // The router reads the set every 200 ms.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await h.publish('MtSubmitted', refused);
    await counterReaches(router, 'router_refused_dropped_total', {}, 1);
    // The next MT is routed as usual, and nothing of the refused one appears.
    const next = mtSubmitted({ customerId: customer.id });
    await h.publish('MtSubmitted', next);
    const routed = (await h.take(QUEUES.vendor(vendors[0]!.id))).body as MtRouted;
    expect(routed.messageId).toBe(next.messageId);
    expect(await h.depth(QUEUES.vendor(vendors[0]!.id))).toBe(0);
    const events = (await h.drainQueue(QUEUES.events, 300)) as MtSubmitResult[];
    expect(events.map((e) => e.messageId)).not.toContain(refused.messageId);
  });

  it('fails over across three vendors, then reports vendors_exhausted with the attempts', async () => {
    const mt = mtSubmitted({ customerId: customer.id });
    await h.publish('MtSubmitted', mt);
    let current: MtSubmitted = {
      ...mt,
      serviceType: '',
      scheduleDeliveryTime: '',
      validityPeriod: '',
      tlvs: [],
      attempts: [],
      roundStart: 0,
    };
    for (const vendor of vendors) {
      const routed = (await h.take(QUEUES.vendor(vendor.id))).body as MtRouted;
      expect(routed.messageId).toBe(mt.messageId);
      expect(routed.vendorId).toBe(vendor.id);
      // What a vendor-connector does after its own retries: hand the MT back with the attempt appended.
      current = {
        ...current,
        attempts: [
          ...current.attempts,
          {
            vendorId: vendor.id,
            // A refusal (ESME_RSUBMITFAIL), not an outage: no new round.
            commandStatus: 0x45,
            error: `rejected by ${vendor.displayName}`,
            at: new Date().toISOString(),
          },
        ],
      };
      await h.publish('MtSubmitted', current);
    }
    const result = (await h.take(QUEUES.events)).body as MtSubmitResult;
    expect(result).toMatchObject({
      messageId: mt.messageId,
      outcome: 'failed',
      failureReason: 'vendors_exhausted',
      vendorId: vendors[2]!.id,
      customerId: customer.id,
      textPreview: 'Hello from the route',
      registeredDelivery: 1,
    });
    expect(result.attempts.map((a) => a.vendorId)).toEqual(vendors.map((v) => v.id));
  });

  it('fails an MT no rule matches with no_route', async () => {
    const mt = mtSubmitted({
      customerId: customer.id,
      destination: { addr: '33612345678', ton: 1, npi: 1 },
    });
    await h.publish('MtSubmitted', mt);
    const result = (await h.take(QUEUES.events)).body as MtSubmitResult;
    expect(result).toMatchObject({
      messageId: mt.messageId,
      outcome: 'failed',
      failureReason: 'no_route',
    });
    await counterReaches(router, 'router_rejections_total', { reason: 'no_route' }, 1);
  });

  it("fails a prepaid customer's MT priced outside its balance's currency with no_rate", async () => {
    const eur = mtSubmitted({ customerId: prepaidEur.id });
    await h.publish('MtSubmitted', eur);
    expect((await h.take(QUEUES.events)).body as MtSubmitResult).toMatchObject({
      messageId: eur.messageId,
      outcome: 'failed',
      failureReason: 'no_rate',
      error: 'priced in USD, but the prepaid balance is in EUR',
    });
    // The balance itself is the edge's business: a USD one routes, even at zero.
    const usd = mtSubmitted({ customerId: prepaidUsd.id });
    await h.publish('MtSubmitted', usd);
    expect((await h.take(QUEUES.vendor(vendors[0]!.id))).body as MtRouted).toMatchObject({
      messageId: usd.messageId,
      pricing: { currency: 'USD', pricePerSegmentMicros: 4000, prepaid: true },
    });
  });

  it('rejects a US long code without a 10DLC campaign sending to a US number', async () => {
    const mt = mtSubmitted({
      customerId: customer.id,
      source: { addr: '15125550001', ton: 1, npi: 1 },
      destination: { addr: '12125550100', ton: 1, npi: 1 },
    });
    await h.publish('MtSubmitted', mt);
    const result = (await h.take(QUEUES.events)).body as MtSubmitResult;
    expect(result).toMatchObject({
      messageId: mt.messageId,
      outcome: 'failed',
      failureReason: 'tendlc_rejected',
    });
    expect(result.error).toMatch(/no_campaign/);
  });

  it('defers over the campaign cap into mt.deferred, and routes it when it comes back under the cap', async () => {
    const send = (tag: string) =>
      mtSubmitted({
        customerId: customer.id,
        source: { addr: '15125550002', ton: 1, npi: 1 },
        destination: { addr: '12125550100', ton: 1, npi: 1 },
        shortMessage: Buffer.from(tag).toString('base64'),
      });
    const first = send('one');
    const second = send('two');
    const third = send('three');
    for (const mt of [first, second]) {
      await h.publish('MtSubmitted', mt);
      expect(((await h.take(QUEUES.vendor(vendors[0]!.id))).body as MtRouted).messageId).toBe(
        mt.messageId,
      );
    }
    await h.publish('MtSubmitted', third);
    // Over the 2-per-minute cap: parked in the holding queue, not failed.
    await waitFor(
      async () => (await h.depth(QUEUES.mtDeferred(0))) === 1,
      'the MT in mt.deferred.0',
      5_000,
    );
    await counterReaches(router, 'router_deferred_total', { cap: 'campaign_tpm' }, 1);
    expect(await h.depth(QUEUES.events)).toBe(0);

    // The next minute: the expired message flows back into mt.messages.0 and goes out.
    clockOffsetMs += 60_000;
    const routed = (await h.take(QUEUES.vendor(vendors[0]!.id), 15_000)).body as MtRouted;
    expect(routed.messageId).toBe(third.messageId);
    expect(await h.depth(QUEUES.mtDeferred(0))).toBe(0);
  });

  it('picks up a rule added in the database after a reload-routing control message, without a restart', async () => {
    const destination = { addr: '4915112345678', ton: 1, npi: 1 };
    const before = mtSubmitted({ customerId: customer.id, destination });
    await h.publish('MtSubmitted', before);
    expect(((await h.take(QUEUES.events)).body as MtSubmitResult).failureReason).toBe('no_route');

    const rule = await createRoutingRule(h.db, {
      name: 'de-charlie',
      destinationPrefix: '49',
      vendorId: vendors[2]!.id,
    });
    await createRate(h.db, {
      kind: 'vendor',
      vendorId: vendors[2]!.id,
      destinationPrefix: '49',
      pricePerSegmentMicros: 1500,
      currency: 'EUR',
    });
    await reloadRouting();
    expect(router.snapshots.current().rules.map((r) => r.id)).toContain(rule.id);

    const after = mtSubmitted({ customerId: customer.id, destination });
    await h.publish('MtSubmitted', after);
    const routed = (await h.take(QUEUES.vendor(vendors[2]!.id))).body as MtRouted;
    expect(routed).toMatchObject({
      messageId: after.messageId,
      routeId: rule.id,
      pricing: { pricePerSegmentMicros: 5000, costPerSegmentMicros: 1500, costCurrency: 'EUR' },
    });
  });

  it('fails an MT to a destination blocked in the database with blocked, once the routers reloaded', async () => {
    // The UK route of the first test: routable until blocked.
    const destination = { addr: '447911123456', ton: 1, npi: 1 };
    await createBlockedDestination(h.db, { prefix: '4479111', reason: 'pumping' });
    await reloadRouting();
    const mt = mtSubmitted({ customerId: customer.id, destination });
    await h.publish('MtSubmitted', mt);
    const result = (await h.take(QUEUES.events)).body as MtSubmitResult;
    expect(result).toMatchObject({
      messageId: mt.messageId,
      outcome: 'failed',
      failureReason: 'blocked',
      // Seven digits may be a whole number: masked in what is logged and archived.
      error: 'destination blocked by prefix 4479*11: pumping',
    });
    await counterReaches(router, 'router_rejections_total', { reason: 'blocked' }, 1);
  });

  it("a subscriber's STOP blocks the customer's MTs to it on every router, and START lifts it", async () => {
    await createNumber(h.db, {
      number: '18005550123',
      numberType: 'tollfree',
      customerId: customer.id,
    });
    await reloadRouting();
    // A second router, which hears of the opt-out only through smpp.control.
    const other = await h.startRouter({ ROUTER_RELOAD_INTERVAL_MS: '3600000' });
    try {
      // A UK number on the routable UK route (outside the block of the test
      // before); the subscriber writes it with a '+'.
      const subscriber = '447922123999';
      const reply = (text: string) =>
        moReceived({
          source: { addr: `+${subscriber}`, ton: 1, npi: 1 },
          destination: { addr: '18005550123', ton: 1, npi: 1 },
          shortMessage: Buffer.from(text).toString('base64'),
        });
      const everyRouter = (blocked: boolean) =>
        waitFor(
          () =>
            [router, other].every(
              (r) =>
                (r.snapshots.current().blockFor(subscriber, customer.id) !== undefined) === blocked,
            ),
          blocked ? 'the opt-out on both routers' : 'the opt-in on both routers',
        );

      await h.publish('MoReceived', reply('Stop'));
      // The customer gets the STOP itself (its application confirms it).
      expect((await h.take(QUEUES.delivery(customer.id))).body).toMatchObject({
        delivery: { kind: 'mo' },
      });
      const blocks = await listBlockedDestinations(h.db, { customerId: customer.id });
      expect(blocks.items).toEqual([
        expect.objectContaining({ prefix: subscriber, origin: 'opt_out' }),
      ]);
      await everyRouter(true);
      const mt = mtSubmitted({
        customerId: customer.id,
        destination: { addr: subscriber, ton: 1, npi: 1 },
      });
      await h.publish('MtSubmitted', mt);
      expect((await h.take(QUEUES.events)).body).toMatchObject({
        messageId: mt.messageId,
        failureReason: 'blocked',
        error:
          'destination blocked by prefix 4479******99 (this customer): subscriber opted out (STOP)',
      });

      await h.publish('MoReceived', reply('START'));
      await h.take(QUEUES.delivery(customer.id));
      await everyRouter(false);
      const after = mtSubmitted({
        customerId: customer.id,
        destination: { addr: subscriber, ton: 1, npi: 1 },
      });
      await h.publish('MtSubmitted', after);
      expect(((await h.take(QUEUES.vendor(vendors[0]!.id))).body as MtRouted).messageId).toBe(
        after.messageId,
      );
      expect(await counterValue(router, 'router_opt_outs_total', { outcome: 'recorded' })).toBe(
        (await counterValue(other, 'router_opt_outs_total', { outcome: 'recorded' })) === 0 ? 2 : 1,
      );
    } finally {
      await other.stop();
    }
  });

  it("ranks by the vendors' own primary mark and priority at equal rule priority, read from the database", async () => {
    const [cheap, preferred, primary] = [
      await addVendor(h.db, 'cheap'),
      await addVendor(h.db, 'preferred', 20),
      await addVendor(h.db, 'primary'),
    ];
    for (const [vendor, micros] of [
      [cheap, 1000],
      [preferred, 2000],
      [primary, 3000],
    ] as const) {
      await createRoutingRule(h.db, {
        name: `fr-${vendor.displayName}`,
        destinationPrefix: '33',
        vendorId: vendor.id,
        priority: 10,
      });
      await createRate(h.db, {
        kind: 'vendor',
        vendorId: vendor.id,
        destinationPrefix: '33',
        pricePerSegmentMicros: micros,
        currency: 'USD',
      });
    }
    await updateVendor(h.db, primary.id, { isPrimary: true });
    await reloadRouting();

    const mt = mtSubmitted({
      customerId: customer.id,
      destination: { addr: '33612345678', ton: 1, npi: 1 },
    });
    await h.publish('MtSubmitted', mt);
    // The primary, though dearest; the vendor's priority 20 next; least cost last.
    const routed = (await h.take(QUEUES.vendor(primary.id))).body as MtRouted;
    expect(routed.messageId).toBe(mt.messageId);
    const plan = router.snapshots
      .current()
      .rules.filter((r) => r.destinationPrefix === '33')
      .map((r) => [r.vendorId, r.vendorPrimary, r.vendorPriority]);
    expect(plan).toEqual(
      expect.arrayContaining([
        [primary.id, true, 100],
        [preferred.id, false, 20],
        [cheap.id, false, 100],
      ]),
    );
  });

  it('reports ready over HTTP once everything is connected', async () => {
    const res = await fetch(`http://127.0.0.1:${router.metricsPort}/ready`);
    expect(res.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${router.metricsPort}/metrics`)).text();
    expect(metrics).toContain('message_routing_duration_seconds_bucket');
    expect(metrics).toContain('message_queue_depth');
  });
});
