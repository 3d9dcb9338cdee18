import { describe, expect, it } from 'vitest';
import {
  affinityKeyFor,
  rankCandidates,
  selectRoute,
  type RouteRequest,
  type RouteRule,
} from './route-selection.js';

function rule(partial: Partial<RouteRule> & Pick<RouteRule, 'id' | 'vendorId'>): RouteRule {
  return {
    name: partial.id,
    destinationPrefix: '',
    countryCode: null,
    sourceType: 'any',
    customerId: null,
    priority: 100,
    active: true,
    vendorActive: true,
    vendorPriority: 100,
    vendorPrimary: false,
    ...partial,
  };
}

const req = (over: Partial<RouteRequest> = {}): RouteRequest => ({
  customerId: 'cust-a',
  sourceType: '10dlc',
  destination: '15125550100',
  affinityKey: 'm1',
  excludedVendorIds: new Set(),
  ...over,
});

const noCost = () => undefined;
const vendorsOf = (
  rules: RouteRule[],
  r: RouteRequest,
  cost: (v: string) => number | undefined = noCost,
) => rankCandidates(rules, r, cost).map((c) => c.vendorId);

describe('rankCandidates', () => {
  it('longest destination prefix wins over priority', () => {
    const rules = [
      rule({ id: 'all', vendorId: 'v-any', priority: 1 }),
      rule({ id: 'us', vendorId: 'v-us', destinationPrefix: '1', priority: 50 }),
      rule({ id: 'tx', vendorId: 'v-tx', destinationPrefix: '1512', priority: 90 }),
    ];
    expect(vendorsOf(rules, req())).toEqual(['v-tx', 'v-us', 'v-any']);
  });

  it('country code restricts like a prefix', () => {
    const rules = [
      rule({ id: 'uk', vendorId: 'v-uk', countryCode: '44' }),
      rule({ id: 'all', vendorId: 'v-any' }),
    ];
    expect(vendorsOf(rules, req())).toEqual(['v-any']);
    expect(vendorsOf(rules, req({ destination: '447700900123' }))).toEqual(['v-uk', 'v-any']);
  });

  it('among equal prefixes: priority, then least cost, unpriced last', () => {
    const rules = [
      rule({ id: 'a', vendorId: 'v-cheap', priority: 10 }),
      rule({ id: 'b', vendorId: 'v-dear', priority: 10 }),
      rule({ id: 'c', vendorId: 'v-unpriced', priority: 10 }),
      rule({ id: 'd', vendorId: 'v-best', priority: 5 }),
    ];
    const cost = (v: string) => ({ 'v-cheap': 3000, 'v-dear': 4000, 'v-best': 9999 })[v];
    expect(vendorsOf(rules, req(), cost)).toEqual(['v-best', 'v-cheap', 'v-dear', 'v-unpriced']);
  });

  it("at equal rule priority: the primary vendor, then the vendor's own priority, then cost", () => {
    const rules = [
      rule({ id: 'a', vendorId: 'v-cheap', priority: 10 }),
      rule({ id: 'b', vendorId: 'v-preferred', priority: 10, vendorPriority: 50 }),
      rule({ id: 'c', vendorId: 'v-primary', priority: 10, vendorPrimary: true }),
      rule({ id: 'd', vendorId: 'v-rule', priority: 5, vendorPriority: 900 }),
    ];
    const cost = (v: string) =>
      ({ 'v-cheap': 1000, 'v-preferred': 5000, 'v-primary': 9000, 'v-rule': 9999 })[v];
    // The rule's priority stays above every vendor-wide preference.
    expect(vendorsOf(rules, req(), cost)).toEqual([
      'v-rule',
      'v-primary',
      'v-preferred',
      'v-cheap',
    ]);
  });

  it('customer-specific rules beat general ones of the same prefix, and never apply to others', () => {
    const rules = [
      rule({ id: 'gen', vendorId: 'v-gen', priority: 1 }),
      rule({ id: 'vip', vendorId: 'v-vip', customerId: 'cust-a', priority: 50 }),
    ];
    expect(vendorsOf(rules, req())).toEqual(['v-vip', 'v-gen']);
    expect(vendorsOf(rules, req({ customerId: 'cust-b' }))).toEqual(['v-gen']);
  });

  it('source type filters and a specific type beats any', () => {
    const rules = [
      rule({ id: 'any', vendorId: 'v-any', priority: 1 }),
      rule({ id: 'sc', vendorId: 'v-sc', sourceType: 'shortcode' }),
      rule({ id: '10dlc', vendorId: 'v-10dlc', sourceType: '10dlc', priority: 50 }),
    ];
    expect(vendorsOf(rules, req())).toEqual(['v-10dlc', 'v-any']);
    expect(vendorsOf(rules, req({ sourceType: 'shortcode' }))).toEqual(['v-sc', 'v-any']);
  });

  it('skips inactive rules and inactive vendors', () => {
    const rules = [
      rule({ id: 'off', vendorId: 'v-off', active: false, priority: 1 }),
      rule({ id: 'down', vendorId: 'v-down', vendorActive: false, priority: 1 }),
      rule({ id: 'on', vendorId: 'v-on' }),
    ];
    expect(vendorsOf(rules, req())).toEqual(['v-on']);
  });

  it('lists a vendor once, at its best rank', () => {
    const rules = [
      rule({ id: 'a', vendorId: 'v1', destinationPrefix: '1' }),
      rule({ id: 'b', vendorId: 'v1' }),
      rule({ id: 'c', vendorId: 'v2' }),
    ];
    expect(vendorsOf(rules, req())).toEqual(['v1', 'v2']);
  });

  it('equal vendors: same affinity key, same order; keys spread over vendors', () => {
    const rules = [rule({ id: 'a', vendorId: 'v1' }), rule({ id: 'b', vendorId: 'v2' })];
    const key = affinityKeyFor({
      messageId: 'x',
      source: '1',
      destination: '2',
      concatReference: 77,
    });
    const first = vendorsOf(rules, req({ affinityKey: key }));
    for (let i = 0; i < 5; i++) expect(vendorsOf(rules, req({ affinityKey: key }))).toEqual(first);
    const firsts = new Set(
      Array.from({ length: 40 }, (_, i) => vendorsOf(rules, req({ affinityKey: `m${i}` }))[0]),
    );
    expect(firsts).toEqual(new Set(['v1', 'v2']));
  });
});

