import type { ConcatInfo, SmppAddress } from '@smpp-gateway/contracts';
import type { Redis } from 'ioredis';
import {
  isFinalStatus,
  isSuccessStatus,
  MessageStatus,
  STATUS_RANK,
} from './message-state.schema.js';
import { STATE_TTL_SECONDS, stateKeys } from './state-keys.js';

/**
 * Whole-message view of a multipart message: delivered when every part is,
 * failed as soon as one part ends in failure, pending otherwise.
 */
export const AGGREGATE_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type AggregateStatus = (typeof AGGREGATE_STATUSES)[number];

export interface AggregatePart {
  readonly sequence: number;
  readonly messageId: string;
  readonly status: MessageStatus;
}

export interface MessageAggregate {
  readonly status: AggregateStatus;
  readonly reference: number;
  readonly total: number;
  /** Parts seen so far, by sequence. */
  readonly parts: readonly AggregatePart[];
}

/** What identifies the multipart message a part belongs to. */
export interface AggregateIdentity {
  readonly customerId: string;
  readonly source: Pick<SmppAddress, 'addr'>;
  readonly destination: Pick<SmppAddress, 'addr'>;
  readonly concat: Pick<ConcatInfo, 'reference' | 'total'>;
}

/** The whole message's status from its parts (pure; also used for the CDR fallback). */
export function aggregateStatus(total: number, parts: readonly AggregatePart[]): AggregateStatus {
  if (parts.some((p) => isFinalStatus(p.status) && !isSuccessStatus(p.status))) return 'failed';
  const delivered = new Set(parts.filter((p) => isSuccessStatus(p.status)).map((p) => p.sequence));
  return delivered.size >= total ? 'delivered' : 'pending';
}

/**
 * One hash per multipart message, field `p{sequence}` = {m: part message id,
 * s: status, r: rank}. A part's status only moves up in rank, like the
 * per-part record. SMPP references are 8 or 16 bits and wrap: when a sequence
 * arrives with a different message id than the one stored, the reference was
 * reused by a newer message and the hash starts over (the old message's
 * per-part records and CDRs are unaffected).
 */
const UPDATE_PART_SCRIPT = `
local field = 'p' .. ARGV[1]
local current = redis.call('HGET', KEYS[1], field)
local write = true
if current then
  local part = cjson.decode(current)
  if part['m'] ~= ARGV[2] then
    redis.call('DEL', KEYS[1])
  elseif tonumber(part['r']) >= tonumber(ARGV[4]) then
    write = false
  end
end
if write then
  redis.call('HSET', KEYS[1], field, cjson.encode({m = ARGV[2], s = ARGV[3], r = tonumber(ARGV[4])}))
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return redis.call('HGETALL', KEYS[1])
`;

interface AggregateCommands {
  smppgwUpdateAggregatePart(
    key: string,
    sequence: number,
    messageId: string,
    status: string,
    rank: number,
    ttl: number,
  ): Promise<string[]>;
}

function partsFromHash(flat: readonly string[]): AggregatePart[] {
  const parts: AggregatePart[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i] as string;
    if (!field.startsWith('p')) continue;
    const value = JSON.parse(flat[i + 1] as string) as { m?: unknown; s?: unknown };
    const status = MessageStatus.safeParse(value.s);
    if (typeof value.m !== 'string' || !status.success) continue;
    parts.push({ sequence: Number(field.slice(1)), messageId: value.m, status: status.data });
  }
  return parts.sort((a, b) => a.sequence - b.sequence);
}

function toAggregate(
  identity: AggregateIdentity,
  flat: readonly string[],
): MessageAggregate | undefined {
  const parts = partsFromHash(flat);
  if (parts.length === 0) return undefined;
  const { reference, total } = identity.concat;
  return { status: aggregateStatus(total, parts), reference, total, parts };
}

function keyOf(identity: AggregateIdentity): string {
  return stateKeys.aggregate(
    identity.customerId,
    identity.source.addr,
    identity.destination.addr,
    identity.concat.reference,
    identity.concat.total,
  );
}

export interface MessageAggregateStoreOptions {
  /** Redis client on DB 0 (RedisDb.dlr), with the deployment's key prefix. */
  readonly redis: Redis;
  readonly ttlSeconds?: number;
}

/** Aggregate status of multipart messages (`dlr:agg:*`), beside the per-part records. */
export class MessageAggregateStore {
  private readonly redis: Redis & AggregateCommands;
  private readonly ttl: number;

  constructor(options: MessageAggregateStoreOptions) {
    const redis = options.redis as Redis & Partial<AggregateCommands>;
    if (!redis.smppgwUpdateAggregatePart) {
      redis.defineCommand('smppgwUpdateAggregatePart', {
        numberOfKeys: 1,
        lua: UPDATE_PART_SCRIPT,
      });
    }
    this.redis = redis as Redis & AggregateCommands;
    this.ttl = options.ttlSeconds ?? STATE_TTL_SECONDS;
  }

  /** Records one part's (merged) status and returns the whole message's aggregate. */
  async updatePart(
    identity: AggregateIdentity,
    sequence: number,
    messageId: string,
    status: MessageStatus,
  ): Promise<MessageAggregate> {
    const flat = await this.redis.smppgwUpdateAggregatePart(
      keyOf(identity),
      sequence,
      messageId,
      status,
      STATUS_RANK[status],
      this.ttl,
    );
    const aggregate = toAggregate(identity, flat);
    if (!aggregate) throw new Error('aggregate update returned no parts');
    return aggregate;
  }

  async get(identity: AggregateIdentity): Promise<MessageAggregate | undefined> {
    return toAggregate(identity, await this.redis.hgetall(keyOf(identity)).then(flattenHash));
  }
}

function flattenHash(hash: Record<string, string>): string[] {
  return Object.entries(hash).flat();
}
