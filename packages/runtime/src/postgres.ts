import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from './logger.js';
import type { ReadinessCheck } from './readiness.js';
import { withTimeout } from './timeout.js';

export interface PostgresOptions {
  url: string;
  poolMax?: number;
  /** Server-side `statement_timeout`; 0 disables. A runaway query must not hold a pool slot forever. */
  statementTimeoutMs?: number;
  /** How long to wait for a pooled connection before failing the query. */
  connectionTimeoutMs?: number;
  applicationName?: string;
  /**
   * Run statements marked `/* prepare:<name> *\/` as named prepared
   * statements (default true; see PREPARED_STATEMENT_MARKER). Off for a
   * connection pooler that cannot keep them (PgBouncer before 1.21, or in
   * transaction mode without `max_prepared_statements`).
   */
  preparedStatements?: boolean;
  logger: Logger;
}

export interface PostgresHandle<DB> {
  readonly db: Kysely<DB>;
  readonly pool: pg.Pool;
  readonly readiness: ReadinessCheck;
  /** Ends the pool after in-flight queries finish. */
  destroy(): Promise<void>;
}

/**
 * A statement whose text starts with this marker followed by a name and ` *\/`
 * (`/* prepare:smppgw_cdr_upsert *\/ INSERT ...`) runs as a named prepared
 * statement: each connection parses and plans it once, later executions only
 * bind the parameters. Kysely sends every query unnamed (parse, analyse and
 * plan each time), which for the tracker's CDR upsert (28 array parameters,
 * a merge expression per column) was about a fifth of PostgreSQL's CPU per
 * row (docs/performance.md, ninth round). Only hot statements whose text does
 * not vary are marked: each distinct name stays prepared for the life of the
 * connection.
 */
export const PREPARED_STATEMENT_MARKER = '/* prepare:';

const STATEMENT_NAME = /^[a-z][a-z0-9_]{0,62}$/u;

/** The marked statement's name, or undefined (unmarked, or a malformed marker: then it runs unnamed). */
export function preparedStatementName(text: string): string | undefined {
  if (!text.startsWith(PREPARED_STATEMENT_MARKER)) return undefined;
  const end = text.indexOf(' */', PREPARED_STATEMENT_MARKER.length);
  if (end < 0) return undefined;
  const name = text.slice(PREPARED_STATEMENT_MARKER.length, end);
  return STATEMENT_NAME.test(name) ? name : undefined;
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Wraps one pooled client's `query` so marked statements go as `{ name, text,
 * values }` (pg parses a name once per connection and re-parses it on a new
 * one, e.g. after a server restart). Kysely calls `query(text, values)`;
 * every other form passes through untouched.
 */
function prepareMarkedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as QueryFn;
  (client as unknown as { query: QueryFn }).query = (config, values, callback) => {
    if (typeof config === 'string' && Array.isArray(values) && callback === undefined) {
      const name = preparedStatementName(config);
      if (name !== undefined) return query({ name, text: config, values });
    }
    return query(config, values, callback);
  };
}

/**
 * A kysely instance over a pg Pool. Nothing connects until the first query.
 * Idle-client errors (server restart, network cut) arrive as pool `error`
 * events: they are logged, the broken client is discarded by pg, and the next
 * query opens a new connection — without a listener they would crash the
 * process.
 */
export function createKysely<DB>(options: PostgresOptions): PostgresHandle<DB> {
  const log = options.logger.child({ component: 'postgres' });
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 5_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
  });
  pool.on('error', (err) => log.error('idle postgres client failed', { err }));
  // pg-pool listens for a client's errors only while it is idle in the pool.
  // A connection that dies while checked out (a transaction waiting between
  // statements, the server restarted or the database cut off) emits 'error'
  // with nobody listening, which ends the process. Its caller sees the
  // failure anyway (the next statement fails; the pool drops the client on
  // release), so this only keeps the process alive and says so.
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      // Idle in the pool, the pool's own listener is there too and reports it.
      if (client.listenerCount('error') > 1) return;
      log.warn('postgres connection failed while in use', { err });
    });
  });
  if (options.preparedStatements ?? true) pool.on('connect', prepareMarkedStatements);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let destroyed = false;

  return {
    db,
    pool,
    readiness: {
      name: 'postgres',
      check: async () => {
        await withTimeout(sql`SELECT 1`.execute(db), 1_000, 'postgres SELECT 1');
      },
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await db.destroy();
    },
  };
}
