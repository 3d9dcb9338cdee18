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

/** A destination prefix the operator refuses, for every customer or for one. */
export interface DestinationBlock {
  readonly prefix: string;
  /** Undefined: every customer. */
  readonly customerId?: string;
  readonly reason: string;
}

export interface SnapshotInput {
  readonly rules: readonly RouteRule[];
  readonly rates: readonly Rate[];
  readonly customers: readonly CustomerProfile[];
  readonly numbers: readonly NumberOwnership[];
  readonly blocks?: readonly DestinationBlock[];
  readonly loadedAt: Date;
}

export class RoutingSnapshot {
  readonly rules: readonly RouteRule[];
  readonly rates: RateBook;
  readonly loadedAt: Date;
  private readonly customers: ReadonlyMap<string, CustomerProfile>;
  private readonly owners: ReadonlyMap<string, string>;
  /** Blocks by prefix; the prefix lengths present, longest first, bound the lookups. */
  private readonly blocks: ReadonlyMap<string, readonly DestinationBlock[]>;
  private readonly blockLengths: readonly number[];

  constructor(input: SnapshotInput) {
    this.rules = Object.freeze([...input.rules]);
    this.rates = new RateBook(input.rates);
    this.customers = new Map(input.customers.map((c) => [c.id, c]));
    this.owners = new Map(input.numbers.map((n) => [n.number, n.customerId]));
    const blocks = new Map<string, DestinationBlock[]>();
    for (const block of input.blocks ?? []) {
      const same = blocks.get(block.prefix);
      if (same) same.push(block);
      else blocks.set(block.prefix, [block]);
    }
    this.blocks = blocks;
    this.blockLengths = [...new Set([...blocks.keys()].map((p) => p.length))].sort((a, b) => b - a);
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

  /**
   * The block `destination` hits for `customerId`: the longest matching
   * prefix, a customer's own block before a global one of the same prefix.
   * One map lookup per distinct prefix length (a handful), not a scan of the
   * list, so thousands of blocks cost the hot path nothing noticeable.
   */
  blockFor(destination: string, customerId: string): DestinationBlock | undefined {
    for (const length of this.blockLengths) {
      if (length > destination.length) continue;
      const found = this.blocks.get(destination.slice(0, length));
      if (!found) continue;
      const hit =
        found.find((b) => b.customerId === customerId) ??
        found.find((b) => b.customerId === undefined);
      if (hit) return hit;
    }
    return undefined;
  }

  get counts(): { rules: number; customers: number; numbers: number; blocks: number } {
    let blocks = 0;
    for (const same of this.blocks.values()) blocks += same.length;
    return {
      rules: this.rules.length,
      customers: this.customers.size,
      numbers: this.owners.size,
      blocks,
    };
  }
}
