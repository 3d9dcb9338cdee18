// Environment variables: every one a service reads is documented, and every
// one the deployment files set is read by the service they set it for. A
// misspelt ConfigMap key or compose variable is otherwise silently ignored
// (the service runs on its default), and an undocumented one cannot be found.
// The variables are read from the config schemas' source the way the metric
// scan reads metrics: keys of the zod objects in services/*/src/config.ts and
// the shared ones in packages/runtime/src/config.ts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  composeEnvironment,
  DEPLOY_PATHS,
  GATEWAY_SERVICES,
  loadComposeFile,
  loadManifests,
  objectsOfKind,
  WORKSPACE_ROOT,
  type GatewayService,
  type K8sObject,
  type LoadedManifest,
} from '../src/index.js';

/** `  NAME: …` at the start of a line: a key of a config schema object. */
const SCHEMA_KEY = /^\s{2,}([A-Z][A-Z0-9_]{2,}):/gmu;
/** Read by Node itself, not by a config schema. */
const NODE_VARIABLES = new Set(['NODE_OPTIONS', 'NODE_ENV']);

async function schemaKeys(file: string): Promise<Set<string>> {
  const text = await readFile(join(WORKSPACE_ROOT, file), 'utf8');
  return new Set([...text.matchAll(SCHEMA_KEY)].map((m) => m[1] ?? ''));
}

let shared: Set<string>;
const own = new Map<GatewayService, Set<string>>();
let manifests: LoadedManifest[];

beforeAll(async () => {
  shared = await schemaKeys('packages/runtime/src/config.ts');
  for (const service of GATEWAY_SERVICES) {
    own.set(service, await schemaKeys(`services/${service}/src/config.ts`));
  }
  manifests = (await loadManifests(DEPLOY_PATHS.k8sDir)).manifests;
});

interface EnvVar {
  name: string;
  valueFrom?: { configMapKeyRef?: { key?: string } };
}

function containersOf(deployment: K8sObject): { env?: EnvVar[] }[] {
  return (deployment.spec as { template: { spec: { containers: { env?: EnvVar[] }[] } } }).template
    .spec.containers;
}

/** What `service` reads: its own schema's keys and the shared ones. */
function readBy(service: GatewayService): Set<string> {
  return new Set([...shared, ...(own.get(service) ?? []), ...NODE_VARIABLES]);
}

describe('environment variables', () => {
  it('finds the variables it checks against', () => {
    // Guards the scan: an empty set would make every check below vacuous.
    expect(shared.has('DATABASE_URL')).toBe(true);
    expect(shared.has('AMQP_PUBLISH_LINGER_MS')).toBe(true);
    expect(own.get('dlr-tracker')?.has('CDR_RETENTION_DAYS')).toBe(true);
    expect(own.get('edge-server')?.has('EDGE_CREDIT_REFRESH_MS')).toBe(true);
    expect(own.get('admin-api')?.has('ADMIN_PORT')).toBe(true);
  });

  it('documents every variable in the README or the service README', async () => {
    const root = await readFile(join(WORKSPACE_ROOT, 'README.md'), 'utf8');
    const missing: string[] = [];
    for (const service of GATEWAY_SERVICES) {
      const readme = await readFile(join(WORKSPACE_ROOT, 'services', service, 'README.md'), 'utf8');
      for (const variable of [...shared, ...(own.get(service) ?? [])]) {
        if (NODE_VARIABLES.has(variable)) continue;
        const quoted = `\`${variable}\``;
        if (!root.includes(quoted) && !readme.includes(quoted))
          missing.push(`${service}: ${variable}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('sets in the k8s ConfigMap only variables some service reads', () => {
    // A key is a variable (envFrom) or the source of one (configMapKeyRef,
    // checked as the variable it becomes by the Deployment test below).
    const known = new Set(GATEWAY_SERVICES.flatMap((s) => [...readBy(s)]));
    for (const deployment of objectsOfKind(manifests, 'Deployment')) {
      for (const container of containersOf(deployment)) {
        for (const variable of container.env ?? []) {
          const key = variable.valueFrom?.configMapKeyRef?.key;
          if (key) known.add(key);
        }
      }
    }
    const configMaps = objectsOfKind(manifests, 'ConfigMap');
    expect(configMaps.length).toBeGreaterThan(0);
    for (const configMap of configMaps) {
      for (const key of Object.keys(configMap.data ?? {})) {
        expect(known.has(key), `${configMap.metadata.name}: ${key}`).toBe(true);
      }
    }
  });

  it("sets in each k8s Deployment's env only variables its service reads", () => {
    for (const deployment of objectsOfKind(manifests, 'Deployment')) {
      const service = deployment.metadata.name as GatewayService;
      if (!GATEWAY_SERVICES.includes(service)) continue;
      for (const container of containersOf(deployment)) {
        for (const { name } of container.env ?? []) {
          expect(readBy(service).has(name), `${service}: ${name}`).toBe(true);
        }
      }
    }
  });

  it('sets in docker-compose only variables the service it sets them for reads', async () => {
    const compose = await loadComposeFile(DEPLOY_PATHS.compose);
    let checked = 0;
    for (const [name, service] of Object.entries(compose.services)) {
      if (!GATEWAY_SERVICES.includes(name as GatewayService)) continue;
      for (const key of Object.keys(composeEnvironment(service))) {
        expect(readBy(name as GatewayService).has(key), `${name}: ${key}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
