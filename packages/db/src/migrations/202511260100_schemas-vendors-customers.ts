// Schemas, vendors and customer accounts. Migrations are frozen history: they
// take an untyped Kysely and spell every literal out, so a later change to
// `schema.ts` can never alter what an already applied migration did.
import { sql, type Kysely } from 'kysely';

const SCHEMAS = ['vendor_mgmt', 'customer_mgmt', 'routing', 'messaging', 'billing', 'admin'];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const schema of SCHEMAS) await db.schema.createSchema(schema).execute();

  await db.schema
    .createTable('vendor_mgmt.service_providers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('instance_name', 'text', (c) => c.notNull().unique())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('use_tls', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('bind_type', 'text', (c) => c.notNull())
    .addColumn('system_id', 'text', (c) => c.notNull())
    .addColumn('password_encrypted', 'text', (c) => c.notNull())
    .addColumn('system_type', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('throughput', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('is_primary', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('unknown'))
    .addColumn('status_detail', 'text')
    .addColumn('status_updated_at', 'timestamptz')
    .addColumn('max_binds', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('window_size', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('enquire_link_interval_ms', 'integer', (c) => c.notNull().defaultTo(30_000))
    .addColumn('response_timeout_ms', 'integer', (c) => c.notNull().defaultTo(10_000))
    .addColumn('default_alphabet', 'text', (c) => c.notNull().defaultTo('gsm7'))
    .addColumn('message_id_format', 'text', (c) => c.notNull().defaultTo('auto'))
    .addColumn('currency', sql`char(3)`, (c) => c.notNull().defaultTo('USD'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    // Instance names end up in logs and metric labels: keep them plain.
    .addCheckConstraint(
      'service_providers_instance_name_check',
      sql`instance_name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'`,
    )
    .addCheckConstraint('service_providers_display_name_check', sql`display_name <> ''`)
    .addCheckConstraint('service_providers_host_check', sql`host <> ''`)
    .addCheckConstraint('service_providers_port_check', sql`port BETWEEN 1 AND 65535`)
    .addCheckConstraint(
      'service_providers_bind_type_check',
      sql`bind_type IN ('transceiver', 'transmitter', 'receiver', 'tx_rx')`,
    )
    // SMPP 3.4 C-Octet Strings: system_id max 16 octets and system_type max 13,
    // both including the NUL terminator.
    .addCheckConstraint(
      'service_providers_system_id_check',
      sql`char_length(system_id) BETWEEN 1 AND 15`,
    )
    .addCheckConstraint('service_providers_system_type_check', sql`char_length(system_type) <= 12`)
    .addCheckConstraint(
      'service_providers_password_encrypted_check',
      sql`password_encrypted ~ '^v[0-9]+:'`,
    )
    .addCheckConstraint('service_providers_throughput_check', sql`throughput > 0`)
    .addCheckConstraint('service_providers_priority_check', sql`priority >= 0`)
    .addCheckConstraint(
      'service_providers_status_check',
      sql`status IN ('connected', 'disconnected', 'error', 'unknown')`,
    )
    // A tx_rx vendor needs a transmitter and a receiver session at least.
    .addCheckConstraint(
      'service_providers_max_binds_check',
      sql`max_binds >= 1 AND (bind_type <> 'tx_rx' OR max_binds >= 2)`,
    )
    .addCheckConstraint('service_providers_window_size_check', sql`window_size BETWEEN 1 AND 10000`)
    .addCheckConstraint(
      'service_providers_enquire_link_interval_ms_check',
      sql`enquire_link_interval_ms >= 1000`,
    )
    .addCheckConstraint(
      'service_providers_response_timeout_ms_check',
      sql`response_timeout_ms >= 100`,
    )
    .addCheckConstraint(
      'service_providers_default_alphabet_check',
      sql`default_alphabet IN ('gsm7', 'latin1')`,
    )
    .addCheckConstraint(
      'service_providers_message_id_format_check',
      sql`message_id_format IN ('auto', 'hex', 'decimal', 'uuid', 'raw')`,
    )
    .addCheckConstraint('service_providers_currency_check', sql`currency ~ '^[A-Z]{3}$'`)
    .addCheckConstraint('service_providers_version_check', sql`version >= 1`)
    .execute();

  await db.schema
    .createTable('customer_mgmt.accounts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('system_id', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('allowed_ips', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('throughput', 'integer', (c) => c.notNull())
    .addColumn('max_binds', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('credit_micros', 'bigint')
    .addColumn('price_plan', 'text', (c) => c.notNull().defaultTo('standard'))
    .addColumn('mo_reassembly', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('accounts_name_check', sql`name <> ''`)
    // Printable ASCII without spaces, and what fits an SMPP bind (16 octets with NUL).
    .addCheckConstraint('accounts_system_id_check', sql`system_id ~ '^[!-~]{1,15}$'`)
    .addCheckConstraint('accounts_password_hash_check', sql`password_hash ~ '^\\$argon2'`)
    // The cast rejects anything PostgreSQL cannot read as an address or network.
    .addCheckConstraint(
      'accounts_allowed_ips_check',
      sql`array_position(allowed_ips, NULL) IS NULL AND allowed_ips::inet[] IS NOT NULL`,
    )
    .addCheckConstraint('accounts_throughput_check', sql`throughput > 0`)
    .addCheckConstraint('accounts_max_binds_check', sql`max_binds >= 1`)
    .addCheckConstraint('accounts_status_check', sql`status IN ('active', 'suspended', 'disabled')`)
    .addCheckConstraint('accounts_price_plan_check', sql`price_plan <> ''`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('customer_mgmt.accounts').execute();
  await db.schema.dropTable('vendor_mgmt.service_providers').execute();
  // RESTRICT (the default): an object someone added by hand makes this fail
  // loudly instead of being dropped with the schema.
  for (const schema of [...SCHEMAS].reverse()) await db.schema.dropSchema(schema).execute();
}
