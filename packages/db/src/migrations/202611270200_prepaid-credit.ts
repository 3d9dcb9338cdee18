// Prepaid credit: `customer_mgmt.accounts.credit_micros` (null = postpaid,
// no limit) was stored and shown but never spent. A message is charged once,
// when a carrier accepted it (the CDR reaches submit_status 'submitted' with
// a price): segments × price per segment, in the CDR's `charged_micros`,
// and, for a prepaid account whose balance is in the price's currency, taken
// off that balance in the same statement as the CDR write.
//
// Why here, in the database, and not in a service:
// - exactly once for free: the CDR row is the message's one durable record,
//   and `charged_micros` is set only while it is NULL, so a redelivered
//   submit result, a receipt arriving first, or two tracker replicas writing
//   the same message charge it once; the balance moves in the same
//   transaction as that row, so a crash between the two cannot happen;
// - cheap on the hot path: the row trigger is pure arithmetic and fires once
//   per message (its WHEN clause is checked in C); the balance is updated
//   once per customer per CDR statement (a tracker batch of up to 2 000
//   rows), from the statement's transition table, not once per message, so
//   a busy prepaid customer's account row is not a per-message hot spot;
// - no deadlock between tracker replicas: the accounts are locked in id
//   order after the statement's CDR rows, one statement per transaction.
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
  await sql`ALTER TABLE messaging.cdrs
    ADD COLUMN charged_micros bigint
      CONSTRAINT cdrs_charged_check CHECK (charged_micros >= 0)`.execute(db);

  await sql`CREATE FUNCTION messaging.cdr_charge_row() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      NEW.charged_micros := NEW.segments::int8 * NEW.price_per_segment_micros;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER cdrs_charge_row
    BEFORE INSERT OR UPDATE ON messaging.cdrs
    FOR EACH ROW
    WHEN (NEW.charged_micros IS NULL
      AND NEW.submit_status = 'submitted'
      AND NEW.price_per_segment_micros IS NOT NULL)
    EXECUTE FUNCTION messaging.cdr_charge_row()`.execute(db);

  // `charges` holds (customer, currency, amount) of the rows the statement
  // charged; the accounts are locked in id order first (see above).
  const debit = (charges: string) =>
    sql.raw(`
    PERFORM 1 FROM customer_mgmt.accounts a
      WHERE a.credit_micros IS NOT NULL
        AND a.id IN (SELECT customer_id FROM (${charges}) c)
      ORDER BY a.id FOR UPDATE;
    UPDATE customer_mgmt.accounts a
       SET credit_micros = a.credit_micros - s.total
      FROM (SELECT customer_id, currency, sum(charged) AS total
              FROM (${charges}) c GROUP BY 1, 2) s
     WHERE a.id = s.customer_id
       AND a.credit_micros IS NOT NULL
       AND a.credit_currency = s.currency;`);
  await sql`CREATE FUNCTION messaging.cdr_debit_inserted() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      ${debit(`SELECT customer_id, currency, charged_micros AS charged
                 FROM charged_rows WHERE charged_micros > 0`)}
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE FUNCTION messaging.cdr_debit_updated() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      ${debit(`SELECT n.customer_id, n.currency, n.charged_micros AS charged
                 FROM charged_rows n JOIN previous_rows o USING (message_id)
                WHERE o.charged_micros IS NULL AND n.charged_micros > 0`)}
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER cdrs_debit_inserted
    AFTER INSERT ON messaging.cdrs
    REFERENCING NEW TABLE AS charged_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messaging.cdr_debit_inserted()`.execute(db);
  await sql`CREATE TRIGGER cdrs_debit_updated
    AFTER UPDATE ON messaging.cdrs
    REFERENCING OLD TABLE AS previous_rows NEW TABLE AS charged_rows
    FOR EACH STATEMENT EXECUTE FUNCTION messaging.cdr_debit_updated()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER cdrs_debit_updated ON messaging.cdrs`.execute(db);
  await sql`DROP TRIGGER cdrs_debit_inserted ON messaging.cdrs`.execute(db);
  await sql`DROP TRIGGER cdrs_charge_row ON messaging.cdrs`.execute(db);
  await sql`DROP FUNCTION messaging.cdr_debit_updated()`.execute(db);
  await sql`DROP FUNCTION messaging.cdr_debit_inserted()`.execute(db);
  await sql`DROP FUNCTION messaging.cdr_charge_row()`.execute(db);
  await sql`ALTER TABLE messaging.cdrs DROP COLUMN charged_micros`.execute(db);
  await sql`ALTER TABLE customer_mgmt.accounts DROP COLUMN credit_currency`.execute(db);
}
