// The demo data `pnpm start` needs for a first message end to end: one
// customer, one vendor (the bundled SMSC simulator), a catch-all route, a
// 10DLC number and prices. Local demo values only, documented in the README.
import { sql, type Kysely } from 'kysely';
import { createCampaign, getCampaignByCampaignId } from './repositories/campaign.repository.js';
import { createCustomer, getCustomerBySystemId } from './repositories/customer.repository.js';
import { createNumber, getNumber } from './repositories/number.repository.js';
import { createRoutingRule } from './repositories/routing-rule.repository.js';
import { createVendor, getVendorByInstanceName } from './repositories/vendor.repository.js';
import type { Database } from './schema.js';

export const DEMO = {
  customer: {
    name: 'Demo customer',
    systemId: 'demo',
    // SMPP 3.4 passwords are at most 8 characters (9 octets with the NUL).
    password: 'demopass',
    throughput: 1000,
    maxBinds: 10,
    allowedIps: [] as string[],
    pricePlan: 'standard',
  },
  vendor: {
    instanceName: 'sim-primary',
    displayName: 'SMSC simulator (primary)',
    host: '127.0.0.1',
    port: 2777,
    systemId: 'gateway',
    bindType: 'transceiver',
    maxBinds: 4,
    windowSize: 100,
    throughput: 10_000,
    messageIdFormat: 'auto',
    defaultAlphabet: 'gsm7',
  },
  route: { name: 'demo-default', destinationPrefix: '', sourceType: 'any', priority: 100 },
  number: '15550001000',
  campaign: {
    campaignId: 'CDEMO01',
    brandId: 'BDEMO01',
    brandName: 'Demo Brand',
    status: 'ACTIVE',
    tpm: 60_000,
    brandDailyCap: 1_000_000,
  },
  customerRateMicros: 5000,
  vendorRateMicros: 3000,
  currency: 'USD',
} as const;

/** Kept out of DEMO so nothing prints it by accident. */
const DEMO_VENDOR_PASSWORD = 'gw-pass';

/** Fixed so a rerun hits the rates' unique key instead of adding a new price. */
const DEMO_RATES_EFFECTIVE_FROM = new Date('2025-01-01T00:00:00Z');

export interface SeedItem {
  readonly what: string;
  readonly id: string;
  readonly created: boolean;
}

export interface SeedDemoResult {
  readonly items: SeedItem[];
  readonly customerId: string;
  readonly vendorId: string;
}

/**
 * Ensures every demo row exists; rows already there are left as they are
 * (an operator may have edited them). Safe to run any number of times, also
 * concurrently: one transaction under an advisory lock.
 */
export async function seedDemo(
  db: Kysely<Database>,
  vendorSecretKey: Buffer,
): Promise<SeedDemoResult> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('smpp-gateway:seed-demo'))`.execute(tx);
    const items: SeedItem[] = [];

    const existingCustomer = await getCustomerBySystemId(tx, DEMO.customer.systemId);
    const customer = existingCustomer ?? (await createCustomer(tx, DEMO.customer));
    items.push({
      what: `customer ${customer.systemId}`,
      id: customer.id,
      created: !existingCustomer,
    });

    const existingVendor = await getVendorByInstanceName(tx, DEMO.vendor.instanceName);
    const vendor =
      existingVendor ??
      (await createVendor(
        tx,
        { ...DEMO.vendor, password: DEMO_VENDOR_PASSWORD, isPrimary: true },
        vendorSecretKey,
      ));
    items.push({ what: `vendor ${vendor.instanceName}`, id: vendor.id, created: !existingVendor });

    const existingRoute = await tx
      .selectFrom('routing.rules')
      .select('id')
      .where('name', '=', DEMO.route.name)
      .where('vendor_id', '=', vendor.id)
      .executeTakeFirst();
    const routeId =
      existingRoute?.id ?? (await createRoutingRule(tx, { ...DEMO.route, vendorId: vendor.id })).id;
    items.push({
      what: `route ${DEMO.route.name} ('' → ${vendor.instanceName})`,
      id: routeId,
      created: !existingRoute,
    });

    const existingCampaign = await getCampaignByCampaignId(tx, DEMO.campaign.campaignId);
    const campaign = existingCampaign ?? (await createCampaign(tx, DEMO.campaign));
    items.push({
      what: `10DLC campaign ${campaign.campaignId}`,
      id: campaign.id,
      created: !existingCampaign,
    });

    const existingNumber = await getNumber(tx, DEMO.number);
    if (!existingNumber) {
      await createNumber(tx, {
        number: DEMO.number,
        customerId: customer.id,
        tendlcCampaignId: campaign.id,
        numberType: '10dlc',
      });
    }
    items.push({ what: `number ${DEMO.number}`, id: DEMO.number, created: !existingNumber });

    const rates = [
      {
        what: `customer rate ${DEMO.customer.pricePlan}`,
        kind: 'customer' as const,
        price_plan: DEMO.customer.pricePlan,
        vendor_id: null,
        price_per_segment_micros: DEMO.customerRateMicros,
      },
      {
        what: `vendor rate ${vendor.instanceName}`,
        kind: 'vendor' as const,
        price_plan: null,
        vendor_id: vendor.id,
        price_per_segment_micros: DEMO.vendorRateMicros,
      },
    ];
    for (const { what, ...rate } of rates) {
      const inserted = await tx
        .insertInto('billing.rates')
        .values({
          ...rate,
          destination_prefix: '',
          currency: DEMO.currency,
          effective_from: DEMO_RATES_EFFECTIVE_FROM,
        })
        .onConflict((oc) => oc.constraint('rates_key_unique').doNothing())
        .returning('id')
        .executeTakeFirst();
      const id =
        inserted?.id ??
        (
          await tx
            .selectFrom('billing.rates')
            .select('id')
            .where('kind', '=', rate.kind)
            .where('price_plan', 'is not distinct from', rate.price_plan)
            .where('vendor_id', 'is not distinct from', rate.vendor_id)
            .where('destination_prefix', '=', '')
            .where('effective_from', '=', DEMO_RATES_EFFECTIVE_FROM)
            .executeTakeFirstOrThrow()
        ).id;
      items.push({
        what: `${what} '' → ${rate.price_per_segment_micros} micros ${DEMO.currency}`,
        id,
        created: !!inserted,
      });
    }

    return { items, customerId: customer.id, vendorId: vendor.id };
  });
}
