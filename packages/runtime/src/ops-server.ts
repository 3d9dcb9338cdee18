import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './logger.js';
import type { Readiness } from './readiness.js';

/**
 * One registry per service. Every series carries `service` as a label rather
 * than a name prefix, so the seed's metric names stay exactly as specified and
 * dashboards filter by label.
 */
export function createMetricsRegistry(options: {
  service: string;
  defaultMetrics?: boolean;
}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Something that can declare the process wedged (e.g. a component whose
 * recovery gave up). Returning a string reports it unhealthy with that reason.
 */
export type LivenessCheck = () => string | undefined;

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  readiness: Readiness;
  liveness?: readonly LivenessCheck[];
  logger?: Logger;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/**
 * `/metrics`, `/health` and `/ready` on a plain node:http server.
 *
 * `/health` (liveness) answers 200 whenever the event loop can serve it —
 * including during graceful shutdown: failing liveness then would make the
 * kubelet kill the pod mid-drain and lose the drain. A blocked event loop
 * shows as a probe timeout. It answers 503 only if a registered liveness check
 * reports the process wedged, which a restart can fix.
 *
 * `/ready` answers 200 only while every readiness check passes and shutdown
 * has not begun; the body lists each check either way.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, readiness, logger } = options;
  const liveness = options.liveness ?? [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    switch (path) {
      case '/metrics': {
        const body = await registry.metrics();
        send(res, 200, registry.contentType, body);
        return;
      }
      case '/health': {
        const problems = liveness
          .map((check) => check())
          .filter((p): p is string => p !== undefined);
        sendJson(res, problems.length === 0 ? 200 : 503, {
          status: problems.length === 0 ? 'ok' : 'unhealthy',
          shuttingDown: readiness.isShuttingDown,
          ...(problems.length > 0 ? { problems } : {}),
        });
        return;
      }
      case '/ready': {
        const report = await readiness.evaluate();
        sendJson(res, report.ready ? 200 : 503, {
          status: report.ready ? 'ready' : 'not_ready',
          shuttingDown: report.shuttingDown,
          checks: report.checks,
        });
        return;
      }
      default:
        sendJson(res, 404, { error: 'not found' });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger?.error('ops request failed', { err, path: req.url });
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // Probes are short; do not let idle keep-alive sockets hold close() up.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger?.error('ops server error', { err }));
  const port = (server.address() as AddressInfo).port;
  logger?.info('ops server listening', { port });

  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
