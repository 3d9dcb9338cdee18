// Publishes of one contract made in the same event-loop turn travel as ONE
// batched AMQP message (ContractPublisher.publishBatch: one frame set, one
// confirm; runtime's consumer unpacks it). Submit results and receipts come
// in bursts — a TCP read holds many submit_sm_resp or deliver_sm — and a
// confirmed publish per message made this service latency-bound at ~2 000/s.
// At low load a turn holds one message, so nothing waits for company and no
// timer adds latency. Every caller still resolves only with the confirm of
// the AMQP message carrying its contract: nothing is acked (queue message,
// deliver_sm_resp) before the broker has it.
import type { ContractInput, ContractName } from '@smpp-gateway/contracts';
import { ContractValidationError, type ContractPublisher } from '@smpp-gateway/runtime';

interface Waiter<N extends ContractName> {
  readonly message: ContractInput<N>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class TurnBatchPublisher<N extends ContractName> {
  private pending: Waiter<N>[] = [];
  private scheduled = false;

  constructor(
    private readonly publisher: ContractPublisher,
    private readonly name: N,
    /** Largest batch: bounds what one unacked message holds at the consumer (its prefetch counts messages). */
    private readonly maxBatch: number,
  ) {}

  publish(message: ContractInput<N>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ message, resolve, reject });
      if (this.pending.length >= this.maxBatch) {
        const full = this.pending;
        this.pending = [];
        void this.send(full);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    void this.send(batch);
  };

  private async send(batch: readonly Waiter<N>[]): Promise<void> {
    try {
      await this.publisher.publishBatch(
        this.name,
        batch.map((w) => w.message),
      );
    } catch (err) {
      if (err instanceof ContractValidationError && batch.length > 1) {
        // Validation is per batch: publish singly so only the offending
        // message fails (its caller turns that into a permanent refusal).
        await Promise.all(batch.map((w) => this.send([w])));
        return;
      }
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve();
  }
}
