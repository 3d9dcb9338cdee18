import type { ContractInput, ContractName } from '@smpp-gateway/contracts';
import {
  ContractValidationError,
  PublishError,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { TurnBatchPublisher } from './turn-batch.publisher.js';

type Receipt = ContractInput<'VendorReceipt'>;

/** Records every publishBatch call; `fail` decides per batch whether the broker refuses it. */
function recordingPublisher(fail?: (batch: readonly Receipt[]) => Error | undefined) {
  const batches: Receipt[][] = [];
  const publisher = {
    publishBatch: (_name: ContractName, messages: readonly Receipt[]) => {
      batches.push([...messages]);
      const error = fail?.(messages);
      return error === undefined ? Promise.resolve(messages) : Promise.reject(error);
    },
  } as unknown as ContractPublisher;
  return { publisher, batches };
}

function receipt(n: number): Receipt {
  return {
    v: 1,
    messageId: `0190a0b0-0000-7000-8000-${String(n).padStart(12, '0')}`,
    occurredAt: '2025-11-26T00:00:00.000Z',
    vendorId: 'vendor-1',
    vendorMessageId: `v${n}`,
    vendorMessageKey: `v${n}`,
    stat: 'DELIVRD',
    receivedAt: '2025-11-26T00:00:00.000Z',
  };
}

describe('TurnBatchPublisher', () => {
  it('sends the publishes of one event-loop turn as one batch and resolves each caller', async () => {
    const { publisher, batches } = recordingPublisher();
    const batcher = new TurnBatchPublisher(publisher, 'VendorReceipt', 50);
    await Promise.all([1, 2, 3].map((n) => batcher.publish(receipt(n))));
    expect(batches.map((b) => b.map((r) => r.vendorMessageId))).toEqual([['v1', 'v2', 'v3']]);
    // A later turn starts a new batch.
    await batcher.publish(receipt(4));
    expect(batches).toHaveLength(2);
  });

  it('never puts more than maxBatch messages in one batch', async () => {
    const { publisher, batches } = recordingPublisher();
    const batcher = new TurnBatchPublisher(publisher, 'VendorReceipt', 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.publish(receipt(n))));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('on a validation failure publishes singly, so only the invalid message is refused', async () => {
    const { publisher, batches } = recordingPublisher((batch) =>
      batch.some((r) => r.vendorMessageId === 'v2')
        ? new ContractValidationError('VendorReceipt', ['bad'])
        : undefined,
    );
    const batcher = new TurnBatchPublisher(publisher, 'VendorReceipt', 50);
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => batcher.publish(receipt(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ContractValidationError);
    expect(batches.map((b) => b.length)).toEqual([3, 1, 1, 1]);
  });

  it('rejects every caller of a batch the broker did not confirm', async () => {
    const { publisher } = recordingPublisher(() => new PublishError('nacked', 'broker nacked'));
    const batcher = new TurnBatchPublisher(publisher, 'VendorReceipt', 50);
    const outcomes = await Promise.allSettled([1, 2].map((n) => batcher.publish(receipt(n))));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });
});
