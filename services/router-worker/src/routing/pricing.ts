// Prices and vendor costs per segment: longest destination prefix wins within
// a customer's price plan or a vendor's cost table. Integers (micro-units) only.

export interface Rate {
  readonly kind: 'customer' | 'vendor';
  readonly pricePlan: string | null;
  readonly vendorId: string | null;
  /** '' matches every destination. */
  readonly destinationPrefix: string;
  readonly pricePerSegmentMicros: number;
  readonly currency: string;
}

/** Rates indexed for lookups on the hot path (built once per reload). */
export class RateBook {
  private readonly byOwner = new Map<string, Rate[]>();

  constructor(rates: readonly Rate[]) {
    for (const rate of rates) {
      const owner = RateBook.ownerKey(
        rate.kind,
        rate.kind === 'customer' ? rate.pricePlan : rate.vendorId,
      );
      const list = this.byOwner.get(owner) ?? [];
      list.push(rate);
      this.byOwner.set(owner, list);
    }
    // Longest prefix first, so the first match is the answer.
    for (const list of this.byOwner.values()) {
      list.sort((a, b) => b.destinationPrefix.length - a.destinationPrefix.length);
    }
  }

  private static ownerKey(kind: Rate['kind'], owner: string | null): string {
    return `${kind}:${owner ?? ''}`;
  }

  private find(kind: Rate['kind'], owner: string, destination: string): Rate | undefined {
    return this.byOwner
      .get(RateBook.ownerKey(kind, owner))
      ?.find((rate) => destination.startsWith(rate.destinationPrefix));
  }

  customerRate(pricePlan: string, destination: string): Rate | undefined {
    return this.find('customer', pricePlan, destination);
  }

  vendorRate(vendorId: string, destination: string): Rate | undefined {
    return this.find('vendor', vendorId, destination);
  }

  vendorCost = (vendorId: string, destination: string): number | undefined =>
    this.vendorRate(vendorId, destination)?.pricePerSegmentMicros;
}

export interface MessagePricing {
  readonly currency: string;
  readonly pricePerSegmentMicros: number;
  readonly costPerSegmentMicros: number;
  readonly costCurrency: string;
  readonly totalPriceMicros: number;
  readonly totalCostMicros: number;
}

export type PricingResult =
  | { readonly ok: true; readonly pricing: MessagePricing }
  | { readonly ok: false; readonly reason: 'no_customer_rate' | 'no_vendor_rate' };

/**
 * A message we cannot bill is not sent: a missing customer price or vendor
 * cost is a configuration error the operator must see, not a free message.
 */
export function priceMessage(
  book: RateBook,
  input: { pricePlan: string; vendorId: string; destination: string; segments: number },
): PricingResult {
  const price = book.customerRate(input.pricePlan, input.destination);
  if (!price) return { ok: false, reason: 'no_customer_rate' };
  const cost = book.vendorRate(input.vendorId, input.destination);
  if (!cost) return { ok: false, reason: 'no_vendor_rate' };
  return {
    ok: true,
    pricing: {
      currency: price.currency,
      pricePerSegmentMicros: price.pricePerSegmentMicros,
      costPerSegmentMicros: cost.pricePerSegmentMicros,
      costCurrency: cost.currency,
      totalPriceMicros: price.pricePerSegmentMicros * input.segments,
      totalCostMicros: cost.pricePerSegmentMicros * input.segments,
    },
  };
}
