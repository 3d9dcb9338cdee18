import { Counter, Histogram, type Registry } from 'prom-client';

export const PUBLISH_OUTCOMES = [
  'confirmed',
  'nacked',
  'returned',
  'timeout',
  'channel_closed',
  'unavailable',
  'invalid',
] as const;
export type PublishOutcome = (typeof PUBLISH_OUTCOMES)[number];

export const CONSUME_OUTCOMES = ['acked', 'retried', 'dead_lettered'] as const;
export type ConsumeOutcome = (typeof CONSUME_OUTCOMES)[number];

/**
 * Messaging metrics. Labels are the contract name and an outcome only —
 * bounded sets; queue names would grow with customers. Counts are per
 * contract message (a batch of n counts n).
 */
export interface AmqpMetrics {
  readonly published: Counter<'contract'>;
  readonly publishOutcomes: Counter<'contract' | 'outcome'>;
  readonly confirmSeconds: Histogram<'contract'>;
  readonly consumeLag: Histogram<'contract'>;
  readonly consumed: Counter<'contract'>;
  readonly consumeOutcomes: Counter<'contract' | 'outcome'>;
}

const byRegistry = new WeakMap<Registry, AmqpMetrics>();

/** The messaging metrics on `registry`, created on first use (publishers and consumers share them). */
export function amqpMetrics(registry: Registry): AmqpMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: AmqpMetrics = {
    published: new Counter({
      name: 'amqp_published_messages_total',
      help: 'Contract messages handed to the broker',
      labelNames: ['contract'],
      registers,
    }),
    publishOutcomes: new Counter({
      name: 'amqp_publish_outcomes_total',
      help: 'Publish results: confirmed, nacked, returned (unroutable), timeout, channel_closed, unavailable, invalid',
      labelNames: ['contract', 'outcome'],
      registers,
    }),
    confirmSeconds: new Histogram({
      name: 'amqp_publish_confirm_seconds',
      help: 'Time from publish to broker confirm',
      labelNames: ['contract'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    consumeLag: new Histogram({
      name: 'amqp_consume_lag_seconds',
      help: 'Time from publish to the consumer receiving it (one observation per AMQP message, batches included; publisher and consumer clocks)',
      labelNames: ['contract'],
      buckets: [
        0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1, 5, 30, 300,
      ],
      registers,
    }),
    consumed: new Counter({
      name: 'amqp_consumed_messages_total',
      help: 'Contract messages received by consumers',
      labelNames: ['contract'],
      registers,
    }),
    consumeOutcomes: new Counter({
      name: 'amqp_consume_outcomes_total',
      help: 'Consumer results: acked, retried (requeued), dead_lettered',
      labelNames: ['contract', 'outcome'],
      registers,
    }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
