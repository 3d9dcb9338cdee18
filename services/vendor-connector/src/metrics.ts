import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The seed's client metrics plus what an operator needs to see pacing,
 * failover and reconnects. Labels are vendor ids (a handful) and small
 * enumerations: never a phone number or a message id.
 */
export function createConnectorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    connections: new Gauge({
      name: 'smpp_client_connections_total',
      help: 'Vendor bind sessions of this pod by state (gauge despite the seed name)',
      labelNames: ['vendor_id', 'status'] as const,
      registers,
    }),
    submits: new Counter({
      name: 'smpp_client_submit_sm_total',
      help: 'submit_sm outcomes: success, failure (an attempt that failed), throttled (resent)',
      labelNames: ['vendor_id', 'status'] as const,
      registers,
    }),
    dlrs: new Counter({
      name: 'smpp_client_dlr_received_total',
      help: 'Vendor delivery receipts published, by receipt stat',
      labelNames: ['vendor_id', 'dlr_status'] as const,
      registers,
    }),
    receiptDatesInFuture: new Counter({
      name: 'vendor_receipt_dates_in_future_total',
      help: "Receipts whose done date lay more than 5 minutes after they arrived (capped at the arrival): the vendor's receipt time zone is wrong",
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'rate_limit_exceeded_total',
      help: "The seed's rate-limit counter, type=vendor here: submit_sm the vendor answered with a throttling status (the PDU is resent after a pause); edge-server counts type=customer",
      labelNames: ['type'] as const,
      registers,
    }),
    throughput: new Gauge({
      name: 'smpp_client_throughput_current',
      help: 'submit_sm accepted by the vendor per second (last second, this pod)',
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    bindAttempts: new Counter({
      name: 'smpp_client_bind_attempts_total',
      help: 'Bind attempts to vendors by outcome (reconnects included)',
      labelNames: ['vendor_id', 'outcome'] as const,
      registers,
    }),
    alerts: new Counter({
      name: 'smpp_client_reconnect_alerts_total',
      help: 'Times a vendor reached the consecutive bind failure alert threshold',
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    submitSeconds: new Histogram({
      name: 'smpp_client_submit_sm_duration_seconds',
      help: 'submit_sm → submit_sm_resp latency',
      labelNames: ['vendor_id'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    handBacks: new Counter({
      name: 'vendor_connector_handbacks_total',
      help: 'Messages handed back to the router for failover',
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    conversions: new Counter({
      name: 'vendor_connector_alphabet_conversions_total',
      help: 'Text converted for a vendor whose default alphabet is Latin-1',
      labelNames: ['vendor_id', 'conversion'] as const,
      registers,
    }),
    duplicatesSuppressed: new Counter({
      name: 'vendor_connector_duplicates_suppressed_total',
      help: 'Redelivered messages the vendor had already accepted (not resent)',
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    mappingFailures: new Counter({
      name: 'vendor_connector_mapping_failures_total',
      help: 'Accepted messages whose receipt mapping could not be written to Redis',
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    mo: new Counter({
      name: 'vendor_connector_mo_received_total',
      help: 'MO messages from vendors published to mo.messages',
      labelNames: ['vendor_id'] as const,
      registers,
    }),
    inboundRefused: new Counter({
      name: 'vendor_connector_inbound_refused_total',
      help: 'deliver_sm/data_sm answered with an error: transient (publish failed) or permanent (unusable)',
      labelNames: ['vendor_id', 'kind'] as const,
      registers,
    }),
    pacerErrors: new Counter({
      name: 'vendor_connector_pacer_redis_errors_total',
      help: "Token bucket calls that failed (pacing fell back to this pod's share)",
      labelNames: ['vendor_id'] as const,
      registers,
    }),
  };
}

export type ConnectorMetrics = ReturnType<typeof createConnectorMetrics>;
