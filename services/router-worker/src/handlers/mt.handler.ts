// MtSubmitted → one of: MtRouted on vendor.{id}, the same MT deferred by a
// 10DLC cap, or a failed MtSubmitResult. Decisions come from the pure core;
// this file only sequences them and talks to the ports.
import type { ContractInput, FailureReason, MtSubmitted } from '@smpp-gateway/contracts';
import { maskLongPrefix, RetryableError, type Logger } from '@smpp-gateway/runtime';
import { resolveSmppTime } from '@smpp-gateway/smpp';
import type { RouterMetrics } from '../metrics.js';
import { classifySource } from '../routing/number-type.js';
import { planRoute } from '../routing/route-plan.js';
import { affinityKeyFor } from '../routing/route-selection.js';
import {
  checkTenDlcCampaign,
  fitsCapsAlone,
  requiresTenDlc,
  type Campaign,
  type CapDecision,
} from '../routing/tendlc.js';
import { textPreview } from '../routing/text-preview.js';
import type { CampaignDirectory, MtOutbox, SnapshotSource, TenDlcLimiter } from './ports.js';

export interface MtHandlerDeps {
  readonly snapshots: SnapshotSource;
  readonly campaigns: CampaignDirectory;
  readonly limiter: TenDlcLimiter;
  readonly outbox: MtOutbox;
  readonly metrics: RouterMetrics;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** See ROUTER_TRANSIENT_RETRY_MAX_AGE_MS; 0 disables transient retries. */
  readonly transientRetryMaxAgeMs?: number;
  /** Submits edge-server refused although their MT may have reached the broker. */
  readonly refused?: { has(messageId: string): boolean };
  /** Vendors no connector can reach now: ranked after the other candidates. */
  readonly vendors?: { isDown(vendorId: string): boolean };
}

/** `dropped`: the customer was answered ESME_RSYSERR for it; nothing is sent, no receipt. */
export type MtOutcome = 'routed' | 'deferred' | 'failed' | 'dropped';

const UNROUTED = 'unrouted';

/**
 * Vendor answers that say "not now" rather than "never": system error, queue
 * full, throttled, temporary application error. An attempt without a status
 * failed before the vendor answered (no bind, timeout, connection lost).
 */
const TRANSIENT_STATUSES = new Set([0x08, 0x14, 0x58, 0x64]);

export function isTransientAttempt(attempt: MtSubmitted['attempts'][number]): boolean {
  return attempt.commandStatus === undefined || TRANSIENT_STATUSES.has(attempt.commandStatus);
}
/** One warning per interval during an outage, not one per message. */
const OUTAGE_LOG_INTERVAL_MS = 10_000;

/**
 * When the customer's validity_period ends, if it set one. edge-server
 * passes it on as an absolute time; a relative one (an older edge) counts
 * from acceptance, like the edge counts it.
 */
export function validityEnd(
  msg: Pick<MtSubmitted, 'validityPeriod' | 'acceptedAt'>,
): Date | undefined {
  if (msg.validityPeriod === '') return undefined;
  return resolveSmppTime(msg.validityPeriod, new Date(msg.acceptedAt));
}

export function failedResult(
  msg: MtSubmitted,
  reason: FailureReason,
  error: string,
  now: Date,
): ContractInput<'MtSubmitResult'> {
  const lastAttempt = msg.attempts[msg.attempts.length - 1];
  return {
    v: 1,
    messageId: msg.messageId,
    occurredAt: now.toISOString(),
    outcome: 'failed',
    customerId: msg.customerId,
    systemId: msg.systemId,
    source: msg.source,
    destination: msg.destination,
    registeredDelivery: msg.registeredDelivery,
    dataCoding: msg.dataCoding,
    textPreview: textPreview(msg),
    segments: msg.segments,
    ...(msg.concat ? { concat: msg.concat } : {}),
    acceptedAt: msg.acceptedAt,
    ...(lastAttempt ? { vendorId: lastAttempt.vendorId } : {}),
    failureReason: reason,
    error: error.slice(0, 500),
    attempts: msg.attempts.map((a) => ({ vendorId: a.vendorId, error: a.error })),
  };
}

