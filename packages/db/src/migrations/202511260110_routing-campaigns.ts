// 10DLC campaigns, routing rules and owned numbers.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messaging.tendlc_campaigns')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('campaign_id', 'text', (c) => c.notNull().unique())
    .addColumn('brand_id', 'text', (c) => c.notNull())
    .addColumn('brand_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('PENDING'))
    .addColumn('tpm', 'integer', (c) => c.notNull())
    .addColumn('brand_daily_cap', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'tendlc_campaigns_campaign_id_check',
      sql`campaign_id ~ '^[A-Za-z0-9_-]{1,64}$'`,
    )
    .addCheckConstraint('tendlc_campaigns_brand_id_check', sql`brand_id <> ''`)
    .addCheckConstraint('tendlc_campaigns_brand_name_check', sql`brand_name <> ''`)
    .addCheckConstraint(
      'tendlc_campaigns_status_check',
      sql`status IN ('ACTIVE', 'PENDING', 'SUSPENDED', 'EXPIRED')`,
    )
    .addCheckConstraint('tendlc_campaigns_tpm_check', sql`tpm > 0`)
    .addCheckConstraint('tendlc_campaigns_brand_daily_cap_check', sql`brand_daily_cap > 0`)
    .execute();

  await db.schema
    .createTable('routing.rules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('destination_prefix', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('country_code', 'text')
    .addColumn('source_type', 'text', (c) => c.notNull().defaultTo('any'))
    // A customer-specific rule means nothing once the customer is gone.
    .addColumn('customer_id', 'uuid', (c) =>
      c.references('customer_mgmt.accounts.id').onDelete('cascade'),
    )
    .addColumn('vendor_id', 'uuid', (c) =>
      c.notNull().references('vendor_mgmt.service_providers.id').onDelete('cascade'),
    )
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('rules_name_check', sql`name <> ''`)
    .addCheckConstraint('rules_destination_prefix_check', sql`destination_prefix ~ '^[0-9]{0,15}$'`)
    .addCheckConstraint('rules_country_code_check', sql`country_code ~ '^[1-9][0-9]{0,2}$'`)
    .addCheckConstraint(
      'rules_source_type_check',
      sql`source_type IN ('10dlc', 'tollfree', 'shortcode', 'intl', 'alphanumeric', 'any')`,
    )
    .addCheckConstraint('rules_priority_check', sql`priority >= 0`)
    .execute();
  // Foreign keys are not indexed by PostgreSQL itself; cascades and
  // per-vendor listings need these.
  await db.schema
    .createIndex('rules_vendor_id_idx')
    .on('routing.rules')
    .column('vendor_id')
    .execute();
  await db.schema
    .createIndex('rules_customer_id_idx')
    .on('routing.rules')
    .column('customer_id')
    .execute();

  await db.schema
    .createTable('routing.numbers')
    .addColumn('number', 'text', (c) => c.primaryKey())
    // RESTRICT: deleting a customer who still owns numbers is almost certainly
    // a mistake (their MO traffic would vanish); reassign the numbers first.
    .addColumn('customer_id', 'uuid', (c) =>
      c.references('customer_mgmt.accounts.id').onDelete('restrict'),
    )
    // SET NULL: the number stays owned; 10DLC validation then rejects it,
    // which is the safe outcome for a number without a campaign.
    .addColumn('tendlc_campaign_id', 'uuid', (c) =>
      c.references('messaging.tendlc_campaigns.id').onDelete('set null'),
    )
    .addColumn('number_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // E.164 digits without '+' (at most 15) or a short code.
    .addCheckConstraint('numbers_number_check', sql`number ~ '^[0-9]{3,15}$'`)
    .addCheckConstraint(
      'numbers_number_type_check',
      sql`number_type IN ('10dlc', 'tollfree', 'shortcode', 'intl')`,
    )
    .addCheckConstraint(
      'numbers_campaign_check',
      sql`tendlc_campaign_id IS NULL OR number_type = '10dlc'`,
    )
    .execute();
  await db.schema
    .createIndex('numbers_customer_id_idx')
    .on('routing.numbers')
    .column('customer_id')
    .execute();
  await db.schema
    .createIndex('numbers_tendlc_campaign_id_idx')
    .on('routing.numbers')
    .column('tendlc_campaign_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('routing.numbers').execute();
  await db.schema.dropTable('routing.rules').execute();
  await db.schema.dropTable('messaging.tendlc_campaigns').execute();
}
