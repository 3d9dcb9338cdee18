// Root benchmark: the raw SMPP ceiling of this machine. Starts the SMSC
// simulator as a child process on ephemeral ports (so the generator's and
// the simulator's CPU are measured apart), runs the load generator through
// the scenarios below against it, prints one table and writes
// bench-results/bench-<timestamp>.json. Run after `pnpm build`:
//
//   node scripts/bench.mjs [--count 50000] [--duration 10] [--scenarios 1x1,1x10,1x100,4x100] [--receipts 1]
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeBenchResults } from './proc-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runLoad } = await import('../packages/load-generator/dist/index.js');

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: process.env.BENCH_COUNT ?? '50000' },
    duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '10' },
    scenarios: { type: 'string', default: process.env.BENCH_SCENARIOS ?? '1x1,1x10,1x100,4x100' },
    receipts: { type: 'string', default: process.env.BENCH_RECEIPTS ?? '1' },
    'receipt-delay': { type: 'string', default: '10' },
  },
});
const scenarios = values.scenarios.split(',').map((text) => {
  const match = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`scenario ${text} is not <binds>x<window>`);
  return { name: text.trim(), binds: Number(match[1]), windowSize: Number(match[2]) };
});

function startSimulator() {
  const child = spawn(
    process.execPath,
    [
      join(root, 'packages/smsc-simulator/dist/cli.js'),
      '--port',
      '0',
      '--control-port',
      '0',
      '--status-interval',
      '0',
      '--account',
      'bench:bench:64',
      '--receipt-delay',
      values['receipt-delay'],
      '--record-limit',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk) => {
      buffered += chunk.toString();
      const match = /smpp=([\d.]+):(\d+) control=([\d.]+):(\d+)/.exec(buffered);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({
          child,
          host: match[1],
          port: Number(match[2]),
          control: `http://${match[3]}:${match[4]}`,
        });
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`simulator exited early with code ${code}`)));
  });
}

async function simulatorProcess(control) {
  const response = await fetch(`${control}/status`);
  const status = await response.json();
  return status.process;
}

const sim = await startSimulator();
const results = [];
try {
  console.log(
    `node ${process.version}, ${cpus().length} CPUs, simulator pid ${sim.child.pid} on ${sim.host}:${sim.port}; ` +
      `${values.count} messages or ${values.duration} s per scenario, receipts ${values.receipts}`,
  );
  for (const scenario of scenarios) {
    const before = await simulatorProcess(sim.control);
    const report = await runLoad({
      host: sim.host,
      port: sim.port,
      systemId: 'bench',
      password: 'bench',
      binds: scenario.binds,
      windowSize: scenario.windowSize,
      count: Number(values.count),
      durationMs: Math.round(Number(values.duration) * 1000),
      receiptRatio: Number(values.receipts),
      receiptTimeoutMs: 10_000,
      enquireLinkIntervalMs: 0,
    });
    const after = await simulatorProcess(sim.control);
    const simCpuMs =
      (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
    results.push({
      scenario: scenario.name,
      report,
      simulator: { cpuPercent: (simCpuMs / report.durationMs) * 100, rssBytes: after.rssBytes },
    });
    process.stderr.write(`${scenario.name} done\n`);
  }
} finally {
  sim.child.kill('SIGTERM');
}

const rows = results.map(({ scenario, report, simulator }) => {
  const errors =
    report.submits.sent -
    report.submits.ok +
    report.receipts.unmatched +
    report.receipts.duplicates +
    report.receipts.outstanding;
  return {
    scenario,
    'submits/s': Math.round(report.throughput.steady),
    overall: Math.round(report.throughput.overall),
    p50: report.respLatencyMs.p50.toFixed(2),
    p95: report.respLatencyMs.p95.toFixed(2),
    p99: report.respLatencyMs.p99.toFixed(2),
    'dlr p95': report.receiptLatencyMs.p95.toFixed(1),
    receipts: `${report.receipts.matched}/${report.receipts.requested}`,
    errors,
    'gen cpu%': report.process.cpuPercent.toFixed(0),
    'sim cpu%': simulator.cpuPercent.toFixed(0),
    'gen rss MiB': (report.process.peakRssBytes / 1048576).toFixed(0),
    'sim rss MiB': (simulator.rssBytes / 1048576).toFixed(0),
  };
});
const headers = Object.keys(rows[0] ?? {});
const widths = headers.map((h) => Math.max(h.length, ...rows.map((row) => String(row[h]).length)));
const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
console.log(line(headers));
for (const row of rows) console.log(line(headers.map((h) => row[h])));
console.log(
  'submits/s: steady rate (first/last 10 % trimmed); p50/p95/p99: submit_sm_resp latency in ms; errors: non-OK + unmatched/duplicate/missing receipts',
);

const file = writeBenchResults('bench', {
  node: process.version,
  cpus: cpus().length,
  options: values,
  rows,
  results,
});
console.log(`wrote ${file}`);
