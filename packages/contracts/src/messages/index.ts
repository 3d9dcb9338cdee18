export * from './mt.schema.js';
export * from './inbound.schema.js';
export * from './delivery.schema.js';
export * from './control.schema.js';
