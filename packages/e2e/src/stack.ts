// A real gateway for one test file (or one fault run): its own PostgreSQL
// database, Redis key prefix and RabbitMQ vhost; test data written through
// the db repositories; in-process simulators as the carriers; and every
// service as a REAL PROCESS from its built `dist/main.js`, N replicas each,
// all on ephemeral ports learned from their own log lines. Logs stay in
// memory and are printed when a test fails.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createTestEnv, TcpProxy, type TestEnv } from '@smpp-gateway/testkit';
import type { Simulator } from '@smpp-gateway/smsc-simulator';
import { CustomerClient, type CustomerConnectOptions } from './customer.client.js';
import {
  SERVICE_NAMES,
  ServiceProcess,
  type ProcessExit,
  type ServiceName,
} from './service.process.js';
import {
  seedFixture,
  startSimulators,
  type GatewayFixture,
  type StackCustomer,
  type StackData,
  type StackVendor,
} from './stack.data.js';

export type QueueType = 'classic' | 'quorum';

export interface StackOptions {
  readonly fixture: GatewayFixture;
  /** Replicas per service (a number for all). Default 1. */
  readonly replicas?: number | Partial<Record<ServiceName, number>>;
  /** Which services to run. Default all five. */
  readonly services?: readonly ServiceName[];
  /**
   * RabbitMQ queue type. Default classic: a test vhost's quorum queues cost
   * seconds of Raft set-up per queue on a 2-core machine, and what the tests
   * prove (bytes, ids, routing) does not depend on it. Fault runs use quorum.
   */
  readonly queueType?: QueueType;
  /** Extra environment for every service. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment per service (wins over `env`). */
  readonly serviceEnv?: Partial<Record<ServiceName, Readonly<Record<string, string>>>>;
  /** Default 'info' (the services log nothing per message at info). */
  readonly logLevel?: string;
  /** Per process. Default 60 s. */
  readonly readyTimeoutMs?: number;
  /** SIGTERM → SIGKILL grace in stop(). Default 20 s. */
  readonly stopGraceMs?: number;
  /** Wait until every active vendor has all its binds before resolving. Default true. */
  readonly waitForVendorBinds?: boolean;
  /** Workspace root (holding services/ and packages/). Default: found from this file. */
  readonly root?: string;
  /**
   * The services reach Redis through a TCP proxy of this stack
   * (`GatewayStack.redisProxy`), so a test can cut Redis off for this stack
   * alone. Default false.
   */
  readonly redisProxy?: boolean;
}

export interface ConnectOptions {
  readonly bindType?: CustomerConnectOptions['bindType'];
  /** Which edge replica to bind to. Default 0. */
  readonly replica?: number;
  readonly windowSize?: number;
}

export interface GatewayStack {
  readonly env: TestEnv;
  /** Between the services and Redis, when started with `redisProxy`. */
  readonly redisProxy: TcpProxy | undefined;
  readonly data: StackData;
  readonly processes: readonly ServiceProcess[];
  readonly queueType: QueueType;
  vendor(key: string): StackVendor;
  simulator(key: string): Simulator;
  customer(key: string): StackCustomer;
  process(service: ServiceName, replica?: number): ServiceProcess;
  replicas(service: ServiceName): readonly ServiceProcess[];
  /** SMPP port of an edge replica. */
  edgePort(replica?: number): number;
  /** Binds a customer to an edge replica; closed by stop() if still open. */
  connect(customerKey: string, options?: ConnectOptions): Promise<CustomerClient>;
  /** Signals one replica (default SIGKILL) and waits for it to exit. */
  kill(service: ServiceName, replica: number, signal?: NodeJS.Signals): Promise<ProcessExit>;
  /** Stops the replica if it still runs (SIGTERM), starts it again with the same instance id and SMPP port, waits until ready. */
  restart(service: ServiceName, replica: number): Promise<void>;
  /** Waits until the vendor's simulator holds `binds` bound sessions (default: the vendor's max_binds). */
  waitForVendorBinds(key: string, binds?: number, timeoutMs?: number): Promise<void>;
  /** Every process's kept log lines, for a failure report. */
  formatLogs(linesPerProcess?: number): string;
  /** SIGTERM every process, wait, SIGKILL stragglers, stop simulators, drop the environment. */
  stop(): Promise<void>;
}

