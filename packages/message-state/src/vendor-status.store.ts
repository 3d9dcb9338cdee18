// A vendor's status across vendor-connector pods, in one Redis document
// (`conn:vendor:{id}:status`, DB 0). Each pod merges its own view into it
// with an expiry (every health interval, and at once when its outage
// breaker trips or clears); router-worker reads it to route around a vendor
// that no pod can reach, instead of sending every MT to that vendor's queue
// first and taking it back from the connector (two more hops per MT for as
// long as the outage lasts).
import type { Redis } from 'ioredis';
import { stateKeys } from './state-keys.js';

// Merges one pod's view into the document and returns the binds every live
// pod holds together. Entries of pods that stopped reporting are dropped.
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

/** One connector pod's view of a vendor. */
export interface PodVendorStatus {
  /** Binds this pod holds now. */
  readonly binds: number;
  readonly health: 'connected' | 'disconnected' | 'error';
  readonly detail: string | null;
  /** Binds of the vendor's budget this pod may hold (0: it does not send to the vendor). */
  readonly share: number;
  /**
   * This pod's outage breaker is open: it has had no usable bind for
   * BIND_WAIT_MS and hands every MT of the vendor back to the router at once.
   */
  readonly outage: boolean;
}

/** What the pods report together, as router-worker reads it. */
export interface FleetVendorStatus {
  /** Binds over all live pods. */
  readonly binds: number;
  /** Live pods that hold a share of the vendor's bind budget. */
  readonly sendingPods: number;
  /**
   * Every pod that may send to the vendor has its outage breaker open: MTs
   * sent to it now only come back. False when no pod reports a share (nobody
   * knows, so nothing is avoided) or when any of them can still send.
   */
  readonly down: boolean;
}

/**
 * Reads a status document as of `nowMs` (epoch ms; the pods' expiry times
 * are the Redis server's clock). Undefined for a missing or unreadable one.
 */
export function fleetVendorStatus(
  raw: string | null | undefined,
  nowMs: number,
): FleetVendorStatus | undefined {
  if (!raw) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const pods = (doc as { pods?: unknown }).pods;
  if (typeof pods !== 'object' || pods === null) return undefined;
  let binds = 0;
  let sendingPods = 0;
  let reachable = 0;
  for (const pod of Object.values(pods as Record<string, unknown>)) {
    if (typeof pod !== 'object' || pod === null) continue;
    const entry = pod as Partial<Record<keyof PodVendorStatus | 'expiresAt', unknown>>;
    if (typeof entry.expiresAt !== 'number' || entry.expiresAt <= nowMs) continue;
    if (typeof entry.binds === 'number') binds += entry.binds;
    if (typeof entry.share !== 'number' || entry.share <= 0) continue;
    sendingPods += 1;
    // A pod that does not say (an older version) counts as able to send.
    if (entry.outage !== true) reachable += 1;
  }
  return { binds, sendingPods, down: sendingPods > 0 && reachable === 0 };
}

interface StatusCommands {
  smppgwVendorStatusMerge(
    key: string,
    instanceId: string,
    json: string,
    ttlMs: number,
  ): Promise<number>;
}

/** `conn:vendor:{id}:status` (DB 0): written by vendor-connector, read by router-worker. */
export class VendorStatusStore {
  private readonly redis: Redis & StatusCommands;

  constructor(redis: Redis) {
    const r = redis as Redis & Partial<StatusCommands>;
    if (!r.smppgwVendorStatusMerge) {
      redis.defineCommand('smppgwVendorStatusMerge', { numberOfKeys: 1, lua: MERGE });
    }
    this.redis = redis as Redis & StatusCommands;
  }

  /** Writes one pod's view, kept for `ttlMs`; returns the binds every live pod holds together. */
  async report(
    vendorId: string,
    instanceId: string,
    status: PodVendorStatus,
    ttlMs: number,
  ): Promise<number> {
    return this.redis.smppgwVendorStatusMerge(
      stateKeys.vendorStatus(vendorId),
      instanceId,
      JSON.stringify({ ...status, detail: status.detail ?? '' }),
      ttlMs,
    );
  }

  /** The fleet's status of each vendor that has a document (one MGET). */
  async read(
    vendorIds: readonly string[],
    nowMs = Date.now(),
  ): Promise<Map<string, FleetVendorStatus>> {
    const out = new Map<string, FleetVendorStatus>();
    if (vendorIds.length === 0) return out;
    const raws = await this.redis.mget(vendorIds.map((id) => stateKeys.vendorStatus(id)));
    vendorIds.forEach((id, i) => {
      const status = fleetVendorStatus(raws[i], nowMs);
      if (status) out.set(id, status);
    });
    return out;
  }
}
