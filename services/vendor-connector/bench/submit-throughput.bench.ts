// Submits per second to the bundled simulator with this service alone:
// MtRouted published straight to vendor.{id}, the connector submits and
// publishes MtSubmitResult (confirmed) before acking. Measures, for 1 and 4
// binds, the time from the first submit_sm the simulator saw to the last
// confirmed result.
//
//   node --conditions=@smpp-gateway/source --import tsx bench/submit-throughput.bench.ts [messages] [window]
//
// SIM_PORT=<port> uses a simulator running in its own process (e.g.
// `node packages/smsc-simulator/dist/cli.js --port 0 --control-port -1
// --record-limit 0 --receipt-delay 100000000`) so that only the connector and
// the harness share this process; without it the simulator runs in-process.
import { QUEUES } from '@smpp-gateway/contracts';
import { about, createHarness, routed } from '../test/support/harness.js';

const total = Number(process.argv[2] ?? 20_000);
const window = Number(process.argv[3] ?? 50);

async function run(binds: number): Promise<void> {
  const h = await createHarness();
  try {
    const external = process.env.SIM_PORT ? Number(process.env.SIM_PORT) : undefined;
    const sim = external
      ? undefined
      : await h.simulator({ recordLimit: 0, receiptDelayMs: 1_000_000 });
    const vendor = await h.vendor(sim ?? { port: external as number }, {
      maxBinds: binds,
      windowSize: window,
      throughput: 1_000_000,
    });
    await h.connector({ HEALTH_INTERVAL_MS: '30000' });
    const events = await h.collect(QUEUES.events);
    // Warm-up so the binds are up and JIT is warm.
    const warm = Array.from({ length: 500 }, () => routed(vendor.id));
    for (const m of warm) h.publishRouted(m);
    await events.waitFor(500, about(warm), 60_000);

    const messages = Array.from({ length: total }, () => routed(vendor.id));
    const ids = new Set(messages.map((m) => m.messageId));
    const before = sim?.stats().submits.received ?? 0;
    const started = performance.now();
    for (const m of messages) h.publishRouted(m);
    await events.waitFor(total, (e) => ids.has(e.messageId as string), 300_000);
    const seconds = (performance.now() - started) / 1000;
    const seen = sim ? ` (simulator saw ${sim.stats().submits.received - before})` : '';
    console.log(
      `binds=${binds} window=${window} simulator=${sim ? 'in-process' : 'own process'}: ` +
        `${total} messages in ${seconds.toFixed(2)} s → ${(total / seconds).toFixed(0)} submits/s${seen}`,
    );
  } finally {
    await h.close();
  }
}

for (const binds of [1, 4]) await run(binds);
