/** Thrown when an awaited operation outlives its deadline. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`${operation} timed out after ${timeoutMs} ms`);
  }
}

/**
 * Races `work` against a timer. The timer is cleared either way so a settled
 * race never keeps the event loop alive; `work` itself is not cancelled (the
 * callers' operations — a ping, a SELECT 1 — are harmless to let finish).
 */
export async function withTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  operation: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(operation, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Capped exponential backoff with ±20 % jitter so pods do not reconnect in lockstep. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  const jittered = base * (0.8 + Math.random() * 0.4);
  return Math.round(Math.min(maxMs, jittered));
}
