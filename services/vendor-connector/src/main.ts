// The only module with side effects: configuration → start → shutdown wiring.
import { createLogger, loadConfigOrExit, ShutdownManager } from '@smpp-gateway/runtime';
import { configSchema, SERVICE_NAME } from './config.js';
import { startVendorConnector } from './app.js';

const config = loadConfigOrExit(configSchema, SERVICE_NAME);
const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
try {
  const app = await startVendorConnector(config, { logger });
  new ShutdownManager({ logger, readiness: app.readiness, timeoutMs: config.SHUTDOWN_TIMEOUT_MS })
    .register('stop-intake', 'consumers', () => app.stopIntake())
    .register('drain', 'vendors', () => app.drain())
    .register('close', 'connections', () => app.close())
    .listen();
  logger.info('started', { service: SERVICE_NAME, instance_id: config.INSTANCE_ID });
} catch (err) {
  logger.fatal('vendor-connector failed to start', { err });
  process.exit(1);
}
