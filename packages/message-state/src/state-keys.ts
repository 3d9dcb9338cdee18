// Redis DB 0 keys (DESIGN.md §5). Relative names: deployments and tests add
// their own prefix through the client's keyPrefix.

import { DEFAULT_STATE_TTL_SECONDS } from '@smpp-gateway/contracts';

/** Message state and vendor-id mappings live a week unless STATE_TTL_SECONDS says otherwise. */
export const STATE_TTL_SECONDS = DEFAULT_STATE_TTL_SECONDS;

export const stateKeys = {
  message: (messageId: string) => `dlr:msg:${messageId}`,
  /** vendor id + the id's key under the vendor's declared format → our message id. */
  vendorMapping: (vendorId: string, vendorMessageKey: string) =>
    `dlr:vmap:${vendorId}:${vendorMessageKey}`,
  /**
   * vendor id + another reading of the id (format 'auto' only) → our message
   * id, or AMBIGUOUS_MAPPING when two messages share that reading. Apart from
   * the exact keys so a guess can never overwrite or shadow an exact key.
   */
  vendorCandidate: (vendorId: string, candidateKey: string) =>
    `dlr:vmapc:${vendorId}:${candidateKey}`,
  /**
   * Progress of a message's customer receipt once it is 'pending': a
   * short-lived lease (value: the owner publishing it, so concurrent
   * duplicates cannot publish it twice), then RECEIPT_SENT for as long as
   * the record lives. Marking the receipt sent is one plain SET here instead
   * of a script that rewrites the JSON record; readers of the record fold
   * the marker in (MessageStateStore).
   */
  receiptLease: (messageId: string) => `dlr:rlease:${messageId}`,
  /**
   * Sorted set of message ids edge-server answered with ESME_RSYSERR after
   * their batch may have reached the broker (score: when, epoch ms); the
   * router drops such MTs instead of delivering what the customer was told
   * failed.
   */
  refusedSubmits: () => 'dlr:refused',
  /**
   * A vendor's bind status across vendor-connector pods (JSON: `{ binds,
   * updatedAt, pods: { [instanceId]: PodVendorStatus & { expiresAt } } }`),
   * written by the connectors, read by router-worker (VendorStatusStore).
   */
  vendorStatus: (vendorId: string) => `conn:vendor:${vendorId}:status`,
  /**
   * Aggregate of a multipart message, keyed by what the parts share: the
   * customer, both addresses, the concatenation reference and the part count.
   */
  aggregate: (
    customerId: string,
    source: string,
    destination: string,
    reference: number,
    total: number,
  ) => `dlr:agg:${customerId}:${source}:${destination}:${reference}:${total}`,
} as const;

/** Value of a receiptLease key once the customer receipt is published and confirmed. */
export const RECEIPT_SENT = 'sent';

/** Value of a candidate key that two messages' ids can be read as: matches neither. */
export const AMBIGUOUS_MAPPING = '?';
