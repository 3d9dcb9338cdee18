import { afterEach, describe, expect, it, vi } from 'vitest';
import { PeriodicJob, PeriodicTask } from './periodic-task.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('PeriodicTask', () => {
  it('runs on its interval once started, never before', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const task = new PeriodicTask(() => {
      runs += 1;
      return Promise.resolve();
    }, 1_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(0);
    task.start();
    task.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(3);
    await task.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(runs).toBe(3);
  });

  it('shares a run in progress instead of overlapping it', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const task = new PeriodicTask(() => {
      runs += 1;
      return new Promise<void>((resolve) => (release = resolve));
    }, 60_000);
    const first = task.run();
    const second = task.run();
    release();
    await Promise.all([first, second]);
    expect(runs).toBe(1);
    // Finished: the next call is a new run.
    const third = task.run();
    release();
    await third;
    expect(runs).toBe(2);
  });

  it('waits on stop for the run in progress, then runs no more', async () => {
    let release: () => void = () => undefined;
    const task = new PeriodicTask(
      () => new Promise<void>((resolve) => (release = resolve)),
      60_000,
    );
    void task.run();
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    expect(task.isStopped).toBe(true);
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(stopped).toBe(true);
    let ranAgain = false;
    await new PeriodicTask(() => {
      ranAgain = true;
      return Promise.resolve();
    }, 1).stop();
    await task.run();
    expect(ranAgain).toBe(false);
  });

  it('hands a failed run to its caller; stop does not throw for it', async () => {
    const task = new PeriodicTask(() => Promise.reject(new Error('down')), 60_000);
    await expect(task.run()).rejects.toThrow('down');
    const failing = task.run().catch(() => undefined);
    await task.stop();
    await failing;
  });
});

describe('PeriodicJob', () => {
  class Counting extends PeriodicJob {
    runs = 0;
    sawStopping = false;
    release: (() => void) | undefined;
    constructor() {
      super(60_000);
    }
    protected override async work(): Promise<void> {
      this.runs += 1;
      await new Promise<void>((resolve) => (this.release = resolve));
      this.sawStopping = this.stopping;
    }
  }

  it('shares a run in progress, and tells the work it is stopping', async () => {
    const job = new Counting();
    const first = job.run();
    const second = job.run();
    expect(job.runs).toBe(1);
    const stopped = job.stop();
    job.release?.();
    await Promise.all([first, second, stopped]);
    expect(job.sawStopping).toBe(true);
    await job.run();
    expect(job.runs).toBe(1);
  });
});
