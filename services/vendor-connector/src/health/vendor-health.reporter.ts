// The seed's 30-second health check: each vendor's status to Redis (binds
// per pod, for the admin API) and to PostgreSQL (`status`, `status_detail`).
// PostgreSQL gets the fleet's view: 'connected' while any pod holds a bind,
// so pods do not overwrite each other with their local opinion.
import { setVendorStatus, type Database } from '@smpp-gateway/db';
import type { Logger } from '@smpp-gateway/runtime';
import type { Kysely } from 'kysely';
import type { PoolSnapshot } from '../binds/bind-pool.js';
import type { RedisVendorStatusStore } from '../adapters/vendor-status.store.js';

export interface HealthReporterOptions {
  readonly db: Kysely<Database>;
  readonly status: RedisVendorStatusStore;
  readonly snapshots: () => readonly PoolSnapshot[];
  readonly intervalMs: number;
  readonly logger: Logger;
}

export class VendorHealthReporter {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
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

  /** One round now (also what the timer runs). Never throws. */
  report(): Promise<void> {
    this.running ??= this.reportAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async reportAll(): Promise<void> {
    await Promise.all(this.options.snapshots().map((s) => this.reportOne(s)));
  }

  private async reportOne(s: PoolSnapshot): Promise<void> {
    let fleetBinds = s.bound;
    try {
      fleetBinds = await this.options.status.report(s.vendorId, {
        binds: s.bound,
        health: s.health,
        detail: s.detail,
        share: s.share,
      });
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
