import { withTimeout } from './timeout.js';

/** One dependency the service needs before it may take traffic. Throws (or rejects) when not ready. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void> | void;
  /**
   * False for a dependency the service works without, degraded: its failure
   * is reported in `/ready`'s checks but the service stays ready. The edge's
   * PostgreSQL and Redis are such: customers keep binding from the account
   * cache and submitting with local rate limits, which a not-ready edge
   * (taken out of its load balancer) could not offer. Default true.
   */
  readonly critical?: boolean;
}

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Whether a failure makes the service not ready (see ReadinessCheck.critical). */
  readonly critical: boolean;
  readonly error?: string;
  readonly durationMs: number;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  readonly checks: readonly CheckResult[];
}

export interface ReadinessOptions {
  /** Per-check deadline; a hung dependency must not hang the probe (kubelet's timeout is ~1 s by default). */
  readonly checkTimeoutMs?: number;
}

/**
 * The set of checks behind `/ready`. Checks run concurrently on every probe so
 * the answer reflects the present, not a cached past. Once shutdown starts
 * the service reports not-ready regardless, so load balancers stop sending
 * work while in-flight work drains.
 */
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];
  private shuttingDown = false;
  private readonly checkTimeoutMs: number;

  constructor(options: ReadinessOptions = {}) {
    this.checkTimeoutMs = options.checkTimeoutMs ?? 800;
  }

  register(check: ReadinessCheck): this {
    if (this.checks.some((c) => c.name === check.name)) {
      throw new Error(`readiness check '${check.name}' is already registered`);
    }
    this.checks.push(check);
    return this;
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async evaluate(): Promise<ReadinessReport> {
    const checks = await Promise.all(this.checks.map((c) => this.run(c)));
    return {
      ready: !this.shuttingDown && checks.every((c) => c.ok || !c.critical),
      shuttingDown: this.shuttingDown,
      checks,
    };
  }

  private async run(check: ReadinessCheck): Promise<CheckResult> {
    const started = performance.now();
    const critical = check.critical ?? true;
    try {
      await withTimeout(
        Promise.resolve().then(() => check.check()),
        this.checkTimeoutMs,
        check.name,
      );
      return {
        name: check.name,
        ok: true,
        critical,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (err) {
      return {
        name: check.name,
        ok: false,
        critical,
        error: err instanceof Error ? err.message : String(err),
        durationMs: Math.round(performance.now() - started),
      };
    }
  }
}
