export interface PageRequest {
  /** 1..500, default 50. */
  readonly limit?: number;
  /** Default 0. */
  readonly offset?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Rows matching the filter, across all pages. */
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 500;

/** Clamps what an API caller asked for to something safe to run. */
export function normalizePage(request: PageRequest = {}): { limit: number; offset: number } {
  const limit = Math.trunc(request.limit ?? DEFAULT_PAGE_LIMIT);
  const offset = Math.trunc(request.offset ?? 0);
  return {
    limit: Number.isFinite(limit)
      ? Math.min(Math.max(limit, 1), MAX_PAGE_LIMIT)
      : DEFAULT_PAGE_LIMIT,
    offset: Number.isFinite(offset) ? Math.max(offset, 0) : 0,
  };
}

/**
 * A keyset page from rows fetched with `limit + 1`: the extra row only says
 * that another page exists; `next` is the cursor of the last row kept.
 */
export function keysetPage<R, T, C>(
  rows: readonly R[],
  limit: number,
  toItem: (row: R) => T,
  cursorOf: (item: T) => C,
): { items: T[]; next: C | undefined } {
  const items = rows.slice(0, limit).map(toItem);
  const last = items[items.length - 1];
  return {
    items,
    next: rows.length > limit && last !== undefined ? cursorOf(last) : undefined,
  };
}
