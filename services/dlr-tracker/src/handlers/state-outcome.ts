import { ContractValidationError, RetryableError } from '@smpp-gateway/runtime';
import type { MessageStateRecord } from '@smpp-gateway/message-state';
import type {
  CustomerReceiptSettler,
  MergedForSettle,
  SettleOutcome,
} from './customer-receipt.settler.js';
import { cdrWriteFromRecord } from './message-context.js';
import type { AggregatePort, CdrSink } from './ports.js';

export interface StateOutcomeDeps {
  readonly aggregates: AggregatePort;
  readonly cdrs: CdrSink;
  readonly settler: CustomerReceiptSettler;
}

export interface StateOutcome {
  readonly settled: SettleOutcome;
  readonly cdrWritten: boolean;
}

/**
 * Everything that follows a merged state: the multipart aggregate, the CDR
 * (resolves only once its batch is committed) and the customer receipt. The
 * receipt is published while the CDR batch fills, so the customer does not
 * wait for PostgreSQL; the AMQP message is acked only after both.
 */
export async function applyMergedState(
  deps: StateOutcomeDeps,
  merged: MergedForSettle | MessageStateRecord,
  eventAt: Date,
  options: { readonly settle: boolean; readonly receivedAt?: number },
): Promise<StateOutcome> {
  const settling = 'owner' in merged ? merged : undefined;
  const record = settling ? settling.record : (merged as MessageStateRecord);
  try {
    const outcome = await applyRecord(deps, record, settling, eventAt, options);
    if (settling && !options.settle) await deps.settler.abandon(settling);
    return outcome;
  } catch (err) {
    // A lease taken by the merge and not used: give it back so the retry
    // does not wait it out.
    if (settling) await deps.settler.abandon(settling);
    throw err;
  }
}

async function applyRecord(
  deps: StateOutcomeDeps,
  record: MessageStateRecord,
  settling: MergedForSettle | undefined,
  eventAt: Date,
  options: { readonly settle: boolean; readonly receivedAt?: number },
): Promise<StateOutcome> {
  const cdr = cdrWriteFromRecord(record);
  const cdrDone = cdr ? deps.cdrs.write(cdr, eventAt) : Promise.resolve();
  // Attach a handler now: if the receipt side throws first, a rejected CDR
  // promise must not surface as an unhandled rejection.
  cdrDone.catch(() => undefined);
  const { customerId, source, destination, concat } = record;
  if (customerId && source && destination && concat && concat.total > 1) {
    await deps.aggregates.updatePart(
      { customerId, source, destination, concat },
      concat.sequence,
      record.messageId,
      record.status,
    );
  }
  const settled = options.settle
    ? await deps.settler.settle(record, options.receivedAt, settling)
    : ('no_context' as const);
  await cdrDone;
  return { settled, cdrWritten: cdr !== undefined };
}

/**
 * After schema validation nothing a handler meets is the message's fault:
 * Redis, PostgreSQL or the broker failed, so the message is retried. Only a
 * message we cannot turn into a valid outgoing contract is poison.
 */
export function classifyFailure(err: unknown): Error {
  if (err instanceof RetryableError || err instanceof ContractValidationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RetryableError(message, { cause: err });
}
