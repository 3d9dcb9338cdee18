// The composition root: the only module with side effects at import.
import { createLogger, loadConfigOrExit } from '@smpp-gateway/runtime';
import { startDlrTracker } from './app.js';
import { configSchema, SERVICE_NAME } from './config.js';

const config = loadConfigOrExit(configSchema, SERVICE_NAME);
const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
const tracker = await startDlrTracker(config, { logger, exit: (code) => process.exit(code) });
tracker.shutdown.listen();
logger.info('started', { ops_port: tracker.opsPort, instance_id: config.INSTANCE_ID });