describe('selectRoute (failover)', () => {
  const rules = [
    rule({ id: 'p', vendorId: 'primary', priority: 1 }),
    rule({ id: 's', vendorId: 'secondary', priority: 2 }),
    rule({ id: 't', vendorId: 'tertiary', priority: 3 }),
  ];

  it('walks the candidates in order as vendors are excluded, then reports exhaustion', () => {
    const tried = new Set<string>();
    const order: string[] = [];
    for (;;) {
      const decision = selectRoute(rules, req({ excludedVendorIds: tried }), noCost);
      if (!decision.ok) {
        expect(decision.reason).toBe('vendors_exhausted');
        break;
      }
      order.push(decision.candidate.vendorId);
      tried.add(decision.candidate.vendorId);
    }
    expect(order).toEqual(['primary', 'secondary', 'tertiary']);
  });

  it('ranks vendors no connector can reach after the others, and still uses them last', () => {
    const down = new Set(['primary']);
    const unavailable = (vendorId: string) => down.has(vendorId);
    const pick = (tried: string[]) => {
      const decision = selectRoute(
        rules,
        req({ excludedVendorIds: new Set(tried), unavailable }),
        noCost,
      );
      return decision.ok
        ? [decision.candidate.vendorId, ...decision.fallbacks.map((c) => c.vendorId)]
        : decision.reason;
    };
    expect(pick([])).toEqual(['secondary', 'tertiary', 'primary']);
    // Tried vendors stay excluded; the down one is the last resort.
    expect(pick(['secondary'])).toEqual(['tertiary', 'primary']);
    expect(pick(['secondary', 'tertiary'])).toEqual(['primary']);
    expect(pick(['secondary', 'tertiary', 'primary'])).toBe('vendors_exhausted');
    // Every candidate down: the configured order, so the best one holds the message.
    down.add('secondary').add('tertiary');
    expect(pick([])).toEqual(['primary', 'secondary', 'tertiary']);
    // Two down, one up: the reachable one first, the others in rank order.
    down.delete('tertiary');
    expect(pick([])).toEqual(['tertiary', 'primary', 'secondary']);
  });

  it('no matching rule is no_route, not exhaustion', () => {
    expect(selectRoute([], req(), noCost)).toEqual({ ok: false, reason: 'no_route' });
  });

  it('affinity key: parts share one, single messages use their id', () => {
    expect(
      affinityKeyFor({ messageId: 'm', source: 's', destination: 'd', concatReference: undefined }),
    ).toBe('m');
    expect(
      affinityKeyFor({ messageId: 'm', source: 's', destination: 'd', concatReference: 9 }),
    ).toBe('s|d|9');
  });
});
