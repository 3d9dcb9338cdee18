// The metric names the code actually registers: prom-client constructors in
// the services' and packages' sources, and prom-client's own default
// collectors (process_*, nodejs_*), read from the installed prom-client.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface RegisteredMetric {
  readonly name: string;
  readonly type: MetricType;
  /** Source file, relative to the workspace root. */
  readonly file: string;
  /**
   * The constructor's `labelNames` when written as a literal array (every
   * metric in this code base), undefined when it is not: a check of the
   * labels a query uses then has nothing to go by.
   */
  readonly labelNames?: readonly string[];
}

// Comments may stand before `name` (why a metric is named as it is).
const CONSTRUCTOR =
  /new\s+(Counter|Gauge|Histogram|Summary)\s*(?:<[^>]*>)?\s*\(\s*\{\s*(?:(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*name:\s*['"]([A-Za-z_:][A-Za-z0-9_:]*)['"]/gu;

async function sourceFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !path.includes(`${'/'}node_modules${'/'}`));
}

/**
 * `labelNames: ['a', 'b']` in the constructor's options that start at `from`
 * (up to the object's end, `})`); [] when the options have no labelNames;
 * undefined when they are not a literal array.
 */
function literalLabelNames(text: string, from: number): string[] | undefined {
  const end = text.indexOf('})', from);
  const options = text.slice(from, end === -1 ? undefined : end);
  const at = options.indexOf('labelNames');
  if (at === -1) return [];
  const literal = /^labelNames\s*:\s*\[([^\]]*)\]/u.exec(options.slice(at));
  if (!literal) return undefined;
  return [...(literal[1] ?? '').matchAll(/['"]([A-Za-z_][A-Za-z0-9_]*)['"]/gu)].map(
    (m) => m[1] ?? '',
  );
}

/** Metrics constructed in `<root>/{services,packages}/<name>/src/**` (tests excluded). */
export async function scanRegisteredMetrics(workspaceRoot: string): Promise<RegisteredMetric[]> {
  const found: RegisteredMetric[] = [];
  for (const group of ['services', 'packages']) {
    let members: string[];
    try {
      members = (await readdir(join(workspaceRoot, group), { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      continue;
    }
    for (const member of members) {
      for (const file of await sourceFiles(join(workspaceRoot, group, member, 'src'))) {
        const text = await readFile(file, 'utf8');
        for (const match of text.matchAll(CONSTRUCTOR)) {
          const labelNames = literalLabelNames(text, (match.index ?? 0) + match[0].length);
          found.push({
            name: match[2] ?? '',
            type: (match[1] ?? '').toLowerCase() as MetricType,
            file: file.slice(workspaceRoot.length).replace(/^\/+/u, ''),
            ...(labelNames ? { labelNames } : {}),
          });
        }
      }
    }
  }
  return found;
}

/**
 * The names prom-client's `collectDefaultMetrics` registers, read from the
 * prom-client that `fromPackageDir`'s package resolves (the runtime package
 * is the one that calls it).
 */
export async function promClientDefaultMetricNames(fromPackageDir: string): Promise<string[]> {
  const require = createRequire(join(fromPackageDir, 'package.json'));
  const metricsDir = join(dirname(require.resolve('prom-client/package.json')), 'lib', 'metrics');
  const names = new Set<string>();
  for (const file of await readdir(metricsDir)) {
    if (!file.endsWith('.js')) continue;
    const text = await readFile(join(metricsDir, file), 'utf8');
    for (const match of text.matchAll(/=\s*'((?:process|nodejs)_[a-z0-9_]+)'/gu)) {
      if (match[1] !== undefined) names.add(match[1]);
    }
  }
  return [...names].sort();
}

/**
 * Whether a series name a query uses exists: the registered name itself, or
 * a histogram's `_bucket`/`_sum`/`_count`, or a summary's `_sum`/`_count`.
 */
export function seriesIsRegistered(
  series: string,
  metrics: ReadonlyMap<string, MetricType>,
): boolean {
  if (metrics.has(series)) return true;
  const suffix = /^(.*)_(bucket|sum|count)$/u.exec(series);
  if (!suffix) return false;
  const type = metrics.get(suffix[1] ?? '');
  if (type === 'histogram') return true;
  return type === 'summary' && suffix[2] !== 'bucket';
}

export interface ExportedMetric {
  readonly type: MetricType;
  /** Labels the code declares (those of every registration of the name). */
  readonly labelNames: ReadonlySet<string>;
}

/**
 * What the services export: the metrics the code registers and prom-client's
 * default collectors, which count only because the runtime's ops server turns
 * them on (checked here, so a removed call fails the checks that use this).
 */
export async function scanExportedMetrics(
  workspaceRoot: string,
): Promise<Map<string, ExportedMetric>> {
  const exported = new Map<string, ExportedMetric>();
  for (const metric of await scanRegisteredMetrics(workspaceRoot)) {
    const labels = new Set(exported.get(metric.name)?.labelNames);
    for (const label of metric.labelNames ?? []) labels.add(label);
    exported.set(metric.name, { type: metric.type, labelNames: labels });
  }
  const opsServer = await readFile(
    join(workspaceRoot, 'packages/runtime/src/ops-server.ts'),
    'utf8',
  );
  if (!/collectDefaultMetrics\(/u.test(opsServer)) {
    throw new Error('packages/runtime/src/ops-server.ts no longer calls collectDefaultMetrics');
  }
  for (const name of await promClientDefaultMetricNames(join(workspaceRoot, 'packages/runtime'))) {
    exported.set(name, { type: 'gauge', labelNames: new Set() });
  }
  return exported;
}
