// The seed's 30-second health check: each vendor's status to Redis (this
// pod's binds and outage breaker, merged with the other pods'; router-worker
// reads it to route around a vendor no pod can reach) and to PostgreSQL
// (`status`, `status_detail`, for the admin API). PostgreSQL gets the fleet's
// view: 'connected' while any pod holds a bind, so pods do not overwrite each
// other with their local opinion. A breaker that opens or closes, and a pod's
// new share of the bind budget, are reported at once (`report`), not at the
// next interval.
import { setVendorStatus, type Database } from '@smpp-gateway/db';
import type { VendorStatusStore } from '@smpp-gateway/message-state';
import type { Logger } from '@smpp-gateway/runtime';
import type { Kysely } from 'kysely';
import type { VendorSnapshot } from '../vendors/vendor-runtime.js';

export interface HealthReporterOptions {
  readonly db: Kysely<Database>;
  readonly status: VendorStatusStore;
  readonly instanceId: string;
  /** How long this pod's entry in the status document lives without a new report. */
  readonly statusTtlMs: number;
  readonly snapshots: () => readonly VendorSnapshot[];
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class VendorHealthReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** A report was asked for while one was running: it may have read the state too early. */
  private again = false;
  private readonly log: Logger;

  constructor(private readonly options: HealthReporterOptions) {
    this.log = options.logger.child({ component: 'vendor-health' });
  }

  start(): void {
    this.timer ??= setInterval(() => void this.report(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One round now (also what the timer runs). Asked for while a round is
   * running, one more round follows it, so a change made after the running
   * round took its snapshots is reported too. Never throws.
   */
  report(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reportAll();
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * The pod's last word at shutdown, after its vendors stopped (they are no
   * longer in `snapshots`): no binds and no share, so neither PostgreSQL nor
   * the routers count this pod until its entry expires. Never throws.
   */
  async reportStopped(stopped: readonly VendorSnapshot[]): Promise<void> {
    await this.running;
    await Promise.all(stopped.map((s) => this.reportOne(s)));
  }

  private async reportAll(): Promise<void> {
    await Promise.all(this.options.snapshots().map((s) => this.reportOne(s)));
  }

  private async reportOne(s: VendorSnapshot): Promise<void> {
    let fleetBinds = s.bound;
    try {
      fleetBinds = await this.options.status.report(
        s.vendorId,
        this.options.instanceId,
        { binds: s.bound, health: s.health, detail: s.detail, share: s.share, outage: s.outage },
        this.options.statusTtlMs,
      );
    } catch (err) {
      this.log.warn('vendor status not written to redis', { vendor_id: s.vendorId, err });
    }
    const status = fleetBinds > 0 ? 'connected' : s.health === 'error' ? 'error' : 'disconnected';
    const detail = fleetBinds > 0 ? `${fleetBinds} binds` : s.detail;
    try {
      await setVendorStatus(this.options.db, s.vendorId, status, detail?.slice(0, 500) ?? null);
    } catch (err) {
      this.log.warn('vendor status not written to postgres', { vendor_id: s.vendorId, err });
    }
  }
}
