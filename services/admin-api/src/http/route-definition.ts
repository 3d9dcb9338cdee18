// One table of routes drives three things: the express handlers, request
// validation, and the OpenAPI document. A route cannot exist without being
// documented, and the document cannot drift from what is validated.
import type { ApiTokenScope } from '@smpp-gateway/db';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { ControlCommandBody } from '../control/control-notifier.js';
import type { AppDeps } from './app-deps.js';

export const HTTP_METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Who may call a route: `read` routes accept read or write tokens, `write` only write tokens. */
export type RouteScope = ApiTokenScope;

export type { ControlCommandBody } from '../control/control-notifier.js';

export interface AuthContext {
  readonly tokenId: string;
  /** Token name: the "who" of audit lines and of `issuedBy` on control commands. */
  readonly tokenName: string;
  readonly scope: ApiTokenScope;
}

export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface ResponseSpec {
  readonly description: string;
  /** Omitted for responses without a body (204). */
  readonly schema?: z.ZodType;
}

export interface HandlerContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly auth: AuthContext;
  readonly deps: AppDeps;
  readonly req: Request;
  readonly res: Response;
  /** Names the affected resource in this request's audit line (mutations). */
  readonly auditResource: (id: string) => void;
  /**
   * Values the route chooses to put in its audit line, as `details` (the line
   * otherwise names the fields a change touched, never their values). Only
   * what is safe to log: amounts and results, never secrets.
   */
  readonly auditDetails: (details: AuditDetails) => void;
  /**
   * Announces commands on `smpp.control` with `issuedBy` = the token name.
   * Call it after the change is committed: pods reload from PostgreSQL when
   * they receive it, so it must not overtake the commit.
   */
  readonly announce: (...commands: ControlCommandBody[]) => Promise<void>;
}

export interface HandlerResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A route with its generic parameters erased, as stored in the table. */
export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly scope: RouteScope;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  readonly announces?: boolean;
  readonly resource?: string;
  readonly handler: (ctx: HandlerContext<unknown, unknown, unknown>) => Promise<HandlerResult>;
}

/** Typed at the definition site (handler sees parsed params/query/body), erased in the table. */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly scope: RouteScope;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  readonly responses: Readonly<Record<number, ResponseSpec>>;
  readonly announces?: boolean;
  readonly resource?: string;
  readonly handler: (
    ctx: HandlerContext<
      P extends z.ZodType ? z.output<P> : undefined,
      Q extends z.ZodType ? z.output<Q> : undefined,
      B extends z.ZodType ? z.output<B> : undefined
    >,
  ) => Promise<HandlerResult>;
}): Route {
  return spec as unknown as Route;
}

export function isMutation(method: HttpMethod): boolean {
  return method !== 'get';
}
