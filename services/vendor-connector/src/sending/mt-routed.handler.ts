// MtRouted → submit_sm at the vendor → MtSubmitResult (or a hand-back to the
// router). The consumer acks the queue message only when this resolves, i.e.
// when the outcome is confirmed by the broker.
import type { ContractInput, MtRouted } from '@smpp-gateway/contracts';
import {
  messageIdKeys,
  normalizeMessageId,
  resolveSmppTime,
  type MessageIdFormat,
} from '@smpp-gateway/smpp';
import type { VendorIdKeys } from '@smpp-gateway/message-state';
import { RetryableError, HEADERS, type Logger, type MessageContext } from '@smpp-gateway/runtime';
import {
  buildSubmitSm,
  type AlphabetConversion,
  type VendorAlphabet,
} from './submit-pdu.builder.js';
import { NoBindError, NotSentError, type SubmitSmResp } from './submit.dispatcher.js';
import { submitVerdict } from './submit-status.js';
import { textPreview } from './text-preview.js';
import type { PduInit } from '@smpp-gateway/smpp';

/** The vendor settings the send path needs. */
export interface SendVendor {
  readonly id: string;
  readonly defaultAlphabet: VendorAlphabet;
  /** Format of the id in submit_sm_resp. */
  readonly messageIdFormat: MessageIdFormat;
  /** Format of the id in this vendor's receipts (the resp's when not set apart). */
  readonly receiptMessageIdFormat: MessageIdFormat;
}

export interface SubmitPort {
  submit(pdu: PduInit<'submit_sm'>, segments: number): Promise<SubmitSmResp>;
}

/** What the vendor accepted, remembered so a redelivered message is not sent twice. */
export interface AcceptedRecord {
  readonly vendorMessageId: string;
  readonly submittedAt: string;
}

export interface SentStore {
  /**
   * Atomically: vendor id → our id under its exact key and, for 'auto'
   * vendors, its candidate readings (the receipt mapping), and our id →
   * accepted record (the redelivery marker).
   */
  recordAccepted(
    vendorId: string,
    messageId: string,
    keys: VendorIdKeys,
    record: AcceptedRecord,
  ): Promise<void>;
  findAccepted(vendorId: string, messageId: string): Promise<AcceptedRecord | undefined>;
}

export interface OutcomePublisher {
  submitted(result: ContractInput<'MtSubmitResult'>): Promise<void>;
  handBack(mt: ContractInput<'MtSubmitted'>): Promise<void>;
}

export type AttemptFailure = 'timeout' | 'closed' | 'nack' | 'no_bind' | 'status' | 'other';

export interface SendObserver {
  accepted(vendorId: string): void;
  attemptFailed(vendorId: string, kind: AttemptFailure): void;
  handedBack(vendorId: string): void;
  converted(vendorId: string, conversion: AlphabetConversion): void;
  mappingFailed(vendorId: string): void;
  duplicateSuppressed(vendorId: string): void;
}

