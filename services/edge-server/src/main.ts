// The only module with side effects at import: configuration → start → shutdown.
import { createLogger, loadConfigOrExit, ShutdownManager } from '@smpp-gateway/runtime';
import { SERVICE_NAME, startEdgeServer } from './app.js';
import { EdgeConfigSchema } from './config.js';

const config = loadConfigOrExit(EdgeConfigSchema, SERVICE_NAME);
const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
const server = await startEdgeServer(config, { logger });
const shutdown = new ShutdownManager({
  logger,
  readiness: server.readiness,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
}).listen();
server.registerShutdown(shutdown);
logger.info('started', {
  smpp_port: server.smppPort,
  tls_port: server.tlsPort,
  ops_port: server.opsPort,
});
