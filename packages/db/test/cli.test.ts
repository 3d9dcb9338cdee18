import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testServers, uniqueTestName } from '@smpp-gateway/testkit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { knownMigrations } from '../src/index.js';

const execFileAsync = promisify(execFile);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a CLI from its TypeScript source in a child process, as `pnpm migrate` does. */
async function runCli(
  script: 'migrate' | 'seed-demo',
  args: string[],
  env: Record<string, string>,
): Promise<CliRun> {
  const { NODE_ENV: _ignored, ...parentEnv } = process.env;
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', `src/cli/${script}.ts`, ...args],
      { cwd: packageRoot, env: { ...parentEnv, ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function urlFor(database: string): string {
  const url = new URL(testServers.pgAdminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: testServers.pgAdminUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

const created: string[] = [];

afterAll(async () => {
  for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('migrate CLI', () => {
  it('creates a missing database, migrates it, reports status, seeds, and resets', async () => {
    const name = uniqueTestName();
    created.push(name);
    const env = { DATABASE_URL: urlFor(name) };

    const up = await runCli('migrate', ['up'], env);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`created database ${name}`);
    for (const migration of knownMigrations()) expect(up.stdout).toContain(`applied  ${migration}`);
    const exists = await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    expect(exists.rowCount).toBe(1);

    const again = await runCli('migrate', [], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already up to date/);
    expect(again.stdout).not.toContain('created database');

    const status = await runCli('migrate', ['status'], env);
    expect(status.stdout).toContain(
      `${knownMigrations().length}/${knownMigrations().length} applied`,
    );

    const seed = await runCli('seed-demo', [], { ...env, VENDOR_SECRET_KEY: 'ab'.repeat(32) });
    expect(seed.code).toBe(0);
    expect(seed.stdout).toContain('created  customer demo');
    expect(seed.stdout).toContain('created  vendor sim-primary');
    expect(seed.stdout + seed.stderr).not.toContain('gw-pass');
    expect(seed.stderr).toBe('');

    const reseed = await runCli('seed-demo', [], env);
    expect(reseed.code).toBe(0);
    expect(reseed.stdout).toContain('present  customer demo');
    expect(reseed.stderr).toMatch(/public development VENDOR_SECRET_KEY/);

    const reset = await runCli('migrate', ['reset'], env);
    expect(reset.code).toBe(0);
    expect(reset.stdout.match(/^reverted /gm)).toHaveLength(knownMigrations().length);
  }, 120_000);

  it.each([
    [['sideways'], {}, /unknown command "sideways"/],
    [['up'], { DATABASE_URL: 'http://127.0.0.1/x' }, /must use postgres:\/\/ or postgresql:\/\//],
    [['up'], { DATABASE_URL: 'not a url' }, /not a valid URL/],
    [
      ['up'],
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' },
      /cannot reach PostgreSQL at postgres@127\.0\.0\.1:1\/x: connection refused/,
    ],
    [
      ['status'],
      { DATABASE_URL: urlFor('smppgw_t_never_created') },
      /database does not exist .* run `migrate up` first/,
    ],
  ] as const)(
    'exits 1 with one clear line for %j %j',
    async (args, env, message) => {
      const run = await runCli('migrate', [...args], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );

  it('refuses a bad or missing vendor key before touching the database', async () => {
    const bad = await runCli('seed-demo', [], {
      DATABASE_URL: urlFor('smppgw_t_never_created'),
      VENDOR_SECRET_KEY: 'short',
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/VENDOR_SECRET_KEY: secret key must decode to 32 bytes/);
    const production = await runCli('seed-demo', [], {
      DATABASE_URL: urlFor('smppgw_t_never_created'),
      NODE_ENV: 'production',
    });
    expect(production.code).toBe(1);
    expect(production.stderr).toMatch(/VENDOR_SECRET_KEY is required when NODE_ENV=production/);
  }, 60_000);
});
