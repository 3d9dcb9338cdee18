// Full-pipeline benchmark: load generator → edge-server → router-worker →
// vendor-connector → SMSC simulator → receipts back through dlr-tracker and
// edge-server to the customer. Everything runs isolated from any live stack
// on this machine: its own PostgreSQL database (migrated and seeded), its own
// RabbitMQ vhost (quorum queues, as in production), its own Redis key prefix,
// the simulator and every service as child processes on ephemeral ports.
// Everything is removed afterwards, also on Ctrl-C. Run after `pnpm build`:
//
//   node scripts/bench-pipeline.mjs [--duration 30] [--rates 5000] [--latency-rate 1000]
//                                   [--scale-sessions 1000] [--skip sustained,latency,scale]
//                                   [--vendor-id-format auto|hex]
//                                   [--service-env [service:]NAME=value ...] [--service-node-arg=--cpu-prof ...]
//
// Runs, in order:
//   warm-up     a few seconds at a low rate (JIT, queue leaders, caches), not reported;
//   sustained   the load generator at each --rates value (0 = as fast as the windows
//               allow) for --duration s: accepted vs at carrier vs receipts;
//   latency     a probe at --latency-rate msg/s whose texts carry a sequence number, so
//               the simulator's record of each submit_sm (wall-clock receive time) is
//               matched with the probe's send time (submit → carrier) and the probe's
//               receipt arrival with the carrier's receipt time (carrier receipt →
//               customer). Both clocks are this host's wall clock (epoch ms).
//   scale       --scale-sessions transceiver binds on one edge-server, enquire_link
//               running, one message per session every --scale-interval s; edge CPU/RSS.
// Before the stack starts and after it stopped, a fixed CPU workload is timed
// (scripts/calibrate.mjs): the machine's own speed, printed with the results,
// since the same code measured on another machine or hour can differ by 2–3×.
// CPU (% of one core, utime+stime from /proc/<pid>/stat over each run) and peak
// RSS (VmHWM) are read for every service, the simulator, and the broker, Redis
// and PostgreSQL (summed over their processes; they also serve whatever else
// runs on this machine).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { calibrateMedian } from './calibrate.mjs';
import { listProcesses, processCpuMs, processMemory, writeBenchResults } from './proc-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '30' },
    rates: { type: 'string', default: process.env.BENCH_RATES ?? '5000' },
    binds: { type: 'string', default: '4' },
    window: { type: 'string', default: '100' },
    'latency-rate': { type: 'string', default: '1000' },
    'latency-duration': { type: 'string', default: '15' },
    'warmup-duration': { type: 'string', default: '5' },
    'receipt-delay': { type: 'string', default: '10' },
    'vendor-binds': { type: 'string', default: '2' },
    'vendor-window': { type: 'string', default: '500' },
    /**
     * The bench vendor's declared message-id format (the simulator answers hex
     * ids): 'auto', a new vendor's default, also maps every id's other
     * readings in Redis; 'hex' is what an operator who knows the carrier sets.
     */
    'vendor-id-format': { type: 'string', default: 'auto' },
    'queue-type': { type: 'string', default: 'quorum' },
    'scale-sessions': { type: 'string', default: '1000' },
    'scale-duration': { type: 'string', default: '60' },
    'scale-interval': { type: 'string', default: '10' },
    'scale-enquire-link': { type: 'string', default: '15' },
    skip: { type: 'string', default: process.env.BENCH_SKIP ?? '' },
    'service-env': { type: 'string', multiple: true, default: [] },
    /**
     * Extra node flags for the services, e.g. --service-node-arg=--cpu-prof (not
     * allowed in NODE_OPTIONS). The deployments' heap flags (--max-old-space-size=160,
     * and --max-semi-space-size=32 for vendor-connector and dlr-tracker;
     * docs/deploy.md) are added, each unless given here.
     */
    'service-node-arg': { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0]);
  process.exit(0);
}
const num = (name) => {
  const value = Number(args[name]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number >= 0`);
  return value;
};
const skip = new Set(
  args.skip
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
/** A GSM7 submit_sm from the bench customer's number, asking for a receipt. */
function submitWithReceipt(session, destination, text) {
  return session.request({
    command: 'submit_sm',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    sourceAddr: '15550001234',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: destination,
    esmClass: 0,
    registeredDelivery: 1,
    dataCoding: 0,
    shortMessage: Buffer.from(text, 'ascii'),
  });
}

/** The heap flags each service's image sets (scripts/service-heap.json, checked against the Dockerfile). */
const SERVICE_HEAP = JSON.parse(
  readFileSync(join(root, 'scripts', 'service-heap.json'), 'utf8'),
).nodeOptions;
function serviceNodeArgs(name) {
  const deployed = SERVICE_HEAP[name].split(' ');
  const extra = args['service-node-arg'];
  return [
    ...deployed.filter((flag) => !extra.some((a) => a.startsWith(flag.split('=')[0]))),
    ...extra,
  ];
}
const settings = {
  durationS: num('duration'),
  rates: args.rates.split(',').map((r) => Number(r.trim())),
  binds: num('binds'),
  window: num('window'),
  latencyRate: num('latency-rate'),
  latencyDurationS: num('latency-duration'),
  warmupS: num('warmup-duration'),
  receiptDelayMs: num('receipt-delay'),
  vendorBinds: num('vendor-binds'),
  vendorWindow: num('vendor-window'),
  vendorIdFormat: args['vendor-id-format'],
  queueType: args['queue-type'],
  scaleSessions: num('scale-sessions'),
  scaleDurationS: num('scale-duration'),
  scaleIntervalS: num('scale-interval'),
  scaleEnquireLinkS: num('scale-enquire-link'),
  skip: [...skip],
  // NAME=value for every service, or service:NAME=value for one of them.
  serviceEnv: args['service-env'].map((pair) => {
    const match = /^(?:([a-z-]+):)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!match) throw new Error(`--service-env wants [service:]NAME=value, got ${pair}`);
    return { service: match[1], name: match[2], value: match[3] };
  }),
};
if (settings.rates.some((r) => !Number.isFinite(r) || r < 0))
  throw new Error('--rates: numbers >= 0');

const SERVICES = [
  { name: 'edge-server', script: 'services/edge-server/dist/main.js' },
  { name: 'router-worker', script: 'services/router-worker/dist/main.js' },
  { name: 'vendor-connector', script: 'services/vendor-connector/dist/main.js' },
  { name: 'dlr-tracker', script: 'services/dlr-tracker/dist/main.js' },
  { name: 'admin-api', script: 'services/admin-api/dist/main.js' },
];
/** Recorded with the results: the node flags each service ran with. */
settings.serviceNodeArgs = Object.fromEntries(
  SERVICES.map((s) => [s.name, serviceNodeArgs(s.name)]),
);
const needed = [
  ...SERVICES.map((s) => s.script),
  'packages/smsc-simulator/dist/cli.js',
  'packages/load-generator/dist/index.js',
  'packages/testkit/dist/index.js',
  'packages/db/dist/index.js',
  'packages/smpp/dist/index.js',
];
const missing = needed.filter((path) => !existsSync(join(root, path)));
if (missing.length > 0) {
  console.error(`not built: ${missing.join(', ')}. Run \`pnpm build\` first.`);
  process.exit(1);
}

