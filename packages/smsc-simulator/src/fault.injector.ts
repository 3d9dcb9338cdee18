// Faults a carrier shows in production, switchable at runtime from a test or
// over HTTP. "Every Nth" counts submits from the moment the setting changed,
// so a test that sets throttleEveryN: 5 and sends 20 knows exactly which 4
// were throttled.
import { performance } from 'node:perf_hooks';
import { SmppStatus } from '@smpp-gateway/smpp';

export interface FaultSettings {
  /** Every Nth submit_sm/data_sm is answered ESME_RTHROTTLED (0x58). 0 = off. */
  readonly throttleEveryN: number;
  /** Every Nth submit is answered with failStatus. 0 = off. Throttling wins when both hit. */
  readonly failEveryN: number;
  /** command_status for failEveryN. Default ESME_RSUBMITFAIL (0x45). */
  readonly failStatus: number;
  /** Submits get no response at all while set (enquire_link is still answered by the session layer). */
  readonly stopAnswering: boolean;
  /** Binds are refused with ESME_RBINDFAIL until this many ms after the setting was made; 0 = off. */
  readonly refuseBindsMs: number;
}

/** What setFaults accepts: any subset; `dropConnections` is an action, not a setting. */
export type FaultUpdate = Partial<FaultSettings> & { readonly dropConnections?: boolean };

export interface FaultState extends FaultSettings {
  /** Milliseconds of bind refusal still to come. */
  readonly refuseBindsRemainingMs: number;
}

export const NO_FAULTS: FaultSettings = {
  throttleEveryN: 0,
  failEveryN: 0,
  failStatus: SmppStatus.ESME_RSUBMITFAIL,
  stopAnswering: false,
  refuseBindsMs: 0,
};

/** Outcome of one submit under the current faults: 0 answer normally, a status, or stall. */
export const STALL = -1;
export type SubmitFault = number;

export class FaultInjector {
  private settings: FaultSettings = NO_FAULTS;
  private refuseBindsUntil = 0;
  private counter = 0;

  /** Applies the given keys, leaves the rest; throws RangeError listing every bad value. */
  update(update: FaultUpdate): FaultState {
    const problems: string[] = [];
    const next: { -readonly [K in keyof FaultSettings]: FaultSettings[K] } = { ...this.settings };
    const count = (name: 'throttleEveryN' | 'failEveryN' | 'refuseBindsMs', max: number): void => {
      const value = update[name];
      if (value === undefined) return;
      if (!Number.isInteger(value) || value < 0 || value > max) {
        problems.push(`${name} must be an integer 0-${max}, got ${String(value)}`);
      } else {
        next[name] = value;
      }
    };
    count('throttleEveryN', 1_000_000_000);
    count('failEveryN', 1_000_000_000);
    count('refuseBindsMs', 2_147_483_647);
    if (update.failStatus !== undefined) {
      const status = update.failStatus;
      if (!Number.isInteger(status) || status < 1 || status > 0xffffffff) {
        problems.push(`failStatus must be a nonzero command_status, got ${String(status)}`);
      } else {
        next.failStatus = status;
      }
    }
    if (update.stopAnswering !== undefined) {
      if (typeof update.stopAnswering !== 'boolean') {
        problems.push('stopAnswering must be a boolean');
      } else {
        next.stopAnswering = update.stopAnswering;
      }
    }
    if (problems.length > 0) {
      throw new RangeError(problems.join('; '));
    }
    if (
      next.throttleEveryN !== this.settings.throttleEveryN ||
      next.failEveryN !== this.settings.failEveryN
    ) {
      this.counter = 0;
    }
    if (update.refuseBindsMs !== undefined) {
      this.refuseBindsUntil = next.refuseBindsMs > 0 ? performance.now() + next.refuseBindsMs : 0;
    }
    this.settings = next;
    return this.state();
  }

  clear(): FaultState {
    this.settings = NO_FAULTS;
    this.refuseBindsUntil = 0;
    this.counter = 0;
    return this.state();
  }

  state(): FaultState {
    return {
      ...this.settings,
      refuseBindsRemainingMs: Math.max(0, Math.ceil(this.refuseBindsUntil - performance.now())),
    };
  }

  get stopAnswering(): boolean {
    return this.settings.stopAnswering;
  }

  refusingBinds(): boolean {
    return this.refuseBindsUntil > 0 && performance.now() < this.refuseBindsUntil;
  }

  /** Hot path: one call per submit. */
  onSubmit(): SubmitFault {
    const { throttleEveryN, failEveryN } = this.settings;
    if (this.settings.stopAnswering) {
      return STALL;
    }
    if (throttleEveryN === 0 && failEveryN === 0) {
      return 0;
    }
    const n = ++this.counter;
    if (throttleEveryN > 0 && n % throttleEveryN === 0) {
      return SmppStatus.ESME_RTHROTTLED;
    }
    if (failEveryN > 0 && n % failEveryN === 0) {
      return this.settings.failStatus;
    }
    return 0;
  }
}
