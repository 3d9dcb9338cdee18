// The RabbitMQ topology of DESIGN.md §4, in one place. Names are an interface
// between independently deployed services: DO NOT RENAME. Every service asserts
// the parts it uses at boot (assertion is idempotent), so boot order between
// services does not matter.

export const EXCHANGES = {
  /** MT path: customer submits → router → vendor queues. */
  direct: 'smpp.direct',
  /** Receipts, submit results, MO and customer deliveries. */
  dlr: 'smpp.dlr',
  /** Fanout: reload vendors, reconnect a vendor, invalidate caches. */
  control: 'smpp.control',
  /** Dead letters: poison messages with their reason in headers. */
  dead: 'smpp.dead',
} as const;
export type ExchangeName = (typeof EXCHANGES)[keyof typeof EXCHANGES];

export const PRIORITIES = [0, 1, 2, 3] as const;

/**
 * submit_sm priority_flag from which a routed MT takes its vendor's priority
 * lane, `vendor.{id}.priority`, instead of `vendor.{id}`: in GSM 1–3 are the
 * priority levels and 0 is not. vendor-connector consumes both lanes and
 * sends from the priority lane first, so a one-time password does not wait
 * behind a bulk campaign's backlog for the same vendor.
 */
export const PRIORITY_LANE_FROM = 1;

/** Ids that become part of a queue name (vendor ids, customer ids). */
const QUEUE_ID = /^[A-Za-z0-9_-]{1,100}$/;

function checkedId(kind: string, id: string): string {
  if (!QUEUE_ID.test(id)) {
    throw new Error(`${kind} id '${id}' cannot be used in a queue name (allowed: A-Z a-z 0-9 _ -)`);
  }
  return id;
}

/** Queue names; routing keys are the same strings (one binding per queue). */
export const QUEUES = {
  mt: (priority: number) => `mt.messages.${priority}`,
  /** Holding queue for deferred MTs (10DLC caps): expires back into `mt.messages.{p}`. */
  mtDeferred: (priority: number) => `mt.deferred.${priority}`,
  vendor: (vendorId: string) => `vendor.${checkedId('vendor', vendorId)}`,
  /** The vendor's lane for MTs of priority_flag ≥ PRIORITY_LANE_FROM. */
  vendorPriority: (vendorId: string) => `vendor.${checkedId('vendor', vendorId)}.priority`,
  mo: 'mo.messages',
  receipts: 'dlr.receipts',
  /**
   * Holding queue for vendor receipts that arrived before their submit
   * mapping: expires back into `dlr.receipts` (asserted by dlr-tracker).
   */
  receiptsDeferred: 'dlr.receipts.deferred',
  events: 'dlr.events',
  delivery: (customerId: string) => `deliver.${checkedId('customer', customerId)}`,
  dead: 'dead.letters',
  control: (service: string, instanceId: string) =>
    `control.${checkedId('service', service)}.${checkedId('instance', instanceId)}`,
} as const;

export type QueueType = 'quorum' | 'classic';

export interface TopologyOptions {
  /** quorum in production (replicated, survives a broker node); classic allowed in tests. */
  queueType: QueueType;
  /** How long a delivery waits for an unbound customer before it is dead-lettered. */
  deliveryTtlMs: number;
  /** Delay of the 10DLC deferral queues. */
  deferDelayMs: number;
  /**
   * Quorum queues count redeliveries; past this a message is dead-lettered
   * instead of looping forever (e.g. one that crashes its consumer).
   */
  deliveryLimit: number;
}

export const DEFAULT_TOPOLOGY_OPTIONS: TopologyOptions = {
  queueType: 'quorum',
  deliveryTtlMs: 7 * 24 * 60 * 60 * 1000,
  deferDelayMs: 5_000,
  deliveryLimit: 20,
};

/**
 * Default retention of a message's state in Redis (record, vendor-id
 * mappings, receipt lease): a week, like the seed's DLR records. Here
 * rather than in message-state so the shared STATE_TTL_SECONDS variable
 * (runtime) and the stores' default are one value.
 */
export const DEFAULT_STATE_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface ExchangeSpec {
  readonly name: ExchangeName;
  readonly type: 'direct' | 'fanout';
}

export interface BindingSpec {
  readonly exchange: ExchangeName;
  readonly routingKey: string;
}

export interface QueueSpec {
  readonly name: string;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments: Readonly<Record<string, string | number>>;
  readonly bindings: readonly BindingSpec[];
}

export const EXCHANGE_SPECS: readonly ExchangeSpec[] = [
  { name: EXCHANGES.direct, type: 'direct' },
  { name: EXCHANGES.dlr, type: 'direct' },
  { name: EXCHANGES.control, type: 'fanout' },
  { name: EXCHANGES.dead, type: 'fanout' },
];

