// message_queue_depth{priority}: the broker's ready count of each MT queue,
// polled on one short-lived channel. Informational: failures are not errors.
import { PRIORITIES, QUEUES } from '@smpp-gateway/contracts';
import type { AmqpConnection, Logger } from '@smpp-gateway/runtime';
import type { RouterMetrics } from '../metrics.js';

export function startQueueDepthPoller(options: {
  amqp: AmqpConnection;
  metrics: RouterMetrics;
  logger: Logger;
  intervalMs: number;
}): { stop(): void } {
  let polling = false;
  const poll = async () => {
    if (polling || !options.amqp.isConnected) return;
    polling = true;
    try {
      await options.amqp.withChannel(async (channel) => {
        for (const priority of PRIORITIES) {
          const { messageCount } = await channel.checkQueue(QUEUES.mt(priority));
          options.metrics.queueDepth.set({ priority: String(priority) }, messageCount);
        }
      });
    } catch (err) {
      options.logger.debug('queue depth poll failed', { err });
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), options.intervalMs);
  timer.unref();
  void poll();
  return { stop: () => clearInterval(timer) };
}
