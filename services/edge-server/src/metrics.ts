// The edge's metrics: the seed's names, labels bounded by accounts, bind
// types, outcomes and statuses; never a phone number, message id or session id.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function createEdgeMetrics(registry: Registry) {
  const registers = [registry];
  return {
    activeSessions: new Gauge({
      name: 'smpp_server_active_sessions_total',
      help: 'Bound customer SMPP sessions on this pod',
      labelNames: ['bind_type'] as const,
      registers,
    }),
    connections: new Gauge({
      name: 'smpp_server_connections',
      help: 'Open customer TCP/TLS connections on this pod, bound or not',
      labelNames: ['listener'] as const,
      registers,
    }),
    bindRequests: new Counter({
      name: 'smpp_server_bind_requests_total',
      help: 'Bind requests by outcome',
      labelNames: ['status'] as const,
      registers,
    }),
    bindLockouts: new Counter({
      name: 'smpp_server_bind_lockouts_total',
      help: 'Source IPs locked out after repeated failed binds',
      registers,
    }),
    submits: new Counter({
      name: 'smpp_server_submit_sm_total',
      help: 'submit_sm/data_sm answered, by customer and outcome',
      labelNames: ['customer_id', 'status'] as const,
      registers,
    }),
    submitSegments: new Counter({
      name: 'smpp_server_submit_segments_total',
      help: 'Segments accepted (answered ESME_ROK), by customer',
      labelNames: ['customer_id'] as const,
      registers,
    }),
    submitLatency: new Histogram({
      name: 'smpp_server_submit_sm_duration_seconds',
      help: 'submit_sm received → submit_sm_resp written (includes the broker confirm)',
      labelNames: ['status'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    deliveries: new Counter({
      name: 'smpp_server_deliver_sm_total',
      help: 'deliver_sm sent to customers; vendor_id is the MO vendor, "none" for receipts',
      labelNames: ['vendor_id', 'kind', 'outcome'] as const,
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'smpp_server_deliver_sm_duration_seconds',
      help: 'deliver_sm sent → deliver_sm_resp received',
      labelNames: ['kind'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    deliveryConsumers: new Gauge({
      name: 'smpp_server_delivery_consumers',
      help: 'deliver.{customer} queues this pod consumes',
      registers,
    }),
    customerDeliveries: new Counter({
      name: 'smpp_server_customer_deliveries_total',
      help: 'deliver_sm per customer by outcome (per-session throughput, aggregated per customer)',
      labelNames: ['customer_id', 'outcome'] as const,
      registers,
    }),
    sessionErrors: new Counter({
      name: 'smpp_server_session_errors_total',
      help: 'Session problems (malformed PDUs, handler errors/timeouts, ...) per customer; "unbound" before a bind',
      labelNames: ['customer_id', 'issue'] as const,
      registers,
    }),
    sessionsClosed: new Counter({
      name: 'smpp_server_sessions_closed_total',
      help: 'Customer connections closed, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rate_limit_exceeded_total',
      help: 'Requests refused by a rate limit',
      labelNames: ['type'] as const,
      registers,
    }),
    accountStale: new Counter({
      name: 'smpp_server_account_stale_total',
      help: 'Account lookups answered from an expired cache entry because PostgreSQL could not be read',
      registers,
    }),
    redisFallbacks: new Counter({
      name: 'smpp_server_redis_fallbacks_total',
      help: 'Redis calls that failed and fell back to local state (fail open)',
      labelNames: ['operation'] as const,
      registers,
    }),
    tlsReloads: new Counter({
      name: 'smpp_server_tls_reloads_total',
      help: 'Certificate directory reloads, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    tlsCertificateExpiry: new Gauge({
      name: 'smpp_server_tls_certificate_expiry_timestamp_seconds',
      help: 'notAfter (Unix seconds) of each certificate the SMPP TLS listener serves, to alert before it lapses',
      labelNames: ['certificate'] as const,
      registers,
    }),
  };
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
