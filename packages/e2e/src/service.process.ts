// One service replica as a real operating-system process: `node dist/main.js`
// with its own environment, its JSON log lines kept in memory (bounded), the
// ports it chose (learned from its own log lines, since every listener is on
// port 0), readiness from its `/ready` endpoint, and signals for the fault runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const SERVICE_NAMES = [
  'edge-server',
  'router-worker',
  'vendor-connector',
  'dlr-tracker',
  'admin-api',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** One line a process wrote: its parsed JSON when it was JSON. */
export interface LogLine {
  readonly at: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  readonly json: Readonly<Record<string, unknown>> | undefined;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServicePorts {
  /** /metrics, /health, /ready (the admin API's own port for admin-api). */
  readonly ops: number;
  /** Plain SMPP listener (edge-server only). */
  readonly smpp?: number;
}

/** Lines kept per process; older ones are dropped (a fault run writes many). */
const LOG_LIMIT = 20_000;

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private readonly lines: LogLine[] = [];
  private droppedLines = 0;
  private exitInfo: ProcessExit | undefined;
  private exited: Promise<ProcessExit> = Promise.resolve({ code: null, signal: null });
  private opsPort: number | undefined;
  private smppPort: number | undefined;
  private portWaiters: (() => void)[] = [];
  /** Incremented on every (re)start; logs carry it so restarts are visible. */
  generation = 0;

  constructor(
    readonly service: ServiceName,
    readonly replica: number,
    readonly instanceId: string,
    private readonly script: string,
    private readonly cwd: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  get label(): string {
    return `${this.service}#${this.replica}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  get ports(): ServicePorts | undefined {
    if (this.opsPort === undefined) return undefined;
    return this.smppPort === undefined
      ? { ops: this.opsPort }
      : { ops: this.opsPort, smpp: this.smppPort };
  }

  /** Every line kept so far (oldest first). */
  logs(): readonly LogLine[] {
    return this.lines;
  }

  /** Spawns the process. `extraEnv` overrides (a restart keeps the SMPP port, like a fixed container port). */
  start(extraEnv: Readonly<Record<string, string>> = {}): void {
    if (this.running) throw new Error(`${this.label} is already running`);
    this.generation += 1;
    this.exitInfo = undefined;
    this.opsPort = undefined;
    if (this.service !== 'edge-server') this.smppPort = undefined;
    const child = spawn(process.execPath, [this.script], {
      cwd: this.cwd,
      env: { ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const generation = this.generation;
    this.record(
      'stdout',
      `--- ${this.label} started (pid ${child.pid ?? '?'}, generation ${generation})`,
    );
    for (const [stream, source] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      if (source)
        createInterface({ input: source }).on('line', (line) => this.onLine(stream, line));
    }
    this.exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        const info = { code, signal };
        this.exitInfo = info;
        this.record('stdout', `--- ${this.label} exited (code ${code}, signal ${signal})`);
        for (const wake of this.portWaiters.splice(0)) wake();
        resolve(info);
      });
    });
  }

  private record(stream: 'stdout' | 'stderr', text: string): void {
    let json: Record<string, unknown> | undefined;
    if (text.startsWith('{')) {
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
    }
    this.lines.push({ at: Date.now(), stream, text, json });
    if (this.lines.length > LOG_LIMIT) {
      const excess = this.lines.length - LOG_LIMIT;
      this.lines.splice(0, excess);
      this.droppedLines += excess;
    }
    if (json !== undefined) this.learnPorts(json);
  }

  private onLine(stream: 'stdout' | 'stderr', line: string): void {
    this.record(stream, line);
  }

  /**
   * The services log their listeners at start: runtime's "ops server
   * listening" {port}, edge-server's "edge-server listening" {smpp_port,
   * ops_port}, admin-api's "admin api listening" {port}.
   */
  private learnPorts(json: Record<string, unknown>): void {
    const message = json.message;
    const asPort = (value: unknown): number | undefined =>
      typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
    let changed = false;
    if (message === 'ops server listening' || message === 'admin api listening') {
      const port = asPort(json.port);
      if (port !== undefined) {
        this.opsPort = port;
        changed = true;
      }
    } else if (message === 'edge-server listening') {
      const smpp = asPort(json.smpp_port);
      const ops = asPort(json.ops_port);
      if (smpp !== undefined) this.smppPort = smpp;
      if (ops !== undefined) this.opsPort = ops;
      changed = smpp !== undefined || ops !== undefined;
    }
    if (changed) for (const wake of this.portWaiters.splice(0)) wake();
  }

  private portsKnown(): boolean {
    return (
      this.opsPort !== undefined && (this.service !== 'edge-server' || this.smppPort !== undefined)
    );
  }

  /** Resolves with the ports once logged; rejects if the process exits first or the deadline passes. */
  async waitForPorts(timeoutMs: number): Promise<ServicePorts> {
    const deadline = Date.now() + timeoutMs;
    while (!this.portsKnown()) {
      if (this.exitInfo !== undefined) {
        throw new Error(
          `${this.label} exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal}) before it listened`,
        );
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new Error(`${this.label} logged no listening ports within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 250));
        this.portWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const ports = this.ports;
    if (ports === undefined) throw new Error(`${this.label}: ports vanished`);
    return ports;
  }

  /** Polls `/ready` until it answers 200. */
  async waitForReady(timeoutMs: number): Promise<ServicePorts> {
    const deadline = Date.now() + timeoutMs;
    const ports = await this.waitForPorts(timeoutMs);
    let last = 'no answer';
    for (;;) {
      if (this.exitInfo !== undefined) {
        throw new Error(`${this.label} exited (code ${this.exitInfo.code}) before it was ready`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${ports.ops}/ready`, {
          signal: AbortSignal.timeout(2_000),
        });
        last = `${response.status} ${await response.text()}`;
        if (response.status === 200) return ports;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.label} not ready within ${timeoutMs} ms (last /ready: ${last})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Sends a signal; resolves when the process has exited (immediately when it is not running). */
  async signal(signal: NodeJS.Signals): Promise<ProcessExit> {
    if (!this.running || this.child === undefined)
      return this.exitInfo ?? { code: null, signal: null };
    this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<ProcessExit> {
    if (!this.running || this.child === undefined)
      return this.exitInfo ?? { code: null, signal: null };
    const child = this.child;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.record('stdout', `--- ${this.label} still running ${graceMs} ms after SIGTERM: SIGKILL`);
      child.kill('SIGKILL');
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  get lastExit(): ProcessExit | undefined {
    return this.exitInfo;
  }

  get linesDropped(): number {
    return this.droppedLines;
  }

  /** The kept lines as text, for a failed test's report. `json` lines are shown compactly. */
  formatLogs(limit = 200): string {
    const shown = this.lines.slice(-limit);
    const header = `===== ${this.label} (${this.instanceId}) — last ${shown.length} of ${this.lines.length} lines =====`;
    return [header, ...shown.map((line) => formatLine(line))].join('\n');
  }
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function formatLine(line: LogLine): string {
  if (line.json === undefined) return `${line.stream === 'stderr' ? '! ' : '  '}${line.text}`;
  const { timestamp, level, service: _service, component, message, ...fields } = line.json;
  const time = typeof timestamp === 'string' ? timestamp.slice(11, 23) : '';
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${asText(value)}`)
    .join(' ');
  const where = typeof component === 'string' ? `${component}: ` : '';
  return `  ${time} ${asText(level).padEnd(5)} ${where}${asText(message)}${rest ? `  ${rest}` : ''}`;
}
