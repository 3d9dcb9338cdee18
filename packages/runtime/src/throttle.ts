// Reports about something that can happen thousands of times a second during
// an outage (a failed publish per submit, a failed poll, a bind answered from
// a stale cache): at most one per interval, carrying how many occurrences it
// stands for, so the log says what happened without flooding.

/**
 * Wraps `emit` so it runs at most once per `intervalMs`: the first call
 * emits at once, later ones within the interval are only counted, and the
 * next emit gets the count since the previous one (itself included).
 */
export function throttled<A extends unknown[]>(
  intervalMs: number,
  emit: (count: number, ...args: A) => void,
  now: () => number = () => performance.now(),
): (...args: A) => void {
  let last = -Infinity;
  let count = 0;
  return (...args: A): void => {
    count += 1;
    const at = now();
    if (at - last < intervalMs) return;
    last = at;
    const occurrences = count;
    count = 0;
    emit(occurrences, ...args);
  };
}
