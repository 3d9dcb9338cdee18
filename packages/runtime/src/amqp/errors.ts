import type { ContractName } from '@smpp-gateway/contracts';
import type { z } from 'zod';

/** A message failed its contract schema before anything was sent. */
export class ContractValidationError extends Error {
  override readonly name = 'ContractValidationError';
  constructor(
    readonly contract: ContractName,
    readonly problems: readonly string[],
  ) {
    super(`${contract} failed validation: ${problems.join('; ')}`);
  }
}

/**
 * Thrown by a consumer handler when the failure is transient (a dependency
 * is down): the message is requeued after a short delay instead of being
 * dead-lettered.
 */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export const PUBLISH_FAILURES = [
  'nacked',
  'returned',
  'timeout',
  'channel_closed',
  'unavailable',
] as const;
export type PublishFailure = (typeof PUBLISH_FAILURES)[number];

/**
 * The broker did not take responsibility for a message. Whatever the kind,
 * the caller must treat the message as NOT published (e.g. answer the
 * customer with an error); `timeout` and `channel_closed` mean "unknown", the
 * message may still arrive (at-least-once).
 */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly kind: PublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** zod issues as short `path: message` lines, for errors and dead-letter reasons. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map(
    (i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
  );
}
