import type { Redis } from 'ioredis';
import {
  CustomerReceiptState,
  MESSAGE_STATUSES,
  MessageStateRecord,
  STATUS_RANK,
  type MessageStatePatch,
  type MessageStatus,
} from './message-state.schema.js';
import { AMBIGUOUS_MAPPING, RECEIPT_SENT, STATE_TTL_SECONDS, stateKeys } from './state-keys.js';
import { TurnBatcher } from './turn-batcher.js';

/** A Lua string literal for an identifier-like value (statuses, field names). */
function luaName(value: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(value)) throw new Error(`not a plain name: '${value}'`);
  return `"${value}"`;
}

// Constant tables are compiled into the script source instead of being sent
// and cjson-decoded on every call: on the tracker's hot path the arguments
// were most of the bytes written to Redis per merge.
const RANKS_LUA = `{${MESSAGE_STATUSES.map((s) => `[${luaName(s)}]=${STATUS_RANK[s]}`).join(',')}}`;

/**
 * The receipt lease protocol, shared by the merge-and-claim and the claim
 * scripts: takes the lease key for `owner` for `ms` unless another owner
 * holds it. Returns 'claimed' (taken now, or already this owner's), 'sent'
 * (the key holds RECEIPT_SENT: the receipt went out) or 'held'.
 */
const CLAIM_LEASE_LUA = `
local function claimLease(lease, owner, ms)
  if redis.call('SET', lease, owner, 'NX', 'PX', ms) then return 'claimed' end
  local holder = redis.call('GET', lease)
  if holder == owner then return 'claimed' end
  if holder == ${luaName(RECEIPT_SENT)} then return 'sent' end
  return 'held'
end
`;

/**
 * Monotonic merge, atomic in Redis so concurrent tracker replicas cannot
 * interleave a read-modify-write. Rules:
 * - no record yet: the patch becomes the record;
 * - patch status ranks higher: status and every patch field overwrite;
 * - otherwise: status stays, patch fields only fill fields still missing
 *   (a late event can add context, never rewrite history).
 *
 * The `settle` variant (mergeAndClaim) also does, in the same step, what the
 * tracker would otherwise do in two more round trips per receipt:
 * - decide: a record that has every context field and no `customerReceipt`
 *   yet gets the table's value for its registered_delivery & 3 and status
 *   ('pending' or 'not_requested'; no entry = undecided, e.g. not final).
 *   The table comes from the caller's policy; the script only looks it up;
 * - claim: a 'pending' record's receipt lease (`lease`) is taken for
 *   `owner` for `leaseMs` unless another owner holds it. A lease key that
 *   says RECEIPT_SENT means the receipt went out: the record is stored as
 *   'sent' from now on and nothing is claimed.
 *
 * Lua source defining `mergeOne(key, lease, patchJson, ttl, owner,
 * leaseMs)`, which returns applied (1 = status advanced), the record JSON,
 * the previous status and the claim ('' | 'claimed' | 'held'). Its constant
 * tables are built once per script call, not per record.
 */
function mergeFunctionLua(settle?: { decisionsLua: string; fieldsLua: string }): string {
  const merge = `
local patch = cjson.decode(patchJson)
local current = redis.call('GET', key)
local record
local previous = ''
local advanced = true
if not current then
  record = patch
else
  record = cjson.decode(current)
  previous = record['status'] or ''
  advanced = (ranks[patch['status']] or 0) > (ranks[previous] or 0)
  for k, v in pairs(patch) do
    if advanced or record[k] == nil then record[k] = v end
  end
  if not advanced then record['status'] = previous end
end
local claim = ''
`;
  const decideAndClaim = settle
    ? `
if record['customerReceipt'] == nil then
  local complete = true
  for _, field in ipairs(fields) do
    if record[field] == nil then complete = false end
  end
  local rd = tonumber(record['registeredDelivery'])
  if complete and rd then
    local decision = (decisions[tostring(rd % 4)] or {})[record['status']]
    if decision then record['customerReceipt'] = decision end
  end
end
if record['customerReceipt'] == 'pending' then
  claim = claimLease(lease, owner, leaseMs)
  if claim == 'sent' then
    record['customerReceipt'] = ${luaName(RECEIPT_SENT)}
    claim = ''
  end
end
`
    : '';
  return `${settle ? CLAIM_LEASE_LUA : ''}
local ranks = ${RANKS_LUA}
${
  settle
    ? `local decisions = ${settle.decisionsLua}
local fields = ${settle.fieldsLua}`
    : ''
}
local function mergeOne(key, lease, patchJson, ttl, owner, leaseMs)
${merge}${decideAndClaim}
local encoded = cjson.encode(record)
redis.call('SET', key, encoded, 'EX', ttl)
if advanced then return 1, encoded, previous, claim end
return 0, encoded, previous, claim
end
`;
}

