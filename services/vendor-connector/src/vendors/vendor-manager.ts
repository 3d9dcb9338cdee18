// The set of vendors this pod serves, kept equal to the active vendors in
// PostgreSQL: loaded at start, on reload-vendors / reconnect-vendor control
// commands and, as a safety net, on a timer. Changes are applied one reload
// at a time, in order.
import {
  decryptVendorPassword,
  listActiveVendors,
  setVendorStatus,
  type Database,
  type Vendor,
} from '@smpp-gateway/db';
import type { Logger } from '@smpp-gateway/runtime';
import type { Kysely } from 'kysely';
import { diffVendors, toVendorConfig, type VendorConfig } from './vendor-config.js';
import { VendorRuntime, type VendorRuntimeDeps } from './vendor-runtime.js';

export interface VendorManagerOptions {
  readonly db: Kysely<Database>;
  readonly secretKey: Buffer;
  readonly runtime: VendorRuntimeDeps;
  readonly drainTimeoutMs: number;
  readonly logger: Logger;
}

export class VendorManager {
  private readonly runtimes = new Map<string, VendorRuntime>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly options: VendorManagerOptions) {
    this.log = options.logger.child({ component: 'vendor-manager' });
  }

  get vendors(): readonly VendorRuntime[] {
    return [...this.runtimes.values()];
  }

  vendor(id: string): VendorRuntime | undefined {
    return this.runtimes.get(id);
  }

  /** Reloads from PostgreSQL and applies the difference. Serialised with other reloads. */
  reload(reason: string): Promise<void> {
    return this.enqueue(() => this.apply(reason));
  }

  /** Reloads (the vendor may have changed) and then rebinds `vendorId` at once. */
  reconnect(vendorId: string): Promise<void> {
    return this.enqueue(async () => {
      await this.apply(`reconnect ${vendorId}`);
      this.runtimes.get(vendorId)?.reconnect();
    });
  }

  /** Pod shutdown, first step: no vendor takes new messages. */
  async stopIntake(): Promise<void> {
    await Promise.all(this.vendors.map((v) => v.stopIntake()));
  }

  /** Pod shutdown: every vendor drains, gives back what it never sent, and unbinds. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const all = this.vendors;
    this.runtimes.clear();
    await Promise.all(all.map((v) => v.stop('requeue', this.options.drainTimeoutMs)));
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => (this.closed ? undefined : work()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(reason: string): Promise<void> {
    const active = await listActiveVendors(this.options.db);
    const diff = diffVendors(
      new Map(this.vendors.map((v) => [v.id, { version: v.config.version }])),
      active,
    );
    const byId = new Map(active.map((v) => [v.id, v]));
    if (diff.added.length + diff.changed.length + diff.removed.length > 0) {
      this.log.info('applying vendor changes', { reason, ...diff });
    }
    await Promise.all([
      ...diff.removed.map((id) => this.remove(id)),
      ...diff.changed.map((id) => this.change(byId.get(id) as Vendor)),
      ...diff.added.map((id) => this.add(byId.get(id) as Vendor)),
    ]);
  }

  private configOf(vendor: Vendor): VendorConfig | undefined {
    try {
      return toVendorConfig(vendor, decryptVendorPassword(vendor, this.options.secretKey));
    } catch (err) {
      this.log.error('vendor password cannot be decrypted, vendor skipped', {
        vendor_id: vendor.id,
        err,
      });
      void setVendorStatus(
        this.options.db,
        vendor.id,
        'error',
        'password cannot be decrypted',
      ).catch(() => undefined);
      return undefined;
    }
  }

  private async add(vendor: Vendor): Promise<void> {
    const config = this.configOf(vendor);
    if (!config) return;
    const runtime = new VendorRuntime(config, this.options.runtime);
    this.runtimes.set(vendor.id, runtime);
    try {
      await runtime.start();
    } catch (err) {
      // Not kept: the next reload (or the refresh timer) tries again.
      this.runtimes.delete(vendor.id);
      await runtime.stop('requeue', this.options.drainTimeoutMs);
      this.log.error('vendor could not be started', { vendor_id: vendor.id, err });
    }
  }

  private async change(vendor: Vendor): Promise<void> {
    const runtime = this.runtimes.get(vendor.id);
    const config = this.configOf(vendor);
    if (!runtime) return;
    if (!config) {
      await this.remove(vendor.id);
      return;
    }
    await runtime.update(config);
  }

  private async remove(id: string): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    this.runtimes.delete(id);
    this.log.info('vendor removed or deactivated, draining', { vendor_id: id });
    await runtime.stop('hand-back', this.options.drainTimeoutMs);
  }
}
