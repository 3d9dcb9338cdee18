// Measures edge-server alone: accepted submit_sm/s with 4 binds × window 100
// (publisher confirms on), and submit_sm_resp latency at a fixed 1 000 msg/s.
// The edge runs as its own process; PG/Redis/RabbitMQ are the local servers,
// isolated in a throwaway database / key prefix / vhost.
//
//   node --conditions=@smpp-gateway/source --import tsx bench/submit-throughput.ts [seconds] [queueType]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectSmpp, type SmppSession } from '@smpp-gateway/smpp';
import { createTestEnv } from '@smpp-gateway/testkit';
import { freePort, setUpDatabase } from '../test/edge.harness.js';

const seconds = Number(process.argv[2] ?? 10);
const queueType = process.argv[3] ?? 'classic';
const BINDS = 4;
const WINDOW = 100;

const env = await createTestEnv();
await setUpDatabase(env, {
  bench: {
    name: 'Bench',
    systemId: 'bench',
    password: 'benchpw',
    throughput: 1_000_000,
    maxBinds: 10,
  },
});
const smppPort = await freePort();
const metricsPort = await freePort();
const edge = spawn(
  process.execPath,
  [
    '--conditions=@smpp-gateway/source',
    '--import',
    'tsx',
    fileURLToPath(new URL('../src/main.ts', import.meta.url)),
  ],
  {
    env: {
      ...process.env,
      DATABASE_URL: env.db.url,
      REDIS_URL: env.redis.url,
      REDIS_KEY_PREFIX: env.redis.keyPrefix,
      AMQP_URL: env.amqp.url,
      AMQP_QUEUE_TYPE: queueType,
      SMPP_PORT: String(smppPort),
      SMPP_HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);

async function connectAll(): Promise<SmppSession[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await Promise.all(
        Array.from({ length: BINDS }, () =>
          connectSmpp({
            host: '127.0.0.1',
            port: smppPort,
            bindType: 'transmitter',
            systemId: 'bench',
            password: 'benchpw',
            windowSize: WINDOW,
            maxQueued: 1_000_000,
            enquireLinkIntervalMs: 0,
            responseTimeoutMs: 30_000,
          }),
        ),
      );
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

const submit = (session: SmppSession, i: number) =>
  session.request({
    command: 'submit_sm',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    sourceAddr: '14155550100',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: `4477009${String(i % 100_000).padStart(5, '0')}`,
    registeredDelivery: 1,
    shortMessage: Buffer.from(`bench message ${i}`),
  });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

try {
  const sessions = await connectAll();
  // Warm-up (JIT, connection pools, first confirms).
  await Promise.all(
    sessions.map((s, i) =>
      Promise.all(Array.from({ length: 500 }, (_, j) => submit(s, i * 1000 + j))),
    ),
  );

  // 1. Saturation: every session keeps its window full for `seconds`.
  let accepted = 0;
  let refused = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    sessions.map(async (session, index) => {
      let i = index * 10_000_000;
      const worker = async () => {
        while (performance.now() < until) {
          const resp = await submit(session, i++);
          if (resp.commandStatus === 0) accepted += 1;
          else refused += 1;
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, worker));
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    `saturation (${BINDS} binds × window ${WINDOW}, ${queueType} queues): ${Math.round(accepted / elapsed)} accepted submit_sm/s` +
      ` over ${elapsed.toFixed(1)} s (${accepted} ok, ${refused} refused)`,
  );

  // 2. Latency at a fixed 1 000 msg/s, spread over the binds.
  const latencies: number[] = [];
  const rate = 1_000;
  const total = rate * seconds;
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const session = sessions[n % BINDS]!;
    const sentAt = performance.now();
    inFlight.push(
      submit(session, n).then((resp) => {
        if (resp.commandStatus === 0) latencies.push(performance.now() - sentAt);
      }),
    );
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  console.log(
    `latency at ${rate} msg/s (${latencies.length} ok): p50 ${percentile(latencies, 50).toFixed(2)} ms, ` +
      `p95 ${percentile(latencies, 95).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`,
  );
  await Promise.all(sessions.map((s) => s.close()));
} finally {
  edge.kill('SIGTERM');
  await new Promise((resolve) => edge.once('exit', resolve));
  await env.destroy();
}
