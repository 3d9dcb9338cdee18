import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/smpp_gateway';

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

/** Validates a `postgres://` / `postgresql://` URL naming a database. */
export function parseDatabaseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new DatabaseUrlError(
      'DATABASE_URL is not a valid URL (expected postgres://user@host:port/database)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(
      `DATABASE_URL must use postgres:// or postgresql://, not ${url.protocol}//`,
    );
  }
  if (!url.hostname) throw new DatabaseUrlError('DATABASE_URL has no host');
  if (databaseNameOf(url) === '') throw new DatabaseUrlError('DATABASE_URL names no database');
  return url;
}

export function databaseNameOf(url: URL): string {
  return decodeURIComponent(url.pathname.replace(/^\//, ''));
}

/** `user@host:port/db`, without the password: safe for logs and error messages. */
export function describeDatabaseUrl(url: URL): string {
  const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
  return `${user}${url.hostname}:${url.port || '5432'}/${databaseNameOf(url)}`;
}

export interface DatabaseOptions {
  /** Pool size; default 10. */
  readonly poolMax?: number;
  /** Server-side statement_timeout; default none. */
  readonly statementTimeoutMs?: number;
  /** Connect timeout; default 5000 ms, so an unreachable server fails fast. */
  readonly connectionTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly applicationName?: string;
  /**
   * A client losing its connection (server restart, failover), idle in the
   * pool or in use, is reported here; the pool replaces the client (an
   * in-use one's caller also sees its query fail). Default: one line on
   * stderr.
   */
  readonly onPoolError?: (error: Error) => void;
}

/** Kysely over a pg Pool. `db.destroy()` ends the pool. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Kysely<Database> {
  const parsed = parseDatabaseUrl(url);
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    application_name: options.applicationName ?? 'smpp-gateway',
    ...(options.statementTimeoutMs !== undefined && {
      statement_timeout: options.statementTimeoutMs,
    }),
  });
  // Without a listener an idle client's error is an unhandled 'error' event,
  // which would take the whole process down.
  const onPoolError =
    options.onPoolError ??
    ((error: Error) => {
      console.error(
        `postgres pool: client error (${describeDatabaseUrl(parsed)}): ${error.message}`,
      );
    });
  pool.on('error', onPoolError);
  // pg-pool listens for a client's errors only while it is idle: one that
  // fails while checked out (between a transaction's statements) would emit
  // 'error' to nobody and end the process. (runtime's createKysely does the
  // same for the other services' pools.)
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      if (client.listenerCount('error') > 1) return; // idle: reported through the pool
      onPoolError(error);
    });
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
