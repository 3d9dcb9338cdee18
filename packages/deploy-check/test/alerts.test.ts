// k8s/prometheus-rules.yaml: the alerting rules. Checked three ways:
// - promtool (Prometheus's own tool) accepts them and its unit tests
//   (alerts.promtool.yaml, synthetic series) pass: each alert fires on the
//   series it is for, with its rendered summary, and stays quiet otherwise;
// - every series and label they read is one the code registers, so a
//   renamed metric or label cannot leave an alert that never fires;
// - every alert has a severity, a summary, a description and a runbook
//   section in docs/alerts.md, and each section there is an alert.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { locatePrometheusTool } from '@smpp-gateway/testkit';
import { parse, stringify } from 'yaml';
import {
  DEPLOY_PATHS,
  groupingLabelsInExpr,
  loadManifests,
  metricNamesInExpr,
  objectsOfKind,
  scanExportedMetrics,
  selectorLabelsInExpr,
  seriesIsRegistered,
  WORKSPACE_ROOT,
  type K8sObject,
  type LoadedManifest,
  type MetricType,
} from '../src/index.js';

const execFileAsync = promisify(execFile);

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

const PROMTOOL_TESTS = join(WORKSPACE_ROOT, 'packages/deploy-check/test/alerts.promtool.yaml');
const RUNBOOK = join(WORKSPACE_ROOT, 'docs/alerts.md');
const SEVERITIES = ['critical', 'warning', 'info'];
/**
 * Labels a series has besides the ones the code declares: the ops server's
 * `service`, what Prometheus adds per target (the Prometheus Operator's
 * relabelling included), and a histogram bucket's `le`.
 */
const TARGET_LABELS = ['service', 'job', 'instance', 'namespace', 'pod', 'container', 'endpoint'];

const promtool = locatePrometheusTool('promtool');
if (!promtool) {
  console.warn(
    '\n*** SKIPPING the promtool checks of the alert rules: promtool not found. ' +
      'Run scripts/ensure-prometheus.sh (CI does). ***\n',
  );
}

let manifests: LoadedManifest[];
let kustomization: Record<string, unknown> | undefined;
let rule: K8sObject;
let groups: RuleGroup[];
let alerts: AlertRule[];
let registered: Map<string, MetricType>;
let labelsOf: Map<string, Set<string>>;

beforeAll(async () => {
  const loaded = await loadManifests(DEPLOY_PATHS.k8sDir);
  manifests = loaded.manifests;
  kustomization = loaded.kustomization;
  const objects = objectsOfKind(manifests, 'PrometheusRule');
  expect(objects).toHaveLength(1);
  rule = objects[0]!;
  groups = (rule.spec as { groups: RuleGroup[] }).groups;
  alerts = groups.flatMap((g) => g.rules);

  registered = new Map();
  labelsOf = new Map();
  for (const [name, metric] of await scanExportedMetrics(WORKSPACE_ROOT)) {
    registered.set(name, metric.type);
    labelsOf.set(name, new Set([...TARGET_LABELS, ...metric.labelNames]));
  }
});

/** Labels a series of `metric` may carry (a histogram's buckets add `le`). */
function seriesLabels(metric: string): Set<string> {
  if (metric === 'up') return new Set(['job', 'instance', 'namespace', 'pod', 'service']);
  const base = /^(.*)_(bucket|sum|count)$/u.exec(metric);
  const own = labelsOf.get(metric) ?? labelsOf.get(base?.[1] ?? '') ?? new Set<string>();
  return base?.[2] === 'bucket' ? new Set([...own, 'le']) : own;
}

