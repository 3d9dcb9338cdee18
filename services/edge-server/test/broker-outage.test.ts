// The broker goes away under the edge (a TCP proxy in front of RabbitMQ is cut
// or black-holed): submits must be refused, never answered OK, and service
// must come back by itself when the broker does. Then a graceful stop unbinds
// the bound customer.
import { MtSubmitted, QUEUES, SmppStatus } from '@smpp-gateway/contracts';
import { RefusedSubmitsStore } from '@smpp-gateway/message-state';
import { createLogger, silentLogger } from '@smpp-gateway/runtime';
import { connectSmpp, type SmppSession } from '@smpp-gateway/smpp';
import { createTestEnv, TcpProxy, testServers, type TestEnv } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeServer, type EdgeServer } from '../src/app.js';
import { edgeConfig, eventually, getOne, setUpDatabase, submitInit } from './edge.harness.js';

const password = 'pa55word';
let env: TestEnv;
let proxy: TcpProxy;
let edge: EdgeServer;
let session: SmppSession;

const submit = () =>
  session.request(submitInit({ priorityFlag: 0, shortMessage: Buffer.from('outage') }));

beforeAll(async () => {
  env = await createTestEnv();
  await setUpDatabase(env, {
    acme: { name: 'Acme', systemId: 'acme', password, throughput: 1_000, maxBinds: 5 },
  });
  const [host = '127.0.0.1', port = '5672'] = testServers.amqpHost.split(':');
  proxy = await TcpProxy.start({ host, port: Number(port) });
  const amqpUrl = env.amqp.url.replace(testServers.amqpHost, `127.0.0.1:${proxy.port}`);
  edge = await startEdgeServer(
    edgeConfig(env, { AMQP_URL: amqpUrl, AMQP_CONFIRM_TIMEOUT_MS: '1000' }),
    {
      logger: process.env.EDGE_TEST_LOG
        ? createLogger({ service: 'edge-test', level: 'debug' })
        : silentLogger,
    },
  );
  session = await connectSmpp({
    host: '127.0.0.1',
    port: edge.smppPort,
    bindType: 'transceiver',
    systemId: 'acme',
    password,
    enquireLinkIntervalMs: 0,
    responseTimeoutMs: 8_000,
  });
});

afterAll(async () => {
  await edge?.stop();
  await proxy?.close().catch(() => undefined);
  await env?.destroy();
});

describe('broker outage', () => {
  it('answers OK while the broker is there', async () => {
    const resp = await submit();
    expect(resp.commandStatus).toBe(0);
    const raw = await getOne(env.amqp.url, QUEUES.mt(0));
    expect(MtSubmitted.parse(JSON.parse(raw!.content.toString())).messageId).toBe(resp.messageId);
  });

  it('answers ESME_RSYSERR when the confirm never comes', async () => {
    proxy.blackhole(true);
    const resp = await submit();
    expect(resp.commandStatus).toBe(SmppStatus.ESME_RSYSERR);
    expect(resp.messageId).toBe('');
    // Its MT may still reach the queue: the id is recorded for the router to drop.
    const redis = new Redis(env.redis.url, { keyPrefix: env.redis.keyPrefix, db: 0 });
    try {
      const store = new RefusedSubmitsStore({ redis });
      const refused = await eventually(async () => {
        const entries = await store.since(0);
        return entries.length > 0 ? entries : undefined;
      });
      expect(refused).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });

  it('answers ESME_RMSGQFUL/RSYSERR while the broker is gone, then recovers on its own', async () => {
    await proxy.cut();
    const during = await Promise.all(Array.from({ length: 5 }, () => submit()));
    for (const resp of during) {
      expect([SmppStatus.ESME_RMSGQFUL, SmppStatus.ESME_RSYSERR]).toContain(resp.commandStatus);
    }
    expect(during.some((r) => r.commandStatus === SmppStatus.ESME_RMSGQFUL)).toBe(true);
    await proxy.restore();
    const recovered = await eventually(
      async () => {
        const resp = await submit();
        return resp.commandStatus === 0 ? resp : undefined;
      },
      25_000,
      250,
    );
    expect(recovered.messageId).toMatch(/^[0-9a-f-]{36}$/);
  }, 40_000);

  it('unbinds bound customers on a graceful stop', async () => {
    await edge.stop();
    const closed = await session.closed;
    expect(closed.reason).toBe('peer_unbind');
  });
});
