// A fixed piece of work shaped like the services' hot paths (JSON records
// of a message's size, short-lived objects, a Map of in-flight entries,
// base64 bodies), timed in CPU milliseconds in a fresh process. The
// benchmark runs it before and after the stack, so that figures from
// different machines, or from one machine whose speed drifts, can be put
// side by side: a run on a machine where this takes twice as long is not a
// regression of the code. Run alone: `node scripts/calibrate.mjs` prints
// the milliseconds.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ITERATIONS = 40_000;

function workload() {
  const inFlight = new Map();
  const body = Buffer.alloc(140, 0x41);
  let checksum = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const record = {
      messageId: `01a217ae-cffa-7390-ae8f-${String(i).padStart(12, '0')}`,
      status: i % 3 === 0 ? 'DELIVRD' : 'submitted',
      customerId: '7627589b-7bdb-4f78-a563-d3224f1b84a5',
      source: { addr: '15550000125', ton: 1, npi: 1 },
      destination: { addr: `1666${String(i % 1_000_000).padStart(7, '0')}`, ton: 1, npi: 1 },
      registeredDelivery: 1,
      dataCoding: 0,
      segments: 1,
      acceptedAt: new Date(1_795_690_000_000 + i).toISOString(),
      pricing: { currency: 'USD', pricePerSegmentMicros: 5000, costPerSegmentMicros: 3000 },
      shortMessage: body.toString('base64'),
    };
    const parsed = JSON.parse(JSON.stringify(record));
    inFlight.set(parsed.messageId, parsed);
    if (inFlight.size > 2_000) inFlight.delete(inFlight.keys().next().value);
    checksum += Buffer.from(parsed.shortMessage, 'base64').length + parsed.destination.addr.length;
  }
  return checksum;
}

/** CPU milliseconds of one workload in a fresh node process. */
export function calibrate() {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
    encoding: 'utf8',
  });
  return Number(out.trim());
}

/** Median of `runs` calibrations, in CPU ms. */
export function calibrateMedian(runs = 3) {
  const values = Array.from({ length: runs }, () => calibrate()).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--child')) {
    const before = process.cpuUsage();
    if (workload() <= 0) throw new Error('calibration workload computed nothing');
    const used = process.cpuUsage(before);
    console.log(((used.user + used.system) / 1000).toFixed(1));
  } else {
    console.log(`${calibrateMedian(3)} ms of CPU (median of 3)`);
  }
}
