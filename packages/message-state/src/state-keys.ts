// Redis DB 0 keys (DESIGN.md §5). Relative names: deployments and tests add
// their own prefix through the client's keyPrefix.

/** Message state and vendor-id mappings live a week, like the seed's DLR records. */
export const STATE_TTL_SECONDS = 7 * 24 * 60 * 60;

export const stateKeys = {
  message: (messageId: string) => `dlr:msg:${messageId}`,
  /** vendor id + normalised vendor message id → our message id. */
  vendorMapping: (vendorId: string, vendorMessageKey: string) =>
    `dlr:vmap:${vendorId}:${vendorMessageKey}`,
} as const;
