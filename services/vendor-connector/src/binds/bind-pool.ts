// The binds of one vendor in this pod. The vendor's max_binds is a GLOBAL
// budget: every session is opened only while holding a lease from the Redis
// lease set (see bind-lease.store.ts), and closed before its lease is given
// back. Pods split the budget evenly (bindShare); a pod holding more than its
// share retires the surplus gracefully, so a new pod gets binds within a
// couple of refresh periods.
import { randomUUID } from 'node:crypto';
import type { Logger } from '@smpp-gateway/runtime';
import {
  connectSmpp,
  type BindType,
  type ConnectSmppOptions,
  type PduInit,
  type SmppSession,
} from '@smpp-gateway/smpp';
import { SmppStatus } from '@smpp-gateway/contracts';
import type { InboundPdu } from '../inbound/inbound.handler.js';
import type { SubmitBind, SubmitSmResp } from '../sending/submit.dispatcher.js';
import { bindShare, reconnectDelay, type ReconnectTiming } from './reconnect.policy.js';

export type VendorBindMode = 'transceiver' | 'transmitter' | 'receiver' | 'tx_rx';

export interface BindSettings {
  readonly vendorId: string;
  readonly host: string;
  readonly port: number;
  readonly useTls: boolean;
  readonly bindMode: VendorBindMode;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly maxBinds: number;
  readonly windowSize: number;
  readonly enquireLinkIntervalMs: number;
  readonly responseTimeoutMs: number;
}

export interface LeaseStore {
  /** Registers this pod for the vendor; returns every live pod id. */
  heartbeat(vendorId: string, instanceId: string): Promise<string[]>;
  leave(vendorId: string, instanceId: string): Promise<void>;
  /** Acquires or refreshes one lease; false = the budget is taken. */
  acquire(vendorId: string, leaseId: string, maxBinds: number): Promise<boolean>;
  release(vendorId: string, leaseId: string): Promise<void>;
}

export interface PoolTiming extends ReconnectTiming {
  readonly leaseTtlMs: number;
  readonly leaseRefreshMs: number;
  /** Consecutive failed bind attempts (vendor-wide) that raise the alert. */
  readonly alertAfterFailures: number;
  /** How long a retiring bind may take to finish its window before unbind. */
  readonly drainTimeoutMs: number;
}

export interface PoolObserver {
  bindAttempt(vendorId: string, outcome: 'success' | 'failure'): void;
  alert(vendorId: string): void;
  /** Bound sessions and slots not bound, after any change. */
  connections(vendorId: string, connected: number, disconnected: number): void;
}

export type VendorHealth = 'connected' | 'disconnected' | 'error';

export interface PoolSnapshot {
  readonly vendorId: string;
  readonly bound: number;
  readonly slots: readonly { index: number; bindType: BindType; state: SlotState }[];
  readonly share: number;
  readonly health: VendorHealth;
  readonly detail: string | null;
  readonly consecutiveFailures: number;
}

export type SlotState = 'waiting' | 'connecting' | 'bound' | 'retiring' | 'stopped';

export type Connect = (options: ConnectSmppOptions) => Promise<SmppSession>;

export interface BindPoolOptions {
  readonly settings: BindSettings;
  readonly instanceId: string;
  readonly leases: LeaseStore;
  readonly inbound: (pdu: InboundPdu) => Promise<number>;
  readonly timing: PoolTiming;
  readonly logger: Logger;
  readonly observer: PoolObserver;
  /** A bind came up or went away, or the share changed. */
  readonly onChange: () => void;
  readonly connect?: Connect;
}

/** Bind refusals that a retry will not cure: the vendor status becomes 'error'. */
const CONFIG_ERRORS: ReadonlySet<number> = new Set([
  SmppStatus.ESME_RINVPASWD,
  SmppStatus.ESME_RINVSYSID,
  SmppStatus.ESME_RINVSYSTYP,
]);

