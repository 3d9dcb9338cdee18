import { QUEUES, type MtRouted } from '@smpp-gateway/contracts';
import { createCampaign, createNumber, type Customer, type Vendor } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWorker } from '../src/app.js';
import {
  addCustomer,
  addVendor,
  counterValue,
  createHarness,
  routeEverythingTo,
  mtSubmitted,
  waitFor,
  type Harness,
} from './support/harness.js';

// Redis is a cache and a limiter: without it 10DLC traffic waits (deferred,
// never sent uncapped, never failed) and everything else keeps flowing.
describe('Redis unreachable', () => {
  let h: Harness;
  let router: RouterWorker;
  let customer: Customer;
  let vendor: Vendor;

  beforeAll(async () => {
    h = await createHarness();
    customer = await addCustomer(h.db);
    vendor = await addVendor(h.db, 'only');
    await routeEverythingTo(h.db, vendor, 'all');
    const campaign = await createCampaign(h.db, {
      campaignId: 'COUT',
      brandId: 'BOUT',
      brandName: 'b',
      status: 'ACTIVE',
      tpm: 100,
      brandDailyCap: 1000,
    });
    await createNumber(h.db, {
      number: '15125550003',
      numberType: '10dlc',
      customerId: customer.id,
      tendlcCampaignId: campaign.id,
    });
    // Port 1 on loopback: nothing listens, every command fails fast.
    router = await h.startRouter({ REDIS_URL: 'redis://127.0.0.1:1' });
  });

  afterAll(async () => {
    await h?.destroy();
  });

  it('defers 10DLC MTs, routes the rest, and reports not ready', { timeout: 120_000 }, async () => {
    const tendlc = mtSubmitted({
      customerId: customer.id,
      source: { addr: '15125550003', ton: 1, npi: 1 },
      destination: { addr: '12125550100', ton: 1, npi: 1 },
    });
    const plain = mtSubmitted({ customerId: customer.id });
    await h.publish('MtSubmitted', tendlc);
    await h.publish('MtSubmitted', plain);

    const routed = (await h.take(QUEUES.vendor(vendor.id))).body as MtRouted;
    expect(routed.messageId).toBe(plain.messageId);
    await waitFor(
      async () =>
        (await counterValue(router, 'router_deferred_total', { cap: 'unavailable' })) >= 1,
      'the 10DLC MT to be deferred',
      // Each Redis command first exhausts its reconnect retries; on a loaded
      // CI machine that alone can take many seconds.
      60_000,
    );
    expect(await h.depth(QUEUES.events)).toBe(0);
    expect(await h.drainQueue(QUEUES.vendor(vendor.id), 300)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${router.metricsPort}/ready`)).status).toBe(503);
  });
});
