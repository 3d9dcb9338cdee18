#!/usr/bin/env node
// `pnpm --filter @smpp-gateway/e2e faults [--rate 300] [--replicas 2] [--queue-type quorum]
//  [--services edge-server,router-worker,...] [--settle-ms 8000] [--include-broker]
//  [--no-redis-loss] [--no-redis-outage] [--no-postgres-outage]
//  [--failover [--failover-ms 15000]] [--out file]`
// Runs the fault scenario against a fresh gateway built from the services' dist,
// prints the counts and writes them as JSON. Exits 1 when an accepted message
// was lost (or duplicates exceed the target), 2 on a usage error.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BROKER_WARNING, formatFaultReport, runFaults, type FaultRunOptions } from './faults.js';
import { SERVICE_NAMES, type ServiceName } from './service.process.js';

const USAGE = `usage: faults [--rate N] [--replicas N] [--queue-type quorum|classic]
              [--services ${SERVICE_NAMES.join(',')}] [--warmup-ms N] [--down-ms N]
              [--settle-ms N] [--vendor-refuse-ms N] [--drain-timeout-ms N]
              [--include-broker] [--no-redis-loss] [--no-redis-outage]
              [--no-postgres-outage] [--failover] [--failover-ms N]
              [--out results.json]

The run kills each service in turn, deletes every key of its Redis prefix
(Redis lost everything: the receipts in flight must still reach the
customer, through the CDR archive; --no-redis-loss skips it), cuts Redis
off for 5 s (the services reach it through the run's own TCP proxy;
--no-redis-outage skips it), cuts its database off for 5 s
(--no-postgres-outage skips it) and drops the vendor.

--failover puts a second vendor (the backup) on the route after the carrier;
the vendor phase then drops the carrier for --failover-ms (default 15000) and
reports how its traffic moved to the backup and back.

Needs the services built (pnpm build) and the local PostgreSQL, Redis and RabbitMQ.
${BROKER_WARNING}`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a non-negative integer`);
  return value;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      rate: { type: 'string' },
      replicas: { type: 'string' },
      'queue-type': { type: 'string' },
      services: { type: 'string' },
      'warmup-ms': { type: 'string' },
      'down-ms': { type: 'string' },
      'settle-ms': { type: 'string' },
      'vendor-refuse-ms': { type: 'string' },
      'drain-timeout-ms': { type: 'string' },
      'include-broker': { type: 'boolean', default: false },
      'no-redis-loss': { type: 'boolean', default: false },
      'no-redis-outage': { type: 'boolean', default: false },
      'no-postgres-outage': { type: 'boolean', default: false },
      failover: { type: 'boolean', default: false },
      'failover-ms': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const args = parsed.values;
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const queueType = args['queue-type'] ?? 'quorum';
if (queueType !== 'quorum' && queueType !== 'classic')
  fail('--queue-type must be quorum or classic');
const services = (args.services?.split(',').map((s) => s.trim()) ?? [...SERVICE_NAMES]).filter(
  (s) => s.length > 0,
);
for (const service of services) {
  if (!(SERVICE_NAMES as readonly string[]).includes(service)) fail(`unknown service ${service}`);
}
const runOptions: FaultRunOptions = {
  rate: positive('rate', args.rate, 300),
  replicas: positive('replicas', args.replicas, 2),
  queueType,
  services: services as ServiceName[],
  includeBroker: args['include-broker'],
  redisLoss: !args['no-redis-loss'],
  redisOutage: !args['no-redis-outage'],
  postgresOutage: !args['no-postgres-outage'],
  failover: args.failover,
  failoverMs: positive('failover-ms', args['failover-ms'], 15_000),
  warmupMs: positive('warmup-ms', args['warmup-ms'], 5_000),
  downMs: positive('down-ms', args['down-ms'], 2_000),
  settleMs: positive('settle-ms', args['settle-ms'], 8_000),
  vendorRefuseMs: positive('vendor-refuse-ms', args['vendor-refuse-ms'], 5_000),
  drainTimeoutMs: positive('drain-timeout-ms', args['drain-timeout-ms'], 120_000),
  log: (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`),
};
if (args['include-broker']) {
  console.warn(`WARNING: ${BROKER_WARNING}`);
} else {
  console.log('RabbitMQ will NOT be restarted (pass --include-broker for that phase; see below).');
  console.log(BROKER_WARNING);
}

const out = resolve(
  args.out ?? `fault-runs/faults-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
);
const report = await runFaults(runOptions);
console.log(`\n${formatFaultReport(report)}`);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten: ${out}`);
process.exit(
  report.verdict.nothingAcceptedLost &&
    report.verdict.duplicateRateWithinTarget &&
    report.verdict.nothingRefusedSent
    ? 0
    : 1,
);
