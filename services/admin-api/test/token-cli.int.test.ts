import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  createDatabase,
  findApiToken,
  hashApiToken,
  migrateToLatest,
  type Database,
} from '@smpp-gateway/db';
import { createTestDatabase, type TestDatabase } from '@smpp-gateway/testkit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTokenCommand, TokenCliError } from '../src/cli/token-commands.js';

const execFileAsync = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

let testDb: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createDatabase(testDb.url);
  await migrateToLatest(db);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

async function run(...argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  await runTokenCommand(argv, db, { out: (line) => lines.push(line) });
  return lines;
}

describe('token CLI', () => {
  it('the script mints a token, prints it once, and stores only its hash', async () => {
    const { stdout } = await execFileAsync(
      'pnpm',
      ['--silent', 'token', 'create', '--name', 'ci-deployer', '--scope', 'write'],
      { cwd: packageDir, env: { ...process.env, DATABASE_URL: testDb.url }, timeout: 60_000 },
    );
    const token = stdout.split('\n').find((line) => line.startsWith('sgw_'));
    expect(token).toMatch(/^sgw_[A-Za-z0-9_-]{43}$/);
    const row = await db
      .selectFrom('admin.api_tokens')
      .selectAll()
      .where('name', '=', 'ci-deployer')
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashApiToken(token!));
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await findApiToken(db, token!))?.scope).toBe('write');
  }, 60_000);

  it('lists live tokens without any secret, revokes by name, lists revoked with --all', async () => {
    const created = await run('create', '--name', 'grafana', '--scope', 'read');
    const token = created[2]!;
    const listed = (await run('list')).join('\n');
    expect(listed).toContain('grafana\tread');
    expect(listed).not.toContain(token);
    expect(listed).not.toMatch(/[0-9a-f]{64}/);

    expect((await run('revoke', 'grafana'))[0]).toMatch(/^revoked token 'grafana'/);
    expect(await findApiToken(db, token)).toBeUndefined();
    expect((await run('list')).join('\n')).not.toContain('grafana');
    expect((await run('list', '--all')).join('\n')).toContain('grafana');
  });

  it('refuses bad input with a one-line reason', async () => {
    await expect(run('create', '--name', 'x y', '--scope', 'write')).rejects.toThrow(TokenCliError);
    await expect(run('create', '--name', 'ok', '--scope', 'admin')).rejects.toThrow(
      /--scope must be read or write/,
    );
    await expect(run('create', '--name', 'ci-deployer', '--scope', 'read')).rejects.toThrow(
      /already exists/,
    );
    await expect(run('revoke', 'nobody')).rejects.toThrow(/no live token/);
    await expect(run('frobnicate')).rejects.toThrow(/unknown command/);
    await expect(run('create', '--nmae', 'x')).rejects.toThrow(TokenCliError);
  });
});
