export * from './coalescing-publisher.js';
export { ConfirmTracker } from './confirm-tracker.js';
export * from './connection.js';
export * from './consumer.js';
export * from './errors.js';
export * from './metrics.js';
export * from './publisher.js';
export * from './topology.js';
export { HEADERS, decodeBody, type DecodedBody } from './wire.js';
