// Redis DB 1 (RedisDb.rate: limits) keys that more than one service reads.
// Apart from state-keys.ts, whose keys live in DB 0: a key built for one
// database and looked up in the other finds nothing, silently. Here rather
// than in contracts, which is the broker's language and knows nothing of
// Redis. Relative names: the client's keyPrefix is prepended by ioredis.

export const limitKeys = {
  /**
   * Sorted set of the session ids of an account's binds, scored by lease
   * expiry in epoch ms of the Redis server's clock (TIME): written by
   * edge-server's BindGuard, counted by admin-api's customer status. A member
   * whose score is not above now is a lease its pod stopped refreshing.
   */
  bindLeases: (customerId: string) => `edge:binds:${customerId}`,
} as const;
