// A real Prometheus for a test: scrapes the given targets every second,
// evaluates the given rule file every second, listens on a free loopback
// port, keeps its data in a temporary directory and removes it on stop.
// The binaries come from PATH or from scripts/ensure-prometheus.sh, which
// unpacks Debian's `prometheus` package into .tools/ (installing it would
// start a server on :9090).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateBinary } from './kannel.box.js';

/** packages/testkit/{src,dist} → the workspace root. */
const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `promtool` or `prometheus`: from PATH, else from .tools/ (scripts/ensure-prometheus.sh). */
export function locatePrometheusTool(name: 'promtool' | 'prometheus'): string | undefined {
  const unpacked = join(WORKSPACE_ROOT, '.tools/prometheus/usr/bin', name);
  return existsSync(unpacked) ? unpacked : locateBinary(name);
}

export interface ScrapeTarget {
  /** The `job` label, as the Prometheus Operator's jobLabel would set it. */
  readonly job: string;
  readonly port: number;
  /** Target labels the Operator would add (namespace, pod, ...). */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PrometheusOptions {
  readonly targets: readonly ScrapeTarget[];
  /** A rule file's content (`{ groups: [...] }`, e.g. a PrometheusRule's spec). */
  readonly rules?: string;
}

export interface PrometheusAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly state: 'pending' | 'firing' | 'inactive';
  readonly value: string;
}

export interface PrometheusServer {
  readonly url: string;
  /** Active alerts (pending and firing) from /api/v1/alerts. */
  alerts(): Promise<PrometheusAlert[]>;
  /** An instant query's vector result. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Scrape health of every target, by job. */
  targetHealth(): Promise<{ job: string; health: string; lastError: string }[]>;
  /** The tail of Prometheus's own log, for a failure message. */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`prometheus ${url}: ${body.error ?? res.status}`);
  return body.data;
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const binary = locatePrometheusTool('prometheus');
  if (!binary) throw new Error('prometheus not found: run scripts/ensure-prometheus.sh');
  const dir = await mkdtemp(join(tmpdir(), 'smppgw-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    ...(options.rules === undefined ? {} : { rule_files: [join(dir, 'rules.yaml')] }),
    scrape_configs: [...new Set(options.targets.map((t) => t.job))].map((job) => ({
      job_name: job,
      // As the ServiceMonitor: the services' own `service` label wins.
      honor_labels: true,
      static_configs: options.targets
        .filter((t) => t.job === job)
        .map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: { ...t.labels } })),
    })),
  };
  // JSON is YAML: no YAML library needed here.
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
  if (options.rules !== undefined) await writeFile(join(dir, 'rules.yaml'), options.rules);

  const lines: string[] = [];
  let child: ChildProcess | undefined;
  let url = '';
  // The free port may be taken between the probe and Prometheus's bind: retry.
  for (let attempt = 0; attempt < 3 && !url; attempt++) {
    const port = await freePort();
    child = spawn(
      binary,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString('utf8').trimEnd().split('\n'));
      if (lines.length > 200) lines.splice(0, lines.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
    const candidate = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const ready = await fetch(`${candidate}/-/ready`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) {
        url = candidate;
        break;
      }
      const gone = await Promise.race([exited.then(() => true), delay(100).then(() => false)]);
      if (gone) break;
    }
    if (!url) child.kill('SIGKILL');
  }
  if (!url || !child) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prometheus did not start:\n${lines.slice(-30).join('\n')}`);
  }
  const running = child;

  return {
    url,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>(`${url}/api/v1/alerts`)).alerts,
    query: async (promql) =>
      (
        await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
          `${url}/api/v1/query?query=${encodeURIComponent(promql)}`,
        )
      ).result,
    targetHealth: async () =>
      (
        await api<{
          activeTargets: { labels: Record<string, string>; health: string; lastError: string }[];
        }>(`${url}/api/v1/targets`)
      ).activeTargets.map((t) => ({
        job: t.labels.job ?? '',
        health: t.health,
        lastError: t.lastError,
      })),
    log: () => lines.slice(-50).join('\n'),
    stop: async () => {
      if (running.exitCode === null) {
        const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
        running.kill('SIGTERM');
        await Promise.race([exited, delay(5_000).then(() => running.kill('SIGKILL'))]);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