const { runLoad } = await import('../packages/load-generator/dist/index.js');
const { createTestEnv } = await import('../packages/testkit/dist/index.js');
const dbLib = await import('../packages/db/dist/index.js');
const smpp = await import('../packages/smpp/dist/index.js');

const mapValues = (object, fn) =>
  Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const wallNow = () => performance.timeOrigin + performance.now();
const log = (text) => process.stderr.write(`[bench-pipeline] ${text}\n`);

// ---------------------------------------------------------------- /proc readings

/** The broker, Redis and PostgreSQL, found by process name; cheap to read, summed per server. */
function infraPids() {
  const groups = { rabbitmq: [], redis: [], postgres: [] };
  for (const { pid, comm, cmdline } of listProcesses()) {
    if (comm === 'beam.smp' && !cmdline.includes('rabbitmqctl') && cmdline.includes('rabbit'))
      groups.rabbitmq.push(pid);
    else if (comm === 'redis-server') groups.redis.push(pid);
    else if (comm === 'postgres' || cmdline.startsWith('postgres:')) groups.postgres.push(pid);
  }
  return groups;
}

/** CPU of a set of named pid groups between two snapshots. */
function cpuSnapshot(named) {
  const out = {};
  for (const [name, pids] of Object.entries(named)) {
    out[name] = new Map(pids.map((pid) => [pid, processCpuMs(pid)]));
  }
  return { at: performance.now(), cpu: out };
}

function cpuBetween(before, after) {
  return mapValues(cpuMsBetween(before, after), (ms) => (ms / (after.at - before.at)) * 100);
}

/** CPU milliseconds each group used between two snapshots. */
function cpuMsBetween(before, after) {
  const result = {};
  for (const [name, pids] of Object.entries(after.cpu)) {
    let used = 0;
    // A process that exited in between is left out (its last ticks are unknown).
    for (const [pid, cpuMs] of pids) {
      if (cpuMs !== undefined) used += Math.max(0, cpuMs - (before.cpu[name]?.get(pid) ?? 0));
    }
    result[name] = used;
  }
  return result;
}

/**
 * CPU microseconds per message: unlike % of a core, this barely moves when
 * other work on the machine steals CPU (a starved process is slower, not
 * cheaper), so it is the figure to compare between runs and changes.
 */
function cpuPerMessage(before, after, messages) {
  return mapValues(cpuMsBetween(before, after), (ms) =>
    messages > 0 ? round((ms * 1000) / messages, 0) : null,
  );
}

// ---------------------------------------------------------------- child processes

/** Processes that died while the bench ran (out of memory, crash): reported with the results. */
const crashes = [];
let stopping = false;

