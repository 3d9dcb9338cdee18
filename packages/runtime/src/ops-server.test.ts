import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsRegistry, startOpsServer, type OpsServer } from './ops-server.js';
import { Readiness } from './readiness.js';

describe('ops server', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(readiness: Readiness, liveness?: (() => string | undefined)[]) {
    const registry = createMetricsRegistry({ service: 'router-worker' });
    const counter = new Counter({
      name: 'dlr_tracking_hits_total',
      help: 'hits',
      registers: [registry],
    });
    counter.inc(3);
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      readiness,
      ...(liveness ? { liveness } : {}),
    });
    const base = `http://127.0.0.1:${server.port}`;
    return { base };
  }

  it('binds an ephemeral port and serves Prometheus text with the service label and default metrics', async () => {
    const { base } = await start(new Readiness());
    expect(server!.port).toBeGreaterThan(0);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    expect(body).toContain('dlr_tracking_hits_total{service="router-worker"} 3');
    expect(body).toMatch(/^process_cpu_user_seconds_total\{service="router-worker"\}/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds\{service="router-worker"\}/m);
  });

  it('/ready is 503 while a check fails, listing each check, and 200 once all pass', async () => {
    let redisUp = false;
    const readiness = new Readiness()
      .register({ name: 'postgres', check: () => undefined })
      .register({
        name: 'redis',
        check: () => {
          if (!redisUp) throw new Error('redis status is reconnecting');
        },
      });
    const { base } = await start(readiness);

    const down = await fetch(`${base}/ready`);
    expect(down.status).toBe(503);
    const downBody = (await down.json()) as {
      status: string;
      checks: { name: string; ok: boolean; error?: string }[];
    };
    expect(downBody.status).toBe('not_ready');
    expect(downBody.checks).toEqual([
      expect.objectContaining({ name: 'postgres', ok: true }),
      expect.objectContaining({ name: 'redis', ok: false, error: 'redis status is reconnecting' }),
    ]);

    redisUp = true;
    const up = await fetch(`${base}/ready`);
    expect(up.status).toBe(200);
    expect(((await up.json()) as { status: string }).status).toBe('ready');
  });

  it('/ready stays 200 while only a non-critical check fails, and reports it', async () => {
    const readiness = new Readiness().register({ name: 'amqp', check: () => undefined }).register({
      name: 'postgres',
      critical: false,
      check: () => {
        throw new Error('connection refused');
      },
    });
    const { base } = await start(readiness);
    const res = await fetch(`${base}/ready`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: { name: string; ok: boolean; critical: boolean; error?: string }[];
    };
    expect(body.status).toBe('ready');
    expect(body.checks).toEqual([
      expect.objectContaining({ name: 'amqp', ok: true, critical: true }),
      expect.objectContaining({
        name: 'postgres',
        ok: false,
        critical: false,
        error: 'connection refused',
      }),
    ]);
  });

  it('/ready fails a check that hangs instead of hanging the probe', async () => {
    const readiness = new Readiness({ checkTimeoutMs: 100 }).register({
      name: 'stuck',
      check: () => new Promise<void>(() => undefined),
    });
    const { base } = await start(readiness);
    const res = await fetch(`${base}/ready`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { error: string }[] };
    expect(body.checks[0]?.error).toBe('stuck timed out after 100 ms');
  });

  it('/ready turns 503 at shutdown while /health stays 200 (so the drain is not killed)', async () => {
    const readiness = new Readiness().register({ name: 'ok', check: () => undefined });
    const { base } = await start(readiness);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    readiness.markShuttingDown();
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { shuttingDown: boolean }).shuttingDown).toBe(true);
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', shuttingDown: true });
  });

  it('/health is 503 when a liveness check reports the process wedged', async () => {
    const state: { wedged: string | undefined } = { wedged: undefined };
    const { base } = await start(new Readiness(), [() => state.wedged]);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    state.wedged = 'amqp recovery gave up';
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'unhealthy',
      problems: ['amqp recovery gave up'],
    });
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    const { base } = await start(new Readiness());
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