function bindTypeOf(mode: VendorBindMode, index: number): BindType {
  if (mode === 'tx_rx') return index % 2 === 0 ? 'transmitter' : 'receiver';
  return mode;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failed bind as a log field: an operational failure (a bind refusal, a
 * refused or reset connection, a timeout: errors carrying a `code`) as its
 * code and message, since its stack says nothing and an outage repeats it
 * for every slot every second; anything else (a bug) whole, with its stack.
 */
function bindFailureField(err: unknown): Record<string, unknown> {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string'
    ? { error: err.message, error_code: code }
    : { err };
}

/** Resolves true when woken early by the signal, false when the time ran out. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(true);
      return;
    }
    const timer = setTimeout(() => finish(false), ms);
    const onAbort = (): void => finish(true);
    function finish(woken: boolean): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(woken);
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

class BindSlot implements SubmitBind {
  readonly key: string;
  readonly bindType: BindType;
  readonly leaseId: string;
  state: SlotState = 'waiting';
  session: SmppSession | undefined;
  failures = 0;
  /** Monotonic time until which the lease is known to be ours. */
  leaseValidUntil = 0;
  private wakeController = new AbortController();
  private stopRequested = false;
  private done: Promise<void> | undefined;

  constructor(
    private readonly pool: BindPool,
    readonly index: number,
  ) {
    this.bindType = bindTypeOf(pool.settings.bindMode, index);
    this.key = `${pool.settings.vendorId}#${index}`;
    this.leaseId = `${pool.instanceId}:${index}:${randomUUID()}`;
  }

  get canTransmit(): boolean {
    return this.bindType !== 'receiver';
  }

  get windowSize(): number {
    return this.pool.settings.windowSize;
  }

  get usable(): boolean {
    return this.state === 'bound' && this.canTransmit && this.session?.state === 'bound';
  }

  submit(pdu: PduInit<'submit_sm'>): Promise<SubmitSmResp> {
    const session = this.session;
    if (!session) return Promise.reject(new Error(`bind ${this.key} is not connected`));
    return session.request(pdu);
  }

  /** Starts connecting; called once the lease is held. */
  activate(): void {
    this.done ??= this.run();
  }

  /**
   * Interrupts a backoff wait. With resetFailures the slot tries at once (a
   * sibling bound, or a reconnect was asked for); without, it only
   * re-evaluates its delay (it may have become the canary).
   */
  wake(resetFailures: boolean): void {
    if (resetFailures) this.failures = 0;
    this.wakeController.abort();
    this.wakeController = new AbortController();
  }

  /** Graceful: finish the window, unbind, give the lease back. */
  async retire(): Promise<void> {
    this.stopRequested = true;
    if (this.state !== 'stopped') this.state = 'retiring';
    this.wake(false);
    const session = this.session;
    if (session) {
      await session.waitForIdle(this.pool.timing.drainTimeoutMs);
      await session.close();
    }
    if (this.done) await this.done;
    else {
      this.state = 'stopped';
      await this.pool.releaseLease(this);
    }
  }

  private async run(): Promise<void> {
    const pool = this.pool;
    while (!this.stopRequested) {
      const delay = reconnectDelay(this.failures, pool.timing, { canary: pool.isCanary(this) });
      if (delay > 0) {
        this.state = 'waiting';
        const woken = await sleep(delay, this.wakeController.signal);
        if (this.stopRequested) break;
        if (woken) continue;
      }
      this.state = 'connecting';
      let session: SmppSession;
      try {
        session = await pool.open(this);
      } catch (err) {
        this.failures += 1;
        this.state = 'waiting';
        pool.onBindFailure(this, err);
        continue;
      }
      if (this.stopRequested) {
        await session.close();
        break;
      }
      this.session = session;
      this.failures = 0;
      this.state = 'bound';
      pool.onBound(this);
      const info = await session.closed;
      this.session = undefined;
      if (this.state === 'bound') this.state = 'waiting';
      pool.onSessionClosed(this, info.reason, info.message);
    }
    this.state = 'stopped';
    this.session = undefined;
    await pool.releaseLease(this);
    pool.changed();
  }
}

export class BindPool {
  readonly settings: BindSettings;
  readonly instanceId: string;
  readonly timing: PoolTiming;
  private readonly slots: BindSlot[] = [];
  private readonly retiring = new Set<Promise<void>>();
  private readonly log: Logger;
  private readonly connect: Connect;
  private supervisor: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private share = 0;
  /** Supervisor ticks so far, and the one at which the share last grew. */
  private ticks = 0;
  private shareGrewAt = 0;
  private podCount = 1;
  private consecutiveFailures = 0;
  private alerted = false;
  private lastError: { health: VendorHealth; detail: string } | undefined;

  constructor(private readonly options: BindPoolOptions) {
    this.settings = options.settings;
    this.instanceId = options.instanceId;
    this.timing = options.timing;
    this.connect = options.connect ?? connectSmpp;
    this.log = options.logger.child({
      component: 'bind-pool',
      vendor_id: options.settings.vendorId,
    });
  }

  start(): void {
    if (this.supervisor || this.stopped) return;
    this.supervisor = setInterval(() => void this.tick(), this.timing.leaseRefreshMs);
    void this.tick();
  }

