// Monitoring for docker compose users (profile `monitoring`, deploy/monitoring):
// - the profile adds Prometheus and Grafana and changes nothing else;
// - Prometheus scrapes every gateway service of the compose file, with the
//   `job` and `namespace` labels k8s/prometheus-rules.yaml selects on, and
//   promtool accepts its config and the rule file it loads;
// - that rule file is generated from the PrometheusRule, and is exactly what
//   the generator writes (one source of truth for the alerts);
// - Grafana gets a data source the k8s dashboard's variable picks, and the
//   k8s dashboard itself (mounted, not copied).
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { locatePrometheusTool } from '@smpp-gateway/testkit';
import {
  composeService,
  healthcheckCommand,
  composeDependencies,
  composeEnvironment,
  dashboardPanels,
  DEPLOY_PATHS,
  loadComposeFile,
  loadDashboard,
  loadManifests,
  loadYamlFile,
  mountedHostPath,
  objectsOfKind,
  portBindings,
  WORKSPACE_ROOT,
  type ComposeFile,
  type ComposeService,
  type Dashboard,
  type LoadedManifest,
} from '../src/index.js';

const execFileAsync = promisify(execFile);

interface RelabelConfig {
  source_labels?: string[];
  target_label?: string;
  replacement?: string;
  action?: string;
  regex?: string;
}
interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  honor_labels?: boolean;
  dns_sd_configs?: { names?: string[]; type?: string; port?: number }[];
  static_configs?: { targets?: string[]; labels?: Record<string, string> }[];
  relabel_configs?: RelabelConfig[];
}
interface PrometheusConfig {
  rule_files?: string[];
  scrape_configs?: ScrapeConfig[];
}
interface RuleGroup {
  name: string;
  rules: { alert?: string; record?: string; expr: string }[];
}
interface GrafanaDatasource {
  name?: string;
  uid?: string;
  type?: string;
  url?: string;
  isDefault?: boolean;
}
interface GrafanaProvider {
  type?: string;
  options?: { path?: string };
}

const PROFILE = 'monitoring';
const COMPOSE_DIR = dirname(DEPLOY_PATHS.compose);
/** The prom/prometheus image's default `--config.file`. */
const PROMETHEUS_CONFIG_IN_CONTAINER = '/etc/prometheus/prometheus.yml';
const GRAFANA_PROVISIONING = '/etc/grafana/provisioning';

let compose: ComposeFile;
let gateway: string[];
let config: PrometheusConfig;
let manifests: LoadedManifest[];
let groups: RuleGroup[];
let dashboard: Dashboard;

const service = (name: string): ComposeService => composeService(compose, name);
const healthTest = healthcheckCommand;
const scrapeJob = (name: string): ScrapeConfig | undefined =>
  config.scrape_configs?.find((job) => job.job_name === name);

/**
 * The port a gateway container serves /metrics on: the one its healthcheck
 * asks /ready on (the workers' ops server on METRICS_PORT, admin-api's own
 * app on ADMIN_PORT, each serving /metrics, /health and /ready together).
 */
function metricsPort(name: string): number {
  const port = /http:\/\/127\.0\.0\.1:(\d+)\/ready/u.exec(healthTest(service(name)))?.[1];
  if (port === undefined) throw new Error(`${name}: no /ready healthcheck to take its port from`);
  return Number(port);
}

/** The values a label matcher `label="v"` / `label=~"a|b"` takes across `exprs`. */
function matcherValues(exprs: readonly string[], label: string): Set<string> {
  const values = new Set<string>();
  const pattern = new RegExp(`\\b${label}\\s*=~?\\s*"([^"]*)"`, 'gu');
  for (const expr of exprs) {
    for (const match of expr.matchAll(pattern)) {
      for (const value of (match[1] ?? '').split('|')) values.add(value);
    }
  }
  return values;
}

/** Every *.yml / *.yaml document in a provisioning folder. */
async function provisioningFiles(dir: string): Promise<unknown[]> {
  const names = (await readdir(dir)).filter((f) => /\.ya?ml$/u.test(f)).sort();
  return Promise.all(names.map((f) => loadYamlFile(join(dir, f))));
}

