// The only module with side effects: configuration → service → signals.
import { createLogger, loadConfigOrExit, ShutdownManager } from '@smpp-gateway/runtime';
import { SERVICE_NAME, startAdminApi } from './app.js';
import { adminConfigSchema } from './config.js';

const config = loadConfigOrExit(adminConfigSchema, SERVICE_NAME);
const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
const shutdown = new ShutdownManager({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS }).listen();

try {
  const api = await startAdminApi(config, { logger });
  api.registerShutdown(shutdown);
  logger.info('started', { port: api.port, instance_id: config.INSTANCE_ID });
} catch (err) {
  logger.fatal('failed to start', { err });
  process.exit(1);
}
