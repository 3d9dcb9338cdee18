// Route selection as data: rules in, an ordered candidate list out. No I/O, so
// every ordering decision is table-tested.
import { createHash } from 'node:crypto';
import type { SourceType } from './number-type.js';

export type SourceTypeFilter = SourceType | 'any';

export interface RouteRule {
  readonly id: string;
  readonly name: string;
  /** '' matches every destination. */
  readonly destinationPrefix: string;
  /** E.164 country calling code ('1', '44'); null = any country. */
  readonly countryCode: string | null;
  readonly sourceType: SourceTypeFilter;
  /** null = the rule applies to every customer. */
  readonly customerId: string | null;
  readonly vendorId: string;
  /** Lower is preferred. */
  readonly priority: number;
  readonly active: boolean;
  readonly vendorActive: boolean;
  /** The vendor's own preference (vendor_mgmt.service_providers.priority, lower first, default 100). */
  readonly vendorPriority: number;
  /** The vendor is marked primary: preferred to the others at equal rule priority. */
  readonly vendorPrimary: boolean;
}

export interface RouteRequest {
  readonly customerId: string;
  readonly sourceType: SourceType;
  /** E.164 digits. */
  readonly destination: string;
  /**
   * Same value for every part of one concatenated message (source,
   * destination, reference) and the message id otherwise: ties between equal
   * vendors are broken by it, so parts stay together while whole messages
   * still spread over equal vendors.
   */
  readonly affinityKey: string;
  /** Vendors already tried for this message. */
  readonly excludedVendorIds: ReadonlySet<string>;
  /**
   * Vendors no connector can reach now (every pod's outage breaker is
   * open): ranked after the others, never dropped, so a message whose only
   * candidates are down still goes to the best of them and waits there.
   */
  readonly unavailable?: (vendorId: string) => boolean;
}

export interface RouteCandidate {
  readonly rule: RouteRule;
  readonly vendorId: string;
  /** Vendor cost per segment for this destination; undefined when unpriced. */
  readonly costPerSegmentMicros: number | undefined;
}

export type RouteDecision =
  | {
      readonly ok: true;
      readonly candidate: RouteCandidate;
      readonly fallbacks: readonly RouteCandidate[];
    }
  | { readonly ok: false; readonly reason: 'no_route' | 'vendors_exhausted' };

function matches(rule: RouteRule, req: RouteRequest): boolean {
  return (
    rule.active &&
    rule.vendorActive &&
    req.destination.startsWith(rule.destinationPrefix) &&
    (rule.countryCode === null || req.destination.startsWith(rule.countryCode)) &&
    (rule.sourceType === 'any' || rule.sourceType === req.sourceType) &&
    (rule.customerId === null || rule.customerId === req.customerId)
  );
}

function tieBreak(affinityKey: string, vendorId: string): string {
  return createHash('sha1').update(affinityKey).update('\0').update(vendorId).digest('hex');
}

/**
 * Every vendor that may carry the message, best first:
 * 1. longest matching destination prefix (a country code counts as a prefix),
 * 2. customer-specific rules before general ones,
 * 3. a specific source type before `any`,
 * 4. the rule's priority (lower first),
 * 5. a vendor marked primary before the others,
 * 6. the vendor's own priority (lower first),
 * 7. vendor cost (least-cost routing; unpriced vendors last),
 * 8. a stable hash of the affinity key and vendor, for equal vendors.
 * Vendors keep their default (not primary, priority 100) unless an operator
 * sets them, so by default rules and cost decide; 5 and 6 are the vendor-wide
 * preference the seed's "select vendor by priority" asks for, below any
 * per-destination rule.
 * Later entries are the failover order. A vendor appears once, at its best rank.
 */
export function rankCandidates(
  rules: readonly RouteRule[],
  req: RouteRequest,
  vendorCost: (vendorId: string, destination: string) => number | undefined,
): RouteCandidate[] {
  // The tie-break hash is only computed for entries that tie on everything
  // else: a route with one candidate, or with vendors of different
  // priorities, never needs it (it was half the cost of a plan).
  const tieOf = (entry: { rule: RouteRule; tie: string | undefined }): string =>
    (entry.tie ??= tieBreak(req.affinityKey, entry.rule.vendorId));
  const ranked = rules
    .filter((rule) => matches(rule, req))
    .map((rule) => ({
      rule,
      cost: vendorCost(rule.vendorId, req.destination),
      specificity: Math.max(rule.destinationPrefix.length, rule.countryCode?.length ?? 0),
      tie: undefined as string | undefined,
    }))
    .sort(
      (a, b) =>
        b.specificity - a.specificity ||
        Number(b.rule.customerId !== null) - Number(a.rule.customerId !== null) ||
        Number(b.rule.sourceType !== 'any') - Number(a.rule.sourceType !== 'any') ||
        a.rule.priority - b.rule.priority ||
        Number(b.rule.vendorPrimary) - Number(a.rule.vendorPrimary) ||
        a.rule.vendorPriority - b.rule.vendorPriority ||
        (a.cost ?? Number.MAX_SAFE_INTEGER) - (b.cost ?? Number.MAX_SAFE_INTEGER) ||
        tieOf(a).localeCompare(tieOf(b)),
    );
  const seen = new Set<string>();
  const candidates: RouteCandidate[] = [];
  for (const entry of ranked) {
    if (seen.has(entry.rule.vendorId)) continue;
    seen.add(entry.rule.vendorId);
    candidates.push({
      rule: entry.rule,
      vendorId: entry.rule.vendorId,
      costPerSegmentMicros: entry.cost,
    });
  }
  return candidates;
}

/** Candidates of unavailable vendors moved after the others, each group in rank order. */
function demoteUnavailable(
  candidates: RouteCandidate[],
  unavailable: ((vendorId: string) => boolean) | undefined,
): RouteCandidate[] {
  if (!unavailable) return candidates;
  const up = candidates.filter((c) => !unavailable(c.vendorId));
  if (up.length === candidates.length || up.length === 0) return candidates;
  return [...up, ...candidates.filter((c) => unavailable(c.vendorId))];
}

/**
 * The vendor to use now, skipping vendors already tried (failover) and
 * preferring vendors a connector can reach.
 */
export function selectRoute(
  rules: readonly RouteRule[],
  req: RouteRequest,
  vendorCost: (vendorId: string, destination: string) => number | undefined,
): RouteDecision {
  const all = rankCandidates(rules, req, vendorCost);
  if (all.length === 0) return { ok: false, reason: 'no_route' };
  const open = demoteUnavailable(
    all.filter((c) => !req.excludedVendorIds.has(c.vendorId)),
    req.unavailable,
  );
  const [first, ...rest] = open;
  if (!first) return { ok: false, reason: 'vendors_exhausted' };
  return { ok: true, candidate: first, fallbacks: rest };
}

/** Affinity key: all parts of one concatenated message share it. */
export function affinityKeyFor(input: {
  messageId: string;
  source: string;
  destination: string;
  concatReference: number | undefined;
}): string {
  return input.concatReference === undefined
    ? input.messageId
    : `${input.source}|${input.destination}|${input.concatReference}`;
}