/** Where Grafana's provisioning `kind` folder comes from in the repository. */
function grafanaProvisioningDir(kind: 'datasources' | 'dashboards'): string {
  const mounted = mountedHostPath(
    service('grafana'),
    `${GRAFANA_PROVISIONING}/${kind}`,
    COMPOSE_DIR,
  );
  if (mounted === undefined) throw new Error(`grafana: nothing mounted at .../${kind}`);
  return mounted.path;
}

async function run(
  command: string,
  args: readonly string[],
): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd: WORKSPACE_ROOT });
    return { ok: true, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message };
  }
}

beforeAll(async () => {
  compose = await loadComposeFile(DEPLOY_PATHS.compose);
  // The gateway services: the compose services built from a package under
  // services/ (the simulator and migrate are built from packages/).
  const workspaceServices = (
    await readdir(join(WORKSPACE_ROOT, 'services'), { withFileTypes: true })
  )
    .filter(
      (d) =>
        d.isDirectory() && existsSync(join(WORKSPACE_ROOT, 'services', d.name, 'package.json')),
    )
    .map((d) => d.name);
  gateway = Object.entries(compose.services)
    .filter(([, s]) => workspaceServices.includes(s.build?.args?.SERVICE ?? ''))
    .map(([name]) => name)
    .sort();
  expect(gateway, 'every service of the workspace runs in compose').toEqual(
    [...workspaceServices].sort(),
  );

  config = (await loadYamlFile(DEPLOY_PATHS.prometheusConfig)) as PrometheusConfig;
  manifests = (await loadManifests(DEPLOY_PATHS.k8sDir)).manifests;
  const rules = objectsOfKind(manifests, 'PrometheusRule');
  expect(rules).toHaveLength(1);
  groups = (rules[0]!.spec as { groups: RuleGroup[] }).groups;
  dashboard = await loadDashboard(DEPLOY_PATHS.dashboard);
});

describe('docker-compose.yml: the monitoring profile', () => {
  it('holds Prometheus and Grafana, and no other service is in any profile', () => {
    const inProfile = Object.entries(compose.services)
      .filter(([, s]) => s.profiles !== undefined)
      .map(([name, s]) => [name, s.profiles]);
    expect(Object.fromEntries(inProfile)).toEqual({
      prometheus: [PROFILE],
      grafana: [PROFILE],
    });
    // A plain `docker compose up` must not need them: nothing outside the
    // profile depends on them, and Prometheus waits for no gateway service
    // (targets coming and going is what it watches).
    for (const [name, s] of Object.entries(compose.services)) {
      if (s.profiles !== undefined) continue;
      for (const target of Object.keys(composeDependencies(s))) {
        expect(compose.services[target]?.profiles, `${name} → ${target}`).toBeUndefined();
      }
    }
    expect(composeDependencies(service('prometheus'))).toEqual({});
  });

  it('publishes Prometheus on 127.0.0.1:9091 and Grafana on 127.0.0.1:3000 only, health-checked', () => {
    expect(portBindings(service('prometheus'))).toEqual([
      { hostIp: '127.0.0.1', published: 9091, target: 9090 },
    ]);
    expect(portBindings(service('grafana'))).toEqual([
      { hostIp: '127.0.0.1', published: 3000, target: 3000 },
    ]);
    expect(healthTest(service('prometheus'))).toContain('http://127.0.0.1:9090/-/ready');
    expect(healthTest(service('grafana'))).toContain('http://127.0.0.1:3000/api/health');
    // Official images, pinned to a release.
    expect(service('prometheus').image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/u);
    expect(service('grafana').image).toMatch(/^grafana\/grafana-oss:\d+\.\d+\.\d+$/u);
  });

  it('mounts the config and the rule files read-only where the config refers to them', () => {
    const prometheus = service('prometheus');
    // The image's default command reads the default config path.
    expect(prometheus.command).toBeUndefined();
    expect(mountedHostPath(prometheus, PROMETHEUS_CONFIG_IN_CONTAINER, COMPOSE_DIR)).toEqual({
      path: DEPLOY_PATHS.prometheusConfig,
      readOnly: true,
    });
    // A rule file is found relative to the config, in the container as in
    // the repository (where promtool checks it): the same file both ways.
    expect(config.rule_files?.length).toBeGreaterThan(0);
    for (const file of config.rule_files ?? []) {
      expect(posix.isAbsolute(file), file).toBe(false);
      const inContainer = posix.join(posix.dirname(PROMETHEUS_CONFIG_IN_CONTAINER), file);
      const inRepository = resolve(dirname(DEPLOY_PATHS.prometheusConfig), file);
      expect(mountedHostPath(prometheus, inContainer, COMPOSE_DIR), file).toEqual({
        path: inRepository,
        readOnly: true,
      });
      expect(existsSync(inRepository), inRepository).toBe(true);
    }
    expect(
      config.rule_files?.map((f) => resolve(dirname(DEPLOY_PATHS.prometheusConfig), f)),
    ).toEqual([DEPLOY_PATHS.composeRules]);
  });
});

