// docker-compose.yml: the stack a user starts with one command must be
// complete and ordered (healthchecks gate depends_on), and must stop cleanly.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  composeService,
  healthcheckCommand,
  composeDependencies,
  composeEnvironment,
  DEPLOY_PATHS,
  GATEWAY_SERVICES,
  IMAGE_SERVICES,
  loadComposeFile,
  parseComposeDuration,
  publishedPorts,
  WORKSPACE_ROOT,
  type ComposeFile,
  type ComposeService,
} from '../src/index.js';

/** compose `${VAR:-default}` → the default (what runs when .env does not set it). */
function withDefaults(text: string): string {
  return text.replace(/\$\{(\w+):?-([^}]*)\}/gu, '$2');
}

const BUILT = {
  'edge-server': 'edge-server',
  'router-worker': 'router-worker',
  'vendor-connector': 'vendor-connector',
  'dlr-tracker': 'dlr-tracker',
  'admin-api': 'admin-api',
  simulator: 'smsc-simulator',
  migrate: 'db',
} as const;

let compose: ComposeFile;
const service = (name: string): ComposeService => composeService(compose, name);
const healthTest = healthcheckCommand;

beforeAll(async () => {
  compose = await loadComposeFile(DEPLOY_PATHS.compose);
});

describe('docker-compose.yml', () => {
  it('builds every deployable from the root Dockerfile with its SERVICE', () => {
    for (const [name, arg] of Object.entries(BUILT)) {
      const s = service(name);
      expect(s.build?.context, name).toBe('.');
      expect(s.build?.args?.SERVICE, name).toBe(arg);
      expect((IMAGE_SERVICES as readonly string[]).includes(arg)).toBe(true);
      // Built images get a name and a tag that is not `latest`.
      expect(s.image, name).toMatch(/^smpp-gateway\/[a-z-]+:\S+$/u);
      expect(withDefaults(s.image ?? ''), name).not.toMatch(/:latest$/u);
    }
  });

  it('pins the infrastructure images (no implicit or explicit latest)', () => {
    const expected = {
      postgres: /^postgres:15(\.|$)/u,
      redis: /^redis:7(\.|$)/u,
      rabbitmq: /^rabbitmq:3\.13[.-].*management/u,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      expect(service(name).image, name).toMatch(pattern);
    }
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.build) continue;
      const image = withDefaults(s.image ?? '');
      expect(image, `${name} image`).toMatch(/:[^:/]+$/u);
      expect(image, `${name} image`).not.toMatch(/:latest$/u);
    }
  });

  it('health-checks the infrastructure with its own tools', () => {
    expect(healthTest(service('postgres'))).toMatch(/pg_isready/u);
    expect(healthTest(service('redis'))).toMatch(/redis-cli ping/u);
    expect(healthTest(service('rabbitmq'))).toMatch(/rabbitmq-diagnostics -q ping/u);
  });

  it('health-checks every gateway service on /ready of its ops port, with node', () => {
    for (const name of GATEWAY_SERVICES) {
      const s = service(name);
      const env = composeEnvironment(s);
      const port = name === 'admin-api' ? (env.ADMIN_PORT ?? '8080') : (env.METRICS_PORT ?? '9090');
      const test = healthTest(s);
      expect(s.healthcheck?.test?.[0], name).toBe('CMD');
      expect(test, name).toContain(`fetch('http://127.0.0.1:${port}/ready')`);
      expect(test, name).toMatch(/process\.exit\(r\.ok\?0:1\)/u);
    }
    expect(healthTest(service('simulator'))).toContain(
      `http://127.0.0.1:${composeEnvironment(service('simulator')).SMSC_SIM_CONTROL_PORT}/status`,
    );
  });

  it('orders start-up: infrastructure healthy, migrations completed', () => {
    expect(composeDependencies(service('migrate'))).toEqual({ postgres: 'service_healthy' });
    for (const name of GATEWAY_SERVICES) {
      const deps = composeDependencies(service(name));
      for (const infra of ['postgres', 'redis', 'rabbitmq']) {
        expect(deps[infra], `${name} → ${infra}`).toBe('service_healthy');
      }
      expect(deps.migrate, `${name} → migrate`).toBe('service_completed_successfully');
    }
    expect(composeDependencies(service('vendor-connector')).simulator).toBe('service_healthy');
  });

  it('uses a condition that can be met for every dependency', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [target, condition] of Object.entries(composeDependencies(s))) {
        const dependency = compose.services[target];
        expect(dependency, `${name} depends on unknown ${target}`).toBeDefined();
        if (condition === 'service_healthy') {
          expect(
            dependency?.healthcheck,
            `${name} waits for ${target} to be healthy`,
          ).toBeDefined();
        }
        if (condition === 'service_completed_successfully') {
          // A one-shot: restarting it would never "complete".
          expect(dependency?.restart, `${target} is a one-shot`).toBe('no');
        }
      }
    }
  });

  it('has no dependency cycle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (name: string, path: string[]): void => {
      if (done.has(name)) return;
      if (visiting.has(name)) throw new Error(`cycle: ${[...path, name].join(' → ')}`);
      visiting.add(name);
      for (const target of Object.keys(composeDependencies(service(name))))
        visit(target, [...path, name]);
      visiting.delete(name);
      done.add(name);
    };
    for (const name of Object.keys(compose.services)) visit(name, []);
  });

  it('publishes 2775, 2776 (edge-server) and 8080 (admin-api), each once', () => {
    expect(publishedPorts(service('edge-server'))).toEqual(expect.arrayContaining([2775, 2776]));
    expect(publishedPorts(service('admin-api'))).toContain(8080);
    const all = Object.values(compose.services).flatMap(publishedPorts);
    expect(new Set(all).size).toBe(all.length);
    // The edge serves TLS only with a certificate directory; it must be mounted.
    const edgeEnv = composeEnvironment(service('edge-server'));
    expect(edgeEnv.SMPP_PORT).toBe('2775');
    expect(edgeEnv.SMPP_TLS_PORT).toBe('2776');
    const mounts = (service('edge-server').volumes ?? []).map(String);
    expect(mounts.some((m) => m.split(':')[1] === edgeEnv.TLS_CERT_DIR)).toBe(true);
  });

  it('gives every service more time to stop than its drain deadline', () => {
    for (const name of GATEWAY_SERVICES) {
      const s = service(name);
      const deadline = Number(composeEnvironment(s).SHUTDOWN_TIMEOUT_MS ?? '25000');
      const grace = parseComposeDuration(s.stop_grace_period);
      expect(grace, `${name} stop_grace_period`).toBeDefined();
      expect(grace!, name).toBeGreaterThan(deadline);
      expect(grace!, name).toBeGreaterThan(25_000);
    }
  });

  it('configures every service for the compose network, quorum queues and a shared key', () => {
    const hosts = new Set(Object.keys(compose.services));
    const keys = new Set<string>();
    for (const name of GATEWAY_SERVICES) {
      const env = composeEnvironment(service(name));
      for (const variable of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL']) {
        const url = new URL(withDefaults(env[variable] ?? ''));
        expect(hosts.has(url.hostname), `${name} ${variable} → ${url.hostname}`).toBe(true);
      }
      // RabbitMQ only lets guest in from localhost.
      expect(new URL(withDefaults(env.AMQP_URL ?? '')).username).not.toBe('guest');
      expect(env.AMQP_QUEUE_TYPE, name).toBe('quorum');
      if (name === 'vendor-connector' || name === 'admin-api')
        keys.add(withDefaults(env.VENDOR_SECRET_KEY ?? ''));
    }
    keys.add(withDefaults(composeEnvironment(service('migrate')).VENDOR_SECRET_KEY ?? ''));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f]{64}$/u);
  });

  it('repoints the seeded demo vendor at the simulator container', async () => {
    const seed = await readFile(join(WORKSPACE_ROOT, 'packages/db/src/demo.seed.ts'), 'utf8');
    const vendorBlock = /vendor:\s*\{([^}]*)\}/u.exec(seed)?.[1] ?? '';
    const seededHost = /host:\s*'([^']+)'/u.exec(vendorBlock)?.[1];
    const seededPort = /port:\s*([\d_]+)/u.exec(vendorBlock)?.[1]?.replace(/_/gu, '');
    const instance = /instanceName:\s*'([^']+)'/u.exec(vendorBlock)?.[1];
    const systemId = /systemId:\s*'([^']+)'/u.exec(vendorBlock)?.[1];
    const password = /DEMO_VENDOR_PASSWORD\s*=\s*'([^']+)'/u.exec(seed)?.[1];
    expect([seededHost, seededPort, instance, systemId, password].every(Boolean)).toBe(true);

    const update = [service('demo-vendor-host').command ?? []].flat().join(' ');
    expect(update).toContain(`SET host = 'simulator'`);
    expect(update).toContain(`instance_name = '${instance}'`);
    expect(update).toContain(`host = '${seededHost}'`);
    expect(update).toContain(`port = ${seededPort}`);

    const sim = composeEnvironment(service('simulator'));
    expect(sim.SMSC_SIM_HOST).toBe('0.0.0.0');
    expect(sim.SMSC_SIM_PORT).toBe(seededPort);
    expect(sim.SMSC_SIM_ACCOUNTS?.split(',')).toContain(`${systemId}:${password}`);
    expect(composeDependencies(service('vendor-connector'))['demo-vendor-host']).toBe(
      'service_completed_successfully',
    );
  });

  it('runs migrations and the demo seed in the one-shot migrate service', () => {
    const command = [service('migrate').command ?? []].flat().join(' ');
    expect(command).toContain('node dist/cli/migrate.js up');
    expect(command).toContain('node dist/cli/seed-demo.js');
  });
});
