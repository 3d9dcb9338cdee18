// A background job run on an interval whose runs never overlap: a poller, a
// refresher, a clean-up. Its timer is unref'd (it never keeps a process
// alive), a call while a run is in progress shares that run instead of
// starting a second one, and stop() ends the timer and waits for the run in
// progress, so a shutdown can close the pools the job uses right after.

export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  /** `job` handles its own errors: a rejection reaches only direct callers of run(). */
  constructor(
    private readonly job: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** stop() was called: runs in progress should end early where they can. */
  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.run().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  /** One run now, or the one in progress; nothing once stopped. */
  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.job().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Ends the timer and waits for a run in progress (its errors are its own). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}

/**
 * A class whose work runs as a PeriodicTask (a sweeper, a poller): start,
 * run and stop come from here, the work from the subclass.
 */
export abstract class PeriodicJob {
  private readonly task: PeriodicTask;

  protected constructor(intervalMs: number) {
    this.task = new PeriodicTask(() => this.work(), intervalMs);
  }

  /** One run's work; it handles its own errors. */
  protected abstract work(): Promise<void>;

  /** stop() was called: a run in progress should end where it can. */
  protected get stopping(): boolean {
    return this.task.isStopped;
  }

  start(): void {
    this.task.start();
  }

  /** One run now, or the one in progress (shared, not doubled); nothing once stopped. */
  run(): Promise<void> {
    return this.task.run();
  }

  /** Ends the timer and waits for a run in progress. */
  stop(): Promise<void> {
    return this.task.stop();
  }
}
