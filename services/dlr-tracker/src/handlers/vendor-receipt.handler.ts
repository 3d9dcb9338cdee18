import type { VendorReceipt } from '@smpp-gateway/contracts';
import {
  doneAtFloor,
  type MessageStatePatch,
  type MessageStateRecord,
  type VendorIdKeys,
} from '@smpp-gateway/message-state';
import type { Logger, MessageContext } from '@smpp-gateway/runtime';
import {
  keysMeetingReadings,
  messageIdCandidates,
  RECEIPT_CLOCK_TOLERANCE_MS,
} from '@smpp-gateway/smpp';
import type { MissReason, TrackerMetrics } from '../metrics.js';
import { contextPatchFromCdr, receiptContext } from './message-context.js';
import type {
  CdrArchivePort,
  Clock,
  DeferralLedger,
  ReceiptDeferralPort,
  StatePort,
} from './ports.js';
import { applyMergedState, classifyFailure, type StateOutcomeDeps } from './state-outcome.js';

export interface VendorReceiptHandlerDeps extends StateOutcomeDeps {
  readonly state: StatePort;
  readonly archive: CdrArchivePort;
  readonly deferral: ReceiptDeferralPort;
  readonly ledger: DeferralLedger;
  readonly clock: Clock;
  readonly metrics: TrackerMetrics;
  readonly logger: Logger;
  /** In-process retries (delivery unacked) for this long on the first pass. */
  readonly holdMs: number;
  /** TTL of the deferral queue: the pause between later passes. */
  readonly retryDelayMs: number;
  /** Unresolved after this much retrying: counted as a miss and acked. */
  readonly maxAgeMs: number;
  /** Name of the deferral queue, whose expiries count the passes. */
  readonly deferralQueue: string;
  /** Pauses between in-process attempts; the last one repeats. */
  readonly holdBackoffMs?: readonly number[];
}

/** Why a receipt could not be applied (yet). */
/** Why a receipt is not applied yet; once its budget is spent, the miss's reason. */
type Pending = MissReason;

const DEFAULT_BACKOFF_MS = [5, 10, 25, 50, 100, 200] as const;

/**
 * Whether this delivery came back out of the deferral queue (the broker's
 * `x-death` entry for it). Fresh receipts skip the ledger lookup.
 */
export function cameFromDeferral(
  headers: Readonly<Record<string, unknown>>,
  queue: string,
): boolean {
  const deaths = headers['x-death'];
  if (!Array.isArray(deaths)) return false;
  return (deaths as unknown[]).some((death) => {
    if (typeof death !== 'object' || death === null) return false;
    const { queue: q, reason } = death as { queue?: unknown; reason?: unknown };
    return q === queue && reason === 'expired';
  });
}

/**
 * Keys the vendor-connector may have stored the submit mapping under: the
 * exact key (the connector normalised the receipt id with the vendor's
 * declared receipt format), then every reading of the id in the candidate
 * space, which only 'auto' vendors have mappings in (the one equal to the
 * exact key included: the submit's mapping may hold it as a candidate).
 */
export function receiptLookupKeys(receipt: VendorReceipt): VendorIdKeys {
  return {
    exact: receipt.vendorMessageKey,
    candidates: messageIdCandidates(receipt.vendorMessageId),
  };
}

function receiptPatch(receipt: VendorReceipt): MessageStatePatch {
  return {
    status: receipt.stat,
    err: receipt.err,
    networkErrorCode: receipt.networkErrorCode,
    doneAt: receipt.stat === 'ENROUTE' ? undefined : (receipt.doneDate ?? receipt.receivedAt),
    vendorId: receipt.vendorId,
  };
}

/**
 * A done date beyond what minute precision or drift explains, before the
 * submit: a wrong time zone (either way the message is reported done at its
 * submit: see reportedDoneAt).
 */
function doneLongBeforeSubmit(receipt: VendorReceipt, record: MessageStateRecord): boolean {
  const floor = doneAtFloor(record);
  if (receipt.doneDate === undefined || floor === undefined) return false;
  return Date.parse(floor) - Date.parse(receipt.doneDate) > RECEIPT_CLOCK_TOLERANCE_MS;
}

/**
 * `dlr.receipts`. A receipt can beat its mapping (the vendor answers
 * submit_sm_resp and sends the receipt on another bind at once) or the MT
 * context (dlr.events not processed yet). Neither is an error at first:
 *
 * - younger than `holdMs`: retried in-process with a short backoff, the
 *   delivery unacked (the common race resolves in milliseconds; bounded, so
 *   the prefetch window is not held for long);
 * - then: republished to `dlr.receipts.deferred` (confirmed) and acked; the
 *   queue's TTL returns it to `dlr.receipts` for another attempt, without
 *   holding prefetch or counting towards a quorum delivery limit;
 * - after `maxAgeMs` of retrying (counted in passes, see DeferralLedger):
 *   counted as a miss, logged once with the vendor's ids, and acked. A receipt for a message we have no trace of cannot become
 *   a customer receipt; dead-lettering it would only fill dead.letters.
 *
 * Past the in-process hold, the CDR archive is also searched: it finds the
 * message after Redis lost the mapping (flush, failover, expiry), and
 * restores the context of a record Redis lost.
 */
