import { isThrottleStatus, SmppStatus } from '@smpp-gateway/contracts';

/**
 * What a submit_sm_resp command_status means for the message:
 * - accepted: the vendor has it;
 * - throttled: slow down and resend the same PDU (not a failure);
 * - retry: a failure this vendor may not repeat (system error, submit failed…);
 * - rejected: the vendor will refuse this message however often we send it
 *   (bad address, bad length…): no retry here, hand back to the router at
 *   once, another vendor may take it.
 */
export type SubmitVerdict = 'accepted' | 'throttled' | 'retry' | 'rejected';

const REJECTED_HERE: ReadonlySet<number> = new Set([
  SmppStatus.ESME_RINVMSGLEN,
  SmppStatus.ESME_RINVSRCADR,
  SmppStatus.ESME_RINVDSTADR,
  SmppStatus.ESME_RINVESMCLASS,
  SmppStatus.ESME_RINVSERTYP,
  SmppStatus.ESME_RINVSRCTON,
  SmppStatus.ESME_RINVSRCNPI,
  SmppStatus.ESME_RINVDSTTON,
  SmppStatus.ESME_RINVDSTNPI,
  SmppStatus.ESME_RINVSCHED,
  SmppStatus.ESME_RINVEXPIRY,
  SmppStatus.ESME_RINVOPTPARSTREAM,
  SmppStatus.ESME_ROPTPARNOTALLWD,
  SmppStatus.ESME_RINVPARLEN,
  SmppStatus.ESME_RMISSINGOPTPARAM,
  SmppStatus.ESME_RINVOPTPARAMVAL,
]);

export function submitVerdict(commandStatus: number): SubmitVerdict {
  if (commandStatus === SmppStatus.ESME_ROK) return 'accepted';
  if (isThrottleStatus(commandStatus)) return 'throttled';
  return REJECTED_HERE.has(commandStatus) ? 'rejected' : 'retry';
}
