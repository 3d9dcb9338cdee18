import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  DEMO,
  decryptVendorPassword,
  getCampaignByNumber,
  getCustomerBySystemId,
  getNumberOwner,
  getVendorByInstanceName,
  listActiveRoutes,
  listEffectiveRates,
  seedDemo,
  verifyPassword,
  type Database,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;
const key = randomBytes(32);

useMigratedDatabase((ready) => (db = ready));

async function rowCounts(): Promise<Record<string, number>> {
  const tables = [
    'customer_mgmt.accounts',
    'vendor_mgmt.service_providers',
    'routing.rules',
    'routing.numbers',
    'messaging.tendlc_campaigns',
    'billing.rates',
  ] as const;
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { n } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(n);
  }
  return counts;
}

describe('seedDemo', () => {
  it('creates the demo data once; a second and concurrent runs change nothing', async () => {
    const first = await seedDemo(db, key);
    expect(first.items.every((item) => item.created)).toBe(true);
    const counts = await rowCounts();
    expect(Object.values(counts)).toEqual([1, 1, 1, 1, 1, 2]);

    const second = await seedDemo(db, key);
    expect(second.items.every((item) => !item.created)).toBe(true);
    expect(second.items.map((i) => i.id)).toEqual(first.items.map((i) => i.id));
    const [a, b] = await Promise.all([seedDemo(db, key), seedDemo(db, key)]);
    expect(a.customerId).toBe(first.customerId);
    expect(b.vendorId).toBe(first.vendorId);
    expect(await rowCounts()).toEqual(counts);
  });

  it('seeds the documented values', async () => {
    const customer = await getCustomerBySystemId(db, 'demo');
    expect(customer).toMatchObject({
      throughput: 1000,
      maxBinds: 10,
      allowedIps: [],
      pricePlan: 'standard',
      status: 'active',
    });
    expect(await verifyPassword(customer!.passwordHash, 'demopass')).toBe(true);

    const vendor = await getVendorByInstanceName(db, 'sim-primary');
    expect(vendor).toMatchObject({
      host: '127.0.0.1',
      port: 2777,
      systemId: 'gateway',
      bindType: 'transceiver',
      maxBinds: 4,
      windowSize: 100,
      throughput: 10_000,
      messageIdFormat: 'auto',
      defaultAlphabet: 'gsm7',
      isActive: true,
    });
    expect(decryptVendorPassword(vendor!, key)).toBe('gw-pass');

    const routes = await listActiveRoutes(db);
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({
      destinationPrefix: '',
      sourceType: 'any',
      vendorId: vendor!.id,
      priority: 100,
      customerId: null,
    });

    expect(await getNumberOwner(db, DEMO.number)).toMatchObject({ customerId: customer!.id });
    expect(await getCampaignByNumber(db, '15550001000')).toMatchObject({
      campaignId: 'CDEMO01',
      status: 'ACTIVE',
      tpm: 60_000,
      brandDailyCap: 1_000_000,
    });

    expect(await listEffectiveRates(db, 'customer')).toMatchObject([
      {
        pricePlan: 'standard',
        destinationPrefix: '',
        pricePerSegmentMicros: 5000,
        currency: 'USD',
      },
    ]);
    expect(await listEffectiveRates(db, 'vendor')).toMatchObject([
      { vendorId: vendor!.id, destinationPrefix: '', pricePerSegmentMicros: 3000, currency: 'USD' },
    ]);
  });
});
