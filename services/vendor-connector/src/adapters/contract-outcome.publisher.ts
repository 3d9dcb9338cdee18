import type { ContractInput } from '@smpp-gateway/contracts';
import {
  CoalescingPublisher,
  type CoalescingOptions,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import type { InboundPublisher } from '../inbound/inbound.handler.js';
import type { OutcomePublisher } from '../sending/mt-routed.handler.js';

/**
 * Every publish resolves on the broker's confirm (mandatory, persistent).
 * The per-message hot paths — submit results and receipts — are coalesced
 * into batch messages (per event-loop turn, and while the previous batch
 * awaits its confirm: see CoalescingPublisher); hand-backs and MOs are rare
 * and go singly.
 */
export class ContractOutcomePublisher implements OutcomePublisher, InboundPublisher {
  private readonly results: CoalescingPublisher<'MtSubmitResult'>;
  private readonly receipts: CoalescingPublisher<'VendorReceipt'>;

  constructor(
    private readonly publisher: ContractPublisher,
    coalescing: CoalescingOptions = { maxBatch: 1, window: 0 },
  ) {
    this.results = new CoalescingPublisher(publisher, 'MtSubmitResult', coalescing);
    this.receipts = new CoalescingPublisher(publisher, 'VendorReceipt', coalescing);
  }

  submitted(result: ContractInput<'MtSubmitResult'>): Promise<void> {
    return this.results.publish(result);
  }

  async handBack(mt: ContractInput<'MtSubmitted'>): Promise<void> {
    await this.publisher.publish('MtSubmitted', mt);
  }

  receipt(receipt: ContractInput<'VendorReceipt'>): Promise<void> {
    return this.receipts.publish(receipt);
  }

  async mo(mo: ContractInput<'MoReceived'>): Promise<void> {
    await this.publisher.publish('MoReceived', mo);
  }
}
