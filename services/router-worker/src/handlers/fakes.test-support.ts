// In-memory implementations of the handler ports, for unit tests.
import type { ContractInput, MtSubmitted } from '@smpp-gateway/contracts';
import { Registry } from 'prom-client';
import { createRouterMetrics } from '../metrics.js';
import { RoutingSnapshot, type SnapshotInput } from '../routing/routing-snapshot.js';
import type { Campaign, CapDecision } from '../routing/tendlc.js';
import type {
  CampaignDirectory,
  DeliveryOutbox,
  MtOutbox,
  SnapshotSource,
  TenDlcLimiter,
} from './ports.js';

export class FakeSnapshots implements SnapshotSource {
  refreshes = 0;
  refreshFails = false;
  next: RoutingSnapshot | undefined;

  constructor(public snapshot: RoutingSnapshot) {}

  current(): RoutingSnapshot {
    return this.snapshot;
  }

  refreshAfterMiss(): Promise<{ snapshot: RoutingSnapshot; fresh: boolean }> {
    this.refreshes += 1;
    if (this.refreshFails) return Promise.resolve({ snapshot: this.snapshot, fresh: false });
    if (this.next) this.snapshot = this.next;
    return Promise.resolve({ snapshot: this.snapshot, fresh: true });
  }
}

export function snapshotOf(input: Partial<SnapshotInput>): RoutingSnapshot {
  return new RoutingSnapshot({
    rules: [],
    rates: [],
    customers: [],
    numbers: [],
    loadedAt: new Date(0),
    ...input,
  });
}

export class FakeCampaigns implements CampaignDirectory {
  constructor(public readonly byNumber: Map<string, Campaign> = new Map()) {}
  campaignFor(source: string): Promise<Campaign | undefined> {
    return Promise.resolve(this.byNumber.get(source));
  }
  invalidateAll(): Promise<void> {
    return Promise.resolve();
  }
}

export class FakeLimiter implements TenDlcLimiter {
  calls: { campaignId: string; segments: number }[] = [];
  constructor(public decide: () => CapDecision = () => ({ allow: true })) {}
  consume(campaign: Campaign, segments: number): Promise<CapDecision> {
    this.calls.push({ campaignId: campaign.id, segments });
    return Promise.resolve(this.decide());
  }
}

export class MemoryOutbox implements MtOutbox, DeliveryOutbox {
  readonly routedMessages: ContractInput<'MtRouted'>[] = [];
  readonly failedResults: ContractInput<'MtSubmitResult'>[] = [];
  readonly deferredMessages: MtSubmitted[] = [];
  readonly deliveries: ContractInput<'CustomerDelivery'>[] = [];
  failNext = 0;

  private check(): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(new Error('broker unavailable'));
    }
    return Promise.resolve();
  }
  async routed(m: ContractInput<'MtRouted'>) {
    await this.check();
    this.routedMessages.push(m);
  }
  async failed(r: ContractInput<'MtSubmitResult'>) {
    await this.check();
    this.failedResults.push(r);
  }
  async deferred(m: MtSubmitted) {
    await this.check();
    this.deferredMessages.push(m);
  }
  async deliver(d: ContractInput<'CustomerDelivery'>) {
    await this.check();
    this.deliveries.push(d);
  }
}

export const testMetrics = () => createRouterMetrics(new Registry());
