import type { ControlCommand } from '@smpp-gateway/contracts';

export type ControlCommandBody = ControlCommand['command'];

/** What happened to one announced command. */
export type AnnounceOutcome = 'delivered' | 'no_listeners';

/**
 * Tells every running pod about a change (`smpp.control`, fanout). Pods load
 * their configuration from PostgreSQL at start, so a command nobody hears
 * (no pod running) loses nothing.
 */
export interface ControlNotifier {
  /** False while the broker is unreachable: changes are refused rather than made silently. */
  readonly isAvailable: boolean;
  /** Resolves once the broker confirmed every command; rejects with `ControlUnavailableError`. */
  announce(
    commands: readonly ControlCommandBody[],
    issuedBy: string,
  ): Promise<readonly AnnounceOutcome[]>;
}

export class ControlUnavailableError extends Error {
  override readonly name = 'ControlUnavailableError';
}

/** Drops repeats (two patches touching routing announce one reload-routing). */
export function uniqueCommands(commands: readonly ControlCommandBody[]): ControlCommandBody[] {
  const seen = new Set<string>();
  const out: ControlCommandBody[] = [];
  for (const command of commands) {
    const key = JSON.stringify(command);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(command);
  }
  return out;
}