/**
 * Idempotent under redelivery: the decision depends only on the message and
 * the configuration, so a replay goes to the same vendor with the same id and
 * downstream deduplicates by message id. The one side effect that is not
 * replay-safe is the 10DLC counter: a message counted and then requeued
 * (publish failed) is counted twice, erring on the side of the cap.
 */
export interface MtDelivery {
  /** The broker delivered this MT before: it may already have been routed. */
  readonly redelivered: boolean;
}

export function createMtHandler(
  deps: MtHandlerDeps,
): (msg: MtSubmitted, delivery?: MtDelivery) => Promise<MtOutcome> {
  const { metrics, logger } = deps;
  const vendors = deps.vendors;
  const unavailable = vendors ? (vendorId: string) => vendors.isDown(vendorId) : undefined;

  async function fail(msg: MtSubmitted, reason: FailureReason, detail: string, started: number) {
    await deps.outbox.failed(failedResult(msg, reason, detail, deps.clock()));
    metrics.rejections.inc({ reason });
    metrics.routingDuration.observe({ route: UNROUTED }, (performance.now() - started) / 1000);
    if (logger.isLevelEnabled('debug')) {
      logger.debug('mt failed in routing', {
        message_id: msg.messageId,
        customer_id: msg.customerId,
        reason,
        attempts: msg.attempts.length,
      });
    }
    return 'failed' as const;
  }

  let lastOutageLogAt = Number.NEGATIVE_INFINITY;
  /**
   * Redis (or PostgreSQL and Redis) cannot answer a 10DLC question: the
   * message waits out the deferral delay and tries again. Never sent
   * uncapped, never failed, and — unlike a requeue — it does not use up a
   * quorum queue's delivery limit however long the outage lasts.
   */
  async function deferForOutage(msg: MtSubmitted, err: RetryableError) {
    await deps.outbox.deferred(msg);
    metrics.deferred.inc({ cap: 'unavailable' });
    if (performance.now() - lastOutageLogAt > OUTAGE_LOG_INTERVAL_MS) {
      lastOutageLogAt = performance.now();
      logger.warn('10dlc state unavailable, deferring 10dlc traffic', {
        message_id: msg.messageId,
        err,
      });
    }
    return 'deferred' as const;
  }

  return async (msg, delivery) => {
    if (deps.refused?.has(msg.messageId)) {
      metrics.refusedDropped.inc();
      logger.warn('dropping an MT whose submit was refused (its confirm never reached the edge)', {
        message_id: msg.messageId,
        customer_id: msg.customerId,
      });
      return 'dropped';
    }
    const started = performance.now();
    // Deferred under a 10DLC cap, waiting out an outage of every vendor, or
    // handed back after failed attempts: a message whose validity ended
    // meanwhile is not sent late; the customer gets EXPIRED.
    const validUntil = validityEnd(msg);
    if (validUntil && validUntil.getTime() <= deps.clock().getTime()) {
      return fail(
        msg,
        'expired',
        `validity period ended ${validUntil.toISOString()} before the message was sent`,
        started,
      );
    }
    let snapshot = deps.snapshots.current();
    let customer = snapshot.customer(msg.customerId);
    if (!customer) {
      const refreshed = await deps.snapshots.refreshAfterMiss();
      if (!refreshed.fresh) {
        throw new RetryableError(
          'customer unknown and the routing configuration cannot be reloaded',
        );
      }
      snapshot = refreshed.snapshot;
      customer = snapshot.customer(msg.customerId);
      if (!customer) {
        return fail(
          msg,
          'no_rate',
          `customer ${msg.customerId} has no price plan (unknown to routing)`,
          started,
        );
      }
    }

    const source = msg.source.addr;
    const destination = msg.destination.addr;
    // Before anything else is spent on it (a 10DLC slot, a vendor's fee).
    const block = snapshot.blockFor(destination, msg.customerId);
    if (block) {
      return fail(
        msg,
        'blocked',
        // Logged and archived: a block of a whole number does not spell it out.
        `destination blocked by prefix ${maskLongPrefix(block.prefix)}${block.customerId ? ' (this customer)' : ''}${block.reason ? `: ${block.reason}` : ''}`,
        started,
      );
    }
    const sourceType = classifySource(source, msg.source.ton);

    let campaign: Campaign | undefined;
    if (requiresTenDlc(sourceType, source, destination)) {
      let found: Campaign | undefined;
      try {
        found = await deps.campaigns.campaignFor(source);
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        return deferForOutage(msg, err);
      }
      const check = checkTenDlcCampaign(source, found ? [found] : []);
      if (!check.ok)
        return fail(msg, 'tendlc_rejected', `10DLC ${check.reason}: ${check.detail}`, started);
      const alone = fitsCapsAlone(check.campaign, msg.segments);
      if (!alone.allow) {
        return fail(
          msg,
          'tendlc_rejected',
          `10DLC ${alone.cap}: ${msg.segments} segments exceed campaign ${check.campaign.campaignId}'s cap on their own`,
          started,
        );
      }
      campaign = check.campaign;
    }

    const plan = planRoute(snapshot.rules, snapshot.rates, {
      customerId: msg.customerId,
      sourceType,
      destination,
      affinityKey: affinityKeyFor({
        messageId: msg.messageId,
        source,
        destination,
        concatReference: msg.concat?.reference,
      }),
      excludedVendorIds: new Set(msg.attempts.slice(msg.roundStart).map((a) => a.vendorId)),
      ...(unavailable ? { unavailable } : {}),
      pricePlan: customer.pricePlan,
      segments: msg.segments,
    });
    if (!plan.ok) {
      const round = msg.attempts.slice(msg.roundStart);
      const ageMs = deps.clock().getTime() - Date.parse(msg.acceptedAt);
      if (
        plan.reason === 'vendors_exhausted' &&
        round.length > 0 &&
        round.every(isTransientAttempt) &&
        ageMs < (deps.transientRetryMaxAgeMs ?? 0)
      ) {
        // Every vendor is down or busy right now: wait out the deferral
        // delay and try them all again, rather than fail the message.
        await deps.outbox.deferred({ ...msg, roundStart: msg.attempts.length });
        metrics.deferred.inc({ cap: 'vendors_unavailable' });
        return 'deferred';
      }
      return fail(msg, plan.reason, plan.detail, started);
    }

    if (customer.prepaidCurrency && plan.pricing.currency !== customer.prepaidCurrency) {
      return fail(
        msg,
        'no_rate',
        `priced in ${plan.pricing.currency}, but the prepaid balance is in ${customer.prepaidCurrency}`,
        started,
      );
    }

    // Counted once, on first routing: a failover hand-back was counted when
    // it first went out, and a deferral did not count at all.
    if (campaign && msg.attempts.length === 0) {
      let cap: CapDecision;
      try {
        cap = await deps.limiter.consume(campaign, msg.segments, deps.clock());
      } catch (err) {
        if (!(err instanceof RetryableError)) throw err;
        return deferForOutage(msg, err);
      }
      if (!cap.allow) {
        await deps.outbox.deferred(msg);
        metrics.deferred.inc({ cap: cap.cap });
        return 'deferred';
      }
    }

    const now = deps.clock().toISOString();
    const { candidate, pricing } = plan;
    await deps.outbox.routed({
      ...msg,
      occurredAt: now,
      vendorId: candidate.vendorId,
      routeId: candidate.rule.id,
      pricing: {
        currency: pricing.currency,
        pricePerSegmentMicros: pricing.pricePerSegmentMicros,
        costPerSegmentMicros: pricing.costPerSegmentMicros,
        costCurrency: pricing.costCurrency,
        ...(customer.prepaidCurrency ? { prepaid: true } : {}),
      },
      routedAt: now,
      ...(delivery?.redelivered ? { possibleRepeat: true } : {}),
    });
    metrics.routed.inc({ vendor_id: candidate.vendorId });
    metrics.routingDuration.observe(
      { route: candidate.rule.name },
      (performance.now() - started) / 1000,
    );
    return 'routed';
  };
}
