// The only module with side effects: configuration → start → signals.
import { createLogger, loadConfigOrExit } from '@smpp-gateway/runtime';
import { startRouterWorker } from './app.js';
import { configSchema, SERVICE_NAME } from './config.js';

const config = loadConfigOrExit(configSchema, SERVICE_NAME);
const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });

try {
  const worker = await startRouterWorker(config, {
    logger,
    exit: (code) => process.exit(code),
    listenForSignals: true,
  });
  logger.info('started', {
    instance_id: config.INSTANCE_ID,
    metrics_port: worker.metricsPort,
    prefetch: config.AMQP_PREFETCH,
  });
} catch (err) {
  logger.fatal('start failed', { err });
  process.exit(1);
}
