import { Migrator, NO_MIGRATIONS, type Kysely, type MigrationResultSet } from 'kysely';
import { migrations } from './migrations/index.js';

export interface MigrationStep {
  readonly name: string;
  readonly direction: 'Up' | 'Down';
}

export interface MigrationStatus {
  readonly name: string;
  /** Undefined while the migration is pending. */
  readonly executedAt: Date | undefined;
}

/** A migration run failed; every step of that run was rolled back (transactional DDL). */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly failedMigration: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function migratorFor(db: Kysely<unknown>): Migrator {
  // Kysely serialises concurrent runs (pods starting together) with an
  // advisory lock, and runs each migration in its own transaction.
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
  });
}

function unwrap(result: MigrationResultSet): MigrationStep[] {
  const steps = result.results ?? [];
  if (result.error !== undefined) {
    const failed = steps.find((step) => step.status === 'Error')?.migrationName;
    const cause =
      result.error instanceof Error ? result.error.message : JSON.stringify(result.error);
    throw new MigrationError(
      failed ? `migration ${failed} failed: ${cause}` : `migrations could not run: ${cause}`,
      failed,
      { cause: result.error },
    );
  }
  return steps
    .filter((step) => step.status === 'Success')
    .map(({ migrationName, direction }) => ({ name: migrationName, direction }));
}

// The functions take `Kysely<any-schema>`: a migrator only needs a connection,
// and callers hold a `Kysely<Database>`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

/** Applies every pending migration; returns the steps taken (empty when up to date). */
export async function migrateToLatest(db: AnyKysely): Promise<MigrationStep[]> {
  return unwrap(await migratorFor(db).migrateToLatest());
}

/** Reverts the most recently applied migration, if any. */
export async function migrateDown(db: AnyKysely): Promise<MigrationStep[]> {
  return unwrap(await migratorFor(db).migrateDown());
}

/** Reverts every applied migration, newest first: all schemas are dropped. */
export async function migrateReset(db: AnyKysely): Promise<MigrationStep[]> {
  return unwrap(await migratorFor(db).migrateTo(NO_MIGRATIONS));
}

export async function migrationStatus(db: AnyKysely): Promise<MigrationStatus[]> {
  const infos = await migratorFor(db).getMigrations();
  return infos.map(({ name, executedAt }) => ({ name, executedAt }));
}

/** Names of every migration this build knows, oldest first. */
export function knownMigrations(): string[] {
  return Object.keys(migrations).sort();
}
