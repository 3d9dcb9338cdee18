import express, {
  type ErrorRequestHandler,
  type Express,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { Counter, Histogram } from 'prom-client';
import { DataError } from '@smpp-gateway/db';
import { ControlUnavailableError } from '../control/control-notifier.js';
import { apiRoutes } from '../routes/api-routes.js';
import { buildOpenApiDocument } from '../openapi/openapi.document.js';
import { renderDocsPage } from '../openapi/docs-page.js';
import { ApiError, errorBody, fieldProblems, type FieldProblem } from './api-error.js';
import type { AppDeps } from './app-deps.js';
import { dataErrorToApiError } from './data-errors.js';
import { createAuthGuard } from './auth.middleware.js';
import { requestContext, requestContextMiddleware } from './request-context.js';
import { isMutation, type HandlerContext, type Route } from './route-definition.js';

export const API_PREFIX = '/api/v1';
export const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

/** Express path → a regex over the whole path, for the 404-versus-405 decision. */
function pathMatcher(path: string): RegExp {
  const escaped = path
    .split('/')
    .map((segment) =>
      segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

/**
 * The admin REST API plus `/health`, `/ready` and `/metrics` on one express
 * app (the seed serves them all on 8080). Pure construction: nothing listens
 * until the caller does, so tests run it in-process on an ephemeral port.
 */
export function createAdminApp(deps: AppDeps, routes: readonly Route[] = apiRoutes()): Express {
  const log = deps.logger.child({ component: 'http' });
  const audit = deps.logger.child({ component: 'audit' });
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('trust proxy', deps.options.trustProxy);
  // Plain key=value pairs only: no nested objects smuggled through `a[b]=c`.
  app.set('query parser', 'simple');

  const requests = new Counter({
    name: 'admin_http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [deps.registry],
  });
  const duration = new Histogram({
    name: 'admin_http_request_duration_seconds',
    help: 'HTTP request duration by method and route template',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [deps.registry],
  });

  app.use(requestContextMiddleware);
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    res.on('finish', () => {
      const ctx = requestContext(res);
      const labels = { method: req.method, route: ctx.routeLabel };
      requests.inc({ ...labels, status: String(res.statusCode) });
      duration.observe(labels, (performance.now() - ctx.startedAt) / 1000);
      log.debug('request', {
        method: req.method,
        route: ctx.routeLabel,
        status: res.statusCode,
        latency_ms: Math.round(performance.now() - ctx.startedAt),
        request_id: ctx.requestId,
      });
    });
    next();
  });

  // ---- probes and metrics (no token: kubelet and Prometheus) -------------
  const label =
    (name: string): RequestHandler =>
    (_req, res, next) => {
      requestContext(res).routeLabel = name;
      next();
    };
  app.get('/health', label('/health'), (_req, res) => {
    res.json({ status: 'ok', shuttingDown: deps.readiness.isShuttingDown });
  });
  app.get('/ready', label('/ready'), async (_req, res) => {
    const report = await deps.readiness.evaluate();
    res.status(report.ready ? 200 : 503).json({
      status: report.ready ? 'ready' : 'not_ready',
      shuttingDown: report.shuttingDown,
      checks: report.checks,
    });
  });
  app.get('/metrics', label('/metrics'), async (_req, res) => {
    const body = await deps.registry.metrics();
    res.type(deps.registry.contentType).send(body);
  });

  const document = buildOpenApiDocument(routes);
  if (deps.options.docsEnabled) {
    const page = renderDocsPage(routes, document);
    app.get('/docs', label('/docs'), (_req, res) => {
      res.setHeader(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
      );
      res.type('html').send(page);
    });
  }

  // ---- the API ------------------------------------------------------------
  const guard = createAuthGuard({
    tokens: deps.tokens,
    limiter: deps.authLimiter,
    logger: deps.logger,
    registry: deps.registry,
  });
  const jsonBody = express.json({ limit: `${deps.options.bodyLimitKb}kb`, strict: true });
  const api = express.Router();

  api.get('/openapi.json', label(OPENAPI_PATH), guard('read'), (_req, res) => {
    res.json(document);
  });

  for (const route of routes) {
    if (!route.path.startsWith(`${API_PREFIX}/`)) {
      throw new Error(`route ${route.operationId} is outside ${API_PREFIX}`);
    }
    const handlers: RequestHandler[] = [label(route.path)];
    // Before the guard, so a change refused for lack of scope is audited too.
    if (isMutation(route.method)) handlers.push(auditOnFinish(route));
    handlers.push(guard(route.scope));
    if (route.body) handlers.push(requireJson, jsonBody);
    handlers.push(runRoute(route));
    api[route.method](route.path.slice(API_PREFIX.length), ...handlers);
  }
  app.use(API_PREFIX, api);

  // ---- nothing matched ------------------------------------------------------
  const matchers = routes.map((r) => ({ method: r.method, regex: pathMatcher(r.path) }));
  app.use((req: Request) => {
    const allowed = [
      ...new Set(matchers.filter((m) => m.regex.test(req.path)).map((m) => m.method)),
    ];
    if (allowed.length > 0) {
      const allow = allowed.map((m) => m.toUpperCase()).join(', ');
      throw new ApiError(
        405,
        'method_not_allowed',
        `${req.method} is not allowed here (allowed: ${allow})`,
        undefined,
        { allow },
      );
    }
    throw new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`);
  });
  // Four parameters: that is how express recognises an error handler.
  const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
    errorHandlerImpl(err, req, res);
  };
  app.use(errorHandler);
  return app;

  // ---- helpers (closures over deps) -----------------------------------------

  function auditOnFinish(route: Route): RequestHandler {
    return (req, res, next) => {
      // Read now: express restores the parent's params once the route is left.
      const pathId = firstParam(req);
      res.on('finish', () => {
        const ctx = requestContext(res);
        if (!ctx.auth) return;
        const body: unknown = req.body;
        audit.info('audit', {
          actor: ctx.auth.tokenName,
          actor_id: ctx.auth.tokenId,
          action: `${req.method} ${route.path}`,
          operation: route.operationId,
          resource: route.resource,
          resource_id: ctx.auditResourceId ?? pathId,
          // Which fields a change touched, never their values (passwords).
          fields:
            typeof body === 'object' && body !== null && !Array.isArray(body)
              ? Object.keys(body)
              : undefined,
          // Values only where the route chose them (auditDetails).
          details: ctx.auditDetails,
          status: res.statusCode,
          outcome: res.statusCode < 400 ? 'success' : 'refused',
          client_ip: ctx.clientIp,
          request_id: ctx.requestId,
        });
      });
      next();
    };
  }

  function runRoute(route: Route): RequestHandler {
    return async (req, res) => {
      const ctx = requestContext(res);
      const problems: FieldProblem[] = [];
      const parse = (
        location: FieldProblem['location'],
        schema: Route['params'],
        value: unknown,
      ): unknown => {
        if (!schema) return undefined;
        const result = schema.safeParse(value);
        if (result.success) return result.data;
        problems.push(...fieldProblems(location, result.error));
        return undefined;
      };
      const params = parse('params', route.params, req.params);
      const query = parse('query', route.query, req.query);
      const body = parse('body', route.body, req.body);
      if (problems.length > 0) {
        throw new ApiError(400, 'validation_failed', 'the request is invalid', problems);
      }
      if (route.announces && !deps.control.isAvailable) {
        throw new ApiError(
          503,
          'control_unavailable',
          'the message broker is unreachable, so running services could not be told about this change; nothing was changed, retry later',
          { changeSaved: false },
          { 'retry-after': '5' },
        );
      }
      const auth = ctx.auth;
      if (!auth) throw new Error(`route ${route.operationId} ran without authentication`);
      const handlerContext: HandlerContext<unknown, unknown, unknown> = {
        params,
        query,
        body,
        auth,
        deps,
        req,
        res,
        auditResource: (id) => {
          ctx.auditResourceId = id;
        },
        auditDetails: (details) => {
          ctx.auditDetails = { ...ctx.auditDetails, ...details };
        },
        announce: async (...commands) => {
          try {
            await deps.control.announce(commands, auth.tokenName);
          } catch (err) {
            if (!(err instanceof ControlUnavailableError)) throw err;
            log.error('change saved but not announced', {
              operation: route.operationId,
              commands: commands.map((c) => c.type),
              err,
            });
            throw new ApiError(
              503,
              'control_unavailable',
              'the change was saved, but running services could not be told about it; they pick it up at their next reload — repeat the notification with the matching POST /api/v1/admin/reload-* once the broker is back',
              { changeSaved: true, commands: commands.map((c) => c.type) },
            );
          }
        },
      };
      const result = await route.handler(handlerContext);
      for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
      res.status(result.status);
      if (result.body === undefined) res.end();
      else res.json(result.body);
    };
  }

  function errorHandlerImpl(err: unknown, req: Request, res: Response): void {
    const ctx = requestContext(res);
    const apiError = toApiError(err, req.method);
    if (apiError.status >= 500 && !(err instanceof ApiError)) {
      log.error('request failed', {
        err,
        method: req.method,
        route: ctx.routeLabel,
        request_id: ctx.requestId,
      });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(apiError.headers ?? {})) res.setHeader(name, value);
    res.status(apiError.status).json(errorBody(apiError, ctx.requestId));
  }
}

function firstParam(req: Request): string | undefined {
  const values = Object.values(req.params as Record<string, string>);
  return values[0];
}

/** Content-Type must say JSON when a body is sent; an absent body fails validation instead. */
function requireJson(req: Request, _res: Response, next: NextFunction): void {
  const empty =
    req.headers['transfer-encoding'] === undefined &&
    (req.headers['content-length'] === undefined || req.headers['content-length'] === '0');
  if (!empty && req.is('application/json') !== 'application/json') {
    throw new ApiError(
      415,
      'unsupported_media_type',
      'request bodies must be JSON (Content-Type: application/json)',
    );
  }
  next();
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
}

/** Maps what express, body-parser and the repositories throw; anything unknown is a 500 without detail. */
function toApiError(err: unknown, method: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof DataError) return dataErrorToApiError(err, method);
  const type = (err as BodyParserError | null)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'the request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', 'unsupported body encoding or charset');
    case 'request.aborted':
      return new ApiError(400, 'invalid_json', 'the request body was not received completely');
    default:
      return new ApiError(500, 'internal', 'internal error');
  }
}
