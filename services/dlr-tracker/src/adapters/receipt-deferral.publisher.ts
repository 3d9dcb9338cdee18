import { QUEUES, type VendorReceipt } from '@smpp-gateway/contracts';
import type { ContractPublisher } from '@smpp-gateway/runtime';
import type { ReceiptDeferralPort } from '../handlers/ports.js';

/** Parks a receipt in `dlr.receipts.deferred`; its TTL brings it back to `dlr.receipts`. */
export class ReceiptDeferralPublisher implements ReceiptDeferralPort {
  constructor(private readonly publisher: ContractPublisher) {}

  async defer(receipt: VendorReceipt): Promise<void> {
    await this.publisher.publish('VendorReceipt', receipt, { routingKey: QUEUES.receiptsDeferred });
  }
}