const SCRIPT: Readonly<Record<ServiceName, string>> = {
  'edge-server': 'services/edge-server/dist/main.js',
  'router-worker': 'services/router-worker/dist/main.js',
  'vendor-connector': 'services/vendor-connector/dist/main.js',
  'dlr-tracker': 'services/dlr-tracker/dist/main.js',
  'admin-api': 'services/admin-api/dist/main.js',
};

/** Workspace root: packages/e2e/{src,dist}/stack.* → three levels up. */
export function workspaceRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** Only what a Node process needs from the parent; nothing of the test runner's configuration leaks in. */
function baseEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  const env: Record<string, string> = {};
  for (const key of keep) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

function serviceEnvironment(
  service: ServiceName,
  testEnv: TestEnv,
  queueType: QueueType,
  logLevel: string,
  redisUrl: string,
): Record<string, string> {
  const shared: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: logLevel,
    DATABASE_URL: testEnv.db.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: testEnv.redis.keyPrefix,
    AMQP_URL: testEnv.amqp.url,
    AMQP_QUEUE_TYPE: queueType,
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '15000',
  };
  switch (service) {
    case 'edge-server':
      return { ...shared, SMPP_HOST: '127.0.0.1', SMPP_PORT: '0' };
    case 'admin-api':
      return { ...shared, ADMIN_HOST: '127.0.0.1', ADMIN_PORT: '0' };
    case 'router-worker':
    case 'vendor-connector':
    case 'dlr-tracker':
      return shared;
  }
}

function replicaCount(option: StackOptions['replicas'], service: ServiceName): number {
  const count = typeof option === 'number' ? option : (option?.[service] ?? 1);
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`replicas of ${service}: ${count}`);
  return count;
}

