import { createTestDatabase, type TestDatabase } from '@smpp-gateway/testkit';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { createDatabase, migrateToLatest, type Database } from '../../src/index.js';

/**
 * Gives the calling test file its own database, migrated to the latest
 * schema before its tests and dropped after them: `ready` receives the pool
 * (assign it to the file's `db`).
 */
export function useMigratedDatabase(
  ready: (db: Kysely<Database>) => void,
  options: { poolMax?: number } = {},
): void {
  let testDb: TestDatabase | undefined;
  let db: Kysely<Database> | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = createDatabase(testDb.url, { poolMax: options.poolMax ?? 4 });
    await migrateToLatest(db);
    ready(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await testDb?.drop();
  });
}
