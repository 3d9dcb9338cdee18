// The Grafana dashboard: valid JSON, importable (datasource variable), and
// every series it queries is one the code registers, so no panel is
// silently empty after a rename.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dashboardExpressions,
  dashboardPanels,
  DEPLOY_PATHS,
  loadDashboard,
  metricNamesInExpr,
  scanExportedMetrics,
  seriesIsRegistered,
  WORKSPACE_ROOT,
  type Dashboard,
  type MetricType,
} from '../src/index.js';

// The seed's "Prometheus Metrics" list plus the process figures the brief asks for.
const SEED_SERIES = [
  'smpp_server_active_sessions_total',
  'smpp_server_bind_requests_total',
  'smpp_server_submit_sm_total',
  'smpp_server_deliver_sm_total',
  'smpp_client_connections_total',
  'smpp_client_submit_sm_total',
  'smpp_client_dlr_received_total',
  'smpp_client_throughput_current',
  'message_routing_duration_seconds_bucket',
  'message_queue_depth',
  'dlr_tracking_hits_total',
  'rate_limit_exceeded_total',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];

// Messages the gateway drops on purpose: an operator must see them happen.
const DROP_SERIES = ['router_refused_dropped_total'];

let dashboard: Dashboard;
let registered: Map<string, MetricType>;

beforeAll(async () => {
  dashboard = await loadDashboard(DEPLOY_PATHS.dashboard);
  registered = new Map(
    [...(await scanExportedMetrics(WORKSPACE_ROOT))].map(([name, m]) => [name, m.type]),
  );
});

describe('Grafana dashboard', () => {
  it('finds the registered metrics it checks against', () => {
    // Guards the scan itself: an empty registry would make the next test vacuous.
    for (const name of [
      'smpp_server_submit_sm_total',
      'message_routing_duration_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(registered.has(name), name).toBe(true);
    }
    expect(registered.get('message_routing_duration_seconds')).toBe('histogram');
  });

  it('is an importable dashboard with a Prometheus datasource variable', () => {
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variable = dashboard.templating?.list?.find((v) => v.type === 'datasource');
    expect(variable).toBeDefined();
    const panels = dashboardPanels(dashboard);
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(JSON.stringify(panel.datasource), panel.title).toContain(`\${${variable!.name}}`);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('queries only series that the services register', () => {
    const unknown = dashboardExpressions(dashboard).flatMap(({ panel, expr }) =>
      metricNamesInExpr(expr)
        .filter((series) => !seriesIsRegistered(series, registered))
        .map((series) => `${panel}: ${series}`),
    );
    expect(unknown).toEqual([]);
  });

  it("covers the seed's metrics", () => {
    const queried = new Set(
      dashboardExpressions(dashboard).flatMap(({ expr }) => metricNamesInExpr(expr)),
    );
    expect(SEED_SERIES.filter((s) => !queried.has(s))).toEqual([]);
  });

  it('shows the messages the gateway drops on purpose', () => {
    const queried = new Set(
      dashboardExpressions(dashboard).flatMap(({ expr }) => metricNamesInExpr(expr)),
    );
    expect(DROP_SERIES.filter((s) => !queried.has(s))).toEqual([]);
  });
});
