import { sql, type Kysely } from 'kysely';
import { ConflictError, InvalidInputError, withDataErrors } from '../db-errors.js';
import type {
  Database,
  MessageIdFormat,
  RetiredVendorRow,
  ServiceProviderRow,
  ServiceProviderUpdate,
  VendorAlphabet,
  VendorBindType,
  VendorStatus,
} from '../schema.js';
import { decryptSecret, encryptSecret } from '../secrets.js';
import { containsPattern, definedOnly, isUuid, toSafeInteger } from './column-values.js';
import { normalizePage, type Page, type PageRequest } from './pagination.js';

const TABLE = 'vendor_mgmt.service_providers';
const RETIRED_TABLE = 'vendor_mgmt.retired_vendors';

export interface Vendor {
  readonly id: string;
  readonly instanceName: string;
  readonly displayName: string;
  readonly host: string;
  readonly port: number;
  readonly useTls: boolean;
  readonly bindType: VendorBindType;
  readonly systemId: string;
  /**
   * AES-256-GCM envelope; decrypt with `decryptVendorPassword` only where the
   * bind needs it, and never return it from an API.
   */
  readonly passwordEncrypted: string;
  readonly systemType: string;
  /** Segments per second, global across pods. */
  readonly throughput: number;
  readonly priority: number;
  readonly isPrimary: boolean;
  readonly isActive: boolean;
  readonly status: VendorStatus;
  readonly statusDetail: string | null;
  readonly statusUpdatedAt: Date | null;
  readonly maxBinds: number;
  readonly windowSize: number;
  readonly enquireLinkIntervalMs: number;
  readonly responseTimeoutMs: number;
  readonly defaultAlphabet: VendorAlphabet;
  /** Format of message ids in submit_sm_resp. */
  readonly messageIdFormat: MessageIdFormat;
  /** Format of message ids in receipts; null = the same as messageIdFormat. */
  readonly receiptMessageIdFormat: MessageIdFormat | null;
  /** Clock the vendor writes receipt dates in (IANA name or ±HH:MM); null = UTC. */
  readonly receiptTimeZone: string | null;
  readonly currency: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** Bumped by every configuration change (not by status reports). */
  readonly version: number;
}

export interface NewVendor {
  readonly instanceName: string;
  readonly displayName: string;
  readonly host: string;
  readonly port: number;
  readonly useTls?: boolean;
  readonly bindType: VendorBindType;
  readonly systemId: string;
  /** Plaintext; stored encrypted. */
  readonly password: string;
  readonly systemType?: string;
  readonly throughput: number;
  readonly priority?: number;
  readonly isPrimary?: boolean;
  readonly isActive?: boolean;
  readonly maxBinds?: number;
  readonly windowSize?: number;
  readonly enquireLinkIntervalMs?: number;
  readonly responseTimeoutMs?: number;
  readonly defaultAlphabet?: VendorAlphabet;
  readonly messageIdFormat?: MessageIdFormat;
  readonly receiptMessageIdFormat?: MessageIdFormat | null;
  /** Checked by the caller (smpp parseReceiptTimeZone); the table holds only its characters. */
  readonly receiptTimeZone?: string | null;
  readonly currency?: string;
}

export type VendorPatch = Partial<NewVendor>;

export interface VendorFilter extends PageRequest {
  readonly isActive?: boolean;
  readonly status?: VendorStatus;
  /** Case-insensitive substring of the instance or display name. */
  readonly search?: string;
}

export function toVendor(row: ServiceProviderRow): Vendor {
  return {
    id: row.id,
    instanceName: row.instance_name,
    displayName: row.display_name,
    host: row.host,
    port: row.port,
    useTls: row.use_tls,
    bindType: row.bind_type,
    systemId: row.system_id,
    passwordEncrypted: row.password_encrypted,
    systemType: row.system_type,
    throughput: row.throughput,
    priority: row.priority,
    isPrimary: row.is_primary,
    isActive: row.is_active,
    status: row.status,
    statusDetail: row.status_detail,
    statusUpdatedAt: row.status_updated_at,
    maxBinds: row.max_binds,
    windowSize: row.window_size,
    enquireLinkIntervalMs: row.enquire_link_interval_ms,
    responseTimeoutMs: row.response_timeout_ms,
    defaultAlphabet: row.default_alphabet,
    messageIdFormat: row.message_id_format,
    receiptMessageIdFormat: row.receipt_message_id_format,
    receiptTimeZone: row.receipt_time_zone,
    currency: row.currency,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    version: row.version,
  };
}

