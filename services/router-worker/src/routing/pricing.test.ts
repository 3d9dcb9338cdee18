import { describe, expect, it } from 'vitest';
import { RateBook, priceMessage, type Rate } from './pricing.js';

const rates: Rate[] = [
  {
    kind: 'customer',
    pricePlan: 'standard',
    vendorId: null,
    destinationPrefix: '',
    pricePerSegmentMicros: 5000,
    currency: 'USD',
  },
  {
    kind: 'customer',
    pricePlan: 'standard',
    vendorId: null,
    destinationPrefix: '44',
    pricePerSegmentMicros: 40000,
    currency: 'USD',
  },
  {
    kind: 'customer',
    pricePlan: 'gold',
    vendorId: null,
    destinationPrefix: '1',
    pricePerSegmentMicros: 4000,
    currency: 'USD',
  },
  {
    kind: 'vendor',
    pricePlan: null,
    vendorId: 'v1',
    destinationPrefix: '1',
    pricePerSegmentMicros: 3000,
    currency: 'USD',
  },
  {
    kind: 'vendor',
    pricePlan: null,
    vendorId: 'v1',
    destinationPrefix: '1512',
    pricePerSegmentMicros: 2500,
    currency: 'USD',
  },
];
const book = new RateBook(rates);

describe('priceMessage', () => {
  it.each([
    ['standard', 'v1', '15125550100', 3, 5000, 2500],
    ['standard', 'v1', '12125550100', 1, 5000, 3000],
    ['gold', 'v1', '15125550100', 2, 4000, 2500],
  ] as const)('%s via %s to %s × %d segments', (plan, vendor, dest, segments, price, cost) => {
    const result = priceMessage(book, {
      pricePlan: plan,
      vendorId: vendor,
      destination: dest,
      segments,
    });
    expect(result).toEqual({
      ok: true,
      pricing: {
        currency: 'USD',
        pricePerSegmentMicros: price,
        costPerSegmentMicros: cost,
        costCurrency: 'USD',
        totalPriceMicros: price * segments,
        totalCostMicros: cost * segments,
      },
    });
  });

  it('a plan or vendor without a matching rate is an error, not a free message', () => {
    expect(
      priceMessage(book, {
        pricePlan: 'gold',
        vendorId: 'v1',
        destination: '447700900123',
        segments: 1,
      }),
    ).toEqual({
      ok: false,
      reason: 'no_customer_rate',
    });
    expect(
      priceMessage(book, {
        pricePlan: 'standard',
        vendorId: 'v1',
        destination: '447700900123',
        segments: 1,
      }),
    ).toEqual({
      ok: false,
      reason: 'no_vendor_rate',
    });
  });

  it('vendorCost feeds least-cost routing', () => {
    expect(book.vendorCost('v1', '15125550100')).toBe(2500);
    expect(book.vendorCost('v2', '15125550100')).toBeUndefined();
  });
});
