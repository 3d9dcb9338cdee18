import type { CustomerDelivery, TopologyOptions } from '@smpp-gateway/contracts';
import { DEFAULT_TOPOLOGY_OPTIONS } from '@smpp-gateway/contracts';
import {
  ContractValidationError,
  PublishError,
  type AmqpConnection,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { CustomerDeliveryPublisher } from './customer-delivery.publisher.js';

const topology: TopologyOptions = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' };

/** Counts queue assertions and records every publishBatch; `fail` decides per batch. */
function fakes(fail?: (batch: readonly CustomerDelivery[]) => Error | undefined) {
  const asserted: string[] = [];
  const batches: CustomerDelivery[][] = [];
  const amqp = {
    withChannel: () => {
      asserted.push('assert');
      return Promise.resolve();
    },
  } as unknown as AmqpConnection;
  const publisher = {
    publishBatch: (_name: string, messages: readonly CustomerDelivery[]) => {
      batches.push([...messages]);
      const error = fail?.(messages);
      return error === undefined ? Promise.resolve(messages) : Promise.reject(error);
    },
  } as unknown as ContractPublisher;
  return { amqp, publisher, asserted, batches };
}

function delivery(customerId: string, n: number): CustomerDelivery {
  return { messageId: `m-${customerId}-${n}`, customerId } as unknown as CustomerDelivery;
}

describe('CustomerDeliveryPublisher', () => {
  it('batches one turn per customer and asserts each queue once', async () => {
    const { amqp, publisher, asserted, batches } = fakes();
    const deliveries = new CustomerDeliveryPublisher(amqp, publisher, topology, {
      maxBatch: 50,
      window: 1,
    });
    await deliveries.publishCustomerDelivery(delivery('a', 0));
    batches.length = 0;
    await Promise.all([
      deliveries.publishCustomerDelivery(delivery('a', 1)),
      deliveries.publishCustomerDelivery(delivery('b', 1)),
      deliveries.publishCustomerDelivery(delivery('a', 2)),
    ]);
    expect(batches.map((b) => b.map((d) => d.messageId)).sort()).toEqual([
      ['m-a-1', 'm-a-2'],
      ['m-b-1'],
    ]);
    expect(asserted).toHaveLength(2);
  });

  it('keeps batches within maxBatch', async () => {
    const { amqp, publisher, batches } = fakes();
    const deliveries = new CustomerDeliveryPublisher(amqp, publisher, topology, {
      maxBatch: 2,
      window: 1,
    });
    await Promise.all([1, 2, 3].map((n) => deliveries.publishCustomerDelivery(delivery('a', n))));
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
  });

  it('refuses only the invalid delivery of a batch', async () => {
    const { amqp, publisher } = fakes((batch) =>
      batch.some((d) => d.messageId === 'm-a-2')
        ? new ContractValidationError('CustomerDelivery', ['bad'])
        : undefined,
    );
    const deliveries = new CustomerDeliveryPublisher(amqp, publisher, topology, {
      maxBatch: 50,
      window: 1,
    });
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map((n) => deliveries.publishCustomerDelivery(delivery('a', n))),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('rejects the whole batch when the broker returns it, and asserts the queue again next time', async () => {
    let returned = true;
    const { amqp, publisher, asserted } = fakes(() =>
      returned ? new PublishError('returned', 'no route') : undefined,
    );
    const deliveries = new CustomerDeliveryPublisher(amqp, publisher, topology, {
      maxBatch: 50,
      window: 1,
    });
    const outcomes = await Promise.allSettled(
      [1, 2].map((n) => deliveries.publishCustomerDelivery(delivery('a', n))),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    returned = false;
    await deliveries.publishCustomerDelivery(delivery('a', 3));
    expect(asserted).toHaveLength(2);
  });
});
