#!/usr/bin/env node
// `migrate [up|down|reset|status]` against DATABASE_URL. `up` creates the
// database first when it does not exist, so a fresh machine needs no psql.
import pg from 'pg';
import { createDatabase, databaseNameOf, describeDatabaseUrl } from '../database.js';
import {
  knownMigrations,
  migrateDown,
  migrateReset,
  migrateToLatest,
  migrationStatus,
  type MigrationStep,
} from '../migrator.js';
import { CliError, loadCliConfig, runCli } from './cli-runner.js';

const COMMANDS = ['up', 'down', 'reset', 'status'] as const;
type Command = (typeof COMMANDS)[number];

const USAGE = `usage: migrate [${COMMANDS.join('|')}]
  up      apply every pending migration (creates the database if missing; default)
  down    revert the latest migration
  reset   revert every migration (drops all gateway schemas and their data)
  status  list migrations and when they were applied
env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/smpp_gateway)`;

function parseCommand(args: readonly string[]): Command {
  if (args.length > 1) throw new CliError(`expected at most one command\n${USAGE}`);
  const [arg = 'up'] = args;
  if (arg === '-h' || arg === '--help') {
    console.log(USAGE);
    process.exit(0);
  }
  const command = COMMANDS.find((c) => c === arg);
  if (!command) throw new CliError(`unknown command ${JSON.stringify(arg)}\n${USAGE}`);
  return command;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Creates the target database through the `postgres` maintenance database. */
async function ensureDatabaseExists(url: URL): Promise<boolean> {
  const name = databaseNameOf(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: 5000,
  });
  // A connection dropped later must not surface as an unhandled 'error' event.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: unknown }).code === '42P04') return false;
      throw error;
    }
    return true;
  } finally {
    await client.end();
  }
}

function printSteps(steps: MigrationStep[], nothing: string): void {
  if (steps.length === 0) console.log(nothing);
  for (const step of steps)
    console.log(`${step.direction === 'Up' ? 'applied ' : 'reverted'} ${step.name}`);
}

await runCli('migrate', async ({ setDatabaseUrl }) => {
  const command = parseCommand(process.argv.slice(2));
  const { databaseUrl } = loadCliConfig(process.env);
  setDatabaseUrl(databaseUrl);
  const target = describeDatabaseUrl(databaseUrl);

  if (command === 'up' && (await ensureDatabaseExists(databaseUrl))) {
    console.log(`created database ${databaseNameOf(databaseUrl)}`);
  }
  const db = createDatabase(databaseUrl.toString(), {
    poolMax: 2,
    applicationName: 'smpp-gateway-migrate',
  });
  try {
    switch (command) {
      case 'up':
        printSteps(await migrateToLatest(db), `${target}: already up to date`);
        break;
      case 'down':
        printSteps(await migrateDown(db), `${target}: nothing to revert`);
        break;
      case 'reset':
        printSteps(await migrateReset(db), `${target}: nothing to revert`);
        break;
      case 'status': {
        const status = await migrationStatus(db);
        console.log(
          `${target}: ${status.filter((s) => s.executedAt).length}/${knownMigrations().length} applied`,
        );
        for (const { name, executedAt } of status) {
          console.log(
            `${executedAt ? executedAt.toISOString() : 'pending                 '}  ${name}`,
          );
        }
        break;
      }
    }
  } finally {
    await db.destroy();
  }
});
