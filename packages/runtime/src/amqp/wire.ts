import { CONTRACT_HEADER, DEAD_REASON_HEADER } from '@smpp-gateway/contracts';

/** Header names on the wire. Shared by every service's publishers and consumers: do not rename. */
export const HEADERS = {
  contract: CONTRACT_HEADER,
  deadReason: DEAD_REASON_HEADER,
  /** Present on a batched body: the number of contract messages in its JSON array. */
  batch: 'x-batch',
  /** Correlates a broker `basic.return` with the publish it belongs to. */
  publishId: 'x-publish-id',
  originalExchange: 'x-original-exchange',
  originalRoutingKey: 'x-original-routing-key',
  originalQueue: 'x-original-queue',
  deadLetteredAt: 'x-dead-lettered-at',
  /** Index of a dead-lettered item in the batch it came from. */
  batchIndex: 'x-batch-index',
  /**
   * On a batch remainder republished after a retryable failure: the attempt
   * that failed (counts on where the broker's x-delivery-count restarts).
   */
  retries: 'x-retries',
  /** Set by quorum queues on a redelivery: earlier returns of this message (broker-owned). */
  deliveryCount: 'x-delivery-count',
  /**
   * Times an operator replayed the message from the dead-letter queue: it was
   * delivered before, so consumers see it as redelivered.
   */
  replays: 'x-replays',
  /** Wall-clock ms when the publisher sent it: the consumer's lag metric. */
  publishedAt: 'x-published-at',
} as const;

export const JSON_CONTENT_TYPE = 'application/json';

/** Longest `x-dead-reason`: readable in the management UI, far under the 64 KiB header table. */
export const MAX_REASON_LENGTH = 1_000;

export function truncateReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

export type DecodedBody =
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'single'; readonly value: unknown }
  | { readonly kind: 'batch'; readonly items: readonly unknown[] };

/**
 * Reads a delivery's body as the given contract: checks the contract header
 * (when present), parses JSON, and unpacks a batch. Schema validation is the
 * caller's, item by item.
 */
export function decodeBody(
  content: Buffer,
  headers: Readonly<Record<string, unknown>> | undefined,
  expectedContract: string,
): DecodedBody {
  const contract = headers?.[HEADERS.contract];
  if (contract !== undefined && contract !== expectedContract) {
    return {
      kind: 'invalid',
      reason: `contract header '${typeof contract === 'string' ? contract : JSON.stringify(contract)}' does not match the queue's contract '${expectedContract}'`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch (err) {
    return { kind: 'invalid', reason: `body is not valid JSON: ${(err as Error).message}` };
  }
  const batch = headers?.[HEADERS.batch];
  if (batch === undefined) return { kind: 'single', value };
  if (!Array.isArray(value))
    return { kind: 'invalid', reason: `${HEADERS.batch} is set but the body is not an array` };
  return { kind: 'batch', items: value };
}