export interface MtRoutedHandlerDeps {
  readonly vendor: () => SendVendor;
  readonly submitter: SubmitPort;
  readonly sent: SentStore;
  readonly outcomes: OutcomePublisher;
  readonly observer: SendObserver;
  readonly logger: Logger;
  /** Retries after the first attempt (the seed's 3). */
  readonly retries: number;
  readonly retryDelayMs: number;
  /** Attempts at writing the receipt mapping before publishing without it. */
  readonly mappingAttempts?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

interface Failure {
  readonly error: string;
  readonly commandStatus?: number;
}

function describe(err: unknown): { failure: Failure; kind: AttemptFailure } {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  const kind: AttemptFailure =
    err instanceof NoBindError
      ? 'no_bind'
      : code === 'SMPP_TIMEOUT'
        ? 'timeout'
        : code === 'SMPP_CONNECTION_CLOSED'
          ? 'closed'
          : code === 'SMPP_GENERIC_NACK'
            ? 'nack'
            : 'other';
  const status = (err as { commandStatus?: unknown } | undefined)?.commandStatus;
  return {
    kind,
    failure:
      typeof status === 'number' ? { error: message, commandStatus: status } : { error: message },
  };
}

function statusHex(status: number): string {
  return `0x${status.toString(16).padStart(8, '0')}`;
}

/**
 * A delivery that may have been handled before: our own crash or requeue, a
 * batch remainder, or a router that routed it twice (it crashed after its
 * publish was confirmed and before it acked its input).
 */
function mayBeRepeat(mt: MtRouted, ctx: MessageContext): boolean {
  return (
    ctx.redelivered || mt.possibleRepeat === true || ctx.headers[HEADERS.retries] !== undefined
  );
}

export const VALIDITY_ENDED = 'validity period ended before it was sent';

export function createMtRoutedHandler(deps: MtRoutedHandlerDeps) {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const mappingAttempts = deps.mappingAttempts ?? 3;

  function resultFor(
    mt: MtRouted,
    vendor: SendVendor,
    accepted: AcceptedRecord,
  ): ContractInput<'MtSubmitResult'> {
    const id = accepted.vendorMessageId;
    return {
      v: 1,
      messageId: mt.messageId,
      occurredAt: now().toISOString(),
      outcome: 'submitted',
      customerId: mt.customerId,
      systemId: mt.systemId,
      source: mt.source,
      destination: mt.destination,
      registeredDelivery: mt.registeredDelivery,
      dataCoding: mt.dataCoding,
      textPreview: textPreview(mt),
      segments: mt.segments,
      ...(mt.concat ? { concat: mt.concat } : {}),
      acceptedAt: mt.acceptedAt,
      vendorId: vendor.id,
      routeId: mt.routeId,
      pricing: mt.pricing,
      ...(id
        ? { vendorMessageId: id, vendorMessageKey: normalizeMessageId(id, vendor.messageIdFormat) }
        : {}),
      submittedAt: accepted.submittedAt,
      attempts: mt.attempts.map((a) => ({ vendorId: a.vendorId, error: a.error })),
    };
  }

  async function publishSubmitted(mt: MtRouted, vendor: SendVendor, accepted: AcceptedRecord) {
    try {
      await deps.outcomes.submitted(resultFor(mt, vendor, accepted));
    } catch (err) {
      // The vendor has the message and the marker says so: the redelivery
      // republishes this result instead of sending again.
      throw new RetryableError('submit result not confirmed by the broker', { cause: err });
    }
  }

  async function recordAccepted(mt: MtRouted, vendor: SendVendor, accepted: AcceptedRecord) {
    const id = accepted.vendorMessageId;
    const keys = messageIdKeys(id, vendor.messageIdFormat, vendor.receiptMessageIdFormat);
    for (let attempt = 1; ; attempt++) {
      try {
        await deps.sent.recordAccepted(vendor.id, mt.messageId, keys, accepted);
        return;
      } catch (err) {
        if (attempt >= mappingAttempts) {
          // Never resend what the vendor accepted: publish anyway. The result
          // carries vendorMessageKey, so the tracker can still map receipts.
          deps.observer.mappingFailed(vendor.id);
          deps.logger.error('receipt mapping not stored, publishing the result without it', {
            message_id: mt.messageId,
            vendor_id: vendor.id,
            err,
          });
          return;
        }
        await sleep(100 * attempt);
      }
    }
  }

  async function handBack(mt: MtRouted, vendor: SendVendor, failure: Failure): Promise<void> {
    const { vendorId: _v, routeId: _r, pricing: _p, routedAt: _t, ...body } = mt;
    deps.observer.handedBack(vendor.id);
    deps.logger.warn('handing the message back to the router', {
      message_id: mt.messageId,
      vendor_id: vendor.id,
      error: failure.error,
      command_status: failure.commandStatus,
    });
    try {
      await deps.outcomes.handBack({
        ...body,
        occurredAt: now().toISOString(),
        attempts: [
          ...mt.attempts,
          {
            vendorId: vendor.id,
            ...(failure.commandStatus !== undefined
              ? { commandStatus: failure.commandStatus }
              : {}),
            error: failure.error.slice(0, 500),
            at: now().toISOString(),
          },
        ],
      });
    } catch (err) {
      // Nothing reached the vendor: requeueing is safe.
      throw new RetryableError('hand-back not confirmed by the broker', { cause: err });
    }
  }

  return async function handleMtRouted(mt: MtRouted, ctx: MessageContext): Promise<void> {
    const vendor = deps.vendor();
    if (mt.vendorId !== vendor.id) {
      // Poison: dead-letter it rather than send it to the wrong carrier.
      throw new Error(`MtRouted for vendor ${mt.vendorId} arrived on ${ctx.queue}`);
    }
    if (mayBeRepeat(mt, ctx)) {
      let prior: AcceptedRecord | undefined;
      try {
        prior = await deps.sent.findAccepted(vendor.id, mt.messageId);
      } catch (err) {
        // Without the marker we cannot tell whether the vendor has it; wait for Redis.
        throw new RetryableError('cannot check whether a redelivered message was sent', {
          cause: err,
        });
      }
      if (prior) {
        deps.observer.duplicateSuppressed(vendor.id);
        deps.logger.info('redelivered message was already accepted by the vendor, not resending', {
          message_id: mt.messageId,
          vendor_id: vendor.id,
        });
        await publishSubmitted(mt, vendor, prior);
        return;
      }
    }

    // Waited in a backlog past its validity: not sent late. The router fails
    // it as expired (the customer gets EXPIRED), as it does for what waited
    // in its own deferrals.
    if (mt.validityPeriod !== '') {
      const end = resolveSmppTime(mt.validityPeriod, new Date(mt.acceptedAt));
      if (end && end.getTime() <= now().getTime()) {
        return handBack(mt, vendor, { error: VALIDITY_ENDED });
      }
    }

    const built = buildSubmitSm(mt, vendor.defaultAlphabet);
    if (built.conversion !== 'none') deps.observer.converted(vendor.id, built.conversion);

    let failure: Failure = { error: 'not attempted' };
    for (let attempt = 0; attempt <= deps.retries; attempt++) {
      if (attempt > 0) await sleep(deps.retryDelayMs);
      let resp: SubmitSmResp;
      try {
        resp = await deps.submitter.submit(built.pdu, mt.segments);
      } catch (err) {
        if (err instanceof NotSentError) {
          if (err.disposition === 'requeue') throw new RetryableError(err.message, { cause: err });
          return handBack(mt, vendor, { error: err.message });
        }
        const { failure: f, kind } = describe(err);
        failure = f;
        deps.observer.attemptFailed(vendor.id, kind);
        // With no bind the wait was the retry; fail over now.
        if (kind === 'no_bind') break;
        continue;
      }
      const verdict = submitVerdict(resp.commandStatus);
      if (verdict === 'accepted') {
        const accepted: AcceptedRecord = {
          vendorMessageId: resp.messageId,
          submittedAt: now().toISOString(),
        };
        deps.observer.accepted(vendor.id);
        if (accepted.vendorMessageId) await recordAccepted(mt, vendor, accepted);
        else
          deps.logger.warn('vendor accepted without a message id; receipts cannot be mapped', {
            message_id: mt.messageId,
            vendor_id: vendor.id,
          });
        await publishSubmitted(mt, vendor, accepted);
        if (deps.logger.isLevelEnabled('debug')) {
          // The seed's per-message flow line, at debug: at carrier rates one
          // INFO line per message is gigabytes an hour; the CDR and the admin
          // API keep each message's history.
          deps.logger.debug('message submitted', {
            message_id: mt.messageId,
            customer_id: mt.customerId,
            vendor_id: vendor.id,
            vendor_message_id: accepted.vendorMessageId,
            source: mt.source.addr,
            dest: mt.destination.addr,
            segments: mt.segments,
            attempts: mt.attempts.length + attempt + 1,
            latency_ms: Math.max(0, now().getTime() - Date.parse(mt.acceptedAt)),
          });
        }
        return;
      }
      deps.observer.attemptFailed(vendor.id, 'status');
      failure = {
        error: `submit_sm_resp ${statusHex(resp.commandStatus)}`,
        commandStatus: resp.commandStatus,
      };
      if (verdict === 'rejected') break;
    }
    return handBack(mt, vendor, failure);
  };
}