export async function startGateway(options: StackOptions): Promise<GatewayStack> {
  const root = options.root ?? workspaceRoot();
  const services = options.services ?? SERVICE_NAMES;
  const missing = services.filter((service) => !existsSync(join(root, SCRIPT[service])));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.map((s) => SCRIPT[s]).join(', ')}. Run \`pnpm build\` first ` +
        '(turbo builds every service before the e2e tests).',
    );
  }
  const queueType = options.queueType ?? 'classic';
  const logLevel = options.logLevel ?? 'info';
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const stopGraceMs = options.stopGraceMs ?? 20_000;

  const env = await createTestEnv();
  let redisProxy: TcpProxy | undefined;
  let simulators: Map<string, Simulator> | undefined;
  const processes: ServiceProcess[] = [];
  const clients: CustomerClient[] = [];
  let stopped = false;

  const stopProcesses = async (): Promise<void> => {
    await Promise.all(processes.map((proc) => proc.stop(stopGraceMs)));
  };

  try {
    let redisUrl = env.redis.url;
    if (options.redisProxy) {
      const target = new URL(env.redis.url);
      redisProxy = await TcpProxy.start({
        host: target.hostname,
        port: Number(target.port || 6379),
      });
      target.hostname = '127.0.0.1';
      target.port = String(redisProxy.port);
      redisUrl = target.toString();
    }
    simulators = await startSimulators(options.fixture.vendors);
    const seeded = await seedFixture(env.db.url, options.fixture, simulators);
    const data: StackData = seeded;
    // A short random suffix keeps control queues of restarted stacks apart in logs.
    const suffix = env.redis.keyPrefix.slice(-9, -1);
    for (const service of services) {
      const count = replicaCount(options.replicas, service);
      for (let replica = 0; replica < count; replica++) {
        const instanceId = `${service}-${replica}-${suffix}`;
        processes.push(
          new ServiceProcess(service, replica, instanceId, SCRIPT[service], root, {
            ...baseEnvironment(),
            ...serviceEnvironment(service, env, queueType, logLevel, redisUrl),
            INSTANCE_ID: instanceId,
            ...options.env,
            ...options.serviceEnv?.[service],
          }),
        );
      }
    }
    for (const proc of processes) proc.start();
    await Promise.all(processes.map((proc) => proc.waitForReady(readyTimeoutMs)));

    const stack: GatewayStack = {
      env,
      redisProxy,
      data,
      processes,
      queueType,
      vendor: (key) => {
        const vendor = data.vendors.get(key);
        if (vendor === undefined) throw new Error(`no vendor "${key}" in this stack`);
        return vendor;
      },
      simulator: (key) => stack.vendor(key).simulator,
      customer: (key) => {
        const customer = data.customers.get(key);
        if (customer === undefined) throw new Error(`no customer "${key}" in this stack`);
        return customer;
      },
      process: (service, replica = 0) => {
        const proc = processes.find((p) => p.service === service && p.replica === replica);
        if (proc === undefined) throw new Error(`no ${service} replica ${replica} in this stack`);
        return proc;
      },
      replicas: (service) => processes.filter((p) => p.service === service),
      edgePort: (replica = 0) => {
        const port = stack.process('edge-server', replica).ports?.smpp;
        if (port === undefined)
          throw new Error(`edge-server replica ${replica} has no SMPP port (not running?)`);
        return port;
      },
      connect: async (customerKey, connectOptions = {}) => {
        const customer = stack.customer(customerKey);
        const client = await CustomerClient.connect({
          port: stack.edgePort(connectOptions.replica ?? 0),
          systemId: customer.systemId,
          password: customer.password,
          bindType: connectOptions.bindType ?? 'transceiver',
          ...(connectOptions.windowSize !== undefined
            ? { windowSize: connectOptions.windowSize }
            : {}),
        });
        clients.push(client);
        return client;
      },
      kill: (service, replica, signal = 'SIGKILL') =>
        stack.process(service, replica).signal(signal),
      restart: async (service, replica) => {
        const proc = stack.process(service, replica);
        const smppPort = proc.ports?.smpp;
        if (proc.running) await proc.stop(stopGraceMs);
        // A container restarts on its fixed port; customers reconnect to the same address.
        proc.start(smppPort !== undefined ? { SMPP_PORT: String(smppPort) } : {});
        await proc.waitForReady(readyTimeoutMs);
      },
      waitForVendorBinds: async (key, binds, timeoutMs = 30_000) => {
        const { vendor, simulator } = stack.vendor(key);
        const wanted = binds ?? vendor.maxBinds;
        const deadline = Date.now() + timeoutMs;
        while (simulator.stats().binds.active < wanted) {
          if (Date.now() > deadline) {
            throw new Error(
              `vendor ${key}: ${simulator.stats().binds.active} of ${wanted} binds after ${timeoutMs} ms`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      formatLogs: (linesPerProcess = 150) =>
        processes.map((proc) => proc.formatLogs(linesPerProcess)).join('\n'),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await Promise.allSettled(clients.map((client) => client.close()));
        await stopProcesses();
        // Carriers last, so the connectors could unbind from them.
        await Promise.allSettled([...data.vendors.values()].map((v) => v.simulator.stop()));
        await redisProxy?.close();
        await env.destroy();
      },
    };

    if (
      (options.waitForVendorBinds ?? true) &&
      services.includes('vendor-connector') &&
      replicaCount(options.replicas, 'vendor-connector') > 0
    ) {
      await Promise.all(
        [...data.vendors.values()]
          .filter(({ vendor }) => vendor.isActive)
          .map(({ key }) => stack.waitForVendorBinds(key)),
      );
    }
    return stack;
  } catch (error) {
    const report = processes.map((proc) => proc.formatLogs(80)).join('\n');
    await stopProcesses().catch(() => undefined);
    await Promise.allSettled([...(simulators?.values() ?? [])].map((s) => s.stop()));
    await redisProxy?.close().catch(() => undefined);
    await env.destroy().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`gateway did not start: ${message}\n${report}`, { cause: error });
  }
}
