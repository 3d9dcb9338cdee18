// Typed errors the admin API maps to HTTP statuses without knowing PostgreSQL
// error codes: ConflictError → 409, ForeignKeyError and InvalidInputError → 400.

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
  table?: unknown;
  schema?: unknown;
}

/** Base class of every error this package raises about stored data. */
export class DataError extends Error {
  /** The PostgreSQL constraint that fired, when there is one. */
  readonly constraint: string | undefined;
  /** PostgreSQL's detail line, e.g. `Key (system_id)=(demo) already exists.` */
  readonly detail: string | undefined;

  constructor(
    message: string,
    fields: { constraint?: string | undefined; detail?: string | undefined } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.constraint = fields.constraint;
    this.detail = fields.detail;
  }
}

/** A unique constraint was violated (PostgreSQL 23505), or a version check failed. */
export class ConflictError extends DataError {
  override readonly name = 'ConflictError';
}

/** A referenced row does not exist, or is still referenced (PostgreSQL 23503). */
export class ForeignKeyError extends DataError {
  override readonly name = 'ForeignKeyError';
}

/** A value the schema refuses: CHECK (23514), NOT NULL (23502), bad text (22P02) or our own validation. */
export class InvalidInputError extends DataError {
  override readonly name = 'InvalidInputError';
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Turns a PostgreSQL constraint error into one of the typed errors above and
 * returns anything else unchanged (connection failures stay what they are).
 */
export function translateDbError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null || error instanceof DataError) return error;
  const pg = error as PgErrorFields;
  const code = str(pg.code);
  const fields = { constraint: str(pg.constraint), detail: str(pg.detail) };
  const where = [str(pg.schema), str(pg.table)].filter(Boolean).join('.');
  const subject = fields.constraint ?? (where || 'row');
  switch (code) {
    case '23505':
      return new ConflictError(`duplicate value violates ${subject}`, fields, { cause: error });
    case '23503':
      return new ForeignKeyError(`reference check failed on ${subject}`, fields, { cause: error });
    case '23514':
    case '23502':
    case '22P02':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
      return new InvalidInputError(
        `invalid value (${subject}): ${error instanceof Error ? error.message : 'rejected'}`,
        fields,
        { cause: error },
      );
    default:
      return error;
  }
}

/** Awaits `work` and rethrows PostgreSQL constraint errors as typed errors. */
export async function withDataErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw translateDbError(error);
  }
}
