// Submits arriving in the same event-loop turn are published as one batched
// AMQP message per priority (ContractPublisher.publishBatch: one frame set, one
// confirm; consumers unpack it transparently). One confirm per submit caps the
// broker at a few thousand messages/s; batching the turn's submits costs no
// added latency at low load (a turn holds one submit) and removes that cap at
// high load. Every submit still waits for the confirm of the message that
// carries it, so an OK answer is never given for an unconfirmed MT.
import type { ContractInput } from '@smpp-gateway/contracts';
import {
  ContractValidationError,
  PublishError,
  type ContractPublisher,
} from '@smpp-gateway/runtime';
import type { PublishOutcome } from '../handlers/submit.handler.js';

type MtInput = ContractInput<'MtSubmitted'>;

interface Pending {
  readonly message: MtInput;
  readonly resolve: (outcome: PublishOutcome) => void;
}

export interface MtBatchPublisherOptions {
  readonly publisher: ContractPublisher;
  /** Largest batch in one AMQP message. */
  readonly maxBatch?: number;
  readonly onFailure?: (error: unknown, count: number) => void;
}

function outcomeOf(error: unknown): PublishOutcome {
  return error instanceof PublishError && error.kind === 'unavailable' ? 'unavailable' : 'failed';
}

export class MtBatchPublisher {
  private readonly byPriority = new Map<number, Pending[]>();
  private scheduled = false;
  private readonly maxBatch: number;

  constructor(private readonly options: MtBatchPublisherOptions) {
    this.maxBatch = options.maxBatch ?? 100;
  }

  publish(message: MtInput): Promise<PublishOutcome> {
    if (!this.options.publisher.isReady) return Promise.resolve('unavailable');
    return new Promise<PublishOutcome>((resolve) => {
      const priority = message.priority;
      let queue = this.byPriority.get(priority);
      if (!queue) {
        queue = [];
        this.byPriority.set(priority, queue);
      }
      queue.push({ message, resolve });
      if (queue.length >= this.maxBatch) {
        this.byPriority.delete(priority);
        void this.send(queue);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batches = [...this.byPriority.values()];
    this.byPriority.clear();
    for (const batch of batches) void this.send(batch);
  };

  private async send(batch: Pending[]): Promise<void> {
    try {
      await this.options.publisher.publishBatch(
        'MtSubmitted',
        batch.map((p) => p.message),
      );
      for (const p of batch) p.resolve('confirmed');
    } catch (error) {
      if (error instanceof ContractValidationError && batch.length > 1) {
        // One invalid message must not fail its neighbours: publish them one by one.
        await Promise.all(batch.map((p) => this.send([p])));
        return;
      }
      this.options.onFailure?.(error, batch.length);
      const outcome = outcomeOf(error);
      for (const p of batch) p.resolve(outcome);
    }
  }
}