/** One record, no receipt decision: KEYS[1]; ARGV patch JSON, TTL seconds. Returns {applied, record JSON, previous status, ''}. */
function mergeScript(): string {
  return `${mergeFunctionLua()}
return {mergeOne(KEYS[1], nil, ARGV[1], tonumber(ARGV[2]))}
`;
}

/**
 * Several records in one call (mergeAndClaim's batches, see
 * TurnBatcher): KEYS the record and lease key of each, in pairs; ARGV
 * TTL, lease ms, then the lease owner and patch JSON of each. Returns four
 * values per record, in order, as mergeScript does. A record whose merge
 * raised an error (a stored value that is not JSON) gets applied = -1 and
 * the error's text; the others are merged regardless.
 */
function mergeBatchScript(settle: { decisionsLua: string; fieldsLua: string }): string {
  return `${mergeFunctionLua(settle)}
local ttl, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS / 2 do
  local ok, applied, encoded, previous, claim =
    pcall(mergeOne, KEYS[2 * i - 1], KEYS[2 * i], ARGV[2 * i + 2], ttl, ARGV[2 * i + 1], leaseMs)
  local n = #out
  if ok then
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = applied, encoded, previous, claim
  else
    local message = type(applied) == 'table' and (applied.err or 'error') or tostring(applied)
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = -1, message, '', ''
  end
end
return out
`;
}

/** Lua source of one receipt policy (decisions + context fields), for mergeScript. */
function settleLua(decisions: ReceiptDecisions, contextFields: readonly string[]) {
  const decisionsLua = `{${(['0', '1', '2', '3'] as const)
    .map(
      (bits) =>
        `[${luaName(bits)}]={${Object.entries(decisions[bits])
          .map(([status, decision]) => `[${luaName(status)}]=${luaName(String(decision))}`)
          .join(',')}}`,
    )
    .join(',')}}`;
  const fieldsLua = `{${contextFields.map(luaName).join(',')}}`;
  return { decisionsLua, fieldsLua };
}

/** Set one field only when the record exists and the field holds `expected`. */
const COMPARE_SET_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local record = cjson.decode(current)
local actual = record[ARGV[1]]
if ARGV[2] ~= '' and actual ~= ARGV[2] then return 0 end
if ARGV[2] == '' and actual ~= nil then return 0 end
record[ARGV[1]] = ARGV[3]
redis.call('SET', KEYS[1], cjson.encode(record), 'KEEPTTL')
return 1
`;

/**
 * Takes the customer-receipt lease when the record's receipt is 'pending' and
 * no other holder's lease is live. Returns 'claimed', 'held' (someone else is
 * publishing it right now) or 'not_pending' (sent — in the record or by the
 * lease key's RECEIPT_SENT —, not requested, undecided, or no record).
 */
const CLAIM_RECEIPT_SCRIPT = `${CLAIM_LEASE_LUA}
local current = redis.call('GET', KEYS[1])
if not current then return 'not_pending' end
local record = cjson.decode(current)
if record['customerReceipt'] ~= 'pending' then return 'not_pending' end
local claim = claimLease(KEYS[2], ARGV[1], tonumber(ARGV[2]))
if claim == 'sent' then return 'not_pending' end
return claim
`;

/**
 * Vendor-id mappings of several messages in one call. Per message, in
 * order: KEYS its exact mapping key, its candidate keys, then its extra key
 * if it has one; ARGV (after the TTL) its id, its number of candidates,
 * '1' or '0' (an extra key follows), and with an extra key its value and
 * TTL. Returns the number of messages mapped.
 */
const MAP_VENDOR_SCRIPT = `
local ttl = tonumber(ARGV[1])
local k, a, mapped = 1, 2, 0
while a <= #ARGV do
  local id, n, extra = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2]
  a = a + 3
  redis.call('SET', KEYS[k], id, 'EX', ttl)
  k = k + 1
  for i = 1, n do
    local existing = redis.call('GET', KEYS[k])
    if not existing then
      redis.call('SET', KEYS[k], id, 'EX', ttl)
    elseif existing ~= id then
      redis.call('SET', KEYS[k], '${AMBIGUOUS_MAPPING}', 'EX', ttl)
    end
    k = k + 1
  end
  if extra == '1' then
    redis.call('SET', KEYS[k], ARGV[a], 'EX', tonumber(ARGV[a + 1]))
    k = k + 1
    a = a + 2
  end
  mapped = mapped + 1