function vendorColumns(input: VendorPatch, secretKey: Buffer | undefined): ServiceProviderUpdate {
  if (input.password !== undefined && secretKey === undefined) {
    throw new InvalidInputError('a vendor password can only be stored with the vendor secret key');
  }
  return definedOnly({
    instance_name: input.instanceName,
    display_name: input.displayName,
    host: input.host,
    port: input.port,
    use_tls: input.useTls,
    bind_type: input.bindType,
    system_id: input.systemId,
    password_encrypted:
      input.password !== undefined && secretKey !== undefined
        ? encryptSecret(input.password, secretKey)
        : undefined,
    system_type: input.systemType,
    throughput: input.throughput,
    priority: input.priority,
    is_primary: input.isPrimary,
    is_active: input.isActive,
    max_binds: input.maxBinds,
    window_size: input.windowSize,
    enquire_link_interval_ms: input.enquireLinkIntervalMs,
    response_timeout_ms: input.responseTimeoutMs,
    default_alphabet: input.defaultAlphabet,
    message_id_format: input.messageIdFormat,
    receipt_message_id_format: input.receiptMessageIdFormat,
    receipt_time_zone: input.receiptTimeZone,
    currency: input.currency,
  });
}

/** The plaintext vendor password, for the SMPP bind. */
export function decryptVendorPassword(
  vendor: Pick<Vendor, 'passwordEncrypted'>,
  secretKey: Buffer,
): string {
  return decryptSecret(vendor.passwordEncrypted, secretKey);
}

/** Active vendors, preferred first: what connectors load at start and on reload. */
export function listActiveVendors(db: Kysely<Database>): Promise<Vendor[]> {
  return listVendorsByState(db, true);
}

/** Vendors out of service: whose queues connectors drain back to the router at start. */
export function listInactiveVendors(db: Kysely<Database>): Promise<Vendor[]> {
  return listVendorsByState(db, false);
}

async function listVendorsByState(db: Kysely<Database>, isActive: boolean): Promise<Vendor[]> {
  const rows = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('is_active', '=', isActive)
    .orderBy('priority')
    .orderBy('instance_name')
    .execute();
  return rows.map(toVendor);
}

export async function getVendorById(db: Kysely<Database>, id: string): Promise<Vendor | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db.selectFrom(TABLE).selectAll().where('id', '=', id).executeTakeFirst();
  return row && toVendor(row);
}

export async function getVendorByInstanceName(
  db: Kysely<Database>,
  instanceName: string,
): Promise<Vendor | undefined> {
  const row = await db
    .selectFrom(TABLE)
    .selectAll()
    .where('instance_name', '=', instanceName)
    .executeTakeFirst();
  return row && toVendor(row);
}

export async function listVendors(
  db: Kysely<Database>,
  filter: VendorFilter = {},
): Promise<Page<Vendor>> {
  const { limit, offset } = normalizePage(filter);
  let query = db.selectFrom(TABLE);
  if (filter.isActive !== undefined) query = query.where('is_active', '=', filter.isActive);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.search) {
    const pattern = containsPattern(filter.search);
    query = query.where((eb) =>
      eb.or([eb('instance_name', 'ilike', pattern), eb('display_name', 'ilike', pattern)]),
    );
  }
  const [rows, count] = await Promise.all([
    query
      .selectAll()
      .orderBy('priority')
      .orderBy('instance_name')
      .limit(limit)
      .offset(offset)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toVendor), total: toSafeInteger(count.total), limit, offset };
}

