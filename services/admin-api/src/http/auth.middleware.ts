import type { Logger } from '@smpp-gateway/runtime';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, type Registry } from 'prom-client';
import type { AuthFailureLimiter } from '../auth/auth-failure-limiter.js';
import { parseBearer } from '../auth/bearer-token.js';
import type { TokenAuthenticator } from '../auth/token-authenticator.js';
import { ApiError } from './api-error.js';
import { requestContext } from './request-context.js';
import type { AuthContext, RouteScope } from './route-definition.js';

const CHALLENGE = 'Bearer realm="smpp-gateway-admin"';

export const AUTH_FAILURE_REASONS = [
  'missing',
  'malformed',
  'invalid',
  'scope',
  'blocked',
] as const;
export type AuthFailureReason = (typeof AUTH_FAILURE_REASONS)[number];

export interface AuthMiddlewareDeps {
  readonly tokens: TokenAuthenticator;
  readonly limiter: AuthFailureLimiter;
  readonly logger: Logger;
  readonly registry: Registry;
}

/**
 * Builds the per-route guard. Order matters: a blocked address is refused
 * before its token is even looked at (so a blocked attacker learns nothing
 * more), then the token, then the scope. Only tokens that were presented and
 * wrong count as failures; a request without any token is a client
 * misconfiguration, not a guess.
 */
export function createAuthGuard(deps: AuthMiddlewareDeps): (scope: RouteScope) => RequestHandler {
  const log = deps.logger.child({ component: 'auth' });
  const failures = new Counter({
    name: 'admin_auth_failures_total',
    help: 'Rejected API authentications by reason (missing, malformed, invalid, scope, blocked)',
    labelNames: ['reason'],
    registers: [deps.registry],
  });

  async function isBlocked(clientIp: string): Promise<number> {
    try {
      return await deps.limiter.blockedForMs(clientIp);
    } catch (err) {
      // Fail open: the limiter is a brute-force brake; the token check below
      // still guards every route while Redis is away.
      log.warn('auth failure limiter unavailable', { err });
      return 0;
    }
  }

  async function countFailure(clientIp: string, reason: AuthFailureReason): Promise<void> {
    failures.inc({ reason });
    log.warn('authentication failed', { reason, client_ip: clientIp });
    try {
      const blockedMs = await deps.limiter.recordFailure(clientIp);
      if (blockedMs > 0) {
        log.warn('client blocked after repeated authentication failures', {
          client_ip: clientIp,
          blocked_ms: blockedMs,
        });
      }
    } catch (err) {
      log.warn('auth failure limiter unavailable', { err });
    }
  }

  return (scope) =>
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const ctx = requestContext(res);
      const clientIp = ctx.clientIp;
      const blockedMs = await isBlocked(clientIp);
      if (blockedMs > 0) {
        failures.inc({ reason: 'blocked' });
        throw new ApiError(
          429,
          'too_many_requests',
          'too many failed authentications from this address; retry later',
          undefined,
          { 'retry-after': String(Math.ceil(blockedMs / 1000)) },
        );
      }

      const bearer = parseBearer(req.get('authorization'));
      if (bearer.kind === 'missing') {
        failures.inc({ reason: 'missing' });
        throw new ApiError(401, 'unauthorized', 'a bearer token is required', undefined, {
          'www-authenticate': CHALLENGE,
        });
      }
      const token =
        bearer.kind === 'token' ? await deps.tokens.authenticate(bearer.token) : undefined;
      if (!token) {
        await countFailure(clientIp, bearer.kind === 'malformed' ? 'malformed' : 'invalid');
        throw new ApiError(
          401,
          'unauthorized',
          'the bearer token is invalid or revoked',
          undefined,
          {
            'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
          },
        );
      }

      const auth: AuthContext = { tokenId: token.id, tokenName: token.name, scope: token.scope };
      ctx.auth = auth;
      if (scope === 'write' && token.scope !== 'write') {
        failures.inc({ reason: 'scope' });
        log.warn('token lacks the required scope', {
          actor: token.name,
          scope: token.scope,
          required_scope: scope,
          client_ip: clientIp,
        });
        throw new ApiError(
          403,
          'forbidden',
          `this token has scope '${token.scope}'; '${scope}' is required`,
          undefined,
          { 'www-authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"` },
        );
      }
      next();
    };
}
