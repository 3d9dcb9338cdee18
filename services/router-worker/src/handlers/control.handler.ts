// Control commands from the fanout: reload what changed. Routing, rates,
// vendors and customers live in one snapshot, so any of them reloads it all
// (a few small queries) — simpler than partial reloads and never inconsistent.
import type { ControlCommand } from '@smpp-gateway/contracts';
import { RetryableError, type Logger } from '@smpp-gateway/runtime';
import type { CampaignDirectory } from './ports.js';

export interface ControlHandlerDeps {
  readonly reload: (reason: string) => Promise<boolean>;
  readonly campaigns: CampaignDirectory;
  readonly logger: Logger;
  /**
   * The issuer this router announces its own changes under (opt-outs): it
   * reloaded before announcing, so its own copy of the command is skipped.
   */
  readonly ownIssuer?: string;
}

export function createControlHandler(
  deps: ControlHandlerDeps,
): (cmd: ControlCommand) => Promise<void> {
  return async (cmd) => {
    const { command } = cmd;
    if (deps.ownIssuer !== undefined && cmd.issuedBy === deps.ownIssuer) return;
    switch (command.type) {
      case 'reload-routing':
      case 'reload-rates':
      case 'reload-vendors':
      case 'invalidate-customer': {
        deps.logger.info('control command', { command: command.type, issued_by: cmd.issuedBy });
        // A failed load keeps the previous snapshot and is logged by the
        // store; the periodic reload retries, so the command is not requeued.
        await deps.reload(command.type);
        return;
      }
      case 'reload-tendlc': {
        deps.logger.info('control command', { command: command.type, issued_by: cmd.issuedBy });
        try {
          await deps.campaigns.invalidateAll();
        } catch (err) {
          // Nothing else expires the cache before its TTL: retry the command.
          throw new RetryableError('clearing the 10DLC campaign cache failed', { cause: err });
        }
        return;
      }
      case 'reconnect-vendor':
        return; // vendor-connector's business
    }
  };
}
