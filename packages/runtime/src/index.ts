// Process plumbing shared by every service: configuration, logging, metrics
// and probes, shutdown, and the PostgreSQL/Redis/RabbitMQ connections. Nothing
// here connects or listens on import; each service's main.ts builds what it
// needs and passes it down.
export * from './config.js';
export * from './logger.js';
export {
  maskLongPrefix,
  maskPhone,
  maskUrlCredentials,
  redactFields,
  REDACTED,
} from './log-redaction.js';
export * from './readiness.js';
export * from './ops-server.js';
export * from './shutdown.js';
export * from './postgres.js';
export * from './redis.js';
export { TimeoutError, withTimeout } from './timeout.js';
export { throttled } from './throttle.js';
export { PeriodicJob, PeriodicTask } from './periodic-task.js';
export * from './amqp/index.js';
export * from './service-connections.js';
