import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DEFAULT_TOPOLOGY_OPTIONS, QUEUES } from '@smpp-gateway/contracts';
import { createTestEnv, testServers, type TestEnv } from '@smpp-gateway/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AmqpConnection,
  consume,
  ContractPublisher,
  PublishError,
  silentLogger,
  staticTopology,
  topologySetup,
  type Consumer,
} from '../src/index.js';
import { mtSubmitted, waitFor } from './support/messages.js';

const execFileAsync = promisify(execFile);
const topologyOptions = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'quorum' as const };

function nextConnected(connection: AmqpConnection): Promise<void> {
  return new Promise((resolve) => connection.once('connected', resolve));
}

describe('connection loss', () => {
  let env: TestEnv;
  let connection: AmqpConnection;
  let publisher: ContractPublisher;
  let consumer: Consumer;
  const consumed = new Map<string, number>();

  beforeAll(async () => {
    env = await createTestEnv();
    connection = new AmqpConnection({
      url: env.amqp.url,
      name: 'reconnect',
      logger: silentLogger,
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 1_000,
    });
    void connection.addSetup('topology', topologySetup(staticTopology(topologyOptions)));
    await connection.start();
    publisher = await ContractPublisher.open(connection, {
      logger: silentLogger,
      confirmTimeoutMs: 5_000,
    });
    consumer = await consume(
      connection,
      'MtSubmitted',
      QUEUES.mt(0),
      async (m) => {
        consumed.set(m.messageId, (consumed.get(m.messageId) ?? 0) + 1);
        return Promise.resolve();
      },
      { logger: silentLogger },
    );
  });

  afterAll(async () => {
    await consumer.close();
    await publisher.close();
    await connection.close();
    await env.destroy();
  });

  it('rejects every in-flight publish when the socket dies (never a false success), then reconnects', async () => {
    const reconnected = nextConnected(connection);
    const disconnected = new Promise<void>((resolve) =>
      connection.once('disconnected', () => resolve()),
    );
    const messages = Array.from({ length: 200 }, (_, i) => mtSubmitted(`cut-${i}`));
    const results = Promise.allSettled(messages.map((m) => publisher.publish('MtSubmitted', m)));
    // Same tick: the frames sit in the socket buffer, no confirm can have arrived.
    // A reset is what a network failure looks like to the socket (amqplib
    // watches the socket's 'error'/'end'; a silent local destroy would only be
    // noticed by the heartbeat).
    const socket = (
      connection.current as unknown as { connection: { stream: { destroy(err: Error): void } } }
    ).connection.stream;
    socket.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));

    const settled = await results;
    expect(settled.every((r) => r.status === 'rejected')).toBe(true);
    for (const r of settled) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PublishError);
      expect(((r as PromiseRejectedResult).reason as PublishError).kind).toBe('channel_closed');
    }
    await disconnected;
    expect(connection.isConnected).toBe(false);
    // While down, a publish fails fast instead of hanging.
    await expect(publisher.publish('MtSubmitted', mtSubmitted('while-down'))).rejects.toMatchObject(
      {
        kind: 'unavailable',
      },
    );

    await reconnected;
    expect(connection.isConnected).toBe(true);
    await waitFor(() => publisher.isReady && consumer.isConsuming, 'channels reopened');

    const after = Array.from({ length: 50 }, (_, i) => mtSubmitted(`after-${i}`));
    await Promise.all(after.map((m) => publisher.publish('MtSubmitted', m)));
    await waitFor(() => after.every((m) => consumed.has(m.messageId)), 'consumer resumed');
  });

  it('survives the broker closing the connection mid-stream: every confirmed message is consumed', async () => {
    const confirmed: string[] = [];
    const rejected: unknown[] = [];
    let stop = false;
    let reconnections = 0;
    connection.on('connected', () => {
      reconnections += 1;
    });

    // A steady stream of pipelined bursts, so publishes are in flight when the broker cuts us off.
    const stream = (async () => {
      let n = 0;
      while (!stop) {
        const burst = Array.from({ length: 100 }, () => mtSubmitted(`stream-${n++}`));
        await Promise.all(
          burst.map((m) =>
            publisher.publish('MtSubmitted', m).then(
              () => void confirmed.push(m.messageId),
              (err: unknown) => void rejected.push(err),
            ),
          ),
        );
        if (!connection.isConnected) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await waitFor(() => confirmed.length > 500, 'stream under way');
    // Only this test's vhost: never touch other runs or a live stack on the broker.
    await execFileAsync(testServers.rabbitmqctl, [
      '-q',
      'close_all_connections',
      '-p',
      env.amqp.vhost,
      'runtime reconnect test',
    ]);
    await waitFor(() => reconnections >= 1 && connection.isConnected, 'reconnection', 20_000);
    const confirmedAtReconnect = confirmed.length;
    await waitFor(
      () => confirmed.length > confirmedAtReconnect + 500,
      'publishing after reconnect',
      20_000,
    );
    stop = true;
    await stream;

    expect(rejected.length).toBeGreaterThan(0);
    for (const err of rejected) expect(err).toBeInstanceOf(PublishError);
    // No loss: everything the broker confirmed reaches the consumer (perhaps twice: at-least-once).
    await waitFor(
      () => confirmed.every((id) => consumed.has(id)),
      'every confirmed message consumed',
      20_000,
    );
    console.log(
      `[runtime] broker-side close: ${confirmed.length} confirmed, ${rejected.length} rejected as in flight/unavailable, ` +
        `${[...consumed.values()].filter((c) => c > 1).length} redelivered duplicates`,
    );
  });
});
