import type { Redis } from 'ioredis';
import { stateKeys } from './state-keys.js';

// A submit whose publish ended without a confirm (the channel closed, the
// confirm timed out) has an unknown fate: the broker may have written it to
// its queue just before the connection went. edge-server must refuse it
// (never a false OK), and a customer that resubmits would then get the
// message delivered twice. The edge records such ids here; the router reads
// them and drops those MTs if they turn up. The set is small (only the
// batches in flight at the moment a broker connection dies) and keeps an
// hour, far longer than a broker restart takes.

/** How long a refused id is kept; a broker restart takes seconds to minutes. */
export const REFUSED_RETENTION_MS = 60 * 60 * 1000;

export interface RefusedSubmit {
  readonly messageId: string;
  /** When the edge refused it (its clock, epoch ms). */
  readonly atMs: number;
}

export interface RefusedSubmitsStoreOptions {
  /** Redis client on DB 0 (RedisDb.dlr), with the deployment's key prefix. */
  readonly redis: Redis;
  readonly retentionMs?: number;
  readonly now?: () => number;
}

export class RefusedSubmitsStore {
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RefusedSubmitsStoreOptions) {
    this.retentionMs = options.retentionMs ?? REFUSED_RETENTION_MS;
    this.now = options.now ?? Date.now;
  }

  /** Records refused ids and drops those older than the retention, in one round trip. */
  async record(messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return;
    const at = this.now();
    const key = stateKeys.refusedSubmits();
    await this.options.redis
      .multi()
      .zadd(key, ...messageIds.flatMap((id) => [at, id]))
      .zremrangebyscore(key, '-inf', at - this.retentionMs)
      .pexpire(key, this.retentionMs)
      .exec();
  }

  /** Ids refused at or after `sinceMs`, oldest first. */
  async since(sinceMs: number): Promise<RefusedSubmit[]> {
    const flat = await this.options.redis.zrangebyscore(
      stateKeys.refusedSubmits(),
      Math.floor(sinceMs),
      '+inf',
      'WITHSCORES',
    );
    const out: RefusedSubmit[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push({ messageId: flat[i] as string, atMs: Number(flat[i + 1]) });
    }
    return out;
  }
}