export async function createVendor(
  db: Kysely<Database>,
  input: NewVendor,
  secretKey: Buffer,
): Promise<Vendor> {
  const { password, ...rest } = input;
  const columns = vendorColumns(rest, undefined);
  const row = await withDataErrors(
    db
      .insertInto(TABLE)
      .values({
        ...columns,
        instance_name: input.instanceName,
        display_name: input.displayName,
        host: input.host,
        port: input.port,
        bind_type: input.bindType,
        system_id: input.systemId,
        password_encrypted: encryptSecret(password, secretKey),
        throughput: input.throughput,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
  return toVendor(row);
}

export interface VendorUpdateOptions {
  /** Required when the patch changes the password. */
  readonly secretKey?: Buffer;
  /** Optimistic concurrency: refuse with ConflictError when the row moved on. */
  readonly expectedVersion?: number;
}

/**
 * Applies a configuration change and bumps `version` so every connector sees
 * it. Undefined when the vendor does not exist; an empty patch changes nothing.
 */
export async function updateVendor(
  db: Kysely<Database>,
  id: string,
  patch: VendorPatch,
  options: VendorUpdateOptions = {},
): Promise<Vendor | undefined> {
  if (!isUuid(id)) return undefined;
  const columns = vendorColumns(patch, options.secretKey);
  if (Object.keys(columns).length === 0) {
    const current = await getVendorById(db, id);
    if (
      current &&
      options.expectedVersion !== undefined &&
      current.version !== options.expectedVersion
    ) {
      throw versionConflict(current.version, options.expectedVersion);
    }
    return current;
  }
  let query = db
    .updateTable(TABLE)
    .set({ ...columns, updated_at: sql<Date>`now()`, version: sql<number>`version + 1` })
    .where('id', '=', id);
  if (options.expectedVersion !== undefined)
    query = query.where('version', '=', options.expectedVersion);
  const row = await withDataErrors(query.returningAll().executeTakeFirst());
  if (row) return toVendor(row);
  if (options.expectedVersion === undefined) return undefined;
  const current = await getVendorById(db, id);
  if (!current) return undefined;
  throw versionConflict(current.version, options.expectedVersion);
}

function versionConflict(actual: number, expected: number): ConflictError {
  return new ConflictError(
    `vendor was modified concurrently: version is ${actual}, expected ${expected}`,
  );
}

/**
 * Records what a connector observed. Deliberately leaves `version` and
 * `updated_at` alone: connectors watch `version` for configuration changes and
 * must not be woken by their own status reports.
 */
export async function setVendorStatus(
  db: Kysely<Database>,
  id: string,
  status: VendorStatus,
  detail: string | null = null,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await withDataErrors(
    db
      .updateTable(TABLE)
      .set({ status, status_detail: detail, status_updated_at: sql<Date>`now()` })
      .where('id', '=', id)
      .executeTakeFirst(),
  );
  return result.numUpdatedRows > 0n;
}

/**
 * Deletes the vendor with its routing rules and vendor rates (cascade); CDRs
 * keep its id. Leaves a tombstone in the same transaction, so a connector
 * that never saw the deletion still drains the queues the vendor left
 * (listRetiredVendors).
 */
export async function deleteVendor(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return withDataErrors(
    db.transaction().execute(async (tx) => {
      const row = await tx
        .deleteFrom(TABLE)
        .where('id', '=', id)
        .returning([
          'id',
          'instance_name',
          'default_alphabet',
          'message_id_format',
          'receipt_message_id_format',
        ])
        .executeTakeFirst();
      if (!row) return false;
      await tx
        .insertInto(RETIRED_TABLE)
        .values({
          vendor_id: row.id,
          instance_name: row.instance_name,
          default_alphabet: row.default_alphabet,
          message_id_format: row.message_id_format,
          receipt_message_id_format: row.receipt_message_id_format,
        })
        .onConflict((oc) => oc.column('vendor_id').doNothing())
        .execute();
      return true;
    }),
  );
}

/** What a connector needs to hand back the MTs a deleted vendor left in its queues. */
export interface RetiredVendor {
  readonly id: string;
  readonly instanceName: string;
  readonly defaultAlphabet: VendorAlphabet;
  readonly messageIdFormat: MessageIdFormat;
  readonly receiptMessageIdFormat: MessageIdFormat | null;
  readonly retiredAt: Date;
}

function toRetiredVendor(row: RetiredVendorRow): RetiredVendor {
  return {
    id: row.vendor_id,
    instanceName: row.instance_name,
    defaultAlphabet: row.default_alphabet,
    messageIdFormat: row.message_id_format,
    receiptMessageIdFormat: row.receipt_message_id_format,
    retiredAt: row.retired_at,
  };
}

/** Deleted vendors, oldest deletion first. */
export async function listRetiredVendors(db: Kysely<Database>): Promise<RetiredVendor[]> {
  const rows = await db.selectFrom(RETIRED_TABLE).selectAll().orderBy('retired_at').execute();
  return rows.map(toRetiredVendor);
}

/**
 * One deleted vendor's tombstone; undefined for a vendor that still exists
 * or never did. CDRs outlive their vendor, so whatever reads a CDR's vendor
 * ids (a carrier's dispute quoting its message id) still needs the formats
 * the vendor wrote them in after the vendor is gone.
 */
export async function getRetiredVendor(
  db: Kysely<Database>,
  id: string,
): Promise<RetiredVendor | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db
    .selectFrom(RETIRED_TABLE)
    .selectAll()
    .where('vendor_id', '=', id)
    .executeTakeFirst();
  return row && toRetiredVendor(row);
}
