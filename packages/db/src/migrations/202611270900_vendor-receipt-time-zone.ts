// The clock a vendor writes its receipt dates in (`submit date:`, `done
// date:`). SMPP 3.4 names no time zone and many carriers write their local
// time, which read as UTC put a message's delivery hours before its submit
// or after its receipt arrived, in the CDR and in the customer's receipt.
// An IANA name (daylight saving time followed) or a fixed offset such as
// +05:30; NULL = UTC, what every existing vendor was read as. The admin API
// and the connector check that the name is a zone they know
// (parseReceiptTimeZone); the CHECK only holds the characters one can have.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE vendor_mgmt.service_providers
    ADD COLUMN receipt_time_zone text
      CONSTRAINT service_providers_receipt_time_zone_check CHECK (
        receipt_time_zone IS NULL OR receipt_time_zone ~ '^[A-Za-z0-9_+/:-]{1,64}$'
      )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE vendor_mgmt.service_providers DROP COLUMN receipt_time_zone`.execute(db);
}
