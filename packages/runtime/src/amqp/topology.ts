import {
  DEFAULT_TOPOLOGY_OPTIONS,
  EXCHANGE_SPECS,
  staticQueues,
  type QueueType,
  type ExchangeSpec,
  type QueueSpec,
  type TopologyOptions,
} from '@smpp-gateway/contracts';
import type { Channel, ChannelModel } from 'amqplib';
import type { AmqpConnection, ConnectionSetup } from './connection.js';

export interface TopologySpec {
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
}

/**
 * Declares exchanges, queues and bindings. Idempotent: asserting what exists
 * with the same arguments is a no-op. A queue that exists with different
 * arguments (e.g. classic vs quorum) fails with PRECONDITION_FAILED and closes
 * the channel: that is a deployment error to fix, never to paper over.
 */
export async function assertTopology(channel: Channel, spec: TopologySpec): Promise<void> {
  for (const exchange of spec.exchanges) {
    await channel.assertExchange(exchange.name, exchange.type, {
      durable: true,
      autoDelete: false,
    });
  }
  for (const queue of spec.queues) {
    await channel.assertQueue(queue.name, {
      durable: queue.durable,
      exclusive: queue.exclusive,
      autoDelete: queue.autoDelete,
      arguments: { ...queue.arguments },
    });
    for (const binding of queue.bindings) {
      await channel.bindQueue(queue.name, binding.exchange, binding.routingKey);
    }
  }
}

/**
 * The topology options of a service, from the shared AMQP variables
 * (envGroups.amqp): every service derives them the same way, so the queue
 * arguments they assert agree.
 */
export function topologyOptionsFrom(config: {
  readonly AMQP_QUEUE_TYPE: QueueType;
  readonly DELIVERY_TTL_MS: number;
  readonly DEFER_DELAY_MS: number;
}): TopologyOptions {
  return {
    ...DEFAULT_TOPOLOGY_OPTIONS,
    queueType: config.AMQP_QUEUE_TYPE,
    deliveryTtlMs: config.DELIVERY_TTL_MS,
    deferDelayMs: config.DEFER_DELAY_MS,
  };
}

/** Every exchange and the queues that exist regardless of configured vendors and customers. */
export function staticTopology(options: TopologyOptions): TopologySpec {
  return { exchanges: EXCHANGE_SPECS, queues: staticQueues(options) };
}

/**
 * A connection setup that asserts `spec` on a short-lived channel after every
 * (re)connect. A function is re-evaluated each time, so topology that grows at
 * runtime (a new vendor's queue) is included after a reconnect.
 */
export function topologySetup(spec: TopologySpec | (() => TopologySpec)): ConnectionSetup {
  return async (model: ChannelModel) => {
    const channel = await model.createChannel();
    // An assertion failure arrives as both a rejected RPC and a channel
    // 'error'; the rejection is what we act on.
    channel.on('error', () => undefined);
    try {
      await assertTopology(channel, typeof spec === 'function' ? spec() : spec);
    } finally {
      await channel.close().catch(() => undefined);
    }
  };
}

/** What a passive check of a queue reports. */
export interface QueueCounts {
  /** Messages ready for delivery (not those delivered and awaiting an ack). */
  readonly ready: number;
  readonly consumers: number;
}

/**
 * Ready messages and consumers of `queue`, or undefined when it does not
 * exist: a passive check on a channel of its own, since the broker closes
 * the channel of a check that fails. Other errors (no connection, a timeout)
 * reject.
 */
export async function queueCounts(
  connection: AmqpConnection,
  queue: string,
): Promise<QueueCounts | undefined> {
  try {
    const { messageCount, consumerCount } = await connection.withChannel(
      (channel) => channel.checkQueue(queue),
      { expectErrors: true },
    );
    return { ready: messageCount, consumers: consumerCount };
  } catch (err) {
    if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 404) {
      return undefined;
    }
    throw err;
  }
}

/** Ready messages in `queue`, or undefined when it does not exist (see queueCounts). */
export async function readyCount(
  connection: AmqpConnection,
  queue: string,
): Promise<number | undefined> {
  return (await queueCounts(connection, queue))?.ready;
}
