import { parseArgs } from 'node:util';
import {
  API_TOKEN_SCOPES,
  ConflictError,
  createApiToken,
  isUuid,
  listApiTokens,
  revokeApiToken,
  type ApiTokenScope,
  type Database,
} from '@smpp-gateway/db';
import type { Kysely } from 'kysely';

/** A token name becomes `issuedBy` on control commands (≤ 100) and the "who" of audit lines. */
const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

export const TOKEN_USAGE = `usage:
  token create --name <name> --scope read|write   mint a token (printed once)
  token list [--all]                              live tokens (--all: with revoked)
  token revoke <id|name>                          revoke a token
env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/smpp_gateway)`;

export class TokenCliError extends Error {
  override readonly name = 'TokenCliError';
}

export interface TokenCliIo {
  readonly out: (line: string) => void;
}

function isScope(value: string): value is ApiTokenScope {
  return (API_TOKEN_SCOPES as readonly string[]).includes(value);
}

/**
 * Runs one token command against `db`. Throws `TokenCliError` for anything the
 * operator can fix (usage, duplicate name, unknown token).
 */
export async function runTokenCommand(
  argv: readonly string[],
  db: Kysely<Database>,
  io: TokenCliIo,
): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'create': {
      const { values } = parse(rest, { name: { type: 'string' }, scope: { type: 'string' } });
      const name = typeof values.name === 'string' ? values.name : '';
      const scope = typeof values.scope === 'string' ? values.scope : '';
      if (!TOKEN_NAME.test(name)) {
        throw new TokenCliError(
          '--name must be 1-100 characters of A-Z a-z 0-9 _ . @ - starting with a letter or digit',
        );
      }
      if (!isScope(scope)) throw new TokenCliError('--scope must be read or write');
      try {
        const { token, apiToken } = await createApiToken(db, { name, scope });
        io.out(`created token '${apiToken.name}' (id ${apiToken.id}, scope ${apiToken.scope})`);
        io.out('store it now, it is not shown again:');
        io.out(token);
      } catch (err) {
        if (err instanceof ConflictError) {
          throw new TokenCliError(
            `a token named '${name}' already exists (revoked ones keep their name)`,
          );
        }
        throw err;
      }
      return;
    }
    case 'list': {
      const { values } = parse(rest, { all: { type: 'boolean' } });
      const tokens = await listApiTokens(db, { includeRevoked: values.all === true });
      if (tokens.length === 0) {
        io.out('no tokens');
        return;
      }
      io.out(['id', 'name', 'scope', 'created', 'last used', 'revoked'].join('\t'));
      for (const t of tokens) {
        io.out(
          [
            t.id,
            t.name,
            t.scope,
            t.createdAt.toISOString(),
            t.lastUsedAt?.toISOString() ?? '-',
            t.revokedAt?.toISOString() ?? '-',
          ].join('\t'),
        );
      }
      return;
    }
    case 'revoke': {
      const { positionals } = parse(rest, {}, true);
      const [target] = positionals;
      if (target === undefined || positionals.length !== 1) {
        throw new TokenCliError('revoke takes one token id or name');
      }
      const tokens = await listApiTokens(db);
      const match = isUuid(target)
        ? tokens.find((t) => t.id === target)
        : tokens.find((t) => t.name === target);
      if (!match) throw new TokenCliError(`no live token with id or name '${target}'`);
      await revokeApiToken(db, match.id);
      io.out(
        `revoked token '${match.name}' (id ${match.id}); pods stop accepting it within the token cache TTL`,
      );
      return;
    }
    default:
      throw new TokenCliError(
        command === undefined ? TOKEN_USAGE : `unknown command '${command}'\n${TOKEN_USAGE}`,
      );
  }
}

type Options = Record<string, { type: 'string' | 'boolean' }>;

function parse(args: readonly string[], options: Options, allowPositionals = false) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (err) {
    throw new TokenCliError(`${(err as Error).message}\n${TOKEN_USAGE}`);
  }
}
