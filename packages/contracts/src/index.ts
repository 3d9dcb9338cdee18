// The shared language of the gateway: every message that crosses RabbitMQ, the
// topology it crosses, and the SMPP status codes services answer with.
export * from './common.schema.js';
export * from './messages/index.js';
export * from './catalog.js';
export * from './fast-parse.js';
export * from './topology.js';
export * from './smpp-status.js';
