import type { Logger } from '@smpp-gateway/runtime';
import { z } from 'zod';
import { ApiError } from '../http/api-error.js';
import { defineRoute, type Route } from '../http/route-definition.js';

const TAG = 'Dead letters';

/** A peek holds what it looks at unacked for the length of the request. */
const MAX_PEEK = 100;
/** One replay request moves at most this many (each one published and confirmed in turn). */
const MAX_REPLAY = 1_000;

const PeekQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1)
    .max(MAX_PEEK)
    .default(20)
    .describe(`Dead letters to show, oldest first, 1-${MAX_PEEK}`),
});

const ReplayBody = z.strictObject({
  limit: z
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1)
    .max(MAX_REPLAY)
    .default(100)
    .describe(`Dead letters to look at, oldest first, 1-${MAX_REPLAY}`),
  originalQueue: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('Replay only those dead-lettered by this queue (e.g. dlr.receipts)'),
});

const DeadLetterView = z.object({
  originalQueue: z.string().nullable(),
  contract: z.string().nullable(),
  messageId: z.string().nullable(),
  reason: z.string().nullable(),
  deadLetteredAt: z.string().nullable(),
  batchIndex: z.number().int().nullable(),
  replays: z.number().int().min(0),
  bytes: z.number().int().min(0),
});

const PeekView = z.object({
  queue: z.string(),
  messages: z.number().int().min(0),
  peeked: z.array(DeadLetterView),
});

const ReplayView = z.object({
  examined: z.number().int().min(0),
  replayed: z.number().int().min(0),
  skipped: z.number().int().min(0),
  unroutable: z.number().int().min(0),
  remaining: z.number().int().min(0),
  byQueue: z.record(z.string(), z.number().int().min(0)),
});

/**
 * The peek and the replay do nothing but broker operations, so whatever
 * fails them (the connection down, a channel closed mid-way, a confirm
 * timing out) is the broker being unavailable. Nothing unconfirmed was
 * acked: every dead letter not reported as replayed is still in the queue.
 */
function brokerUnavailable(logger: Logger): (err: unknown) => never {
  return (err) => {
    logger.warn('dead-letter queue unavailable', { err });
    const detail = err instanceof Error ? err.message : String(err);
    throw new ApiError(
      503,
      'broker_unavailable',
      `the message broker could not be reached (${detail}); every dead letter not reported as replayed is still in the queue, retry later`,
      undefined,
      { 'retry-after': '5' },
    );
  };
}

export function deadLetterRoutes(): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/dead-letters',
      operationId: 'peekDeadLetters',
      tag: TAG,
      summary: 'What is in the dead-letter queue, and why',
      description:
        'The oldest dead letters with the queue that gave up on them and its reason (never their bodies), and how many there are. They stay in the queue.',
      scope: 'read',
      query: PeekQuery,
      responses: { 200: { description: 'The oldest dead letters', schema: PeekView } },
      handler: async ({ deps, query }) => {
        const body = await deps.deadLetters.peek(query.limit).catch(brokerUnavailable(deps.logger));
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/dead-letters/replay',
      operationId: 'replayDeadLetters',
      tag: TAG,
      summary: 'Send dead letters back to the queue that gave up on them',
      description:
        'Oldest first, each published to its original queue (confirmed by the broker) before it leaves dead.letters; consumers see it as redelivered. Those from another queue than `originalQueue`, or whose queue no longer exists, go to the back of dead.letters unchanged. Fix what made them fail first: a message that fails again is dead-lettered again.',
      scope: 'write',
      resource: 'dead-letters',
      body: ReplayBody,
      responses: { 200: { description: 'What the replay did', schema: ReplayView } },
      handler: async ({ deps, body, auditResource }) => {
        auditResource(body.originalQueue ?? 'all');
        const result = await deps.deadLetters
          .replay({ limit: body.limit, originalQueue: body.originalQueue })
          .catch(brokerUnavailable(deps.logger));
        return { status: 200, body: result };
      },
    }),
  ];
}
