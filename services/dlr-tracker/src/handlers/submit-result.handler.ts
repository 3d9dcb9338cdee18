import type { MtSubmitResult } from '@smpp-gateway/contracts';
import type { MessageStatePatch } from '@smpp-gateway/message-state';
import type { TrackerMetrics } from '../metrics.js';
import type { StatePort } from './ports.js';
import { failureErrorCode } from './receipt-policy.js';
import { applyMergedState, classifyFailure, type StateOutcomeDeps } from './state-outcome.js';

export interface SubmitResultHandlerDeps extends StateOutcomeDeps {
  readonly state: StatePort;
  readonly metrics: TrackerMetrics;
}

/** The state patch of a submit result: outcome plus the MT context it carries. */
export function submitResultPatch(result: MtSubmitResult): MessageStatePatch {
  const context: MessageStatePatch = {
    status: result.outcome === 'submitted' ? 'submitted' : 'failed',
    customerId: result.customerId,
    systemId: result.systemId,
    source: result.source,
    destination: result.destination,
    registeredDelivery: result.registeredDelivery,
    dataCoding: result.dataCoding,
    textPreview: result.textPreview,
    segments: result.segments,
    concat: result.concat,
    acceptedAt: result.acceptedAt,
    vendorId: result.vendorId,
    routeId: result.routeId,
    pricing: result.pricing,
    vendorMessageId: result.vendorMessageId,
    vendorMessageKey: result.vendorMessageKey,
    submittedAt: result.submittedAt,
  };
  if (result.outcome === 'submitted') return context;
  return {
    ...context,
    failureReason: result.failureReason,
    error: result.error ?? result.failureReason ?? 'failed',
    err: failureErrorCode(result.failureReason, result.commandStatus),
    doneAt: result.occurredAt,
  };
}

/**
 * `dlr.events`: merge the outcome and its context, write the CDR, and for a
 * message that is final now (our failure, or a receipt that was waiting for
 * this context) settle the customer receipt.
 */
export function createSubmitResultHandler(deps: SubmitResultHandlerDeps) {
  return async (result: MtSubmitResult): Promise<void> => {
    try {
      const merged = await deps.settler.mergeAndClaim(result.messageId, submitResultPatch(result));
      await applyMergedState(deps, merged, new Date(result.occurredAt), { settle: true });
      deps.metrics.submitResults.inc({ outcome: result.outcome });
    } catch (err) {
      throw classifyFailure(err);
    }
  };
}
