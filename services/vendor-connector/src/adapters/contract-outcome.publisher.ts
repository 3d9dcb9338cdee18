import type { ContractInput } from '@smpp-gateway/contracts';
import type { ContractPublisher } from '@smpp-gateway/runtime';
import type { InboundPublisher } from '../inbound/inbound.handler.js';
import type { OutcomePublisher } from '../sending/mt-routed.handler.js';
import { TurnBatchPublisher } from './turn-batch.publisher.js';

/**
 * Every publish resolves on the broker's confirm (mandatory, persistent).
 * The per-message hot paths — submit results and receipts — are coalesced per
 * event-loop turn; hand-backs and MOs are rare and go singly.
 */
export class ContractOutcomePublisher implements OutcomePublisher, InboundPublisher {
  private readonly results: TurnBatchPublisher<'MtSubmitResult'>;
  private readonly receipts: TurnBatchPublisher<'VendorReceipt'>;

  constructor(
    private readonly publisher: ContractPublisher,
    maxBatch = 1,
  ) {
    this.results = new TurnBatchPublisher(publisher, 'MtSubmitResult', maxBatch);
    this.receipts = new TurnBatchPublisher(publisher, 'VendorReceipt', maxBatch);
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
