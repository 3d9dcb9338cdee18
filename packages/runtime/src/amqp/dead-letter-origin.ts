// Reading a dead letter's headers: the consumer writes them when it gives up
// on a message (consumer.ts), the broker writes its own `x-death` when it
// dead-letters one itself. Whoever looks at dead.letters (the admin API's
// peek and replay, the fault run's summary) reads them here.
import { HEADERS } from './wire.js';

/**
 * Headers a dead-lettering adds (the consumer's, and the broker's own when it
 * dead-letters an expired message or one past its delivery limit); a
 * replayed message goes back without them.
 */
export const DEAD_LETTER_HEADER_NAMES = [
  HEADERS.deadReason,
  HEADERS.deadLetteredAt,
  HEADERS.originalExchange,
  HEADERS.originalRoutingKey,
  HEADERS.originalQueue,
  HEADERS.batchIndex,
  HEADERS.publishId,
  // Attempt counts: a replayed message starts its retry backoff afresh.
  HEADERS.retries,
  HEADERS.deliveryCount,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
] as const;

/** A header value as text (amqplib hands long strings over as strings or Buffers). */
export function headerText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return null;
}

/** Times the message was replayed from dead.letters (`x-replays`; 0 without it). */
export function replaysOf(headers: Readonly<Record<string, unknown>>): number {
  const value = headers[HEADERS.replays];
  const n = typeof value === 'number' ? value : Number(headerText(value) ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

export interface DeadLetterOrigin {
  /** The queue whose consumer (or the broker) dead-lettered it. */
  readonly queue: string | null;
  readonly reason: string | null;
  /** ISO time of the dead-lettering. */
  readonly at: string | null;
}

/**
 * Where a dead letter came from and why. The consumer's own headers when it
 * gave up on the message; otherwise the broker's latest `x-death` entry: a
 * customer's delivery that waited out its queue's TTL unbound ("expired"),
 * a message redelivered past the quorum queue's delivery limit
 * ("delivery_limit"), or rejected without requeue.
 */
export function deadLetterOrigin(headers: Readonly<Record<string, unknown>>): DeadLetterOrigin {
  const deaths = headers['x-death'];
  const latest =
    Array.isArray(deaths) && typeof deaths[0] === 'object' && deaths[0] !== null
      ? (deaths[0] as Record<string, unknown>)
      : undefined;
  const brokerReason = latest ? headerText(latest['reason']) : null;
  const time = latest?.['time'] as { value?: unknown } | undefined;
  const brokerAt =
    typeof time?.value === 'number' ? new Date(time.value * 1000).toISOString() : null;
  return {
    queue:
      headerText(headers[HEADERS.originalQueue]) ?? (latest ? headerText(latest['queue']) : null),
    reason:
      headerText(headers[HEADERS.deadReason]) ?? (brokerReason ? `broker: ${brokerReason}` : null),
    at: headerText(headers[HEADERS.deadLetteredAt]) ?? brokerAt,
  };
}