describe('deploy/monitoring/prometheus.yml', () => {
  it('scrapes every gateway service by DNS (all replicas), on the port it serves /metrics on', () => {
    expect(gateway.length).toBeGreaterThanOrEqual(5);
    for (const name of gateway) {
      const job = scrapeJob(name);
      expect(job, `no scrape job for ${name}`).toBeDefined();
      expect(job!.metrics_path ?? '/metrics', name).toBe('/metrics');
      expect(job!.static_configs, name).toBeUndefined();
      expect(job!.dns_sd_configs, name).toEqual([
        expect.objectContaining({ names: [name], type: 'A', port: metricsPort(name) }),
      ]);
    }
    // Every other target is a compose service too (or Prometheus itself).
    for (const job of config.scrape_configs ?? []) {
      for (const target of (job.static_configs ?? []).flatMap((c) => c.targets ?? [])) {
        const host = target.replace(/:\d+$/u, '');
        expect(host === '127.0.0.1' || host in compose.services, `${job.job_name}: ${target}`).toBe(
          true,
        );
      }
    }
  });

  it('labels the gateway targets as the rules and the ServiceMonitor do: job = service, namespace', () => {
    const exprs = groups.flatMap((g) => g.rules.map((r) => r.expr));
    // The jobs the alerts watch are exactly the compose gateway services.
    expect([...matcherValues(exprs, 'job')].sort()).toEqual(gateway);
    const namespaces = [...matcherValues(exprs, 'namespace')];
    expect(namespaces).toHaveLength(1);
    const [namespace] = namespaces;

    const [monitor] = objectsOfKind(manifests, 'ServiceMonitor');
    const endpoint = (monitor?.spec as { endpoints?: { honorLabels?: boolean }[] }).endpoints?.[0];
    for (const name of gateway) {
      const job = scrapeJob(name)!;
      const relabel = job.relabel_configs ?? [];
      // `job` stays the job name, the service's name.
      expect(
        relabel.filter((r) => r.target_label === 'job'),
        name,
      ).toEqual([]);
      // `namespace` set outright (no source label: the whole job gets it).
      expect(relabel, name).toContainEqual({ target_label: 'namespace', replacement: namespace });
      // The series' own labels (service="<name>") win, as in the cluster.
      expect(job.honor_labels ?? false, name).toBe(endpoint?.honorLabels ?? false);
    }
    // The dashboard selects no job or namespace Prometheus would not have.
    const panelExprs = dashboardPanels(dashboard).flatMap((p) =>
      (p.targets ?? []).flatMap((t) => (t.expr === undefined ? [] : [t.expr])),
    );
    for (const value of matcherValues(panelExprs, 'job')) expect(gateway).toContain(value);
    for (const value of matcherValues(panelExprs, 'namespace')) expect(value).toBe(namespace);
  });

  it('passes `promtool check config`, which checks the rule file it loads too', async () => {
    const promtool = locatePrometheusTool('promtool');
    expect(
      promtool,
      'promtool not found: run `bash scripts/ensure-prometheus.sh` (.ci/run does)',
    ).toBeDefined();
    const { ok, output } = await run(promtool!, ['check', 'config', DEPLOY_PATHS.prometheusConfig]);
    expect(ok, output).toBe(true);
    const alerts = groups.flatMap((g) => g.rules).length;
    expect(output).toContain(`Checking ${DEPLOY_PATHS.composeRules}`);
    expect(output).toContain(`SUCCESS: ${alerts} rules found`);
  });
});

