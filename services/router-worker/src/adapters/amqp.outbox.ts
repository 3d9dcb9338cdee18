// Publishing for the handlers: confirmed, mandatory, and with the dynamic
// queues (vendor.{id}, deliver.{id}) asserted once per id before their first
// publish. Broker trouble becomes RetryableError (the input is requeued, the
// message is never dropped); an invalid message stays a hard error.
import {
  deliveryQueue,
  QUEUES,
  vendorLaneQueue,
  type ContractInput,
  type ContractName,
  type MtSubmitted,
  type QueueSpec,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import {
  assertTopology,
  CoalescingPublisher,
  PublishError,
  RetryableError,
  type AmqpConnection,
  type CoalescingOptions,
  type ContractPublisher,
  type PublishOptions,
} from '@smpp-gateway/runtime';
import type { DeliveryOutbox, MtOutbox } from '../handlers/ports.js';

/** Asserts each dynamic queue once per process; concurrent first publishes share one assertion. */
export class DynamicQueues {
  private readonly asserted = new Map<string, Promise<void>>();

  constructor(private readonly amqp: AmqpConnection) {}

  ensure(spec: QueueSpec): Promise<void> {
    let pending = this.asserted.get(spec.name);
    if (!pending) {
      pending = this.amqp.withChannel((channel) =>
        assertTopology(channel, { exchanges: [], queues: [spec] }),
      );
      this.asserted.set(spec.name, pending);
      pending.catch(() => this.asserted.delete(spec.name));
    }
    return pending;
  }

  /** The broker says the queue is gone (deleted by an operator): assert it again next time. */
  forget(name: string): void {
    this.asserted.delete(name);
  }
}

export class AmqpOutbox implements MtOutbox, DeliveryOutbox {
  /** Routed MTs, the hot path, go out in batches per vendor queue. */
  private readonly routedBatcher: CoalescingPublisher<'MtRouted'>;

  constructor(
    private readonly publisher: ContractPublisher,
    private readonly queues: DynamicQueues,
    private readonly topology: TopologyOptions,
    coalescing: CoalescingOptions,
  ) {
    // No validation of its own: a batch that fails it is republished singly
    // by the coalescer, so one bad MT never sinks its neighbours.
    this.routedBatcher = new CoalescingPublisher(publisher, 'MtRouted', coalescing);
  }

  async routed(message: ContractInput<'MtRouted'>): Promise<void> {
    // Each priority_flag has its vendor lane: priority MTs do not queue
    // behind a bulk backlog (see PRIORITY_LANE_FROM).
    const spec = vendorLaneQueue(message.vendorId, message.priority, this.topology);
    await this.ensure(spec);
    await this.guard(spec, () => this.routedBatcher.publish(message, spec.name));
  }

  async failed(result: ContractInput<'MtSubmitResult'>): Promise<void> {
    await this.send('MtSubmitResult', result);
  }

  async deferred(message: MtSubmitted): Promise<void> {
    await this.send('MtSubmitted', message, { routingKey: QUEUES.mtDeferred(message.priority) });
  }

  async deliver(delivery: ContractInput<'CustomerDelivery'>): Promise<void> {
    await this.toDynamic(
      deliveryQueue(delivery.customerId, this.topology),
      'CustomerDelivery',
      delivery,
    );
  }

  private async toDynamic<N extends ContractName>(
    spec: QueueSpec,
    name: N,
    message: ContractInput<N>,
  ) {
    await this.ensure(spec);
    await this.guard(spec, () => this.publisher.publish(name, message));
  }

  private async ensure(spec: QueueSpec): Promise<void> {
    try {
      await this.queues.ensure(spec);
    } catch (err) {
      throw new RetryableError(`asserting queue ${spec.name} failed`, { cause: err });
    }
  }

  /** A publish to a dynamic queue; "returned" (the queue is gone) makes the next attempt assert it again. */
  private async guard(spec: QueueSpec, publish: () => Promise<unknown>): Promise<void> {
    try {
      await publish();
    } catch (err) {
      if (err instanceof PublishError) {
        if (err.kind === 'returned') this.queues.forget(spec.name);
        throw new RetryableError(`publishing to ${spec.name} failed (${err.kind})`, { cause: err });
      }
      throw err;
    }
  }

  private async send<N extends ContractName>(
    name: N,
    message: ContractInput<N>,
    options?: PublishOptions,
  ) {
    try {
      await this.publisher.publish(name, message, options);
    } catch (err) {
      if (err instanceof PublishError) {
        throw new RetryableError(`publishing ${name} failed (${err.kind})`, { cause: err });
      }
      throw err;
    }
  }
}
