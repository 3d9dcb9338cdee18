// The Grafana dashboard JSON: panels (rows may nest theirs) and the PromQL
// of every target.
import { readFile } from 'node:fs/promises';

export interface DashboardTarget {
  readonly refId?: string;
  readonly expr?: string;
  readonly datasource?: unknown;
}

export interface DashboardPanel {
  readonly id?: number;
  readonly type: string;
  readonly title?: string;
  readonly targets?: readonly DashboardTarget[];
  readonly panels?: readonly DashboardPanel[];
  readonly datasource?: unknown;
}

export interface Dashboard {
  readonly uid?: string;
  readonly title?: string;
  readonly schemaVersion?: number;
  readonly panels: readonly DashboardPanel[];
  readonly templating?: {
    readonly list?: readonly { readonly name: string; readonly type: string }[];
  };
}

export async function loadDashboard(path: string): Promise<Dashboard> {
  return JSON.parse(await readFile(path, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included, rows themselves excluded. */
export function dashboardPanels(dashboard: Dashboard): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  const visit = (panels: readonly DashboardPanel[]): void => {
    for (const panel of panels) {
      if (panel.type === 'row') visit(panel.panels ?? []);
      else out.push(panel);
    }
  };
  visit(dashboard.panels);
  return out;
}

export function dashboardExpressions(dashboard: Dashboard): { panel: string; expr: string }[] {
  return dashboardPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t): t is DashboardTarget & { expr: string } => typeof t.expr === 'string')
      .map((t) => ({ panel: panel.title ?? `#${panel.id ?? '?'}`, expr: t.expr })),
  );
}
