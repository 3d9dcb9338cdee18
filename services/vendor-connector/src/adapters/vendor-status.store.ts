import type { Redis } from 'ioredis';
import { connectorKeys } from './redis-keys.js';

// Merges this pod's view into the vendor's status document and returns the
// total binds across live pods. Entries of pods that stopped reporting expire.
const MERGE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
local pods = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, doc = pcall(cjson.decode, raw)
  if ok and type(doc) == 'table' and type(doc['pods']) == 'table' then pods = doc['pods'] end
end
local out = {}
local total = 0
for id, pod in pairs(pods) do
  if id ~= ARGV[1] and type(pod) == 'table' and tonumber(pod['expiresAt']) and tonumber(pod['expiresAt']) > now then
    out[id] = pod
    total = total + (tonumber(pod['binds']) or 0)
  end
end
local mine = cjson.decode(ARGV[2])
mine['expiresAt'] = now + ttl
out[ARGV[1]] = mine
total = total + (tonumber(mine['binds']) or 0)
redis.call('SET', KEYS[1], cjson.encode({ binds = total, updatedAt = now, pods = out }), 'PX', ttl)
return total
`;

export interface PodVendorStatus {
  readonly binds: number;
  readonly health: 'connected' | 'disconnected' | 'error';
  readonly detail: string | null;
  readonly share: number;
}

interface StatusCommands {
  vcStatusMerge(key: string, instanceId: string, json: string, ttlMs: number): Promise<number>;
}

/** `conn:vendor:{id}:status` (DB 0): binds per pod, for the admin API. */
export class RedisVendorStatusStore {
  private readonly redis: Redis & StatusCommands;

  constructor(
    redis: Redis,
    private readonly instanceId: string,
    private readonly ttlMs: number,
  ) {
    const r = redis as Redis & Partial<StatusCommands>;
    if (!r.vcStatusMerge) redis.defineCommand('vcStatusMerge', { numberOfKeys: 1, lua: MERGE });
    this.redis = redis as Redis & StatusCommands;
  }

  /** Writes this pod's view; returns the binds every live pod holds together. */
  async report(vendorId: string, status: PodVendorStatus): Promise<number> {
    return this.redis.vcStatusMerge(
      connectorKeys.status(vendorId),
      this.instanceId,
      JSON.stringify({ ...status, detail: status.detail ?? '' }),
      this.ttlMs,
    );
  }
}
