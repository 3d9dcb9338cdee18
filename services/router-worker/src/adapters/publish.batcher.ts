// Routed MTs leave as batch messages per vendor queue (CoalescingPublisher:
// one frame set, one confirm and one queue entry for the MTs of an
// event-loop turn, or for those routed while the previous batch to that
// vendor awaited its confirm). Each caller's promise settles with its
// batch's confirm, so acks still follow the broker's verdict.
import { catalog, type ContractInput, type ContractName } from '@smpp-gateway/contracts';
import {
  CoalescingPublisher,
  ContractValidationError,
  describeIssues,
  type CoalescingOptions,
  type ContractPublisher,
} from '@smpp-gateway/runtime';

export class PublishBatcher<N extends ContractName> {
  private readonly coalescing: CoalescingPublisher<N>;

  constructor(
    publisher: ContractPublisher,
    private readonly name: N,
    options: CoalescingOptions,
  ) {
    this.coalescing = new CoalescingPublisher(publisher, name, options);
  }

  /**
   * Resolves when the broker confirmed the batch holding `message`. The
   * message is validated here, alone: one bad message must not sink the
   * batch it would have joined. `routingKey` groups the batch; it must be
   * the catalog's routing key of the message.
   */
  publish(routingKey: string, message: ContractInput<N>): Promise<void> {
    const parsed = catalog[this.name].schema.safeParse(message);
    if (!parsed.success) {
      return Promise.reject(new ContractValidationError(this.name, describeIssues(parsed.error)));
    }
    return this.coalescing.publish(message, routingKey);
  }
}