class Child {
  constructor(name, script, argv, env, nodeArgs = []) {
    this.name = name;
    this.lines = [];
    this.ports = {};
    this.waiters = [];
    this.exited = undefined;
    this.child = spawn(process.execPath, [...nodeArgs, join(root, script), ...argv], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid;
    for (const stream of [this.child.stdout, this.child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.onLine(line));
    }
    this.child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      if (!stopping) {
        crashes.push({
          process: name,
          code,
          signal,
          at: new Date().toISOString(),
          log: this.lines.slice(-15),
        });
        log(
          `${name} exited unexpectedly (${signal ?? code}); the figures of this run are not valid`,
        );
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  onLine(line) {
    this.lines.push(line);
    if (this.lines.length > 300) this.lines.splice(0, this.lines.length - 200);
    const sim = /smpp=([\d.]+):(\d+) control=([\d.]+):(\d+)/.exec(line);
    if (sim) {
      this.ports.smpp = Number(sim[2]);
      this.ports.control = `http://${sim[3]}:${sim[4]}`;
    } else if (line.startsWith('{')) {
      try {
        const json = JSON.parse(line);
        if (json.message === 'ops server listening' || json.message === 'admin api listening')
          this.ports.ops = Number(json.port);
        else if (json.message === 'edge-server listening') {
          this.ports.smpp = Number(json.smpp_port);
          this.ports.ops = Number(json.ops_port);
        }
      } catch {
        return;
      }
    } else return;
    for (const wake of this.waiters.splice(0)) wake();
  }

  async waitFor(predicate, what, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.exited)
        throw new Error(`${this.name} exited (${JSON.stringify(this.exited)}) before ${what}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  async waitReady(timeoutMs = 90_000) {
    await this.waitFor(() => this.ports.ops !== undefined, 'ops port', timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) throw new Error(`${this.name} exited before ready`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.ports.ops}/ready`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: not ready within ${timeoutMs} ms`);
      await sleep(250);
    }
  }

  async stop(graceMs = 30_000) {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await new Promise((resolve) => {
      if (this.exited) resolve();
      else this.child.once('exit', resolve);
    });
    clearTimeout(killer);
  }

  tail(n = 40) {
    return this.lines
      .slice(-n)
      .map((line) => `  ${this.name} | ${line}`)
      .join('\n');
  }
}

// ---------------------------------------------------------------- statistics

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
  };
}

const round = (value, digits = 1) =>
  Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : null;

// ---------------------------------------------------------------- the stack

const BENCH_CUSTOMER = { systemId: 'bench', password: 'benchpw1' };
const SIM_ACCOUNT = { systemId: 'gateway', password: 'gw-pass' };
/** PDUs the simulator keeps: the latency run's submit_sm and deliver_sm_resp must fit. */
const RECORD_LIMIT = Math.max(
  60_000,
  Math.ceil(settings.latencyRate * settings.latencyDurationS * 2.5),
);

async function seed(databaseUrl, simPort, secretKey) {
  const db = dbLib.createDatabase(databaseUrl);
  try {
    await dbLib.migrateToLatest(db);
    const customer = await dbLib.createCustomer(db, {
      name: 'Bench customer',
      systemId: BENCH_CUSTOMER.systemId,
      password: BENCH_CUSTOMER.password,
      throughput: 100_000,
      maxBinds: Math.max(50, settings.scaleSessions + 10),
      pricePlan: 'standard',
    });
    const vendor = await dbLib.createVendor(
      db,
      {
        instanceName: 'bench-sim',
        displayName: 'Bench simulator',
        host: '127.0.0.1',
        port: simPort,
        bindType: 'transceiver',
        systemId: SIM_ACCOUNT.systemId,
        password: SIM_ACCOUNT.password,
        throughput: 100_000,
        maxBinds: settings.vendorBinds,
        windowSize: settings.vendorWindow,
        messageIdFormat: settings.vendorIdFormat,
        defaultAlphabet: 'gsm7',
      },
      secretKey,
    );
    const effectiveFrom = new Date(Date.now() - 60_000);
    await dbLib.createRate(db, {
      kind: 'vendor',
      vendorId: vendor.id,
      destinationPrefix: '',
      pricePerSegmentMicros: 3_000,
      currency: 'USD',
      effectiveFrom,
    });
    await dbLib.createRate(db, {
      kind: 'customer',
      pricePlan: 'standard',
      destinationPrefix: '',
      pricePerSegmentMicros: 5_000,
      currency: 'USD',
      effectiveFrom,
    });
    await dbLib.createRoutingRule(db, {
      name: 'everything to the simulator',
      vendorId: vendor.id,
      destinationPrefix: '',
      sourceType: 'any',
      priority: 100,
    });
    return { customer, vendor };
  } finally {
    await db.destroy();
  }
}

function serviceEnv(name, env, secretHex) {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const base = Object.fromEntries(
    keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
  );
  const shared = {
    ...base,
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    INSTANCE_ID: `${name}-bench`,
    DATABASE_URL: env.db.url,
    REDIS_URL: env.redis.url,
    REDIS_KEY_PREFIX: env.redis.keyPrefix,
    AMQP_URL: env.amqp.url,
    AMQP_QUEUE_TYPE: settings.queueType,
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    VENDOR_SECRET_KEY: secretHex,
    ...Object.fromEntries(
      settings.serviceEnv
        .filter((e) => e.service === undefined || e.service === name)
        .map((e) => [e.name, e.value]),
    ),
  };
  if (name === 'edge-server') return { ...shared, SMPP_HOST: '127.0.0.1', SMPP_PORT: '0' };
  if (name === 'admin-api') return { ...shared, ADMIN_HOST: '127.0.0.1', ADMIN_PORT: '0' };
  return shared;
}

async function simStatus(sim) {
  const response = await fetch(`${sim.ports.control}/status`);
  return response.json();
}

/** Every submit_sm the simulator still holds (its ring keeps --record-limit PDUs) recorded after `sinceId`. */
async function simSubmits(sim, sinceId) {
  // The simulator answers the NEWEST `limit` matches (default 100): ask for the whole ring.
  const response = await fetch(
    `${sim.ports.control}/pdus?command=submit_sm&sinceId=${sinceId}&limit=${RECORD_LIMIT}`,
  );
  const body = await response.json();
  return body.records ?? [];
}

// ---------------------------------------------------------------- runs

async function sustainedRun(stack, rate) {
  const durationMs = settings.durationS * 1000;
  const simBefore = await simStatus(stack.sim);
  const cpuBefore = cpuSnapshot(stack.pidGroups());
  const samples = [];
  let receiptsSeen = 0;
  let lastReceiptAt = 0;
  const poller = setInterval(() => {
    simStatus(stack.sim)
      .then((s) => samples.push({ at: performance.now(), carrier: s.stats.submits.received }))
      .catch(() => undefined);
  }, 1000);
  const startedAt = performance.now();
  const report = await runLoad(
    {
      host: '127.0.0.1',
      port: stack.edgePort,
      systemId: BENCH_CUSTOMER.systemId,
      password: BENCH_CUSTOMER.password,
      binds: settings.binds,
      windowSize: settings.window,
      rate,
      durationMs,
      receiptRatio: 1,
      // Unique destinations per message over the run.
      destination: '1666{0000000-9999999}',
      receiptTimeoutMs: 120_000,
      enquireLinkIntervalMs: 0,
      progressIntervalMs: 250,
    },
    {
      onProgress: (p) => {
        if (p.receipts !== receiptsSeen) {
          receiptsSeen = p.receipts;
          lastReceiptAt = performance.now();
        }
      },
    },
  );
  clearInterval(poller);
  // The carrier may see a message a little after its receipt window closed (only if lost on the way).
  const simAfter = await simStatus(stack.sim);
  const cpuAfter = cpuSnapshot(stack.pidGroups());
  const carrier = simAfter.stats.submits.received - simBefore.stats.submits.received;
  const completedMs = lastReceiptAt > startedAt ? lastReceiptAt - startedAt : NaN;
  // Carrier rate over the middle 80 % of the sending time.
  const sendEnd = startedAt + durationMs;
  const inWindow = samples.filter(
    (s) => s.at >= startedAt + durationMs * 0.1 && s.at <= sendEnd - durationMs * 0.1,
  );
  const carrierSteady =
    inWindow.length >= 2
      ? ((inWindow.at(-1).carrier - inWindow[0].carrier) / (inWindow.at(-1).at - inWindow[0].at)) *
        1000
      : NaN;
  const accepted = report.submits.ok;
  const receipts = report.receipts;
  const lost = Math.max(0, accepted - receipts.matched);
  return {
    offeredRate: rate,
    durationS: settings.durationS,
    acceptedPerS: round(report.throughput.steady, 0),
    carrierPerS: round(carrierSteady, 0),
    completedPerS: round((receipts.matched / completedMs) * 1000, 0),
    submitSmResp: {
      p50: round(report.respLatencyMs.p50, 2),
      p95: round(report.respLatencyMs.p95, 2),
      p99: round(report.respLatencyMs.p99, 2),
    },
    submitToReceiptP95Ms: round(report.receiptLatencyMs.p95, 1),
    counts: {
      sent: report.submits.sent,
      accepted,
      refused: report.submits.sent - accepted,
      atCarrier: carrier,
      carrierExtra: carrier - accepted,
      receiptsRequested: receipts.requested,
      receiptsMatched: receipts.matched,
      receiptsDuplicate: receipts.duplicates,
      receiptsUnmatched: receipts.unmatched,
      receiptsMissing: receipts.outstanding,
      lost,
    },
    drainAfterSendMs: round(completedMs - durationMs, 0),
    cpuPercent: mapValues(cpuBetween(cpuBefore, cpuAfter), (v) => round(v, 0)),
    // Over the whole run including the drain: every accepted message went all the way through.
    cpuMicrosPerMessage: cpuPerMessage(cpuBefore, cpuAfter, accepted),
    generator: { cpuPercent: round(report.process.cpuPercent, 0) },
    loadAverage: loadavg().map((v) => round(v, 2)),
    report,
  };
}

/**
 * Paced probe whose texts carry a sequence number: submit → carrier and
 * carrier receipt → customer per message, on this host's wall clock.
 */
async function latencyRun(stack) {
  const rate = settings.latencyRate;
  const durationMs = settings.latencyDurationS * 1000;
  const sent = new Map(); // seq → { sentAt, respAt, id }
  const byId = new Map(); // our message id → seq
  const receiptAt = new Map(); // seq → first receipt arrival
  const early = new Map(); // id → arrival, for a receipt overtaking its own resp
  let duplicates = 0;
  let refused = 0;
  let failed = 0;
  const onReceipt = (pdu) => {
    const at = wallNow();
    const parsed = smpp.receiptFromDeliverPdu(pdu);
    if (!parsed.ok) return {};
    const id = parsed.receipt.messageId;
    const seq = byId.get(id);
    if (seq === undefined) early.set(id, at);
    else if (receiptAt.has(seq)) duplicates += 1;
    else receiptAt.set(seq, at);
    return {};
  };
  const session = await smpp.connectSmpp({
    host: '127.0.0.1',
    port: stack.edgePort,
    bindType: 'transceiver',
    systemId: BENCH_CUSTOMER.systemId,
    password: BENCH_CUSTOMER.password,
    windowSize: 200,
    responseTimeoutMs: 10_000,
    enquireLinkIntervalMs: 0,
    maxIncomingInFlight: 2_000,
    handlers: { deliver_sm: onReceipt, data_sm: onReceipt },
  });
  const sinceId = await lastRecordId(stack.sim);
  const lagBefore = await histogramSnapshot(stack.children, 'amqp_consume_lag_seconds');
  const timingsBefore = await serviceTimingTotals(stack.children);
  const cpuBefore = cpuSnapshot(stack.pidGroups());
  let seq = 0;
  const pending = new Set();
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(
        Math.floor((elapsed * rate) / 1000) + 1,
        Math.floor((durationMs * rate) / 1000),
      );
      while (seq < due) {
        seq += 1;
        const mySeq = seq;
        const text = `pipeline bench ${String(mySeq).padStart(8, '0')}`;
        const entry = { sentAt: wallNow(), respAt: NaN, id: undefined };
        sent.set(mySeq, entry);
        const request = submitWithReceipt(session, `1777${String(mySeq).padStart(7, '0')}`, text)
          .then(
            (response) => {
              entry.respAt = wallNow();
              if (response.commandStatus !== 0) {
                refused += 1;
                return;
              }
              entry.id = response.messageId;
              byId.set(response.messageId, mySeq);
              const arrived = early.get(response.messageId);
              if (arrived !== undefined) {
                early.delete(response.messageId);
                receiptAt.set(mySeq, arrived);
              }
            },
            () => {
              failed += 1;
            },
          )
          .finally(() => pending.delete(request));
        pending.add(request);
      }
      if (elapsed >= durationMs) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  const accepted = [...sent.values()].filter((e) => e.id !== undefined).length;
  const deadline = Date.now() + 60_000;
  while (receiptAt.size < accepted && Date.now() < deadline) await sleep(100);
  const cpuAfter = cpuSnapshot(stack.pidGroups());
  const timings = timingMeans(timingsBefore, await serviceTimingTotals(stack.children));
  const hopLag = histogramQuantiles(
    lagBefore,
    await histogramSnapshot(stack.children, 'amqp_consume_lag_seconds'),
  );
  await session.waitForIdle(5_000);
  await session.close();

  const records = await simSubmits(stack.sim, sinceId);
  const carrierAt = new Map();
  let carrierDuplicates = 0;
  for (const record of records) {
    const text = Buffer.from(record.shortMessage ?? '', 'hex').toString('latin1');
    const match = /pipeline bench (\d{8})/.exec(text);
    if (!match) continue;
    const s = Number(match[1]);
    if (carrierAt.has(s)) carrierDuplicates += 1;
    else carrierAt.set(s, record.receivedAt);
  }
  const resp = [];
  const toCarrier = [];
  const receiptToCustomer = [];
  const endToEnd = [];
  for (const [s, entry] of sent) {
    if (Number.isFinite(entry.respAt)) resp.push(entry.respAt - entry.sentAt);
    const atCarrier = carrierAt.get(s);
    if (atCarrier !== undefined) toCarrier.push(atCarrier - entry.sentAt);
    const atCustomer = receiptAt.get(s);
    if (atCustomer !== undefined) {
      endToEnd.push(atCustomer - entry.sentAt);
      // The simulator schedules the receipt `receipt-delay` after it received
      // the submit; it can only leave later than that, so this is an upper bound.
      if (atCarrier !== undefined)
        receiptToCustomer.push(atCustomer - (atCarrier + settings.receiptDelayMs));
    }
  }
  const rnd = (s) => mapValues(s, (v) => (typeof v === 'number' && v % 1 !== 0 ? round(v, 2) : v));
  return {
    rate,
    durationS: settings.latencyDurationS,
    counts: {
      sent: sent.size,
      accepted,
      refused,
      failed,
      atCarrier: carrierAt.size,
      carrierDuplicates,
      receipts: receiptAt.size,
      receiptDuplicates: duplicates,
      lost: accepted - receiptAt.size,
    },
    submitSmRespMs: rnd(summarize(resp)),
    submitToCarrierMs: rnd(summarize(toCarrier)),
    carrierReceiptToCustomerMs: rnd(summarize(receiptToCustomer)),
    submitToReceiptMs: rnd(summarize(endToEnd)),
    cpuPercent: mapValues(cpuBetween(cpuBefore, cpuAfter), (v) => round(v, 0)),
    cpuMicrosPerMessage: cpuPerMessage(cpuBefore, cpuAfter, accepted),
    loadAverage: loadavg().map((v) => round(v, 2)),
    // Publish → consumer per hop during this run (AMQP messages, batches count once).
    hopLagMs: hopLag,
    // Cumulative since the services started (warm-up and earlier runs included).
    serviceTimings: timings,
  };
}

/** The `/metrics` text of every running service (the simulator has none; a failed scrape is skipped). */
async function scrapeServices(children) {
  const out = [];
  for (const child of children) {
    if (child.name === 'simulator' || child.ports.ops === undefined || child.exited) continue;
    try {
      const text = await (await fetch(`http://127.0.0.1:${child.ports.ops}/metrics`)).text();
      out.push({ child, text });
    } catch {
      // not answering (shutting down): leave it out of this snapshot
    }
  }
  return out;
}

/**
 * Mean of every `*_seconds` histogram each service exports (AMQP confirm
 * times, CDR flushes, receipt → customer…), in ms: where the time goes.
 */
/** Every `*_seconds` summary's (or histogram's) sum and count per service: `service` → key → {sum, count}. */
async function serviceTimingTotals(children) {
  const out = {};
  for (const { child, text } of await scrapeServices(children)) {
    const totals = {};
    for (const line of text.split('\n')) {
      const match = /^([a-z_]+_seconds)_(sum|count)(\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
      if (!match) continue;
      const key = `${match[1]}${match[3] ?? ''}`;
      totals[key] ??= { sum: 0, count: 0 };
      totals[key][match[2]] = Number(match[4]);
    }
    out[child.name] = totals;
  }
  return out;
}

/**
 * Mean time and count of each timing between two snapshots, so a run's
 * figures are its own (the services' histograms also hold the warm-up and
 * the overload runs before it).
 */
function timingMeans(before, after) {
  const out = {};
  for (const [service, totals] of Object.entries(after)) {
    const means = {};
    for (const [key, { sum, count }] of Object.entries(totals)) {
      const earlier = before[service]?.[key] ?? { sum: 0, count: 0 };
      const n = count - earlier.count;
      if (n > 0) means[key] = { meanMs: round(((sum - earlier.sum) / n) * 1000, 2), count: n };
    }
    out[service] = means;
  }
  return out;
}

/** Cumulative buckets of one histogram per service and label set: `service contract` → [[le, count]]. */
async function histogramSnapshot(children, metric) {
  const out = new Map();
  for (const { child, text } of await scrapeServices(children)) {
    const pattern = new RegExp(`^${metric}_bucket\\{(.*)\\} ([\\d.e+-]+)$`);
    for (const line of text.split('\n')) {
      const match = pattern.exec(line);
      if (!match) continue;
      const labels = Object.fromEntries(
        [...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      );
      const key = `${child.name} ${labels.contract ?? ''}`.trim();
      const buckets = out.get(key) ?? [];
      buckets.push([labels.le === '+Inf' ? Infinity : Number(labels.le), Number(match[2])]);
      out.set(key, buckets);
    }
  }
  return out;
}

/** p50/p95 in ms of what a histogram gained between two snapshots (linear within a bucket). */
function histogramQuantiles(before, after) {
  const out = {};
  for (const [key, buckets] of after) {
    const prior = new Map(before.get(key) ?? []);
    const gained = buckets
      .map(([le, count]) => [le, count - (prior.get(le) ?? 0)])
      .sort((a, b) => a[0] - b[0]);
    const total = gained.at(-1)?.[1] ?? 0;
    if (total <= 0) continue;
    const quantile = (q) => {
      const rank = q * total;
      let lower = 0;
      let below = 0;
      for (const [le, count] of gained) {
        if (count >= rank) {
          if (!Number.isFinite(le)) return lower * 1000;
          const share = count === below ? 0 : (rank - below) / (count - below);
          return (lower + (le - lower) * share) * 1000;
        }
        lower = le;
        below = count;
      }
      return lower * 1000;
    };
    out[key] = { count: total, p50: round(quantile(0.5), 1), p95: round(quantile(0.95), 1) };
  }
  return out;
}

async function lastRecordId(sim) {
  const response = await fetch(`${sim.ports.control}/pdus?limit=1`);
  const body = await response.json();
  return body.records?.at(-1)?.id ?? 0;
}

/** The seed's scale case: many idle-ish customer binds on one edge-server. */
async function scaleRun(stack) {
  const count = settings.scaleSessions;
  const edge = stack.children.find((c) => c.name === 'edge-server');
  const before = processMemory(edge.pid);
  let receipts = 0;
  const handlers = {
    deliver_sm: () => {
      receipts += 1;
      return {};
    },
  };
  const sessions = [];
  const bindStart = performance.now();
  // Bind in waves: a thousand simultaneous binds measure the connect storm, not the steady state.
  for (let i = 0; i < count; i += 50) {
    const wave = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, () =>
        smpp.connectSmpp({
          host: '127.0.0.1',
          port: stack.edgePort,
          bindType: 'transceiver',
          systemId: BENCH_CUSTOMER.systemId,
          password: BENCH_CUSTOMER.password,
          windowSize: 10,
          responseTimeoutMs: 10_000,
          enquireLinkIntervalMs: settings.scaleEnquireLinkS * 1000,
          handlers,
        }),
      ),
    );
    sessions.push(...wave);
  }
  const bindMs = performance.now() - bindStart;
  const afterBind = processMemory(edge.pid);
  const cpuBefore = cpuSnapshot(stack.pidGroups());
  let sentCount = 0;
  let ok = 0;
  let errors = 0;
  const timers = sessions.map((session, index) => {
    const send = () => {
      sentCount += 1;
      submitWithReceipt(session, `1888${String(index).padStart(7, '0')}`, `scale ${index}`).then(
        (r) => (r.commandStatus === 0 ? (ok += 1) : (errors += 1)),
        () => (errors += 1),
      );
    };
    // Spread the sessions' sends evenly over the interval.
    const first = setTimeout(send, (index / count) * settings.scaleIntervalS * 1000);
    const repeat = setInterval(send, settings.scaleIntervalS * 1000);
    return [first, repeat];
  });
  await sleep(settings.scaleDurationS * 1000);
  for (const [first, repeat] of timers) {
    clearTimeout(first);
    clearInterval(repeat);
  }
  const cpuAfter = cpuSnapshot(stack.pidGroups());
  const afterRun = processMemory(edge.pid);
  await sleep(3_000);
  const alive = sessions.filter((s) => s.state === 'bound').length;
  await Promise.all(sessions.map((s) => s.close().catch(() => undefined)));
  const cpu = cpuBetween(cpuBefore, cpuAfter);
  return {
    sessions: count,
    stillBoundAtEnd: alive,
    bindSeconds: round(bindMs / 1000, 1),
    durationS: settings.scaleDurationS,
    perSessionIntervalS: settings.scaleIntervalS,
    enquireLinkS: settings.scaleEnquireLinkS,
    submits: { sent: sentCount, ok, errors },
    receipts,
    edge: {
      cpuPercent: round(cpu['edge-server'], 1),
      rssBeforeBindsMiB: round(before.rssBytes / 1048576, 0),
      rssAfterBindsMiB: round(afterBind.rssBytes / 1048576, 0),
      rssAfterRunMiB: round(afterRun.rssBytes / 1048576, 0),
      peakRssMiB: round(afterRun.hwmBytes / 1048576, 0),
      perSessionKiB: round((afterBind.rssBytes - before.rssBytes) / 1024 / count, 1),
    },
    cpuPercent: mapValues(cpu, (v) => round(v, 1)),
    loadAverage: loadavg().map((v) => round(v, 2)),
  };
}

// ---------------------------------------------------------------- main

const startedAt = new Date();
const env = await createTestEnv();
const secretHex = randomBytes(32).toString('hex');
const children = [];
let cleaning;
async function cleanup() {
  stopping = true;
  cleaning ??= (async () => {
    // Services first, the carrier last, so the connector can unbind from it.
    await Promise.allSettled(children.filter((c) => c.name !== 'simulator').map((c) => c.stop()));
    await Promise.allSettled(children.filter((c) => c.name === 'simulator').map((c) => c.stop()));
    await env.destroy().catch((error) => log(`cleanup: ${error.message}`));
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().then(() => process.exit(130));
  });
}

const results = { sustained: [], latency: undefined, scale: undefined };
/**
 * The machine's speed before the stack starts and after it stopped (CPU ms
 * of a fixed workload, scripts/calibrate.mjs): runs from machines, or
 * hours, whose figures differ by as much as this are not comparable.
 */
const calibration = { startMs: calibrateMedian(3), endMs: undefined };
log(`calibration: ${calibration.startMs} ms of CPU for the fixed workload`);
let failure;
try {
  log(
    `isolated env: database ${env.db.name}, vhost ${env.amqp.vhost}, redis prefix ${env.redis.keyPrefix}`,
  );
  const sim = new Child(
    'simulator',
    'packages/smsc-simulator/dist/cli.js',
    [
      '--port',
      '0',
      '--control-port',
      '0',
      '--host',
      '127.0.0.1',
      '--status-interval',
      '0',
      '--account',
      `${SIM_ACCOUNT.systemId}:${SIM_ACCOUNT.password}:${settings.vendorBinds + 2}`,
      '--receipt-delay',
      String(settings.receiptDelayMs),
      '--record-limit',
      String(RECORD_LIMIT),
      '--window',
      '1000',
    ],
    { ...process.env },
  );
  children.push(sim);
  await sim.waitFor(() => sim.ports.control !== undefined, 'simulator ports', 30_000);
  const { key: secretKey } = dbLib.resolveVendorSecretKey({
    VENDOR_SECRET_KEY: secretHex,
    NODE_ENV: 'production',
  });
  await seed(env.db.url, sim.ports.smpp, secretKey);

  for (const service of SERVICES) {
    children.push(
      new Child(
        service.name,
        service.script,
        [],
        serviceEnv(service.name, env, secretHex),
        serviceNodeArgs(service.name),
      ),
    );
  }
  await Promise.all(children.filter((c) => c !== sim).map((c) => c.waitReady()));
  const edge = children.find((c) => c.name === 'edge-server');
  const deadline = Date.now() + 60_000;
  while ((await simStatus(sim)).stats.binds.active < settings.vendorBinds) {
    if (Date.now() > deadline) throw new Error('vendor-connector did not bind to the simulator');
    await sleep(200);
  }
  let infra = infraPids();
  const stack = {
    sim,
    children,
    edgePort: edge.ports.smpp,
    pidGroups: () => ({
      ...Object.fromEntries(children.map((c) => [c.name, [c.pid]])),
      ...infra,
    }),
  };
  log(
    `stack up: edge :${edge.ports.smpp}, simulator :${sim.ports.smpp}, ${settings.queueType} queues; ` +
      `load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
  );

  if (settings.warmupS > 0) {
    await runLoad({
      host: '127.0.0.1',
      port: stack.edgePort,
      systemId: BENCH_CUSTOMER.systemId,
      password: BENCH_CUSTOMER.password,
      binds: settings.binds,
      windowSize: settings.window,
      rate: 500,
      durationMs: settings.warmupS * 1000,
      receiptTimeoutMs: 30_000,
      enquireLinkIntervalMs: 0,
    });
    log('warm-up done');
  }
  infra = infraPids();

  if (!skip.has('sustained')) {
    for (const rate of settings.rates) {
      log(
        `sustained run at ${rate === 0 ? 'window-limited' : `${rate} msg/s`} for ${settings.durationS} s`,
      );
      const run = await sustainedRun(stack, rate);
      results.sustained.push(run);
      log(
        `  accepted ${run.acceptedPerS}/s, carrier ${run.carrierPerS}/s, completed ${run.completedPerS}/s, ` +
          `lost ${run.counts.lost}, missing receipts ${run.counts.receiptsMissing}`,
      );
    }
  }
  if (!skip.has('latency')) {
    log(`latency run at ${settings.latencyRate} msg/s for ${settings.latencyDurationS} s`);
    results.latency = await latencyRun(stack);
  }
  if (!skip.has('scale') && settings.scaleSessions > 0) {
    log(`scale run: ${settings.scaleSessions} sessions for ${settings.scaleDurationS} s`);
    results.scale = await scaleRun(stack);
  }
  results.memory = Object.fromEntries(
    [...children.map((c) => [c.name, [c.pid]]), ...Object.entries(infra)].map(([name, pids]) => {
      const vms = pids.map(processMemory).filter(Boolean);
      return [
        name,
        {
          peakRssMiB: round(Math.max(0, ...vms.map((v) => v.hwmBytes)) / 1048576, 0),
          rssMiB: round(vms.reduce((sum, v) => sum + v.rssBytes, 0) / 1048576, 0),
          processes: pids.length,
        },
      ];
    }),
  );
} catch (error) {
  failure = error;
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  for (const child of children) console.error(child.tail());
} finally {
  await cleanup();
}

// ---------------------------------------------------------------- report

const table = (rows) => {
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0]);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ');
  console.log(line(headers));
  for (const row of rows) console.log(line(headers.map((h) => row[h])));
};

calibration.endMs = calibrateMedian(3);
console.log(
  `\nnode ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${settings.queueType} queues, ` +
    `load average at the end ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
);
console.log(
  `calibration (scripts/calibrate.mjs, CPU ms, lower is faster): ${calibration.startMs} before, ` +
    `${calibration.endMs} after`,
);
if (results.sustained.length > 0) {
  console.log('\nsustained (load generator, receipts on every message)');
  table(
    results.sustained.map((r) => ({
      offered: r.offeredRate === 0 ? 'max' : r.offeredRate,
      'accepted/s': r.acceptedPerS,
      'carrier/s': r.carrierPerS,
      'completed/s': r.completedPerS,
      'resp p50': r.submitSmResp.p50,
      p95: r.submitSmResp.p95,
      p99: r.submitSmResp.p99,
      'dlr p95': r.submitToReceiptP95Ms,
      accepted: r.counts.accepted,
      'at carrier': r.counts.atCarrier,
      receipts: r.counts.receiptsMatched,
      lost: r.counts.lost,
      dup: r.counts.receiptsDuplicate,
      load: r.loadAverage[0],
    })),
  );
  console.log('\nCPU % of one core during each sustained run');
  table(
    results.sustained.map((r) => ({
      offered: r.offeredRate || 'max',
      ...r.cpuPercent,
      generator: r.generator.cpuPercent,
    })),
  );
  console.log(
    '\nCPU µs per message (whole run incl. drain; the figure to compare under noisy load)',
  );
  table(
    results.sustained.map((r) => ({ offered: r.offeredRate || 'max', ...r.cpuMicrosPerMessage })),
  );
}
if (results.latency) {
  const l = results.latency;
  console.log(`\nlatency at ${l.rate} msg/s (ms; carrier receipt → customer is an upper bound)`);
  table(
    [
      ['submit_sm_resp', l.submitSmRespMs],
      ['submit → carrier', l.submitToCarrierMs],
      ['carrier receipt → customer', l.carrierReceiptToCustomerMs],
      ['submit → receipt', l.submitToReceiptMs],
    ].map(([name, s]) => ({
      '': name,
      count: s.count,
      p50: s.p50,
      p95: s.p95,
      p99: s.p99,
      max: s.max,
    })),
  );
  if (Object.keys(l.hopLagMs ?? {}).length > 0) {
    console.log(
      'per hop, publish → consumer (ms, per AMQP message, from amqp_consume_lag_seconds)',
    );
    table(
      Object.entries(l.hopLagMs).map(([hop, s]) => ({
        consumer: hop,
        messages: s.count,
        p50: s.p50,
        p95: s.p95,
      })),
    );
  }
  console.log(`counts ${JSON.stringify(l.counts)}`);
  console.log(`CPU % ${JSON.stringify(l.cpuPercent)}`);
  console.log(`CPU µs/message ${JSON.stringify(l.cpuMicrosPerMessage)}`);
}
if (results.scale) {
  console.log(`\nscale: ${JSON.stringify({ ...results.scale, cpuPercent: undefined })}`);
}
if (results.memory) {
  console.log('\npeak RSS MiB (VmHWM; infra: largest process, rss: sum now)');
  table(
    Object.entries(results.memory).map(([name, m]) => ({
      process: name,
      peak: m.peakRssMiB,
      rss: m.rssMiB,
      n: m.processes,
    })),
  );
}

if (crashes.length > 0) {
  console.log('\nPROCESSES THAT DIED DURING THE BENCH (figures after that are not valid):');
  for (const crash of crashes)
    console.log(
      `  ${crash.process} ${crash.signal ?? crash.code} at ${crash.at}\n${crash.log.map((l) => `    ${l}`).join('\n')}`,
    );
}

const file = writeBenchResults(
  'pipeline',
  {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    startedAt: startedAt.toISOString(),
    settings,
    loadAverageEnd: loadavg(),
    calibration,
    ...results,
    sustained: results.sustained.map(({ report, ...rest }) => ({
      ...rest,
      generatorReport: report,
    })),
    crashes,
    error: failure ? String(failure) : undefined,
  },
  startedAt,
);
console.log(`\nwrote ${file}`);
process.exit(failure || crashes.length > 0 ? 1 : 0);
