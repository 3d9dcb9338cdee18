// The sender IDs (source addresses) a customer may send from. Operators
// answer for them: alphanumeric senders are registered in many countries,
// bank and brand names must not be spoofed, and a customer must not send
// from numbers it does not own. Empty (every existing account) allows any
// source, as before. The edge refuses a submit from a source outside a
// non-empty list with ESME_RINVSRCADR.
//
// An entry is compared with the source as the edge normalises it: an exact
// number (1-15 digits, E.164 without '+', or a short code), a number range
// (the same digits and a trailing '*': '1512555*'), or an exact alphanumeric
// sender (1-11 printable ASCII characters without '*', not starting with '+'
// or a space, not ending with a space). The repository refuses anything else
// with the reason (sourcePatternProblem); the CHECK holds the same grammar
// for writes that bypass it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // No CHECK can look at the elements one by one (no subqueries), so the
  // entries are joined with a newline, which no entry may contain: the
  // joined text must be entries separated by newlines, and there must be as
  // many newline-separated pieces as elements (an element holding a newline
  // would otherwise pass as two, and array_to_string skips a NULL one). The
  // accounts table is small: validating it is instant.
  await sql`ALTER TABLE customer_mgmt.accounts
    ADD COLUMN allowed_sources text[] NOT NULL DEFAULT '{}'
      CONSTRAINT accounts_allowed_sources_check CHECK (
        cardinality(allowed_sources) = 0 OR (
          array_to_string(allowed_sources, E'\\n') ~ '^([0-9]{1,15}[*]?|[!-),-~]([ -)+-~]{0,9}[!-)+-~])?)(\\n([0-9]{1,15}[*]?|[!-),-~]([ -)+-~]{0,9}[!-)+-~])?))*$'
          AND cardinality(string_to_array(array_to_string(allowed_sources, E'\\n'), E'\\n'))
            = cardinality(allowed_sources)
        )
      )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE customer_mgmt.accounts DROP COLUMN allowed_sources`.execute(db);
}
