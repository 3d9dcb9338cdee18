// Collects the parts of long messages by key until every sequence number is
// there or the group is too old. Holds opaque items (the service keeps each
// part's unacknowledged delivery in them); time is passed in, so it is pure.

interface Group<T> {
  readonly total: number;
  readonly firstSeenAt: number;
  readonly parts: Map<number, T>;
}

export interface AddResult<T> {
  /** Every part, in sequence order, when this one completed its group. */
  readonly complete?: readonly T[];
  /** An earlier copy of the same part (a redelivery): the new copy replaced it. */
  readonly displaced?: T;
}

export class PartAssembler<T> {
  private readonly groups = new Map<string, Group<T>>();
  private heldCount = 0;

  constructor(private readonly timeoutMs: number) {}

  /** Parts currently held. */
  get held(): number {
    return this.heldCount;
  }

  add(key: string, sequence: number, total: number, item: T, now: number): AddResult<T> {
    let group = this.groups.get(key);
    if (!group) {
      group = { total, firstSeenAt: now, parts: new Map() };
      this.groups.set(key, group);
    }
    const displaced = group.parts.get(sequence);
    group.parts.set(sequence, item);
    if (displaced === undefined) this.heldCount += 1;
    if (group.parts.size < group.total) return displaced === undefined ? {} : { displaced };
    this.groups.delete(key);
    this.heldCount -= group.parts.size;
    const complete = [...group.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
    return displaced === undefined ? { complete } : { complete, displaced };
  }

  /** Removes and returns the groups first seen `timeoutMs` or more before `now`, parts in sequence order. */
  expire(now: number): T[][] {
    const expired: T[][] = [];
    for (const [key, group] of this.groups) {
      if (now - group.firstSeenAt < this.timeoutMs) continue;
      this.groups.delete(key);
      this.heldCount -= group.parts.size;
      expired.push([...group.parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part));
    }
    return expired;
  }

  /** Removes and returns every held part (shutdown). */
  releaseAll(): T[] {
    const all = [...this.groups.values()].flatMap((g) => [...g.parts.values()]);
    this.groups.clear();
    this.heldCount = 0;
    return all;
  }
}
