// Isolation for integration tests: every test file gets its own PostgreSQL
// database, its own Redis key prefix and its own RabbitMQ vhost, all talking to
// the real local servers, all removed afterwards. Names carry a timestamp so
// leftovers from a crashed run can be swept by age without touching a live
// stack or a concurrent run.
export * from './test-env.js';
export * from './kannel.box.js';
export * from './tcp.proxy.js';
export * from './prometheus.server.js';
