import type { Logger } from '@smpp-gateway/runtime';
import { z } from 'zod';
import { UNKNOWN_QUEUE, type DeadLetterSelection } from '../adapters/dead-letter.queue.js';
import { ApiError, ErrorResponse } from '../http/api-error.js';
import { requestContext } from '../http/request-context.js';
import { defineRoute, type AuditDetails, type Route } from '../http/route-definition.js';

const TAG = 'Dead letters';

/** A peek holds what it looks at unacked for the length of the request. */
const MAX_PEEK = 100;
/** One replay request moves at most this many (each one published and confirmed in turn). */
const MAX_REPLAY = 1_000;
/** One discard request looks at most at this many (like a replay, it parks each one it does not take, confirmed, in turn). */
const MAX_DISCARD = 1_000;

/** The broker cannot be reached: these routes read and write RabbitMQ, not PostgreSQL. */
const BROKER_UNAVAILABLE = {
  description: 'RabbitMQ unreachable (error code broker_unavailable); nothing was moved',
  schema: ErrorResponse,
};

const PeekQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(1)
    .max(MAX_PEEK)
    .default(20)
    .describe(`Dead letters to show, oldest first, 1-${MAX_PEEK}`),
});

/** How many dead letters a replay or a discard looks at, oldest first. */
const deadLetterLimit = (max: number) =>
  z.number({ error: 'must be a number' }).int('must be an integer').min(1).max(max);

/** The filters a replay or a discard takes, `verb` naming what it does to those that match. */
const selectionFilters = (verb: 'Replay' | 'Discard', queueExample: string) => ({
  originalQueue: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(`${verb} only those dead-lettered by this queue (e.g. ${queueExample})`),
  messageId: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe(
      `${verb} only the dead letter(s) with this AMQP message id (the peek shows it); with originalQueue, both must match`,
    ),
});

const ReplayBody = z.strictObject({
  limit: deadLetterLimit(MAX_REPLAY)
    .default(100)
    .describe(`Dead letters to look at, oldest first, 1-${MAX_REPLAY}`),
  ...selectionFilters('Replay', 'dlr.receipts'),
});

const DiscardBody = z.strictObject({
  limit: deadLetterLimit(MAX_DISCARD).describe(
    `Dead letters to look at, oldest first, 1-${MAX_DISCARD}; required, so that no request discards "everything" by default`,
  ),
  ...selectionFilters('Discard', 'deliver.<customer id>'),
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

const DiscardView = z.object({
  examined: z.number().int().min(0),
  discarded: z.number().int().min(0),
  skipped: z.number().int().min(0),
  remaining: z.number().int().min(0),
  byQueue: z
    .record(z.string(), z.number().int().min(0))
    .describe(`Discarded per original queue; \`${UNKNOWN_QUEUE}\` for those with none recorded`),
});

/** What a 503 can promise about the messages the failed request was working on. */
const STILL_THERE = {
  replay: 'every dead letter not reported as replayed is still in the queue',
  discard:
    'the dead letters discarded before the failure are each in the log ("dead letter discarded"); every other one is still in the queue',
} as const;

/**
 * The peek, the replay and the discard do nothing but broker operations, so
 * whatever fails them (the connection down, a channel closed mid-way, a
 * confirm timing out) is the broker being unavailable. Nothing unconfirmed
 * was acked: every dead letter not reported as replayed is still in the
 * queue; a discard logs each message as it acks it.
 */
function brokerUnavailable(
  logger: Logger,
  stillThere: string = STILL_THERE.replay,
): (err: unknown) => never {
  return (err) => {
    logger.warn('dead-letter queue unavailable', { err });
    const detail = err instanceof Error ? err.message : String(err);
    throw new ApiError(
      503,
      'broker_unavailable',
      `the message broker could not be reached (${detail}); ${stillThere}, retry later`,
      undefined,
      { 'retry-after': '5' },
    );
  };
}

/** The dead letters a replay or discard asks for, named in its audit line as it is read. */
function selectionOf(
  body: { limit: number; originalQueue?: string | undefined; messageId?: string | undefined },
  auditResource: (id: string) => void,
  auditDetails: (details: AuditDetails) => void,
): DeadLetterSelection {
  auditResource(body.originalQueue ?? 'all');
  if (body.messageId !== undefined) auditDetails({ message_id: body.messageId });
  return { limit: body.limit, originalQueue: body.originalQueue, messageId: body.messageId };
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
      responses: {
        200: { description: 'The oldest dead letters', schema: PeekView },
        503: BROKER_UNAVAILABLE,
      },
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
        'Oldest first, each published to its original queue (confirmed by the broker) before it leaves dead.letters; consumers see it as redelivered. Those from another queue than `originalQueue`, with another id than `messageId`, or whose queue no longer exists, go to the back of dead.letters unchanged. Fix what made them fail first: a message that fails again is dead-lettered again.',
      scope: 'write',
      resource: 'dead-letters',
      body: ReplayBody,
      responses: {
        200: { description: 'What the replay did', schema: ReplayView },
        503: BROKER_UNAVAILABLE,
      },
      handler: async ({ deps, body, auditResource, auditDetails }) => {
        const result = await deps.deadLetters
          .replay(selectionOf(body, auditResource, auditDetails))
          .catch(brokerUnavailable(deps.logger));
        return { status: 200, body: result };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/dead-letters/discard',
      operationId: 'discardDeadLetters',
      tag: TAG,
      summary: 'Drop dead letters for good',
      description:
        'PERMANENT: each matching dead letter is acked without being published anywhere, and cannot be recovered. Oldest first, at most `limit` (required) and never more than the queue held when the request began; those from another queue than `originalQueue` or with another id than `messageId` go to the back of dead.letters unchanged. Each discarded message is logged at warn (original queue, contract, message id, reason; never the body). Peek first to see what matches.',
      scope: 'write',
      resource: 'dead-letters',
      body: DiscardBody,
      responses: {
        200: { description: 'What the discard did', schema: DiscardView },
        503: BROKER_UNAVAILABLE,
      },
      handler: async ({ deps, body, res, auth, auditResource, auditDetails }) => {
        const result = await deps.deadLetters
          .discard({
            ...selectionOf(body, auditResource, auditDetails),
            actor: auth.tokenName,
            requestId: requestContext(res).requestId,
          })
          .catch(brokerUnavailable(deps.logger, STILL_THERE.discard));
        auditDetails({ discarded: result.discarded, examined: result.examined });
        return { status: 200, body: result };
      },
    }),
  ];
}
