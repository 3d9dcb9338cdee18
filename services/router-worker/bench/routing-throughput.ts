// Routing throughput of the router alone: N MtSubmitted are queued first (so
// the publisher's cost is not measured), then one router starts in-process
// and the clock runs until every MtRouted is confirmed on vendor.{id}.
//
//   node --conditions=@smpp-gateway/source --import tsx bench/routing-throughput.ts [N] [--tendlc] [--classic] [--prefetch=300] [--batch=100]
//
// --tendlc sends from a US 10DLC number under a campaign with huge caps, so
// every message also pays the Redis campaign lookup and the cap script.
import { randomUUID } from 'node:crypto';
import {
  DEFAULT_TOPOLOGY_OPTIONS,
  EXCHANGE_SPECS,
  QUEUES,
  staticQueues,
  vendorQueue,
  type ContractInput,
} from '@smpp-gateway/contracts';
import {
  createCampaign,
  createCustomer,
  createDatabase,
  createNumber,
  createVendor,
  DEV_VENDOR_SECRET_KEY,
  migrateToLatest,
  parseSecretKey,
} from '@smpp-gateway/db';
import {
  AmqpConnection,
  assertTopology,
  ContractPublisher,
  silentLogger,
  topologySetup,
} from '@smpp-gateway/runtime';
import { createTestEnv } from '@smpp-gateway/testkit';
import { startRouterWorker } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { routeEverythingTo } from '../test/support/harness.js';

const args = process.argv.slice(2);
const total = Number(args.find((a) => /^\d+$/.test(a)) ?? 20_000);
const tendlc = args.includes('--tendlc');
const queueType = args.includes('--classic') ? ('classic' as const) : ('quorum' as const);
const batchMax = args.find((a) => a.startsWith('--batch='))?.split('=')[1] ?? '100';
const prefetch = args.find((a) => a.startsWith('--prefetch='))?.split('=')[1] ?? '300';
const topology = { ...DEFAULT_TOPOLOGY_OPTIONS, queueType };

const env = await createTestEnv();
const db = createDatabase(env.db.url);
try {
  await migrateToLatest(db);
  const customer = await createCustomer(db, {
    name: 'bench',
    systemId: 'bench',
    password: 'pw',
    throughput: 100_000,
    maxBinds: 10,
  });
  const vendor = await createVendor(
    db,
    {
      instanceName: 'bench-vendor',
      displayName: 'bench',
      host: '127.0.0.1',
      port: 1,
      bindType: 'transceiver',
      systemId: 'v',
      password: 'pw',
      throughput: 100_000,
    },
    parseSecretKey(DEV_VENDOR_SECRET_KEY),
  );
  await routeEverythingTo(db, vendor, 'bench');
  const source = tendlc ? '15125550100' : '447700900001';
  if (tendlc) {
    const campaign = await createCampaign(db, {
      campaignId: 'CBENCH',
      brandId: 'BBENCH',
      brandName: 'bench',
      status: 'ACTIVE',
      tpm: 1_000_000_000,
      brandDailyCap: 1_000_000_000,
    });
    await createNumber(db, {
      number: source,
      numberType: '10dlc',
      customerId: customer.id,
      tendlcCampaignId: campaign.id,
    });
  }

  const probe = new AmqpConnection({
    url: env.amqp.url,
    name: 'bench-probe',
    logger: silentLogger,
  });
  void probe.addSetup(
    'topology',
    topologySetup({ exchanges: EXCHANGE_SPECS, queues: staticQueues(topology) }),
  );
  await probe.start();
  await probe.withChannel((ch) =>
    assertTopology(ch, { exchanges: [], queues: [vendorQueue(vendor.id, topology)] }),
  );
  const publisher = await ContractPublisher.open(probe, { logger: silentLogger });

  const now = new Date().toISOString();
  const message = (): ContractInput<'MtSubmitted'> => ({
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    customerId: customer.id,
    systemId: 'bench',
    source: { addr: source, ton: 1, npi: 1 },
    destination: { addr: '12125550100', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    priority: 0,
    registeredDelivery: 1,
    dataCoding: 0,
    shortMessage: Buffer.from('Your verification code is 123456').toString('base64'),
    segments: 1,
    acceptedAt: now,
  });
  for (let sent = 0; sent < total; sent += 1_000) {
    await Promise.all(
      Array.from({ length: Math.min(1_000, total - sent) }, () =>
        publisher.publish('MtSubmitted', message()),
      ),
    );
  }

  const config = loadConfig({
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    AMQP_URL: env.amqp.url,
    AMQP_QUEUE_TYPE: queueType,
    AMQP_PREFETCH: prefetch,
    ROUTER_PUBLISH_BATCH_MAX: batchMax,
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    INSTANCE_ID: 'bench',
    LOG_LEVEL: 'warn',
  });
  const started = performance.now();
  const router = await startRouterWorker(config, { logger: silentLogger });
  // Counted after the broker's confirm; queue depth would count batch messages, not MTs.
  const routed = router.registry.getSingleMetric('router_routed_total');
  const routedCount = async () =>
    (await routed?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;
  while ((await routedCount()) < total) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  const vendorQueueMessages = await probe.withChannel(
    async (ch) => (await ch.checkQueue(QUEUES.vendor(vendor.id))).messageCount,
  );
  const mem = process.memoryUsage().rss / 1024 / 1024;
  console.log(
    JSON.stringify({
      messages: total,
      mode: tendlc ? '10dlc' : 'plain',
      queue_type: queueType,
      prefetch: Number(prefetch),
      batch_max: Number(batchMax),
      seconds: Number(seconds.toFixed(2)),
      routed_per_second: Math.round(total / seconds),
      rss_mb: Math.round(mem),
      vendor_queue_messages: vendorQueueMessages,
      note: 'includes router startup (connect + config load, ~0.1 s)',
    }),
  );
  await router.stop();
  await publisher.close();
  await probe.close();
} finally {
  await db.destroy();
  await env.destroy();
}
