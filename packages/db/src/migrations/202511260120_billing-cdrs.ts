// Rates and call detail records.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('billing.rates')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('price_plan', 'text')
    .addColumn('vendor_id', 'uuid', (c) =>
      c.references('vendor_mgmt.service_providers.id').onDelete('cascade'),
    )
    .addColumn('destination_prefix', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('price_per_segment_micros', 'bigint', (c) => c.notNull())
    .addColumn('currency', sql`char(3)`, (c) => c.notNull())
    .addColumn('effective_from', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('rates_kind_check', sql`kind IN ('customer', 'vendor')`)
    .addCheckConstraint(
      'rates_kind_target_check',
      sql`(kind = 'customer' AND price_plan IS NOT NULL AND price_plan <> '' AND vendor_id IS NULL)
        OR (kind = 'vendor' AND vendor_id IS NOT NULL AND price_plan IS NULL)`,
    )
    .addCheckConstraint('rates_destination_prefix_check', sql`destination_prefix ~ '^[0-9]{0,15}$'`)
    .addCheckConstraint('rates_price_check', sql`price_per_segment_micros >= 0`)
    .addCheckConstraint('rates_currency_check', sql`currency ~ '^[A-Z]{3}$'`)
    // One of price_plan / vendor_id is always NULL, so NULLs must compare
    // equal here or the constraint would never fire (PostgreSQL 15+).
    .addUniqueConstraint(
      'rates_key_unique',
      ['kind', 'price_plan', 'vendor_id', 'destination_prefix', 'effective_from'],
      (u) => u.nullsNotDistinct(),
    )
    .execute();
  await db.schema
    .createIndex('rates_vendor_id_idx')
    .on('billing.rates')
    .column('vendor_id')
    .execute();

  // No foreign keys on purpose: a CDR is history and must outlive the
  // customer, vendor or route it mentions, and the tracker's batched writes
  // should not pay for reference checks.
  await db.schema
    .createTable('messaging.cdrs')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'uuid', (c) => c.notNull())
    .addColumn('system_id', 'text', (c) => c.notNull())
    .addColumn('vendor_id', 'uuid')
    .addColumn('vendor_message_id', 'text')
    .addColumn('route_id', 'uuid')
    .addColumn('source_addr', 'text', (c) => c.notNull())
    .addColumn('destination_addr', 'text', (c) => c.notNull())
    .addColumn('segments', 'integer', (c) => c.notNull())
    .addColumn('concat_ref', 'integer')
    .addColumn('part_seq', 'integer')
    .addColumn('part_total', 'integer')
    .addColumn('price_per_segment_micros', 'bigint')
    .addColumn('cost_per_segment_micros', 'bigint')
    .addColumn('currency', sql`char(3)`)
    .addColumn('submit_status', 'text', (c) => c.notNull())
    .addColumn('delivery_status', 'text')
    .addColumn('error', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('accepted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('done_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('cdrs_message_id_check', sql`char_length(message_id) BETWEEN 1 AND 64`)
    .addCheckConstraint('cdrs_segments_check', sql`segments BETWEEN 1 AND 255`)
    .addCheckConstraint('cdrs_concat_ref_check', sql`concat_ref BETWEEN 0 AND 65535`)
    .addCheckConstraint(
      'cdrs_parts_check',
      sql`(part_seq IS NULL AND part_total IS NULL)
        OR (part_total BETWEEN 1 AND 255 AND part_seq BETWEEN 1 AND part_total)`,
    )
    .addCheckConstraint(
      'cdrs_money_check',
      sql`price_per_segment_micros >= 0 AND cost_per_segment_micros >= 0`,
    )
    .addCheckConstraint('cdrs_currency_check', sql`currency ~ '^[A-Z]{3}$'`)
    .addCheckConstraint(
      'cdrs_submit_status_check',
      sql`submit_status IN ('accepted', 'submitted', 'failed')`,
    )
    .addCheckConstraint(
      'cdrs_delivery_status_check',
      sql`delivery_status IN ('ENROUTE', 'DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD')`,
    )
    .execute();
  await db.schema
    .createIndex('cdrs_customer_accepted_idx')
    .on('messaging.cdrs')
    .columns(['customer_id', 'accepted_at'])
    .execute();
  await db.schema
    .createIndex('cdrs_vendor_message_idx')
    .on('messaging.cdrs')
    .columns(['vendor_id', 'vendor_message_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('messaging.cdrs').execute();
  await db.schema.dropTable('billing.rates').execute();
}
