// The set of vendors this pod serves, kept equal to the active vendors in
// PostgreSQL: loaded at start, on reload-vendors / reconnect-vendor control
// commands and, as a safety net, on a timer. Changes are applied one reload
// at a time, in order. A vendor taken out of service has its queue drained
// back to the router (RetiredVendorDrain) for as long as it stays out.
import { QUEUES } from '@smpp-gateway/contracts';
import {
  decryptVendorPassword,
  listActiveVendors,
  listInactiveVendors,
  listRetiredVendors,
  setVendorStatus,
  type Database,
  type Vendor,
} from '@smpp-gateway/db';
import { readyCount, type Logger } from '@smpp-gateway/runtime';
import type { Kysely } from 'kysely';
import { RetiredVendorDrain } from './retired-vendor.drain.js';
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
  /** Vendors out of service (deleted or inactive) whose queues this pod hands back to the router. */
  private readonly drains = new Map<string, RetiredVendorDrain>();
  private outOfServiceChecked = false;
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

  /** Ids of the vendors out of service whose queues this pod is draining. */
  get retired(): readonly string[] {
    return [...this.drains.keys()];
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
    await Promise.all([
      ...this.vendors.map((v) => v.stopIntake()),
      ...[...this.drains.values()].map((d) => d.stopIntake()),
    ]);
  }

  /** Pod shutdown: every vendor drains, gives back what it never sent, and unbinds. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const all = this.vendors;
    const drains = [...this.drains.values()];
    this.runtimes.clear();
    this.drains.clear();
    await Promise.all([
      ...all.map((v) => v.stop('requeue', this.options.drainTimeoutMs)),
      ...drains.map((d) => d.stop()),
    ]);
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
    if (!this.outOfServiceChecked) {
      // Once per process: vendors deactivated or deleted while this pod was
      // not running (or before a restart) may have left MTs behind. A
      // deleted vendor is known from its tombstone (listRetiredVendors).
      await this.drainOutOfService();
      this.outOfServiceChecked = true;
    }
  }

  private async drainOutOfService(): Promise<void> {
    const [inactive, deleted] = await Promise.all([
      listInactiveVendors(this.options.db),
      listRetiredVendors(this.options.db),
    ]);
    for (const vendor of [...inactive, ...deleted]) {
      if (this.drains.has(vendor.id) || this.runtimes.has(vendor.id)) continue;
      // Only the lanes that exist: asserting one for a vendor that never
      // carried traffic would leave an empty queue behind for nothing.
      const lanes: string[] = [];
      for (const queue of [QUEUES.vendorPriority(vendor.id), QUEUES.vendor(vendor.id)]) {
        const exists = await readyCount(this.options.runtime.amqp, queue).then(
          (count) => count !== undefined,
          () => false,
        );
        if (exists) lanes.push(queue);
      }
      if (lanes.length > 0) await this.startDrain(vendor, lanes);
    }
  }

  private async startDrain(
    vendor: {
      readonly id: string;
      readonly defaultAlphabet: VendorConfig['defaultAlphabet'];
      readonly messageIdFormat: VendorConfig['messageIdFormat'];
      readonly receiptMessageIdFormat?: VendorConfig['receiptMessageIdFormat'] | null;
    },
    lanes: readonly string[],
  ): Promise<void> {
    if (this.closed || this.drains.has(vendor.id)) return;
    const drain = new RetiredVendorDrain(
      {
        id: vendor.id,
        defaultAlphabet: vendor.defaultAlphabet,
        messageIdFormat: vendor.messageIdFormat,
        receiptMessageIdFormat: vendor.receiptMessageIdFormat ?? vendor.messageIdFormat,
      },
      this.options.runtime,
    );
    this.drains.set(vendor.id, drain);
    try {
      await drain.start(lanes);
    } catch (err) {
      this.drains.delete(vendor.id);
      this.log.error("cannot drain the out-of-service vendor's queue", {
        vendor_id: vendor.id,
        err,
      });
    }
  }

  private async stopDrain(id: string): Promise<void> {
    const drain = this.drains.get(id);
    if (!drain) return;
    this.drains.delete(id);
    await drain.stop();
  }

  private configOf(vendor: Vendor): VendorConfig | undefined {
    try {
      const config = toVendorConfig(vendor, decryptVendorPassword(vendor, this.options.secretKey));
      if (config.receiptTimeZoneProblem !== undefined) {
        this.log.error(
          "vendor's receipt time zone not understood, its receipt dates are read as UTC",
          {
            vendor_id: vendor.id,
            detail: config.receiptTimeZoneProblem,
          },
        );
      }
      return config;
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
    // Back in service: its queue is sent from again, not handed back.
    await this.stopDrain(vendor.id);
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
    // Both lanes exist: the runtime asserted them when it started.
    await this.startDrain(runtime.config, [QUEUES.vendorPriority(id), QUEUES.vendor(id)]);
  }
}
