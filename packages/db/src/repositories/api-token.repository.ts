import { sql, type Kysely } from 'kysely';
import { withDataErrors } from '../db-errors.js';
import type { ApiTokenRow, ApiTokenScope, Database } from '../schema.js';
import { generateApiToken, hashApiToken } from '../secrets.js';
import { isUuid } from './column-values.js';

const TABLE = 'admin.api_tokens';

/** Token metadata; the token itself is only ever returned by `createApiToken`. */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiTokenScope;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface NewApiToken {
  readonly name: string;
  readonly scope: ApiTokenScope;
}

export function toApiToken(row: Omit<ApiTokenRow, 'token_hash'>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

const PUBLIC_COLUMNS = ['id', 'name', 'scope', 'created_at', 'last_used_at', 'revoked_at'] as const;

/**
 * Mints a token and stores only its sha256. The plaintext `token` is in the
 * result exactly once: show it to the operator, then forget it.
 */
export async function createApiToken(
  db: Kysely<Database>,
  input: NewApiToken,
): Promise<{ token: string; apiToken: ApiToken }> {
  const token = generateApiToken();
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({ name: input.name, scope: input.scope, token_hash: hashApiToken(token) })
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow(),
  );
  return { token, apiToken: toApiToken(row) };
}

/**
 * The live (not revoked) token matching a bearer value, stamping
 * `last_used_at` in the same statement; undefined for unknown or revoked.
 */
export async function findApiToken(
  db: Kysely<Database>,
  token: string,
): Promise<ApiToken | undefined> {
  const row = await db
    .updateTable(TABLE)
    .set({ last_used_at: sql<Date>`now()` })
    .where('token_hash', '=', hashApiToken(token))
    .where('revoked_at', 'is', null)
    .returning(PUBLIC_COLUMNS)
    .executeTakeFirst();
  return row && toApiToken(row);
}

/** True when the token was live and is now revoked; revoking twice is a no-op. */
export async function revokeApiToken(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db
    .updateTable(TABLE)
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function listApiTokens(
  db: Kysely<Database>,
  options: { readonly includeRevoked?: boolean } = {},
): Promise<ApiToken[]> {
  let query = db.selectFrom(TABLE).select(PUBLIC_COLUMNS);
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('name').execute();
  return rows.map(toApiToken);
}
