import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/bad-config.fixture.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // The source condition, like vitest: workspace packages resolve to
      // their TypeScript sources, never to a dist that may not be built yet.
      ['--conditions=@smpp-gateway/source', '--import', 'tsx', fixture],
      // A clean environment: nothing from the developer's shell leaks in.
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
      },
    );
  });
}

describe('loadConfigOrExit in a real process', () => {
  it('prints every problem at once, masks secrets, and exits 78', async () => {
    const result = await run({
      METRICS_PORT: '70000',
      SHUTDOWN_TIMEOUT_MS: 'soon',
      DATABASE_URL: 'mysql://app:hunter2@127.0.0.1/db',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      AMQP_QUEUE_TYPE: 'stream',
      ADMIN_API_TOKEN: 'short-secret-value',
      LOG_LEVEL: 'verbose',
    });
    expect(result.code).toBe(78);
    expect(result.stdout).toBe('');
    const err = result.stderr;
    expect(err).toMatch(/^edge-server: invalid configuration, refusing to start \(7 problems\):/);
    expect(err).toMatch(/METRICS_PORT: must be <= 65535 \(got "70000"\)/);
    expect(err).toMatch(/SHUTDOWN_TIMEOUT_MS: must be a number \(got "soon"\)/);
    expect(err).toMatch(
      /DATABASE_URL: must be a URL with scheme postgres:\/\/ or postgresql:\/\/ \(got "mysql:\/\/app:\*\*\*@127\.0\.0\.1\/db"\)/,
    );
    expect(err).toMatch(/REDIS_URL: is required but not set/);
    expect(err).toMatch(/AMQP_QUEUE_TYPE: must be quorum or classic \(got "stream"\)/);
    expect(err).toMatch(
      /ADMIN_API_TOKEN: must be at least 32 characters \(got "\*\*\*" \(18 chars\)\)/,
    );
    expect(err).toMatch(/LOG_LEVEL: must be one of fatal, error, warn, info, debug/);
    // The secrets themselves never appear.
    expect(err).not.toContain('hunter2');
    expect(err).not.toContain('short-secret-value');
  }, 40_000);

  it('starts when the configuration is valid, and reports a cross-field clash', async () => {
    const valid = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/app',
      REDIS_URL: 'redis://127.0.0.1:6379',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      ADMIN_API_TOKEN: 'x'.repeat(40),
    };
    const ok = await run(valid);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, metricsPort: 9090, smppPort: 2775 });

    const clash = await run({ ...valid, METRICS_PORT: '2775' });
    expect(clash.code).toBe(78);
    expect(clash.stderr).toMatch(/SMPP_PORT: must differ from METRICS_PORT \(both are 2775\)/);
  }, 40_000);
});
