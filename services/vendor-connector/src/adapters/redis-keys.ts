// Redis keys of the vendor-connector. Relative names: the client's keyPrefix
// (deployment or test) is prepended by ioredis. The vendor's status document,
// which router-worker reads too, is message-state's `stateKeys.vendorStatus`.
export const connectorKeys = {
  /** DB 0. Sorted set: bind lease ids scored by expiry (ms). The global bind budget. */
  leases: (vendorId: string) => `conn:vendor:${vendorId}:leases`,
  /** DB 0. Sorted set: connector instance ids scored by expiry (ms); the budget is split between them. */
  pods: (vendorId: string) => `conn:vendor:${vendorId}:pods`,
  /** DB 0. Redelivery marker: the vendor accepted this message (JSON AcceptedRecord). */
  sent: (vendorId: string, messageId: string) => `vc:sent:${vendorId}:${messageId}`,
  /** DB 1. Hash { tokens, ts }: the vendor's token bucket (segments). */
  bucket: (vendorId: string) => `rate:vendor:${vendorId}:bucket`,
} as const;