  /** Retires every bind (drain window → unbind → release lease) and leaves the pod registry. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.supervisor);
    await this.ticking;
    const slots = this.slots.splice(0);
    await Promise.all([...slots.map((s) => s.retire()), ...this.retiring]);
    try {
      await this.options.leases.leave(this.settings.vendorId, this.instanceId);
    } catch (err) {
      this.log.warn('could not leave the vendor pod registry; it expires by itself', { err });
    }
    // Out of the budget: the last status report must not count this pod as
    // one that could still send (router-worker would wait for its entry to
    // expire before routing around a vendor down in every other pod).
    this.share = 0;
    this.changed();
  }

  /** Closes every session (unbind) and binds again at once: the reconnect-vendor command. */
  reconnect(): void {
    for (const slot of this.slots) {
      slot.wake(true);
      void slot.session?.close();
    }
  }

  transmitters(): readonly SubmitBind[] {
    return this.slots;
  }

  /** Leased slots that can transmit (bound or trying): the pod should consume the vendor queue. */
  get transmitSlots(): number {
    return this.slots.filter((s) => s.canTransmit).length;
  }

  /** Connector pods sharing this vendor, as last seen in the registry. */
  get pods(): number {
    return this.podCount;
  }

  boundCount(): number {
    return this.slots.filter((s) => s.state === 'bound').length;
  }

  snapshot(): PoolSnapshot {
    const bound = this.boundCount();
    return {
      vendorId: this.settings.vendorId,
      bound,
      share: this.share,
      slots: this.slots.map((s) => ({ index: s.index, bindType: s.bindType, state: s.state })),
      health: bound > 0 ? 'connected' : (this.lastError?.health ?? 'disconnected'),
      detail:
        bound > 0
          ? null
          : (this.lastError?.detail ??
            (this.slots.length === 0 ? 'no bind lease in this pod' : null)),
      consecutiveFailures: this.consecutiveFailures,
    };
  }

  // ---- used by the slots --------------------------------------------------

  isCanary(slot: BindSlot): boolean {
    if (this.boundCount() > 0) return false;
    const first = this.slots.find((s) => s.state !== 'retiring' && s.state !== 'stopped');
    return first === slot;
  }

  async open(slot: BindSlot): Promise<SmppSession> {
    const s = this.settings;
    const canReceive = slot.bindType !== 'transmitter';
    const handler = (pdu: InboundPdu) =>
      this.options.inbound(pdu).then((commandStatus) => ({ commandStatus }));
    return this.connect({
      host: s.host,
      port: s.port,
      ...(s.useTls ? { tls: true } : {}),
      bindType: slot.bindType,
      systemId: s.systemId,
      password: s.password,
      systemType: s.systemType,
      windowSize: s.windowSize,
      responseTimeoutMs: s.responseTimeoutMs,
      enquireLinkIntervalMs: s.enquireLinkIntervalMs,
      connectTimeoutMs: Math.min(10_000, s.responseTimeoutMs),
      ...(canReceive ? { handlers: { deliver_sm: handler, data_sm: handler } } : {}),
    });
  }

  onBound(slot: BindSlot): void {
    const recovered = this.consecutiveFailures > 0;
    this.consecutiveFailures = 0;
    this.alerted = false;
    this.lastError = undefined;
    this.options.observer.bindAttempt(this.settings.vendorId, 'success');
    this.log.info(recovered ? 'vendor bind recovered' : 'vendor bind up', {
      slot: slot.index,
      bind_type: slot.bindType,
    });
    // The vendor takes binds again: the others stop waiting out their backoff.
    for (const other of this.slots) {
      if (other !== slot && other.state === 'waiting') other.wake(true);
    }
    this.changed();
  }

  onBindFailure(slot: BindSlot, err: unknown): void {
    this.consecutiveFailures += 1;
    const status = (err as { commandStatus?: unknown }).commandStatus;
    const configProblem =
      (err as { code?: unknown }).code === 'SMPP_OPTIONS' ||
      (typeof status === 'number' && CONFIG_ERRORS.has(status));
    this.lastError = { health: configProblem ? 'error' : 'disconnected', detail: errorText(err) };
    this.options.observer.bindAttempt(this.settings.vendorId, 'failure');
    this.log.warn('vendor bind failed', {
      slot: slot.index,
      attempt_failures: slot.failures,
      consecutive_failures: this.consecutiveFailures,
      ...bindFailureField(err),
    });
    if (this.consecutiveFailures >= this.timing.alertAfterFailures && !this.alerted) {
      this.alerted = true;
      this.options.observer.alert(this.settings.vendorId);
      this.log.error('vendor unreachable: binds keep failing', {
        consecutive_failures: this.consecutiveFailures,
        detail: this.lastError.detail,
      });
    }
    this.changed();
  }

