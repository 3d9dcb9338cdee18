// Which vendors no vendor-connector pod can reach right now, read from the
// status document the connectors keep in Redis (message-state's
// VendorStatusStore): a vendor is down when every pod that holds a share of
// its binds has its outage breaker open. The MT handler then ranks that
// vendor after the other candidates, so during a carrier outage MTs go to
// the next vendor directly instead of to the dead vendor's queue and back
// (the connector hands each one back at once once its breaker is open: two
// wasted hops per MT for as long as the outage lasts).
//
// Polling is enough: a connector's breaker opens only after BIND_WAIT_MS
// (5 s) without a bind and reports at once, so a poll interval of a second
// adds little; until then the connectors' hand-back covers it, as before.
// Only ever a preference: a stale or failed read leaves every vendor
// eligible, and a vendor that is down is still used when it is the only
// candidate left (its queue keeps the MT until a bind is back).
import type { FleetVendorStatus } from '@smpp-gateway/message-state';
import { PeriodicTask } from '@smpp-gateway/runtime';

export interface VendorStatusSource {
  read(vendorIds: readonly string[]): Promise<Map<string, FleetVendorStatus>>;
}

export interface VendorAvailabilityOptions {
  readonly source: VendorStatusSource;
  /** The vendors routing can choose now (the routing snapshot's rules). */
  readonly vendorIds: () => readonly string[];
  readonly pollMs: number;
  /** Without a successful read for this long, nothing counts as down. Default 5 × pollMs. */
  readonly staleMs?: number;
  readonly now?: () => number;
  /** A vendor became down or reachable again (for the log and the gauge). */
  readonly onChange?: (vendorId: string, down: boolean) => void;
  /** A failed read (Redis down); the next poll retries. */
  readonly onError?: (error: unknown) => void;
}

export class VendorAvailabilityWatcher {
  private readonly down = new Set<string>();
  private readonly now: () => number;
  private readonly staleMs: number;
  private lastReadAt = -Infinity;
  private readonly task: PeriodicTask;

  constructor(private readonly options: VendorAvailabilityOptions) {
    this.now = options.now ?? Date.now;
    this.staleMs = options.staleMs ?? 5 * options.pollMs;
    this.task = new PeriodicTask(() => this.read(), options.pollMs);
  }

  /** Polls every pollMs from now on (the first read follows at once). */
  start(): void {
    this.task.start();
    void this.task.run();
  }

  /** Ends the polling and waits for a read in progress (before Redis is closed). */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Every pod that could send to this vendor reports it unreachable. */
  isDown(vendorId: string): boolean {
    return this.down.has(vendorId);
  }

  /** One read now; concurrent calls share it. Never throws. */
  poll(): Promise<void> {
    return this.task.run();
  }

  private async read(): Promise<void> {
    let statuses: Map<string, FleetVendorStatus>;
    try {
      statuses = await this.options.source.read([...new Set(this.options.vendorIds())]);
    } catch (error) {
      this.options.onError?.(error);
      // Too old to act on: route as if every vendor were reachable.
      if (this.now() - this.lastReadAt > this.staleMs) this.apply(new Map());
      return;
    }
    this.lastReadAt = this.now();
    this.apply(statuses);
  }

  private apply(statuses: ReadonlyMap<string, FleetVendorStatus>): void {
    for (const vendorId of [...this.down]) {
      if (statuses.get(vendorId)?.down === true) continue;
      this.down.delete(vendorId);
      this.options.onChange?.(vendorId, false);
    }
    for (const [vendorId, status] of statuses) {
      if (!status.down || this.down.has(vendorId)) continue;
      this.down.add(vendorId);
      this.options.onChange?.(vendorId, true);
    }
  }
}
