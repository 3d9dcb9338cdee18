// submit_sm / data_sm intake: prepaid credit → validate → allowed sources → rate limit
// (segments) → our id → publish MtSubmitted and wait for the broker's confirm
// → answer. The answer is ESME_ROK only after the confirm: a message we could
// lose is never acknowledged. Ports are injected; no I/O is imported here.
import { SmppStatus, type ContractInput } from '@smpp-gateway/contracts';
import { formatSmppAbsoluteTime, resolveSmppTime } from '@smpp-gateway/smpp';
import type { AddressRules } from '../domain/address.normalizer.js';
import type { SourceAllowList } from '../domain/source.matcher.js';
import { validateSubmit, type SubmitInput } from './submit.validator.js';

/** What a publish came to, as far as the answer to the customer is concerned. */
export type PublishOutcome =
  | 'confirmed'
  /** Not connected to the broker: nothing was sent, the customer should retry (ESME_RMSGQFUL). */
  | 'unavailable'
  /** Nacked, unroutable, timed out or the channel died: unknown fate, answer ESME_RSYSERR. */
  | 'failed';

export interface SubmitAccount {
  readonly customerId: string;
  readonly systemId: string;
  /** Segments per second. */
  readonly throughput: number;
  readonly addressRules: AddressRules;
  /**
   * Prepaid and its last known balance is ≤ 0 (CreditWatcher): refused with
   * ESME_RSUBMITFAIL before anything else is spent on it. Always false for
   * postpaid customers.
   */
  readonly creditExhausted: boolean;
  /**
   * The account's allowed sources (sender IDs), compiled once per account
   * row; an empty list allows any. A normalised source it does not allow is
   * refused with ESME_RINVSRCADR.
   */
  readonly allowedSources: SourceAllowList;
}

export interface AcceptedState {
  readonly messageId: string;
  readonly customerId: string;
  readonly systemId: string;
  readonly source: { addr: string; ton: number; npi: number };
  readonly destination: { addr: string; ton: number; npi: number };
  readonly registeredDelivery: number;
  readonly dataCoding: number;
  readonly segments: number;
  readonly acceptedAt: string;
}

export interface SubmitPorts {
  /** Resolves true when `segments` fit the customer's rate, false when over (throttle). */
  acquire(customerId: string, throughput: number, segments: number): Promise<boolean>;
  publish(message: ContractInput<'MtSubmitted'>): Promise<PublishOutcome>;
  /** Fire-and-forget: the state record is a cache, its failure must not fail the submit. */
  recordAccepted(state: AcceptedState): void;
  /**
   * Fire-and-forget: a submit answered ESME_RSYSERR whose MT may still be in
   * the broker's queue (the confirm never came); the router drops it if it
   * turns up, so what the customer was told failed is not delivered too.
   */
  recordRefused(messageId: string): void;
  nextMessageId(): string;
  now(): Date;
}

export type SubmitStatusLabel =
  | 'ok'
  | 'invalid'
  | 'no_credit'
  | 'source_not_allowed'
  | 'throttled'
  | 'queue_full'
  | 'system_error';

export interface SubmitResult {
  readonly commandStatus: number;
  readonly messageId?: string;
  readonly label: SubmitStatusLabel;
  readonly segments: number;
  /** Why it was refused, for debug logs. */
  readonly reason?: string;
  /** The normalised source of a submit refused for it (logged under `source`, which the logger masks). */
  readonly source?: string;
}

export async function handleSubmit(
  input: SubmitInput,
  account: SubmitAccount,
  ports: SubmitPorts,
): Promise<SubmitResult> {
  if (account.creditExhausted) {
    return {
      commandStatus: SmppStatus.ESME_RSUBMITFAIL,
      label: 'no_credit',
      segments: 0,
      reason: 'prepaid credit exhausted',
    };
  }
  const valid = validateSubmit(input, account.addressRules);
  if (!valid.ok) {
    return { commandStatus: valid.status, label: 'invalid', segments: 0, reason: valid.reason };
  }
  // On the normalised source ('+15125550100' and a national 5125550100 are
  // both 15125550100 here), before any rate-limit token or broker work.
  if (!account.allowedSources.allows(valid.source.addr)) {
    return {
      commandStatus: SmppStatus.ESME_RINVSRCADR,
      label: 'source_not_allowed',
      segments: 0,
      reason: "source address is not among the account's allowed sources",
      source: valid.source.addr,
    };
  }
  const accepted = ports.now();
  // A relative validity counts from acceptance: every later reader (router,
  // connector, the vendor) would restart it, so from here on the MT carries
  // the absolute instant. One already past is refused, not accepted to fail.
  let validityPeriod = input.validityPeriod;
  if (validityPeriod !== '') {
    const expires = resolveSmppTime(validityPeriod, accepted);
    if (!expires || expires.getTime() <= accepted.getTime()) {
      return {
        commandStatus: SmppStatus.ESME_RINVEXPIRY,
        label: 'invalid',
        segments: 0,
        reason: 'validity_period has already passed',
      };
    }
    validityPeriod = formatSmppAbsoluteTime(expires);
  }
  const allowed = await ports.acquire(account.customerId, account.throughput, valid.segments);
  if (!allowed) {
    return {
      commandStatus: SmppStatus.ESME_RTHROTTLED,
      label: 'throttled',
      segments: valid.segments,
      reason: 'customer rate limit',
    };
  }
  const messageId = ports.nextMessageId();
  const now = accepted.toISOString();
  const payload = input.tlvs.messagePayload;
  const outcome = await ports.publish({
    v: 1,
    messageId,
    occurredAt: now,
    customerId: account.customerId,
    systemId: account.systemId,
    source: valid.source,
    destination: valid.destination,
    serviceType: input.serviceType,
    esmClass: input.esmClass,
    protocolId: input.protocolId,
    priority: input.priorityFlag,
    registeredDelivery: input.registeredDelivery,
    dataCoding: input.dataCoding,
    scheduleDeliveryTime: input.scheduleDeliveryTime,
    validityPeriod,
    shortMessage: input.shortMessage.toString('base64'),
    ...(payload !== undefined ? { messagePayload: payload.toString('base64') } : {}),
    ...(valid.concat ? { concat: valid.concat } : {}),
    segments: valid.segments,
    tlvs: valid.tlvs,
    acceptedAt: now,
    attempts: [],
  });
  switch (outcome) {
    case 'confirmed':
      ports.recordAccepted({
        messageId,
        customerId: account.customerId,
        systemId: account.systemId,
        source: valid.source,
        destination: valid.destination,
        registeredDelivery: input.registeredDelivery,
        dataCoding: input.dataCoding,
        segments: valid.segments,
        acceptedAt: now,
      });
      return {
        commandStatus: SmppStatus.ESME_ROK,
        messageId,
        label: 'ok',
        segments: valid.segments,
      };
    case 'unavailable':
      return {
        commandStatus: SmppStatus.ESME_RMSGQFUL,
        label: 'queue_full',
        segments: valid.segments,
        reason: 'broker unavailable',
      };
    case 'failed':
      ports.recordRefused(messageId);
      return {
        commandStatus: SmppStatus.ESME_RSYSERR,
        label: 'system_error',
        segments: valid.segments,
        reason: 'publish not confirmed',
      };
  }
}
