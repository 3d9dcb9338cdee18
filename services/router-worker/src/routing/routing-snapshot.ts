// Everything the hot path reads, loaded together and swapped as one immutable
// value: a message is routed against one consistent view of rules, rates,
// customers and numbers, never half an old and half a new one.
import { RateBook, type Rate } from './pricing.js';
import type { RouteRule } from './route-selection.js';

export interface CustomerProfile {
  readonly id: string;
  readonly pricePlan: string;
  /** Deliver concatenated MO as one message. */
  readonly moReassembly: boolean;
  /**
   * The currency of the customer's prepaid balance; undefined when postpaid.
   * A prepaid customer's message is only routed at a price in it: the CDR
   * triggers take nothing off a balance for a price in another currency.
   */
  readonly prepaidCurrency?: string;
}

export interface NumberOwnership {
  readonly number: string;
  readonly customerId: string;
}

export interface SnapshotInput {
  readonly rules: readonly RouteRule[];
  readonly rates: readonly Rate[];
  readonly customers: readonly CustomerProfile[];
  readonly numbers: readonly NumberOwnership[];
  readonly loadedAt: Date;
}

export class RoutingSnapshot {
  readonly rules: readonly RouteRule[];
  readonly rates: RateBook;
  readonly loadedAt: Date;
  private readonly customers: ReadonlyMap<string, CustomerProfile>;
  private readonly owners: ReadonlyMap<string, string>;

  constructor(input: SnapshotInput) {
    this.rules = Object.freeze([...input.rules]);
    this.rates = new RateBook(input.rates);
    this.customers = new Map(input.customers.map((c) => [c.id, c]));
    this.owners = new Map(input.numbers.map((n) => [n.number, n.customerId]));
    this.loadedAt = input.loadedAt;
  }

  static empty(): RoutingSnapshot {
    return new RoutingSnapshot({
      rules: [],
      rates: [],
      customers: [],
      numbers: [],
      loadedAt: new Date(0),
    });
  }

  customer(id: string): CustomerProfile | undefined {
    return this.customers.get(id);
  }

  /** The customer receiving MO sent to `number` (E.164 digits or a short code). */
  ownerOf(number: string): CustomerProfile | undefined {
    const customerId = this.owners.get(number);
    return customerId === undefined ? undefined : this.customers.get(customerId);
  }

  get counts(): { rules: number; customers: number; numbers: number } {
    return { rules: this.rules.length, customers: this.customers.size, numbers: this.owners.size };
  }
}
