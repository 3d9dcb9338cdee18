import { controlCommandOf } from '@smpp-gateway/contracts';
import { PublishError, type ContractPublisher, type Logger } from '@smpp-gateway/runtime';
import { Counter, type Registry } from 'prom-client';
import {
  ControlUnavailableError,
  uniqueCommands,
  type AnnounceOutcome,
  type ControlCommandBody,
  type ControlNotifier,
} from '../control/control-notifier.js';

/**
 * `ControlCommand`s through the confirm publisher. The publisher may arrive
 * after the HTTP server is up (the broker can be down at boot); until then,
 * and whenever its channel is down, the notifier reports itself unavailable.
 */
export class AmqpControlNotifier implements ControlNotifier {
  private publisher: ContractPublisher | undefined;
  private readonly outcomes: Counter<'type' | 'outcome'>;
  private readonly log: Logger;

  constructor(options: { logger: Logger; registry: Registry }) {
    this.log = options.logger.child({ component: 'control-notifier' });
    this.outcomes = new Counter({
      name: 'admin_control_commands_total',
      help: 'Control commands announced on smpp.control, by type and outcome (delivered, no_listeners, failed)',
      labelNames: ['type', 'outcome'],
      registers: [options.registry],
    });
  }

  attach(publisher: ContractPublisher): void {
    this.publisher = publisher;
  }

  get isAvailable(): boolean {
    return this.publisher?.isReady ?? false;
  }

  async announce(
    commands: readonly ControlCommandBody[],
    issuedBy: string,
  ): Promise<readonly AnnounceOutcome[]> {
    const publisher = this.publisher;
    if (!publisher) throw new ControlUnavailableError('control publisher is not connected yet');
    const unique = uniqueCommands(commands);
    const results = await Promise.allSettled(
      unique.map((command) => this.publishOne(publisher, command, issuedBy)),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw new ControlUnavailableError('control command was not confirmed by the broker', {
        cause: failed.reason,
      });
    }
    return results.map((r) => (r as PromiseFulfilledResult<AnnounceOutcome>).value);
  }

  private async publishOne(
    publisher: ContractPublisher,
    command: ControlCommandBody,
    issuedBy: string,
  ): Promise<AnnounceOutcome> {
    try {
      await publisher.publish('ControlCommand', controlCommandOf(command, issuedBy));
      this.outcomes.inc({ type: command.type, outcome: 'delivered' });
      this.log.info('control command announced', { command: command.type, issued_by: issuedBy });
      return 'delivered';
    } catch (err) {
      // Mandatory publish on a fanout with no bound queue: no pod is running to
      // hear it, and pods read PostgreSQL when they start, so nothing is lost.
      if (err instanceof PublishError && err.kind === 'returned') {
        this.outcomes.inc({ type: command.type, outcome: 'no_listeners' });
        this.log.warn('control command had no listeners', {
          command: command.type,
          issued_by: issuedBy,
        });
        return 'no_listeners';
      }
      this.outcomes.inc({ type: command.type, outcome: 'failed' });
      this.log.error('control command failed', { command: command.type, err });
      throw err;
    }
  }
}