function durableQueue(
  name: string,
  exchange: ExchangeName,
  options: TopologyOptions,
  extra: Record<string, string | number> = {},
): QueueSpec {
  const args: Record<string, string | number> = {
    'x-queue-type': options.queueType,
    'x-dead-letter-exchange': EXCHANGES.dead,
    ...extra,
  };
  if (options.queueType === 'quorum') {
    args['x-delivery-limit'] = options.deliveryLimit;
    // Quorum queues dead-letter at-most-once unless told otherwise; the
    // deferral queues re-enter the MT path through dead-lettering, so it must
    // be at-least-once, which RabbitMQ only allows with reject-publish
    // overflow (no max-length is set, so reject-publish never triggers).
    args['x-dead-letter-strategy'] = 'at-least-once';
    args['x-overflow'] = 'reject-publish';
  }
  return {
    name,
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: args,
    bindings: [{ exchange, routingKey: name }],
  };
}

/** Queues that exist regardless of which vendors and customers are configured. */
export function staticQueues(options: TopologyOptions): QueueSpec[] {
  const queues: QueueSpec[] = [];
  for (const p of PRIORITIES) {
    queues.push(durableQueue(QUEUES.mt(p), EXCHANGES.direct, options));
    // No consumer: messages sit out the TTL, then dead-letter back into the
    // live MT queue of the same priority.
    queues.push({
      ...durableQueue(QUEUES.mtDeferred(p), EXCHANGES.direct, options, {
        'x-message-ttl': options.deferDelayMs,
        'x-dead-letter-exchange': EXCHANGES.direct,
        'x-dead-letter-routing-key': QUEUES.mt(p),
      }),
    });
  }
  queues.push(durableQueue(QUEUES.mo, EXCHANGES.dlr, options));
  queues.push(durableQueue(QUEUES.receipts, EXCHANGES.dlr, options));
  queues.push(durableQueue(QUEUES.events, EXCHANGES.dlr, options));
  const dead = durableQueue(QUEUES.dead, EXCHANGES.dead, options);
  // The dead-letter queue must not dead-letter into itself.
  const deadArgs: Record<string, string | number> = { 'x-queue-type': options.queueType };
  queues.push({
    ...dead,
    arguments: deadArgs,
    bindings: [{ exchange: EXCHANGES.dead, routingKey: '' }],
  });
  return queues;
}

export function vendorQueue(vendorId: string, options: TopologyOptions): QueueSpec {
  return durableQueue(QUEUES.vendor(vendorId), EXCHANGES.direct, options);
}

export function vendorPriorityQueue(vendorId: string, options: TopologyOptions): QueueSpec {
  return durableQueue(QUEUES.vendorPriority(vendorId), EXCHANGES.direct, options);
}

/** Both lanes of a vendor, the priority lane first. */
export function vendorQueues(vendorId: string, options: TopologyOptions): QueueSpec[] {
  return [vendorPriorityQueue(vendorId, options), vendorQueue(vendorId, options)];
}

/** The queue (and routing key) of a routed MT: its vendor's lane for its priority_flag. */
export function vendorLane(vendorId: string, priority: number): string {
  return priority >= PRIORITY_LANE_FROM ? QUEUES.vendorPriority(vendorId) : QUEUES.vendor(vendorId);
}

/** The spec of `vendorLane`'s queue. */
export function vendorLaneQueue(
  vendorId: string,
  priority: number,
  options: TopologyOptions,
): QueueSpec {
  return priority >= PRIORITY_LANE_FROM
    ? vendorPriorityQueue(vendorId, options)
    : vendorQueue(vendorId, options);
}

export function deliveryQueue(customerId: string, options: TopologyOptions): QueueSpec {
  return durableQueue(QUEUES.delivery(customerId), EXCHANGES.dlr, options, {
    'x-message-ttl': options.deliveryTtlMs,
  });
}

/**
 * `dlr.receipts.deferred`: no consumer; each receipt sits out `delayMs`, then
 * dead-letters back into `dlr.receipts` for another mapping attempt. On quorum
 * queues the expiry dead-lettering is made at-least-once (it is at-most-once by
 * default), which RabbitMQ only allows together with `reject-publish` overflow.
 */
export function receiptRetryQueue(options: TopologyOptions, delayMs: number): QueueSpec {
  const extra: Record<string, string | number> = {
    'x-message-ttl': delayMs,
    'x-dead-letter-exchange': EXCHANGES.dlr,
    'x-dead-letter-routing-key': QUEUES.receipts,
  };
  if (options.queueType === 'quorum') {
    extra['x-dead-letter-strategy'] = 'at-least-once';
    extra['x-overflow'] = 'reject-publish';
  }
  return durableQueue(QUEUES.receiptsDeferred, EXCHANGES.dlr, options, extra);
}

/** One per pod, exclusive: every pod of every service sees every control command. */
export function controlQueue(service: string, instanceId: string): QueueSpec {
  return {
    name: QUEUES.control(service, instanceId),
    durable: false,
    exclusive: true,
    autoDelete: true,
    arguments: { 'x-queue-type': 'classic' },
    bindings: [{ exchange: EXCHANGES.control, routingKey: '' }],
  };
}
