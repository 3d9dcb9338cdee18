import { z } from 'zod';

/**
 * Machine-readable error codes. Clients branch on `code`, never on `message`
 * (which is for humans and may be reworded).
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'unauthorized',
  'forbidden',
  'too_many_requests',
  'not_found',
  'method_not_allowed',
  'conflict',
  'invalid_reference',
  'still_referenced',
  'invalid_value',
  'control_unavailable',
  'broker_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One field-level problem: where (body, query, params), which field, what is wrong. */
export interface FieldProblem {
  readonly location: 'body' | 'query' | 'params' | 'headers';
  /** Dotted path inside the location, '' for the location itself. */
  readonly path: string;
  readonly message: string;
}

/** An error with a status and a stable code; anything else becomes a 500 with no detail. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

export function notFound(what: string): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

/** The body of every error response. */
export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'ErrorResponse' });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export function errorBody(err: ApiError, requestId: string | undefined): ErrorResponse {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details !== undefined ? { details: err.details } : {}),
      ...(requestId !== undefined ? { requestId } : {}),
    },
  };
}

/** zod issues as field problems. Only paths and messages: never the offending input. */
export function fieldProblems(
  location: FieldProblem['location'],
  error: z.ZodError,
): FieldProblem[] {
  return error.issues.map((issue) => ({
    location,
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}
