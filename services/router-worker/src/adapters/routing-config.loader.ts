// Reads everything the hot path needs from PostgreSQL in one go. Sizes: rules
// and rates are hundreds to thousands of rows; numbers are one row per owned
// number (tens of thousands fit in a few MB), which is what makes MO routing
// a map lookup instead of a query per message.
import {
  listActiveRoutes,
  listAllBlockedDestinations,
  listEffectiveRates,
  type Database,
} from '@smpp-gateway/db';
import type { Kysely } from 'kysely';
import type { Rate } from '../routing/pricing.js';
import type { RouteRule } from '../routing/route-selection.js';
import { RoutingSnapshot } from '../routing/routing-snapshot.js';

export async function loadRoutingSnapshot(
  db: Kysely<Database>,
  now: Date = new Date(),
): Promise<RoutingSnapshot> {
  // One read-only transaction: rules, rates, customers and numbers from the
  // same instant, so a rule never points at a customer the snapshot lacks.
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const [routes, customerRates, vendorRates, customers, numbers, blocks] = await Promise.all([
        listActiveRoutes(trx),
        listEffectiveRates(trx, 'customer', now),
        listEffectiveRates(trx, 'vendor', now),
        trx
          .selectFrom('customer_mgmt.accounts')
          .select(['id', 'price_plan', 'mo_reassembly', 'credit_micros', 'credit_currency'])
          .execute(),
        trx
          .selectFrom('routing.numbers')
          .select(['number', 'customer_id'])
          .where('customer_id', 'is not', null)
          .execute(),
        listAllBlockedDestinations(trx),
      ]);
      const rules: RouteRule[] = routes.map((r) => ({
        id: r.id,
        name: r.name,
        destinationPrefix: r.destinationPrefix,
        countryCode: r.countryCode,
        sourceType: r.sourceType,
        customerId: r.customerId,
        vendorId: r.vendorId,
        priority: r.priority,
        active: r.active,
        // listActiveRoutes returns active vendors only.
        vendorActive: true,
        vendorPriority: r.vendor.priority,
        vendorPrimary: r.vendor.isPrimary,
      }));
      const rates: Rate[] = [...customerRates, ...vendorRates].map((r) => ({
        kind: r.kind,
        pricePlan: r.pricePlan,
        vendorId: r.vendorId,
        destinationPrefix: r.destinationPrefix,
        pricePerSegmentMicros: r.pricePerSegmentMicros,
        currency: r.currency,
      }));
      return new RoutingSnapshot({
        rules,
        rates,
        customers: customers.map((c) => ({
          id: c.id,
          pricePlan: c.price_plan,
          moReassembly: c.mo_reassembly,
          ...(c.credit_micros !== null ? { prepaidCurrency: c.credit_currency } : {}),
        })),
        numbers: numbers.flatMap((n) =>
          n.customer_id ? [{ number: n.number, customerId: n.customer_id }] : [],
        ),
        blocks: blocks.map((b) => ({
          prefix: b.prefix,
          ...(b.customerId !== null ? { customerId: b.customerId } : {}),
          reason: b.reason,
        })),
        loadedAt: now,
      });
    });
}
