/**
 * Counts failed authentications per client address and blocks an address
 * that fails too often. Shared by every pod (Redis), so scaling out does not
 * multiply an attacker's budget.
 */
export interface AuthFailureLimiter {
  /** Milliseconds the address stays blocked, 0 when it is not blocked. */
  blockedForMs(clientIp: string): Promise<number>;
  /** Counts one failure; returns the block length in ms when this failure started a block, else 0. */
  recordFailure(clientIp: string): Promise<number>;
}
