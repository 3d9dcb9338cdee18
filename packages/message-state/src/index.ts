// Where every message stands, shared by the services that write it
// (edge-server: accepted; dlr-tracker: everything after; vendor-connector: the
// vendor-id mapping) and the ones that read it (edge query_sm, admin API);
// also the vendors' bind status the connectors write and the router reads,
// and the customers' bind leases the edge writes and the admin API counts.
export * from './message-state.schema.js';
export * from './state-keys.js';
export * from './limit-keys.js';
export * from './message-state.store.js';
export * from './message-lookup.js';
export * from './message-aggregate.store.js';
export * from './refused-submits.store.js';
export * from './vendor-status.store.js';
