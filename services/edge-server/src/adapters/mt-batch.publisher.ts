// Submits leave as batch messages per priority (CoalescingPublisher: one
// frame set, one confirm and one queue entry for the submits of an
// event-loop turn, or for those that arrived while the previous batch of the
// priority awaited its confirm). One confirmed AMQP message per submit costs
// more broker and edge CPU than everything else on the hop. Every submit still
// waits for the confirm of the message that carries it, so an OK answer is
// never given for an unconfirmed MT.
import type { ContractInput } from '@smpp-gateway/contracts';
import {
  CoalescingPublisher,
  PublishError,
  throttled,
  type CoalescingOptions,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import type { PublishOutcome } from '../handlers/submit.handler.js';

type MtInput = ContractInput<'MtSubmitted'>;

export interface MtBatchPublisherOptions {
  readonly publisher: ContractPublisher;
  /** Batch size, confirm window and lingering, per priority (default: at most 100 per batch, window 1, no lingering). */
  readonly coalescing?: CoalescingOptions;
  /** Called at most once a second while publishes fail, with how many failed since the last call. */
  readonly onFailure?: (error: unknown, count: number) => void;
}

function outcomeOf(error: unknown): PublishOutcome {
  return error instanceof PublishError && error.kind === 'unavailable' ? 'unavailable' : 'failed';
}

export class MtBatchPublisher {
  private readonly coalescing: CoalescingPublisher<'MtSubmitted'>;

  constructor(private readonly options: MtBatchPublisherOptions) {
    this.coalescing = new CoalescingPublisher(
      options.publisher,
      'MtSubmitted',
      options.coalescing ?? { maxBatch: 100, window: 1 },
    );
  }

  publish(message: MtInput): Promise<PublishOutcome> {
    // Broker unreachable: answer now instead of queueing behind a dead channel.
    if (!this.options.publisher.isReady) return Promise.resolve('unavailable');
    return this.coalescing.publish(message, String(message.priority)).then(
      () => 'confirmed' as const,
      (error: unknown) => {
        this.reportFailure(error);
        return outcomeOf(error);
      },
    );
  }

  // A broker outage fails every submit of a batch at once: one report a
  // second with the count, not one per submit.
  private readonly reportFailure = throttled(1_000, (count, error: unknown) =>
    this.options.onFailure?.(error, count),
  );
}
