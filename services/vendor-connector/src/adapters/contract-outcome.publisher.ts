import type { ContractInput } from '@smpp-gateway/contracts';
import type { ContractPublisher } from '@smpp-gateway/runtime';
import type { InboundPublisher } from '../inbound/inbound.handler.js';
import type { OutcomePublisher } from '../sending/mt-routed.handler.js';

/** Every publish resolves on the broker's confirm (mandatory, persistent). */
export class ContractOutcomePublisher implements OutcomePublisher, InboundPublisher {
  constructor(private readonly publisher: ContractPublisher) {}

  async submitted(result: ContractInput<'MtSubmitResult'>): Promise<void> {
    await this.publisher.publish('MtSubmitResult', result);
  }

  async handBack(mt: ContractInput<'MtSubmitted'>): Promise<void> {
    await this.publisher.publish('MtSubmitted', mt);
  }

  async receipt(receipt: ContractInput<'VendorReceipt'>): Promise<void> {
    await this.publisher.publish('VendorReceipt', receipt);
  }

  async mo(mo: ContractInput<'MoReceived'>): Promise<void> {
    await this.publisher.publish('MoReceived', mo);
  }
}
