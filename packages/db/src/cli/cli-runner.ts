// Shared shell of the two CLIs: env parsing, and turning the errors an
// operator can fix (bad URL, server down, wrong key) into one clear line and
// exit code 1, while a genuine bug still shows its stack.
import { z } from 'zod';
import {
  DatabaseUrlError,
  DEFAULT_DATABASE_URL,
  describeDatabaseUrl,
  parseDatabaseUrl,
} from '../database.js';
import { DataError } from '../db-errors.js';
import { MigrationError } from '../migrator.js';
import { SecretError } from '../secrets.js';

/** Exit code for a problem in the input or environment, not in the code. */
export const EXIT_USAGE = 1;

export class CliError extends Error {
  override readonly name = 'CliError';
}

const emptyAsUnset = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const CliEnv = z.object({
  DATABASE_URL: z.preprocess(emptyAsUnset, z.string().default(DEFAULT_DATABASE_URL)),
  VENDOR_SECRET_KEY: z.preprocess(emptyAsUnset, z.string().optional()),
  NODE_ENV: z.preprocess(emptyAsUnset, z.string().optional()),
});

export interface CliConfig {
  readonly databaseUrl: URL;
  readonly vendorSecretKey: string | undefined;
  readonly nodeEnv: string | undefined;
}

export function loadCliConfig(env: NodeJS.ProcessEnv): CliConfig {
  const parsed = CliEnv.safeParse(env);
  if (!parsed.success) {
    throw new CliError(`invalid environment: ${z.prettifyError(parsed.error)}`);
  }
  return {
    databaseUrl: parseDatabaseUrl(parsed.data.DATABASE_URL),
    vendorSecretKey: parsed.data.VENDOR_SECRET_KEY,
    nodeEnv: parsed.data.NODE_ENV,
  };
}

interface ErrorFields {
  code?: unknown;
  message?: unknown;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
};

/** One line for an expected failure; undefined for anything that looks like a bug. */
export function describeExpectedFailure(
  error: unknown,
  databaseUrl: URL | undefined,
): string | undefined {
  if (
    error instanceof CliError ||
    error instanceof DatabaseUrlError ||
    error instanceof SecretError
  ) {
    return error.message;
  }
  if (error instanceof MigrationError || error instanceof DataError) return error.message;
  if (error instanceof AggregateError) {
    // pg reports "localhost" resolving to both ::1 and 127.0.0.1 this way.
    const first: unknown = error.errors[0];
    return describeExpectedFailure(first, databaseUrl);
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as ErrorFields;
  const where = databaseUrl ? describeDatabaseUrl(databaseUrl) : 'the database';
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string') {
    const network = NETWORK_CODES[code];
    if (network) return `cannot reach PostgreSQL at ${where}: ${network}`;
    if (code === '28P01' || code === '28000')
      return `PostgreSQL refused the login for ${where}: ${text}`;
    if (code === '3D000') return `database does not exist (${where}): run \`migrate up\` first`;
    if (code === '42P01' || code === '3F000') {
      return `the schema is missing or out of date (${text}): run \`migrate up\` first`;
    }
    if (code === '57P03')
      return `PostgreSQL at ${where} is starting up or shutting down; retry shortly`;
  }
  if (/timeout expired|Connection terminated due to connection timeout/i.test(text)) {
    return `cannot reach PostgreSQL at ${where}: connection timed out`;
  }
  return undefined;
}

/**
 * Runs `main`, prints expected failures as `<name>: <message>` without a
 * stack, and sets a non-zero exit code on any failure.
 */
export async function runCli(
  name: string,
  main: (context: { setDatabaseUrl: (url: URL) => void }) => Promise<void>,
): Promise<void> {
  let databaseUrl: URL | undefined;
  try {
    await main({ setDatabaseUrl: (url) => void (databaseUrl = url) });
  } catch (error) {
    const expected = describeExpectedFailure(error, databaseUrl);
    if (expected !== undefined) {
      console.error(`${name}: ${expected}`);
    } else {
      console.error(`${name}: unexpected failure`);
      console.error(error);
    }
    process.exitCode = EXIT_USAGE;
  }
}