  onSessionClosed(slot: BindSlot, reason: string, message: string): void {
    if (slot.state !== 'retiring' && !this.stopped) {
      this.lastError = { health: 'disconnected', detail: `bind closed: ${message}` };
      this.log.warn('vendor bind lost', { slot: slot.index, reason, detail: message });
      // The last bind went: whoever is the canary now must not sit out a long backoff.
      if (this.boundCount() === 0) {
        for (const other of this.slots) if (other.state === 'waiting') other.wake(false);
      }
    }
    this.changed();
  }

  async releaseLease(slot: BindSlot): Promise<void> {
    try {
      await this.options.leases.release(this.settings.vendorId, slot.leaseId);
    } catch (err) {
      // It expires after the TTL; until then the budget is one bind smaller.
      this.log.warn('could not release a bind lease', { slot: slot.index, err });
    }
  }

  changed(): void {
    const bound = this.boundCount();
    this.options.observer.connections(this.settings.vendorId, bound, this.slots.length - bound);
    this.options.onChange();
  }

  // ---- supervisor ---------------------------------------------------------

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = this.reconcile()
      .catch((err: unknown) => this.log.warn('bind lease refresh failed', { err }))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async reconcile(): Promise<void> {
    const { vendorId, maxBinds } = this.settings;
    const leases = this.options.leases;
    const now = performance.now();
    this.ticks += 1;
    // Leases we could not refresh in time are no longer ours: out of service now.
    for (const slot of [...this.slots]) {
      if (slot.leaseValidUntil > 0 && slot.leaseValidUntil < now)
        this.dropSlot(slot, 'bind lease expired');
    }
    const pods = await leases.heartbeat(vendorId, this.instanceId);
    if (this.stopped) return;
    this.podCount = Math.max(1, pods.length);
    const share = bindShare(maxBinds, pods, this.instanceId);
    if (share !== this.share) {
      this.log.info('bind share changed', { share, pods: pods.length, max_binds: maxBinds });
      if (share > this.share) this.shareGrewAt = this.ticks;
      this.share = share;
    }
    // Refresh what we hold; a refused refresh means the lease is gone.
    for (const slot of [...this.slots]) {
      const started = performance.now();
      const ok = await leases.acquire(vendorId, slot.leaseId, maxBinds);
      if (ok) slot.leaseValidUntil = started + this.timing.leaseTtlMs;
      else this.dropSlot(slot, 'bind lease lost');
    }
    // Surplus over our share goes, highest slot first, gracefully.
    while (this.slots.length > share) {
      const slot = this.slots.pop() as BindSlot;
      this.log.info("retiring a bind over this pod's share", { slot: slot.index, share });
      this.track(slot.retire());
    }
    // Grow towards the share while the budget has room; a pod that holds
    // binds grows only on a share that survived one more heartbeat. After
    // Redis lost the pod set, the first pod to heartbeat sees itself alone:
    // growing at once took the other pods' budget, their leases were refused
    // and the binds churned until the shares settled (the fault run's Redis
    // loss). A pod with no bind (starting, or after losing them) grows at once.
    const growing = this.slots.length === 0 || this.ticks > this.shareGrewAt;
    while (growing && this.slots.length < share && !this.stopped) {
      const slot = new BindSlot(this, this.freeIndex());
      const started = performance.now();
      if (!(await leases.acquire(vendorId, slot.leaseId, maxBinds))) break;
      if (this.stopped) {
        await this.releaseLease(slot);
        break;
      }
      slot.leaseValidUntil = started + this.timing.leaseTtlMs;
      this.slots.push(slot);
      slot.activate();
    }
    this.changed();
  }

  private freeIndex(): number {
    const used = new Set(this.slots.map((s) => s.index));
    let index = 0;
    while (used.has(index)) index += 1;
    return index;
  }

  /**
   * A lease that is not ours any more (refused or not refreshed in time,
   * e.g. after Redis lost the lease set and another pod took the budget):
   * the bind takes no new submit from now on, answers what is in flight,
   * then unbinds. Destroying it at once would leave its unanswered submits
   * with an unknown outcome, and their retries reach the carrier a second
   * time; closing after the window only exceeds the budget for as long as
   * the carrier takes to answer what it already has (bounded by the drain
   * timeout), and the carrier refuses a bind over its limit anyway.
   */
  private dropSlot(slot: BindSlot, reason: string): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.log.warn('closing a bind whose lease is not ours any more, after its window', {
      slot: slot.index,
      reason,
    });
    this.track(slot.retire());
  }

  private track(work: Promise<void>): void {
    this.retiring.add(work);
    void work.finally(() => this.retiring.delete(work));
  }
}