export function createVendorReceiptHandler(deps: VendorReceiptHandlerDeps) {
  const backoff = deps.holdBackoffMs ?? DEFAULT_BACKOFF_MS;
  const log = deps.logger.child({ component: 'vendor-receipt' });

  async function resolveMessageId(receipt: VendorReceipt, useArchive: boolean) {
    const lookup = await deps.state.lookupVendorId(receipt.vendorId, receiptLookupKeys(receipt));
    if (lookup.messageId || !useArchive) {
      return { id: lookup.messageId, archived: undefined, ambiguous: lookup.ambiguous };
    }
    // The readings matter for 'auto' vendors only (the archive checks): the
    // CDR keeps the submit's key, not the candidates Redis held for it.
    const archived = await deps.archive.findByVendorMessageId(receipt.vendorId, {
      id: receipt.vendorMessageId,
      key: receipt.vendorMessageKey,
      readings: keysMeetingReadings(receipt.vendorMessageId),
    });
    return { id: archived?.messageId, archived, ambiguous: lookup.ambiguous && !archived };
  }

  /** One attempt. `lastChance`: apply what can be applied even without the receipt context. */
  async function attempt(
    receipt: VendorReceipt,
    receivedAt: number,
    useArchive: boolean,
    lastChance: boolean,
  ): Promise<Pending | 'applied'> {
    const { id, archived, ambiguous } = await resolveMessageId(receipt, useArchive);
    // Ambiguous: only a reading two messages share matched. Retried like an
    // unknown id (this message's own mapping may still be on its way), then
    // given up on rather than guessed.
    if (!id) return ambiguous ? 'ambiguous_id' : 'unknown_id';
    // Status merged, receipt decided and its lease taken in one Redis step.
    let merged = await deps.settler.mergeAndClaim(id, receiptPatch(receipt));
    if (useArchive && !receiptContext(merged.record)) {
      // Past the hold and still no context: Redis lost the record, with its
      // mapping (the archive found the message) or without (a partial loss:
      // eviction, a flush that was not atomic). Restore the context from the
      // CDR; the settle loop decides the receipt if the merge could not.
      // Before the hold this is the usual race with the submit result.
      const row = archived ?? (await deps.archive.findByMessageId(id));
      if (row) {
        const restored = await deps.state.merge(id, contextPatchFromCdr(row));
        merged = { ...merged, record: restored.record };
      }
    }
    if (!receiptContext(merged.record)) {
      if (!lastChance) {
        await deps.settler.abandon(merged);
        return 'no_context';
      }
      // The status is merged; a late submit result still settles the
      // customer receipt. The CDR gets what is known now.
      await applyMergedState(deps, merged, new Date(receivedAt), { settle: false });
      return 'no_context';
    }
    deps.metrics.trackingHits.inc();
    if (doneLongBeforeSubmit(receipt, merged.record)) {
      deps.metrics.receiptDatesBeforeSubmit.inc({ vendor_id: receipt.vendorId });
    }
    await applyMergedState(deps, merged, new Date(receivedAt), { settle: true, receivedAt });
    return 'applied';
  }

  function miss(receipt: VendorReceipt, reason: Pending, retriedMs: number): void {
    deps.metrics.trackingMisses.inc({ reason });
    log.warn(
      reason === 'unknown_id'
        ? 'receipt for an unknown vendor message id, giving up'
        : reason === 'ambiguous_id'
          ? 'receipt id only matches a reading two messages share, giving up (declare the vendor message-id formats)'
          : 'receipt matched but the MT context never arrived, no customer receipt',
      {
        vendor_id: receipt.vendorId,
        vendor_message_id: receipt.vendorMessageId,
        vendor_message_key: receipt.vendorMessageKey,
        dlr_status: receipt.stat,
        retried_ms: retriedMs,
      },
    );
  }

  return async (receipt: VendorReceipt, ctx: Pick<MessageContext, 'headers'>): Promise<void> => {
    try {
      const receivedAt = Date.parse(receipt.receivedAt);
      // Counting passes rather than comparing receivedAt with the clock keeps
      // the bound meaningful after a backlog (a receipt queued for ten
      // minutes while the tracker was down still gets its full retry budget)
      // and across pods with skewed clocks.
      const passes = cameFromDeferral(ctx.headers, deps.deferralQueue)
        ? Math.max(1, await deps.ledger.passes(receipt.messageId))
        : 0;
      // Retry time this receipt has had before the current pass.
      const spentMs = passes === 0 ? 0 : deps.holdMs + passes * deps.retryDelayMs;
      // The pass after this one would exceed the budget: apply what we can now.
      const lastChance = passes > 0 && spentMs + deps.retryDelayMs > deps.maxAgeMs;
      const started = deps.clock.now();
      for (let tries = 0; ; tries += 1) {
        const holding = passes === 0 && deps.clock.now() - started < deps.holdMs;
        const outcome = await attempt(receipt, receivedAt, !holding, lastChance);
        if (outcome === 'applied' || lastChance) {
          deps.metrics.receiptsReceived.inc({
            vendor_id: receipt.vendorId,
            dlr_status: receipt.stat,
          });
          if (outcome !== 'applied') miss(receipt, outcome, spentMs);
          return;
        }
        const elapsed = deps.clock.now() - started;
        if (passes === 0 && elapsed < deps.holdMs) {
          const pause = backoff[Math.min(tries, backoff.length - 1)] ?? 50;
          await deps.clock.sleep(Math.max(1, Math.min(pause, deps.holdMs - elapsed)));
          continue;
        }
        await deps.ledger.recordDeferral(receipt.messageId);
        await deps.deferral.defer(receipt);
        deps.metrics.receiptsDeferred.inc();
        log.debug('receipt deferred', {
          vendor_id: receipt.vendorId,
          vendor_message_id: receipt.vendorMessageId,
          reason: outcome,
          passes,
        });
        return;
      }
    } catch (err) {
      throw classifyFailure(err);
    }
  };
}
