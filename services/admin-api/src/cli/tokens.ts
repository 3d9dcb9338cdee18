// `pnpm --filter @smpp-gateway/admin-api token <create|list|revoke> ...`
// (or `node dist/cli/tokens.js ...` in a container).
import { createDatabase, DEFAULT_DATABASE_URL } from '@smpp-gateway/db';
import { runTokenCommand, TokenCliError } from './token-commands.js';

const url = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
let db: ReturnType<typeof createDatabase> | undefined;
try {
  db = createDatabase(url, { applicationName: 'admin-api-token-cli', poolMax: 1 });
  await runTokenCommand(process.argv.slice(2), db, { out: (line) => console.log(line) });
} catch (err) {
  const expected =
    err instanceof TokenCliError ||
    (err instanceof Error &&
      /ECONNREFUSED|does not exist|DATABASE_URL|ENOTFOUND/.test(err.message));
  console.error(expected ? `token: ${(err as Error).message}` : err);
  process.exitCode = 1;
} finally {
  await db?.destroy();
}
