// When a bind slot may try again. The seed's schedule after consecutive
// failures is 1, 2, 4, 8, 16, then 30 s; the first attempt after a bound
// session ends is immediate (the vendor just dropped us, it is usually back).
//
// Reconnect within 1 s once the vendor accepts again: while a vendor has NO
// bound session in this pod, one slot (the canary: the lowest-numbered one
// still trying) retries every second whatever its backoff says. When any
// slot binds, the others' backoff is reset and they try at once. So a vendor
// outage costs one connection attempt per second, not one per slot, and the
// recovery is noticed within a second.

export const SEED_BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000] as const;

export interface ReconnectTiming {
  readonly backoffMs: readonly number[];
  readonly canaryIntervalMs: number;
}

/** Delay before the next attempt of a slot with `failures` consecutive failed attempts. */
export function reconnectDelay(
  failures: number,
  timing: ReconnectTiming,
  options: { readonly canary: boolean },
): number {
  if (failures <= 0) return 0;
  const schedule = timing.backoffMs;
  const backoff = schedule[Math.min(failures, schedule.length) - 1] ?? 0;
  return options.canary ? Math.min(backoff, timing.canaryIntervalMs) : backoff;
}

/** Pod's share of a vendor's global bind budget: an even split, the remainder to the first pods. */
export function bindShare(maxBinds: number, pods: readonly string[], self: string): number {
  const sorted = [...new Set([...pods, self])].sort();
  const index = sorted.indexOf(self);
  const n = sorted.length;
  return Math.floor(maxBinds / n) + (index < maxBinds % n ? 1 : 0);
}