end
return mapped
`;

/**
 * Accepted states of several messages in one call: KEYS the records; ARGV
 * the TTL, then each record's JSON. Each is only created, never overwrites
 * (SET NX). Returns 1 (created) or 0 per record.
 */
const RECORD_ACCEPTED_SCRIPT = `
local ttl = tonumber(ARGV[1])
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ttl, 'NX') and 1 or 0
end
return out
`;

/** Drops the lease only if `owner` still holds it. */
const RELEASE_RECEIPT_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Options of `mergeAndClaim`. */
export interface MergeAndClaimOptions {
  /** registered_delivery & 3 + final status → decision; pass the same object every time (compiled once). */
  readonly decisions: ReceiptDecisions;
  /** Record fields a receipt needs before it can be decided. */
  readonly contextFields: readonly string[];
  /** Lease owner of this settle. */
  readonly owner: string;
  readonly leaseMs: number;
}

export type MergeAndClaimResult = MergeResult & { readonly claim: ReceiptClaim | undefined };

/** How a vendor message id is keyed (see stateKeys.vendorMapping / vendorCandidate). */
export interface VendorIdKeys {
  /** The id under the vendor's declared format. */
  readonly exact: string;
  /** Other readings of the id, tried after the exact key; empty when the format is explicit. */
  readonly candidates: readonly string[];
}

export interface VendorLookup {
  readonly messageId: string | undefined;
  /** A candidate reading matched more than one message: mapped to none. */
  readonly ambiguous: boolean;
}

interface StateCommands {
  smppgwMapVendors(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  smppgwRecordAccepted(numberOfKeys: number, ...args: (string | number)[]): Promise<number[]>;
  smppgwMergeState(key: string, patch: string, ttl: number): Promise<MergeReply>;
  smppgwCompareSet(key: string, field: string, expected: string, value: string): Promise<number>;
  smppgwClaimReceipt(
    key: string,
    leaseKey: string,
    owner: string,
    leaseMs: number,
  ): Promise<string>;
  smppgwReleaseReceipt(leaseKey: string, owner: string): Promise<number>;
}

/** Outcome of `claimCustomerReceipt`. */
export type ReceiptClaim = 'claimed' | 'held' | 'not_pending';

/**
 * The customer-receipt decision for each registered_delivery & 3 ("0".."3")
 * and final status; a status without an entry stays undecided.
 */
export type ReceiptDecisions = Readonly<
  Record<
    '0' | '1' | '2' | '3',
    Readonly<Partial<Record<MessageStatus, 'pending' | 'not_requested'>>>
  >
>;

type MergeReply = [applied: number, record: string, previous: string, claim: string];
/** mergeBatchScript; the first argument is the number of keys. */
type MergeClaimBatchCommand = (
  numberOfKeys: number,
  ...args: (string | number)[]
) => Promise<unknown[]>;

/**
 * Records per script call. Redis serves nothing else while a script runs
 * (on the slowest machine measured ≈ 50 µs per record alone, ≈ 115 under
 * overload): 20 keeps a call within 1–2.5 ms. The tracker's consumers hand
 * over up to 20 contracts per AMQP message.
 */
const MERGE_BATCH_MAX = 20;

/** Records per call of the SET-only scripts (accepted state, vendor-id mapping): a few µs each. */
const SET_BATCH_MAX = 50;

/** One mapVendorId call: its keys in the script's order (exact, candidates, extra). */
interface VendorMappingItem {
  readonly keys: readonly string[];
  readonly messageId: string;
  readonly candidates: number;
  readonly extra: { readonly value: string; readonly ttlSeconds: number } | undefined;
}

/** One mergeAndClaim call. */
interface MergeItem {
  readonly key: string;
  readonly leaseKey: string;
  readonly owner: string;
  readonly patch: string;
}

// One merge-and-claim script per receipt policy, defined on first use; a
// process has one policy, so this holds one entry.
const claimCommands = new WeakMap<ReceiptDecisions, { fields: string; name: string }>();
let claimCommandCount = 0;

export interface MergeResult {
  /** The status moved forward (or the record was created). */
  readonly advanced: boolean;
  readonly previousStatus: string | undefined;
  readonly record: MessageStateRecord;
}

/**
 * `patch` without undefined/null fields, plus the record's own fields: cjson
 * turns null into a userdata that is awkward to compare, so absence is the
 * only "no value" the record knows. One loop and one object: this runs for
 * every state write on the tracker's and the edge's hot paths.
 */
function recordPatch(
  patch: Record<string, unknown>,
  messageId: string,
  updatedAt: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in patch) {
    const value = patch[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  out.messageId = messageId;
  out.updatedAt = updatedAt;
  return out;
}

export interface MessageStateStoreOptions {
  /** Redis client on DB 0 (RedisDb.dlr), with the deployment's key prefix. */
  readonly redis: Redis;
  readonly ttlSeconds?: number;
  readonly now?: () => Date;
}

/**
 * The record a merge script returned. It is not run through the zod schema:
 * every field in it came from a typed patch of this store, the tracker's hot
 * path reads it twice per SMS, and the full parse (a copy of ~25 fields) was
 * a tenth of the tracker's allocations. What the caller decides on is checked
 * here (identity, status, receipt progress, registered_delivery); what it
 * forwards is validated where it leaves the process (the CustomerDelivery
 * contract on publish, the CDR's column types in PostgreSQL). `get`, the
 * admin API's read, still parses the whole record.
 */
export function trustedRecord(value: unknown): MessageStateRecord {
  const problem = recordProblem(value);
  if (problem !== undefined) throw new Error(`malformed message state record: ${problem}`);
  return value as MessageStateRecord;
}

/** What makes a merge result unusable, or undefined (see trustedRecord). */
function recordProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const record = value as Partial<Record<keyof MessageStateRecord, unknown>>;
  if (typeof record.messageId !== 'string' || record.messageId === '') return 'no messageId';
  if (typeof record.status !== 'string' || !Object.hasOwn(STATUS_RANK, record.status)) {
    return `unknown status ${JSON.stringify(record.status)}`;
  }
  if (
    record.customerReceipt !== undefined &&
    !CUSTOMER_RECEIPT_STATES.has(record.customerReceipt as string)
  ) {
    return `unknown customerReceipt ${JSON.stringify(record.customerReceipt)}`;
  }
  if (record.registeredDelivery !== undefined && !Number.isInteger(record.registeredDelivery)) {
    return 'registeredDelivery is not an integer';
  }
  return undefined;
}

const CUSTOMER_RECEIPT_STATES: ReadonlySet<string> = new Set(CustomerReceiptState.options);

/** A lease owner named like the sent marker would read as "sent" to everyone else. */
function assertOwner(owner: string): void {
  if (owner === RECEIPT_SENT) throw new Error(`'${RECEIPT_SENT}' cannot be a receipt lease owner`);
}

function mergeResult([applied, json, previous]: MergeReply): MergeResult {
  return {
    advanced: applied === 1,
    previousStatus: previous === '' ? undefined : previous,
    record: trustedRecord(JSON.parse(json)),
  };
}

/**
 * A stored record with its receipt lease's RECEIPT_SENT folded in; undefined
 * when absent or not a record. A value that is not JSON throws.
 */
function recordOf(
  json: string | null | undefined,
  receipt: string | null | undefined,
): MessageStateRecord | undefined {
  if (json === null || json === undefined) return undefined;
  const parsed = MessageStateRecord.safeParse(JSON.parse(json));
  if (!parsed.success) return undefined;
  return receipt === RECEIPT_SENT && parsed.data.customerReceipt === 'pending'
    ? { ...parsed.data, customerReceipt: 'sent' }
    : parsed.data;
}

export class MessageStateStore {
  private readonly redis: Redis & StateCommands;
  private readonly ttl: number;
  private readonly now: () => Date;
  private lastClaimCommand:
    | {
        decisions: ReceiptDecisions;
        command: MergeClaimBatchCommand;
        batchers: Map<number, TurnBatcher<MergeItem, MergeReply>>;
      }
    | undefined;
  private readonly accepted: TurnBatcher<{ key: string; record: string }, boolean>;
  private readonly mappings: TurnBatcher<VendorMappingItem, true>;

  constructor(options: MessageStateStoreOptions) {
    const redis = options.redis as Redis & Partial<StateCommands>;
    if (!redis.smppgwMergeState) {
      redis.defineCommand('smppgwMergeState', { numberOfKeys: 1, lua: mergeScript() });
      redis.defineCommand('smppgwCompareSet', { numberOfKeys: 1, lua: COMPARE_SET_SCRIPT });
    }
    if (!redis.smppgwClaimReceipt) {
      redis.defineCommand('smppgwClaimReceipt', { numberOfKeys: 2, lua: CLAIM_RECEIPT_SCRIPT });
      redis.defineCommand('smppgwReleaseReceipt', { numberOfKeys: 1, lua: RELEASE_RECEIPT_SCRIPT });
    }
    if (!redis.smppgwMapVendors) {
      // Variable number of keys: passed as the first argument of each call.
      redis.defineCommand('smppgwMapVendors', { lua: MAP_VENDOR_SCRIPT });
      redis.defineCommand('smppgwRecordAccepted', { lua: RECORD_ACCEPTED_SCRIPT });
    }
    this.redis = redis as Redis & StateCommands;
    this.ttl = options.ttlSeconds ?? STATE_TTL_SECONDS;
    this.now = options.now ?? (() => new Date());
    this.accepted = new TurnBatcher(async (items) => {
      const created = await this.redis.smppgwRecordAccepted(
        items.length,
        ...items.map((item) => item.key),
        this.ttl,
        ...items.map((item) => item.record),
      );
      return created.map((flag) => flag === 1);
    }, SET_BATCH_MAX);
    this.mappings = new TurnBatcher(async (items) => {
      const keys: string[] = [];
      const args: (string | number)[] = [this.ttl];
      for (const item of items) {
        keys.push(...item.keys);
        args.push(item.messageId, item.candidates, item.extra ? '1' : '0');
        if (item.extra) args.push(item.extra.value, item.extra.ttlSeconds);
      }
      const mapped = await this.redis.smppgwMapVendors(keys.length, ...keys, ...args);
      // The script maps every message or fails as a whole.
      return mapped === items.length ? items.map(() => true as const) : [];
    }, SET_BATCH_MAX);
  }

  /**
   * Edge-server's first write, right after the broker confirmed the MT: only
   * creates the record, never overwrites one a faster tracker already wrote.
   */
  recordAccepted(messageId: string, patch: MessageStatePatch): Promise<boolean> {
    const record = recordPatch(patch, messageId, this.now().toISOString());
    return this.accepted.add({ key: stateKeys.message(messageId), record: JSON.stringify(record) });
  }

  /** Monotonic update (see mergeScript). */
  async merge(messageId: string, patch: MessageStatePatch): Promise<MergeResult> {
    const reply = await this.redis.smppgwMergeState(
      stateKeys.message(messageId),
      this.patchJson(messageId, patch),
      this.ttl,
    );
    return mergeResult(reply);
  }

  /**
   * Monotonic update that also decides the customer receipt and takes its
   * lease in the same atomic step (see mergeScript): one round trip instead
   * of three on the tracker's hot path. `decisions` maps registered_delivery
   * & 3 ("0".."3") and a final status to 'pending' or 'not_requested' (pass
   * the same object every time: it is compiled into a script once);
   * `contextFields` are the record fields a receipt needs before it can be
   * decided. `claim` is 'claimed' when this owner now holds the lease of a
   * pending receipt, 'held' when another owner does, undefined otherwise.
   */
  async mergeAndClaim(
    messageId: string,
    patch: MessageStatePatch,
    options: MergeAndClaimOptions,
  ): Promise<MergeAndClaimResult> {
    assertOwner(options.owner);
    const batcher = this.claimBatcher(
      options.decisions,
      options.contextFields,
      Math.max(1, Math.round(options.leaseMs)),
    );
    const reply = await batcher.add({
      key: stateKeys.message(messageId),
      leaseKey: stateKeys.receiptLease(messageId),
      owner: options.owner,
      patch: this.patchJson(messageId, patch),
    });
    const claim = reply[3];
    const result = mergeResult(reply);
    if (claim === '') return { ...result, claim: undefined };
    if (claim === 'claimed' || claim === 'held') return { ...result, claim };
    throw new Error(`unexpected receipt claim result '${claim}'`);
  }

  private patchJson(messageId: string, patch: MessageStatePatch): string {
    return JSON.stringify(recordPatch(patch, messageId, this.now().toISOString()));
  }

  private claimBatcher(
    decisions: ReceiptDecisions,
    contextFields: readonly string[],
    leaseMs: number,
  ): TurnBatcher<MergeItem, MergeReply> {
    let cached = this.lastClaimCommand;
    if (cached?.decisions !== decisions) {
      cached = {
        decisions,
        command: this.claimCommand(decisions, contextFields),
        batchers: new Map(),
      };
      this.lastClaimCommand = cached;
    }
    let batcher = cached.batchers.get(leaseMs);
    if (!batcher) {
      const command = cached.command;
      batcher = new TurnBatcher(async (items) => {
        const args: (string | number)[] = [];
        for (const item of items) args.push(item.key, item.leaseKey);
        args.push(this.ttl, leaseMs);
        for (const item of items) args.push(item.owner, item.patch);
        const flat = await command(items.length * 2, ...args);
        if (flat.length !== items.length * 4) return [];
        return items.map((_, i): MergeReply | Error => {
          const applied = Number(flat[4 * i]);
          const [record, previous, claim] = [flat[4 * i + 1], flat[4 * i + 2], flat[4 * i + 3]];
          if (applied === -1) return new Error(`merge failed in Redis: ${String(record)}`);
          return [applied, String(record), String(previous), String(claim)];
        });
      }, MERGE_BATCH_MAX);
      cached.batchers.set(leaseMs, batcher);
    }
    return batcher;
  }

  private claimCommand(
    decisions: ReceiptDecisions,
    contextFields: readonly string[],
  ): MergeClaimBatchCommand {
    const fields = contextFields.join(',');
    let entry = claimCommands.get(decisions);
    if (entry && entry.fields !== fields) {
      throw new Error(
        'mergeAndClaim: one decisions table was used with two different context field lists',
      );
    }
    if (!entry) {
      entry = { fields, name: `smppgwMergeClaim${(claimCommandCount += 1)}` };
      claimCommands.set(decisions, entry);
    }
    const redis = this.redis as unknown as Record<string, MergeClaimBatchCommand | undefined>;
    if (!redis[entry.name]) {
      // Variable number of keys: passed as the first argument of each call.
      this.redis.defineCommand(entry.name, {
        lua: mergeBatchScript(settleLua(decisions, contextFields)),
      });
    }
    return (redis[entry.name] as MergeClaimBatchCommand).bind(this.redis);
  }

  /**
   * Compare-and-set of one string field; `expected` undefined means "only if
   * absent". Used to decide a customer receipt (absent → pending or
   * not_requested) off the hot path; pending → sent is
   * `markCustomerReceiptSent`.
   */
  async compareAndSet(
    messageId: string,
    field: 'customerReceipt',
    expected: string | undefined,
    value: string,
  ): Promise<boolean> {
    const done = await this.redis.smppgwCompareSet(
      stateKeys.message(messageId),
      field,
      expected ?? '',
      value,
    );
    return done === 1;
  }

  /**
   * Lease for publishing the customer receipt of a message whose
   * customerReceipt is 'pending'. Two writers that both see 'pending' (a
   * duplicate vendor receipt handled concurrently, or the submit result and
   * the receipt racing) cannot both publish: only the lease holder does, then
   * moves pending → sent. A holder that dies loses the lease after `leaseMs`
   * and a redelivery takes over. Claiming again as the same owner succeeds.
   */
  async claimCustomerReceipt(
    messageId: string,
    owner: string,
    leaseMs: number,
  ): Promise<ReceiptClaim> {
    assertOwner(owner);
    const result = await this.redis.smppgwClaimReceipt(
      stateKeys.message(messageId),
      stateKeys.receiptLease(messageId),
      owner,
      Math.max(1, Math.round(leaseMs)),
    );
    if (result === 'claimed' || result === 'held' || result === 'not_pending') return result;
    throw new Error(`unexpected receipt claim result '${result}'`);
  }

  /**
   * Records that the customer receipt of a 'pending' message was published
   * and confirmed: the lease key becomes RECEIPT_SENT for the record's
   * lifetime. A plain SET — the merge and claim scripts, `get` and
   * `claimCustomerReceipt` read it — instead of a script rewriting the JSON
   * record, on every receipt. Only the lease holder calls it; a holder whose
   * lease ran out meanwhile overwrites a newer holder's lease, which then
   * finds the receipt sent (the one duplicate the lease cannot prevent is
   * the one already in flight).
   */
  async markCustomerReceiptSent(messageId: string): Promise<void> {
    await this.redis.set(stateKeys.receiptLease(messageId), RECEIPT_SENT, 'EX', this.ttl);
  }

  /** Gives the lease back early (the publish failed), so a retry need not wait it out. */
  async releaseCustomerReceipt(messageId: string, owner: string): Promise<void> {
    await this.redis.smppgwReleaseReceipt(stateKeys.receiptLease(messageId), owner);
  }

  /** The record, with the receipt's RECEIPT_SENT marker folded in. */
  async get(messageId: string): Promise<MessageStateRecord | undefined> {
    const [json, receipt] = await this.redis.mget(
      stateKeys.message(messageId),
      stateKeys.receiptLease(messageId),
    );
    return recordOf(json, receipt);
  }

  /**
   * The live records of several messages in one MGET. Those Redis no longer
   * holds, or holds unreadable, are absent: the caller falls back to the CDR.
   */
  async getMany(messageIds: readonly string[]): Promise<Map<string, MessageStateRecord>> {
    const found = new Map<string, MessageStateRecord>();
    if (messageIds.length === 0) return found;
    const values = await this.redis.mget(
      ...messageIds.flatMap((id) => [stateKeys.message(id), stateKeys.receiptLease(id)]),
    );
    messageIds.forEach((id, i) => {
      try {
        const record = recordOf(values[2 * i], values[2 * i + 1]);
        if (record) found.set(id, record);
      } catch {
        // not JSON: the CDR answers for it
      }
    });
    return found;
  }

  /**
   * Stores the vendor's id → our id: the exact key (the id under the
   * vendor's declared format) is written as is; each candidate reading
   * (format 'auto') only if no other message claimed it, otherwise it is
   * marked ambiguous so it maps to nobody. `alsoSet` lets the caller write
   * one more key in the same atomic step (vendor-connector's resend marker).
   */
  async mapVendorId(
    vendorId: string,
    keys: VendorIdKeys,
    messageId: string,
    alsoSet?: { readonly key: string; readonly value: string; readonly ttlSeconds: number },
  ): Promise<void> {
    const candidates = keys.candidates.filter((k) => k !== keys.exact);
    await this.mappings.add({
      keys: [
        stateKeys.vendorMapping(vendorId, keys.exact),
        ...candidates.map((k) => stateKeys.vendorCandidate(vendorId, k)),
        ...(alsoSet ? [alsoSet.key] : []),
      ],
      messageId,
      candidates: candidates.length,
      extra: alsoSet,
    });
  }

  /**
   * Our id for a vendor id: the exact key first, then the candidate readings
   * in order. A candidate two messages share maps to nobody (`ambiguous`):
   * a receipt must not reach the wrong message.
   */
  async lookupVendorId(vendorId: string, keys: VendorIdKeys): Promise<VendorLookup> {
    // Every reading, the one equal to our own exact key included: the
    // mapping may hold it as a candidate of another exact key. An 'auto'
    // vendor that answers hex "6613173628098" (no letter, so read as decimal:
    // exact key 603bfdd6cc2, candidate 6613173628098) and reports decimal
    // 1795714877391000 in the receipt (exact key 6613173628098) only meets
    // in the candidate space. The exact key is still looked at first.
    const values = await this.redis.mget(
      stateKeys.vendorMapping(vendorId, keys.exact),
      ...keys.candidates.map((k) => stateKeys.vendorCandidate(vendorId, k)),
    );
    for (const value of values) {
      if (value === null) continue;
      if (value === AMBIGUOUS_MAPPING) return { messageId: undefined, ambiguous: true };
      return { messageId: value, ambiguous: false };
    }
    return { messageId: undefined, ambiguous: false };
  }
}
