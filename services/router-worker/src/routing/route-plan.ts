// Route selection and pricing as one decision: the vendor a message goes to
// must be one we can bill for, so pricing takes part in choosing it.
import { priceMessage, type MessagePricing, type RateBook } from './pricing.js';
import {
  selectRoute,
  type RouteCandidate,
  type RouteRequest,
  type RouteRule,
} from './route-selection.js';

export interface PlanRequest extends RouteRequest {
  readonly pricePlan: string;
  readonly segments: number;
}

export type PlanFailure = 'no_route' | 'vendors_exhausted' | 'no_rate';

export type RoutePlan =
  | { readonly ok: true; readonly candidate: RouteCandidate; readonly pricing: MessagePricing }
  | { readonly ok: false; readonly reason: PlanFailure; readonly detail: string };

/**
 * The best open candidate that has a vendor cost for the destination.
 * Unpriced vendors already rank last among equals (least-cost routing); here
 * they are skipped altogether, because a message we cannot cost is not sent.
 * A missing customer price fails the message whatever the vendor.
 * Details name prefixes and plans, never the full phone number.
 */
export function planRoute(
  rules: readonly RouteRule[],
  book: RateBook,
  req: PlanRequest,
): RoutePlan {
  const decision = selectRoute(rules, req, book.vendorCost);
  if (!decision.ok) {
    return {
      ok: false,
      reason: decision.reason,
      detail:
        decision.reason === 'no_route'
          ? `no active routing rule for source type ${req.sourceType} to +${req.destination.slice(0, 4)}…`
          : `every candidate vendor was tried (${req.excludedVendorIds.size} attempts)`,
    };
  }
  if (!book.customerRate(req.pricePlan, req.destination)) {
    return {
      ok: false,
      reason: 'no_rate',
      detail: `price plan '${req.pricePlan}' has no rate for +${req.destination.slice(0, 4)}…`,
    };
  }
  for (const candidate of [decision.candidate, ...decision.fallbacks]) {
    const priced = priceMessage(book, {
      pricePlan: req.pricePlan,
      vendorId: candidate.vendorId,
      destination: req.destination,
      segments: req.segments,
    });
    if (priced.ok) return { ok: true, candidate, pricing: priced.pricing };
  }
  return {
    ok: false,
    reason: 'no_rate',
    detail: `no candidate vendor has a cost for +${req.destination.slice(0, 4)}…`,
  };
}
