import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuditDetails, AuthContext } from './route-definition.js';

/** Per-request state shared by the middlewares, kept on `res.locals`. */
export interface RequestContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly startedAt: number;
  /** Route template for metrics and logs (bounded), set once a route matched. */
  routeLabel: string;
  auth?: AuthContext;
  auditResourceId?: string;
  auditDetails?: AuditDetails;
}

const KEY = 'smppgwContext';
/** An incoming id is echoed only if it is short and plain (it ends up in logs). */
const INCOMING_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestContext(res: Response): RequestContext {
  const ctx = (res.locals as Record<string, unknown>)[KEY] as RequestContext | undefined;
  if (!ctx) throw new Error('request context middleware is not installed');
  return ctx;
}

export function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get('x-request-id');
  const requestId =
    incoming !== undefined && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  const ctx: RequestContext = {
    requestId,
    // req.ip honours the configured `trust proxy`; the socket address is the fallback.
    clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    startedAt: performance.now(),
    routeLabel: 'unmatched',
  };
  (res.locals as Record<string, unknown>)[KEY] = ctx;
  res.setHeader('x-request-id', requestId);
  next();
}
