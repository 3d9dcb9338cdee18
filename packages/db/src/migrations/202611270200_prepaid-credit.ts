// Prepaid credit: `customer_mgmt.accounts.credit_micros` (null = postpaid,
// no limit) was stored and shown but never spent. A message is charged once,
// when a carrier accepted it (its CDR reaches submit_status 'submitted' with
// a price): `charged_micros` = segments × price per segment, and, when the
// router priced it for a prepaid balance in that currency
// (`charge_prepaid`, from the MT's pricing), the same amount comes off the
// balance in the same statement as the CDR write.
//
// Why a trigger on the CDR write, and not a service:
// - exactly once for free: the CDR row is the message's one durable record
//   and `charged_micros` is set only while it is NULL, checked on the row
//   version the write holds locked; so a redelivered submit result, a
//   receipt that arrived first (the price comes later), or two tracker
//   replicas writing the same message charge it once, and the balance moves
//   in the same transaction as the row, so a crash cannot split them;
// - nothing for postpaid traffic: the WHEN clauses are checked in C, the
//   BEFORE function is arithmetic, and the balance's AFTER trigger is
//   queued only for rows the router marked prepaid (`pnpm bench:cdr
//   --charging off,postpaid,prepaid`: postpaid within the noise of no
//   trigger; a lookup or a statement-level trigger with transition tables
//   cost every CDR write 15–30 µs of PostgreSQL CPU per SMS, measured and
//   dropped; docs/performance.md);
// - no deadlock between tracker replicas: AFTER row triggers run at the end
//   of the statement, in row order, and upsertCdrs sorts a statement's rows
//   by customer, then message id, so accounts are locked in one order after
//   the CDR rows.
//
// The balance is a soft limit: the edge refuses a prepaid customer's
// submits once its balance is at or below zero (re-read every
// EDGE_CREDIT_REFRESH_MS), so messages accepted meanwhile can take it below
// zero by about one refresh interval of traffic (docs/architecture.md).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE customer_mgmt.accounts
    ADD COLUMN credit_currency char(3) NOT NULL DEFAULT 'USD'
      CONSTRAINT accounts_credit_currency_check CHECK (credit_currency ~ '^[A-Z]{3}$')`.execute(db);
  // New nullable columns without a default change only the catalog. The
  // CHECK is added NOT VALID: validating it would scan the whole CDR table
  // under the ALTER's exclusive lock (every existing row is NULL, so there
  // is nothing to find); new and updated rows are checked all the same.
  await sql`ALTER TABLE messaging.cdrs
    ADD COLUMN charged_micros bigint,
    ADD COLUMN charge_prepaid boolean,
    ADD CONSTRAINT cdrs_charged_check CHECK (charged_micros >= 0) NOT VALID`.execute(db);

  // BEFORE: what the message costs, on the row version being written.
  await sql`CREATE FUNCTION messaging.cdr_charge() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      NEW.charged_micros := NEW.segments::int8 * NEW.price_per_segment_micros;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER cdrs_charge
    BEFORE INSERT OR UPDATE ON messaging.cdrs
    FOR EACH ROW
    WHEN (NEW.charged_micros IS NULL
      AND NEW.submit_status = 'submitted'
      AND NEW.price_per_segment_micros IS NOT NULL)
    EXECUTE FUNCTION messaging.cdr_charge()`.execute(db);
  // AFTER: the balance, only for rows really inserted or updated. A BEFORE
  // INSERT trigger also fires for the proposed row of an INSERT that then
  // meets a conflict and updates instead (a replayed submit result), so it
  // must not spend anything.
  await sql`CREATE FUNCTION messaging.cdr_debit() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE customer_mgmt.accounts
         SET credit_micros = credit_micros - NEW.charged_micros
       WHERE id = NEW.customer_id
         AND credit_micros IS NOT NULL
         AND credit_currency = NEW.currency;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER cdrs_debit_inserted
    AFTER INSERT ON messaging.cdrs
    FOR EACH ROW
    WHEN (NEW.charge_prepaid AND NEW.charged_micros IS NOT NULL)
    EXECUTE FUNCTION messaging.cdr_debit()`.execute(db);
  await sql`CREATE TRIGGER cdrs_debit_updated
    AFTER UPDATE ON messaging.cdrs
    FOR EACH ROW
    WHEN (NEW.charge_prepaid AND OLD.charged_micros IS NULL AND NEW.charged_micros IS NOT NULL)
    EXECUTE FUNCTION messaging.cdr_debit()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER cdrs_debit_updated ON messaging.cdrs`.execute(db);
  await sql`DROP TRIGGER cdrs_debit_inserted ON messaging.cdrs`.execute(db);
  await sql`DROP TRIGGER cdrs_charge ON messaging.cdrs`.execute(db);
  await sql`DROP FUNCTION messaging.cdr_debit()`.execute(db);
  await sql`DROP FUNCTION messaging.cdr_charge()`.execute(db);
  await sql`ALTER TABLE messaging.cdrs DROP COLUMN charged_micros, DROP COLUMN charge_prepaid`.execute(
    db,
  );
  await sql`ALTER TABLE customer_mgmt.accounts DROP COLUMN credit_currency`.execute(db);
}
