import { describe, expect, it } from 'vitest';
import { RateBook, type Rate } from './pricing.js';
import { planRoute, type PlanRequest } from './route-plan.js';
import type { RouteRule } from './route-selection.js';

const rule = (id: string, vendorId: string, priority: number): RouteRule => ({
  id,
  name: id,
  destinationPrefix: '1',
  countryCode: null,
  sourceType: 'any',
  customerId: null,
  vendorId,
  priority,
  active: true,
  vendorActive: true,
  vendorPriority: 100,
  vendorPrimary: false,
});

const customerRate = (plan: string, prefix: string, micros: number): Rate => ({
  kind: 'customer',
  pricePlan: plan,
  vendorId: null,
  destinationPrefix: prefix,
  pricePerSegmentMicros: micros,
  currency: 'USD',
});
const vendorRate = (vendorId: string, prefix: string, micros: number): Rate => ({
  kind: 'vendor',
  pricePlan: null,
  vendorId,
  destinationPrefix: prefix,
  pricePerSegmentMicros: micros,
  currency: 'EUR',
});

const req = (over: Partial<PlanRequest> = {}): PlanRequest => ({
  customerId: 'c1',
  sourceType: '10dlc',
  destination: '15125550100',
  affinityKey: 'm1',
  excludedVendorIds: new Set(),
  pricePlan: 'standard',
  segments: 3,
  ...over,
});

const rules = [rule('a', 'v-a', 1), rule('b', 'v-b', 2), rule('c', 'v-c', 3)];

describe('planRoute', () => {
  it('prices the chosen vendor per segment with both currencies', () => {
    const book = new RateBook([customerRate('standard', '1', 5000), vendorRate('v-a', '1', 3000)]);
    expect(planRoute(rules, book, req())).toMatchObject({
      ok: true,
      candidate: { vendorId: 'v-a' },
      pricing: {
        currency: 'USD',
        pricePerSegmentMicros: 5000,
        costPerSegmentMicros: 3000,
        costCurrency: 'EUR',
        totalPriceMicros: 15000,
        totalCostMicros: 9000,
      },
    });
  });

  it('skips a vendor without a cost for the destination and takes the next priced one', () => {
    const book = new RateBook([customerRate('standard', '', 5000), vendorRate('v-c', '1', 2000)]);
    expect(planRoute(rules, book, req())).toMatchObject({
      ok: true,
      candidate: { vendorId: 'v-c' },
    });
  });

  it('follows failover exclusions before pricing', () => {
    const book = new RateBook([
      customerRate('standard', '', 5000),
      vendorRate('v-a', '', 1000),
      vendorRate('v-b', '', 1000),
      vendorRate('v-c', '', 1000),
    ]);
    const plan = planRoute(rules, book, req({ excludedVendorIds: new Set(['v-a', 'v-b']) }));
    expect(plan).toMatchObject({ ok: true, candidate: { vendorId: 'v-c' } });
  });

  it.each([
    ['no rule', [], [customerRate('standard', '', 1)], {}, 'no_route'],
    [
      'all tried',
      rules,
      [customerRate('standard', '', 1), vendorRate('v-a', '', 1)],
      { excludedVendorIds: new Set(['v-a', 'v-b', 'v-c']) },
      'vendors_exhausted',
    ],
    [
      'customer plan unpriced',
      rules,
      [customerRate('gold', '', 1), vendorRate('v-a', '', 1)],
      {},
      'no_rate',
    ],
    ['no vendor priced', rules, [customerRate('standard', '', 1)], {}, 'no_rate'],
  ] as const)('%s → %s', (_label, ruleSet, rates, over, reason) => {
    const plan = planRoute(ruleSet, new RateBook(rates), req(over));
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.reason).toBe(reason);
      // Details go into results and logs: never the full phone number.
      expect(plan.detail).not.toContain('15125550100');
    }
  });
});
