// Runs the whole gateway on this machine for `pnpm start`: the SMSC simulator
// as the demo vendor and every built service, each as a child process with
// its own metrics port, their JSON logs interleaved as readable prefixed
// lines. Ctrl-C (or SIGTERM) stops everything cleanly: SIGTERM to every child,
// wait for their graceful shutdown, SIGKILL what is still alive after the
// deadline. A child that crashes is restarted after a pause, like a pod.
//
//   node scripts/devstack.mjs [--json] [--only edge-server,router-worker]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: { json: { type: 'boolean', default: false }, only: { type: 'string' } },
});

const shared = {
  NODE_ENV: process.env.NODE_ENV ?? 'development',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smpp_gateway',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  AMQP_QUEUE_TYPE: process.env.AMQP_QUEUE_TYPE ?? 'quorum',
  // The V8 heap cap the images and manifests set (docs/deploy.md); a
  // NODE_OPTIONS of the user's own is passed through unchanged.
  NODE_OPTIONS: process.env.NODE_OPTIONS ?? '--max-old-space-size=160',
};

/** Each service's heap flags, as its image sets them (unless the user set NODE_OPTIONS). */
const { nodeOptions: serviceHeap } = JSON.parse(
  readFileSync(join(root, 'scripts', 'service-heap.json'), 'utf8'),
);
const heapOf = (name) =>
  process.env.NODE_OPTIONS === undefined ? { NODE_OPTIONS: serviceHeap[name] } : {};

const runDir = join(root, '.run');
mkdirSync(runDir, { recursive: true });

/** Each process: what to run, its environment, a colour for its prefix. */
const processes = [
  {
    name: 'simulator',
    script: 'packages/smsc-simulator/dist/cli.js',
    argv: [
      '--port',
      '2777',
      '--control-port',
      '2778',
      '--account',
      'gateway:gw-pass:8',
      '--status-interval',
      '30',
    ],
    env: {},
    colour: 90,
  },
  {
    name: 'dlr-tracker',
    script: 'services/dlr-tracker/dist/main.js',
    env: { METRICS_PORT: '9094', ...heapOf('dlr-tracker') },
    colour: 35,
  },
  {
    name: 'router-worker',
    script: 'services/router-worker/dist/main.js',
    env: { METRICS_PORT: '9092', ...heapOf('router-worker') },
    colour: 33,
  },
  {
    name: 'vendor-connector',
    script: 'services/vendor-connector/dist/main.js',
    env: { METRICS_PORT: '9093', ...heapOf('vendor-connector') },
    colour: 34,
  },
  {
    name: 'edge-server',
    script: 'services/edge-server/dist/main.js',
    env: {
      ...heapOf('edge-server'),
      METRICS_PORT: '9091',
      SMPP_PORT: '2775',
      SMPP_TLS_PORT: '2776',
      TLS_CERT_DIR: join(runDir, 'tls'),
    },
    colour: 32,
  },
  {
    name: 'admin-api',
    script: 'services/admin-api/dist/main.js',
    env: { ADMIN_PORT: '8080', METRICS_PORT: '8080', ...heapOf('admin-api') },
    colour: 36,
  },
];

const only = args.only ? new Set(args.only.split(',')) : undefined;
const width = Math.max(...processes.map((p) => p.name.length));
const children = new Map();
let stopping = false;

function prefix(proc) {
  const label = proc.name.padEnd(width);
  return process.stdout.isTTY ? `\x1b[${proc.colour}m${label}\x1b[0m |` : `${label} |`;
}

/** One JSON log line → `12:00:01 INFO  component: message key=value …`. */
function pretty(line) {
  if (args.json || !line.startsWith('{')) return line;
  try {
    const { timestamp, level, service: _s, component, message, ...fields } = JSON.parse(line);
    const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join(' ');
    return `${time} ${String(level ?? '').padEnd(5)} ${component ? `${component}: ` : ''}${message ?? ''}${extra ? `  ${extra}` : ''}`;
  } catch {
    return line;
  }
}

function start(proc, attempt = 0) {
  const script = join(root, proc.script);
  const child = spawn(process.execPath, [script, ...(proc.argv ?? [])], {
    cwd: root,
    env: { ...process.env, ...shared, INSTANCE_ID: `${proc.name}-local`, ...proc.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(proc.name, child);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) =>
      console.log(`${prefix(proc)} ${pretty(line)}`),
    );
  }
  child.on('exit', (code, signal) => {
    children.delete(proc.name);
    if (stopping) return;
    const delay = Math.min(1000 * 2 ** attempt, 15_000);
    console.log(`${prefix(proc)} exited (${signal ?? code}); restarting in ${delay} ms`);
    setTimeout(() => start(proc, attempt + 1), delay).unref();
  });
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping ${children.size} processes (graceful, 35 s deadline)`);
  // Services first, the simulator (the "carrier") last, so connectors can unbind.
  const ordered = [...children.entries()].sort(
    ([a], [b]) => Number(a === 'simulator') - Number(b === 'simulator'),
  );
  for (const [name, child] of ordered) {
    if (name !== 'simulator') child.kill('SIGTERM');
  }
  const killer = setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, 35_000);
  const poll = setInterval(() => {
    const rest = [...children.keys()];
    if (rest.length === 1 && rest[0] === 'simulator') children.get('simulator').kill('SIGTERM');
    if (rest.length === 0) {
      clearInterval(poll);
      clearTimeout(killer);
      console.log('all stopped');
      process.exit(0);
    }
  }, 200);
}

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));

for (const proc of processes) {
  if (only && !only.has(proc.name)) continue;
  if (!existsSync(join(root, proc.script))) {
    console.log(`${prefix(proc)} not built (${proc.script} missing): skipped`);
    continue;
  }
  start(proc);
}
console.log(
  [
    '',
    'smpp-gateway is starting. When the services report ready:',
    '  customer SMPP   127.0.0.1:2775 (TLS 2776)   system_id demo / password demopass',
    '  admin API       http://127.0.0.1:8080/api/v1   (token: see README, "Admin API")',
    '  metrics         :9091 edge  :9092 router  :9093 connector  :9094 tracker  :8080 admin',
    '  simulator       SMPP 127.0.0.1:2777, control http://127.0.0.1:2778/status',
    'Ctrl-C stops everything.',
    '',
  ].join('\n'),
);