describe('alerting rules (k8s/prometheus-rules.yaml)', () => {
  it('is one PrometheusRule in the messaging namespace, applied by the kustomization', () => {
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.namespace).toBe('messaging');
    expect(rule.metadata.labels?.['app.kubernetes.io/part-of']).toBe('smpp-gateway');
    expect(kustomization?.resources).toContain('prometheus-rules.yaml');
  });

  it('labels the targets with the job names the rules use', () => {
    // SmppServiceDown and friends select `up{job="<service>"}`: the
    // ServiceMonitor must make job the service's name (admin-api's Service
    // is named smpp-gateway-api).
    const monitors = objectsOfKind(manifests, 'ServiceMonitor');
    expect(monitors.map((m) => (m.spec as { jobLabel?: string }).jobLabel)).toEqual([
      'app.kubernetes.io/name',
    ]);
  });

  it('gives every alert a severity, a summary, a description and a runbook section', async () => {
    const runbook = await readFile(RUNBOOK, 'utf8');
    const sections = new Set(
      [...runbook.matchAll(/^## (\S+)\s*$/gmu)].map((m) => (m[1] ?? '').toLowerCase()),
    );
    expect(alerts.length).toBeGreaterThanOrEqual(25);
    for (const alert of alerts) {
      expect(alert.alert, JSON.stringify(alert)).toMatch(/^Smpp[A-Za-z]+$/u);
      expect(SEVERITIES, alert.alert).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary, alert.alert).toBeTruthy();
      expect(alert.annotations?.description, alert.alert).toBeTruthy();
      expect(alert.annotations?.runbook, alert.alert).toBe(
        `docs/alerts.md#${alert.alert.toLowerCase()}`,
      );
      expect(
        sections.has(alert.alert.toLowerCase()),
        `docs/alerts.md has no ## ${alert.alert}`,
      ).toBe(true);
    }
    // And no section for an alert that no longer exists.
    const names = new Set(alerts.map((a) => a.alert.toLowerCase()));
    expect([...sections].filter((s) => !names.has(s))).toEqual([]);
  });

  it('reads only series the code registers (finds what it checks against)', () => {
    for (const name of [
      'smpp_server_submit_sm_total',
      'amqp_queue_messages_ready',
      'process_resident_memory_bytes',
    ]) {
      expect(registered.has(name), name).toBe(true);
    }
    for (const alert of alerts) {
      for (const series of metricNamesInExpr(alert.expr)) {
        if (series === 'up') continue; // Prometheus's own, per target
        expect(seriesIsRegistered(series, registered), `${alert.alert}: ${series}`).toBe(true);
      }
    }
  });

  it('matches and groups only by labels those series carry', () => {
    expect(seriesLabels('router_vendor_down').has('vendor_id')).toBe(true);
    expect(seriesLabels('router_vendor_down').has('customer_id')).toBe(false);
    for (const alert of alerts) {
      const series = metricNamesInExpr(alert.expr);
      for (const { metric, labels } of selectorLabelsInExpr(alert.expr)) {
        for (const label of labels) {
          expect(seriesLabels(metric).has(label), `${alert.alert}: ${metric}{${label}}`).toBe(true);
        }
      }
      const available = new Set(series.flatMap((s) => [...seriesLabels(s)]));
      for (const label of groupingLabelsInExpr(alert.expr)) {
        expect(available.has(label), `${alert.alert}: by (${label})`).toBe(true);
      }
    }
  });

  describe.skipIf(!promtool)('promtool', () => {
    let dir: string;

    beforeAll(async () => {
      // promtool wants a plain rule file: the PrometheusRule's spec is one.
      dir = await mkdtemp(join(tmpdir(), 'smppgw-alerts-'));
      await writeFile(join(dir, 'rules.yaml'), stringify({ groups }));
      await copyFile(PROMTOOL_TESTS, join(dir, 'alerts.promtool.yaml'));
      return () => rm(dir, { recursive: true, force: true });
    });

    it('accepts the rules (check rules)', async () => {
      const { stdout } = await execFileAsync(promtool!, [
        'check',
        'rules',
        join(dir, 'rules.yaml'),
      ]);
      expect(stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
    });

    it('passes the unit tests, which make every alert fire at least once', async () => {
      const tests = parse(await readFile(PROMTOOL_TESTS, 'utf8')) as {
        rule_files: string[];
        tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
      };
      expect(tests.rule_files).toEqual(['rules.yaml']);
      const fired = new Set(
        tests.tests.flatMap((t) =>
          (t.alert_rule_test ?? [])
            .filter((c) => (c.exp_alerts ?? []).length > 0)
            .map((c) => c.alertname),
        ),
      );
      expect([...new Set(alerts.map((a) => a.alert))].filter((a) => !fired.has(a))).toEqual([]);

      const run = await execFileAsync(promtool!, [
        'test',
        'rules',
        join(dir, 'alerts.promtool.yaml'),
      ]).catch((error: { stdout?: string; stderr?: string }) => error);
      expect(`${run.stdout ?? ''}${run.stderr ?? ''}`).toContain('SUCCESS');
    });
  });
});