describe('deploy/monitoring/alerts.rules.yml (generated)', () => {
  it("holds exactly the PrometheusRule's groups, under a do-not-edit header", async () => {
    const text = await readFile(DEPLOY_PATHS.composeRules, 'utf8');
    expect(text.split('\n')[0]).toBe(
      '# generated from k8s/prometheus-rules.yaml by scripts/gen-compose-rules.mjs; do not edit.',
    );
    expect(await loadYamlFile(DEPLOY_PATHS.composeRules)).toEqual({ groups });
  });

  it('is byte for byte what `pnpm gen:compose-rules` writes', async () => {
    const { ok, output } = await run(process.execPath, [
      DEPLOY_PATHS.composeRulesGenerator,
      '--check',
    ]);
    expect(ok, output).toBe(true);
    const root = JSON.parse(await readFile(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(root.scripts['gen:compose-rules']).toBe('node scripts/gen-compose-rules.mjs');
  });
});

describe('Grafana provisioning', () => {
  it("provisions the default Prometheus data source that the dashboard's variable selects", async () => {
    const sources = (await provisioningFiles(grafanaProvisioningDir('datasources'))).flatMap(
      (file) => (file as { datasources?: GrafanaDatasource[] }).datasources ?? [],
    );
    const variable = dashboard.templating?.list?.find((v) => v.type === 'datasource') as
      { name: string; query?: string; current?: { value?: string } } | undefined;
    expect(variable).toBeDefined();
    // The variable starts on the default data source of its type.
    const defaults = sources.filter((s) => s.isDefault === true);
    expect(defaults).toHaveLength(1);
    const source = defaults[0]!;
    expect(source.type).toBe(variable!.query);
    expect(source.uid).toMatch(/^[\w-]{1,40}$/u);
    const current = variable!.current?.value;
    if (current !== undefined) expect(current).toBe(source.uid);
    // It points at the compose Prometheus, on its container port.
    const url = new URL(source.url ?? '');
    const prometheus = service(url.hostname);
    expect(prometheus.image).toMatch(/^prom\/prometheus:/u);
    expect(prometheus.profiles).toEqual([PROFILE]);
    expect(Number(url.port)).toBe(portBindings(prometheus)[0]?.target);
    // No panel names a data source the compose Grafana lacks.
    const uids = new Set(
      dashboardPanels(dashboard).flatMap((p) =>
        [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)].map(
          (d) => (d as { uid?: string } | undefined)?.uid,
        ),
      ),
    );
    uids.delete(undefined);
    for (const uid of uids) expect([`\${${variable!.name}}`, source.uid]).toContain(uid);
  });

  it('shows the k8s dashboard itself, mounted read-only where the provider reads it', async () => {
    const grafana = service('grafana');
    for (const kind of ['datasources', 'dashboards'] as const) {
      const mounted = mountedHostPath(grafana, `${GRAFANA_PROVISIONING}/${kind}`, COMPOSE_DIR);
      expect(mounted?.readOnly, kind).toBe(true);
      expect(statSync(mounted!.path).isDirectory(), mounted!.path).toBe(true);
    }
    const providers = (await provisioningFiles(grafanaProvisioningDir('dashboards'))).flatMap(
      (file) => (file as { providers?: GrafanaProvider[] }).providers ?? [],
    );
    expect(providers).toHaveLength(1);
    const path = providers[0]!.options?.path ?? '';
    expect(providers[0]!.type).toBe('file');
    const dashboardInContainer = posix.join(path, basename(DEPLOY_PATHS.dashboard));
    expect(mountedHostPath(grafana, dashboardInContainer, COMPOSE_DIR)).toEqual({
      path: DEPLOY_PATHS.dashboard,
      readOnly: true,
    });
    // The home page is that dashboard.
    const home = composeEnvironment(grafana).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(mountedHostPath(grafana, home, COMPOSE_DIR)?.path).toBe(DEPLOY_PATHS.dashboard);
    // No copy of it under deploy/ to drift from the original.
    const copies = (await readdir(DEPLOY_PATHS.monitoringDir, { recursive: true })).filter((f) =>
      String(f).endsWith('.json'),
    );
    expect(copies).toEqual([]);
    // The admin password comes from .env, with a development default.
    expect(composeEnvironment(grafana).GF_SECURITY_ADMIN_PASSWORD).toMatch(
      /^\$\{GRAFANA_ADMIN_PASSWORD:-[^}]+\}$/u,
    );
  });
});
