// The router's series. Labels are bounded sets: rule names, vendor ids,
// reasons, caps and outcomes — never a number or a message id.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export const MO_OUTCOMES = ['delivered', 'reassembled', 'timed_out', 'unknown_number'] as const;
export type MoOutcome = (typeof MO_OUTCOMES)[number];

export interface RouterMetrics {
  readonly routingDuration: Histogram<'route'>;
  readonly queueDepth: Gauge<'priority'>;
  readonly queueMessagesReady: Gauge<'queue'>;
  readonly rejections: Counter<'reason'>;
  readonly routed: Counter<'vendor_id'>;
  readonly vendorDown: Gauge<'vendor_id'>;
  readonly deferred: Counter<'cap'>;
  readonly refusedDropped: Counter;
  readonly mo: Counter<'outcome'>;
  readonly moArchived: Counter<'outcome'>;
  readonly optOuts: Counter<'action' | 'outcome'>;
  readonly moPartsHeld: Gauge;
  readonly reloads: Counter<'outcome'>;
  readonly configLoadedAt: Gauge;
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  const registers = [registry];
  return {
    routingDuration: new Histogram({
      name: 'message_routing_duration_seconds',
      help: 'MT handling in the router, from delivery to the confirmed publish, by rule name (unrouted for failures)',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'message_queue_depth',
      help: 'Messages ready in mt.messages.{priority}, polled from the broker',
      labelNames: ['priority'],
      registers,
    }),
    queueMessagesReady: new Gauge({
      name: 'amqp_queue_messages_ready',
      help: "Messages ready in each queue of the message path (MT, 10DLC holding, MO, submit results, receipts, dead.letters, the routing rules' vendor queues), polled from the broker",
      labelNames: ['queue'],
      registers,
    }),
    rejections: new Counter({
      name: 'router_rejections_total',
      help: 'MTs failed by the router: no_route, no_rate, tendlc_rejected, vendors_exhausted, expired (validity period ended before it was sent), blocked (a destination block)',
      labelNames: ['reason'],
      registers,
    }),
    routed: new Counter({
      name: 'router_routed_total',
      help: 'MTs routed to a vendor queue',
      labelNames: ['vendor_id'],
      registers,
    }),
    vendorDown: new Gauge({
      name: 'router_vendor_down',
      help: 'Vendors no vendor-connector can reach now (every pod that binds to it has its outage breaker open): 1 while MTs are routed to the other candidates first',
      labelNames: ['vendor_id'],
      registers,
    }),
    deferred: new Counter({
      name: 'router_deferred_total',
      help: 'MTs deferred: over a 10DLC cap (campaign_tpm, brand_daily) or 10DLC state unavailable (unavailable)',
      labelNames: ['cap'],
      registers,
    }),
    refusedDropped: new Counter({
      name: 'router_refused_dropped_total',
      help: 'MTs dropped because edge-server had answered their submit with ESME_RSYSERR (the confirm never came, the broker kept the MT)',
      registers,
    }),
    mo: new Counter({
      name: 'router_mo_total',
      help: 'MO results: delivered, reassembled (one per long message), timed_out (parts delivered alone), unknown_number',
      labelNames: ['outcome'],
      registers,
    }),
    moArchived: new Counter({
      name: 'router_mo_archived_total',
      help: 'MO parts written to the MO archive (messaging.mo_messages): written, or failed (the MO is retried, not delivered unarchived)',
      labelNames: ['outcome'],
      registers,
    }),
    optOuts: new Counter({
      name: 'router_opt_outs_total',
      help: "Subscribers' opt-out and opt-in keywords (action) by outcome: recorded (the customer's block of the number added or lifted), unchanged (already so), not_a_number (an alphanumeric source)",
      labelNames: ['action', 'outcome'],
      registers,
    }),
    moPartsHeld: new Gauge({
      name: 'router_mo_parts_held',
      help: 'MO parts held unacknowledged while their long message is reassembled',
      registers,
    }),
    reloads: new Counter({
      name: 'router_config_reloads_total',
      help: 'Loads of rules, rates, customers and numbers from PostgreSQL: ok or failed',
      labelNames: ['outcome'],
      registers,
    }),
    configLoadedAt: new Gauge({
      name: 'router_config_loaded_timestamp_seconds',
      help: 'When the routing configuration in use was loaded (alert when it grows old)',
      registers,
    }),
  };
}
