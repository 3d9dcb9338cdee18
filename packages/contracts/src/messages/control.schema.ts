import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { envelope } from '../common.schema.js';

/**
 * admin-api (or any operator tool) → every pod (`smpp.control`, fanout): change
 * running behaviour without a restart. Each pod has its own exclusive queue, so
 * every instance of every service sees every command and ignores what is not
 * its business.
 */
export const ControlCommand = z.object({
  ...envelope,
  command: z.discriminatedUnion('type', [
    z.object({ type: z.literal('reload-vendors') }),
    z.object({ type: z.literal('reconnect-vendor'), vendorId: z.string().min(1) }),
    z.object({ type: z.literal('reload-routing') }),
    z.object({ type: z.literal('reload-rates') }),
    z.object({ type: z.literal('reload-tendlc') }),
    z.object({ type: z.literal('invalidate-customer'), customerId: z.string().min(1) }),
  ]),
  /** Who asked (admin token name), for the audit trail in each pod's log. */
  issuedBy: z.string().max(100).default('system'),
});
export type ControlCommand = z.infer<typeof ControlCommand>;
export type ControlCommandType = ControlCommand['command']['type'];

/** A command ready to publish: a fresh message id, stamped `at`. */
export function controlCommandOf(
  command: ControlCommand['command'],
  issuedBy: string,
  at: Date = new Date(),
): ControlCommand {
  return { v: 1, messageId: randomUUID(), occurredAt: at.toISOString(), command, issuedBy };
}
