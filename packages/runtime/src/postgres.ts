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
