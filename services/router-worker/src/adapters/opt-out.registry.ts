// Subscribers' opt-outs as destination blocks (routing.blocked_destinations,
// origin opt_out): written, then applied by this router before its MO is
// delivered, and announced to the other routers (reload-routing on
// smpp.control). A router that misses the announcement applies the change
// on its timed reload (ROUTER_RELOAD_INTERVAL_MS).
import { clearOptOut, recordOptOut, type Database } from '@smpp-gateway/db';
import { RetryableError, type Logger } from '@smpp-gateway/runtime';
import type { Kysely } from 'kysely';
import type { OptOutRegistry } from '../handlers/ports.js';

export interface OptOutRegistryOptions {
  readonly db: Kysely<Database>;
  /** Reloads this router's routing snapshot (coalesced by the store); false when the load failed. */
  readonly reload: (reason: string) => Promise<boolean>;
  /** Tells every router to reload (resolves on the broker's confirm). */
  readonly announce: () => Promise<void>;
  readonly logger: Logger;
}

export class DatabaseOptOutRegistry implements OptOutRegistry {
  private announcing: Promise<void> | undefined;
  private announceAgain: Promise<void> | undefined;

  constructor(private readonly options: OptOutRegistryOptions) {}

  async apply(
    action: 'opt_out' | 'opt_in',
    customerId: string,
    number: string,
    keyword: string,
  ): Promise<boolean> {
    let changed: boolean;
    try {
      changed =
        action === 'opt_out'
          ? await recordOptOut(this.options.db, { customerId, number, keyword })
          : await clearOptOut(this.options.db, { customerId, number });
    } catch (err) {
      throw new RetryableError(
        `recording the subscriber's ${action === 'opt_out' ? 'opt-out' : 'opt-in'} failed`,
        { cause: err },
      );
    }
    if (!changed) return false;
    if (!(await this.options.reload(action === 'opt_out' ? 'opt-out' : 'opt-in'))) {
      this.options.logger.warn(
        'routing configuration not reloaded after an opt-out change; the timed reload applies it',
        { customer_id: customerId },
      );
    }
    await this.announce().catch((err: unknown) => {
      this.options.logger.warn(
        'other routers not told of an opt-out change; their timed reload applies it',
        { customer_id: customerId, err },
      );
    });
    return true;
  }

  /**
   * A burst of STOPs (a campaign's recipients answering at once) makes one
   * announcement in flight and at most one queued behind it, which covers
   * every change written before it starts.
   */
  private announce(): Promise<void> {
    if (!this.announcing) {
      this.announcing = this.options.announce().finally(() => (this.announcing = undefined));
      return this.announcing;
    }
    this.announceAgain ??= this.announcing
      .catch(() => undefined)
      .then(() => {
        this.announceAgain = undefined;
        return this.announce();
      });
    return this.announceAgain;
  }
}
