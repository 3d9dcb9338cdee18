// Kysely's view of the database. Column names stay snake_case here exactly as
// they are in SQL (no CamelCasePlugin: zero per-row rewriting, and a query in
// a log reads like the schema); repositories map rows to camelCase domain
// objects.
//
// The value sets below are the single TypeScript source for the enum-like
// columns. Migrations spell their CHECK lists out literally on purpose (a
// migration must not change when this file does); the schema test asserts
// that both agree.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

export const VENDOR_BIND_TYPES = ['transceiver', 'transmitter', 'receiver', 'tx_rx'] as const;
/** `tx_rx` is a transmitter bind plus a receiver bind to the same SMSC. */
export type VendorBindType = (typeof VENDOR_BIND_TYPES)[number];

export const VENDOR_STATUSES = ['connected', 'disconnected', 'error', 'unknown'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export const VENDOR_ALPHABETS = ['gsm7', 'latin1'] as const;
/** What the vendor means by data_coding 0x00. */
export type VendorAlphabet = (typeof VENDOR_ALPHABETS)[number];

export const MESSAGE_ID_FORMATS = ['auto', 'hex', 'decimal', 'uuid', 'raw'] as const;
/** How a vendor writes message ids in submit_sm_resp and receipts. */
export type MessageIdFormat = (typeof MESSAGE_ID_FORMATS)[number];

/** Who made a destination block: the admin API, or a subscriber's STOP. */
export const BLOCK_ORIGINS = ['operator', 'opt_out'] as const;
export type BlockOrigin = (typeof BLOCK_ORIGINS)[number];

export const CUSTOMER_STATUSES = ['active', 'suspended', 'disabled'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export const SOURCE_TYPES = [
  '10dlc',
  'tollfree',
  'shortcode',
  'intl',
  'alphanumeric',
  'any',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** Types a number we own can have; `any` and `alphanumeric` are not numbers. */
export const NUMBER_TYPES = ['10dlc', 'tollfree', 'shortcode', 'intl'] as const;
export type NumberType = (typeof NUMBER_TYPES)[number];

export const CAMPAIGN_STATUSES = ['ACTIVE', 'PENDING', 'SUSPENDED', 'EXPIRED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const RATE_KINDS = ['customer', 'vendor'] as const;
export type RateKind = (typeof RATE_KINDS)[number];

export const SUBMIT_STATUSES = ['accepted', 'submitted', 'failed'] as const;
export type SubmitStatus = (typeof SUBMIT_STATUSES)[number];

/** SMPP 3.4 receipt `stat:` words (message_state names, abbreviated). */
export const DELIVERY_STATUSES = [
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Every message_state except ENROUTE is final in SMPP 3.4 (§5.2.28). */
export const FINAL_DELIVERY_STATUSES = [
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
] as const satisfies readonly DeliveryStatus[];

export const API_TOKEN_SCOPES = ['read', 'write'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

/** timestamptz: node-postgres returns a Date, accepts a Date or an ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** Set once by the database default, never updated. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/**
 * bigint: node-postgres returns int8 as a string unless the pool installs a
 * parser, so the select type is deliberately wide; repositories narrow it to a
 * safe integer number (see `toSafeInteger`).
 */
type Int8 = ColumnType<
  string | number | bigint,
  string | number | bigint,
  string | number | bigint
>;
type NullableInt8 = ColumnType<
  string | number | bigint | null,
  string | number | bigint | null | undefined,
  string | number | bigint | null
>;
type Uuid = Generated<string>;

export interface ServiceProviderTable {
  id: Uuid;
  instance_name: string;
  display_name: string;
  host: string;
  port: number;
  use_tls: Generated<boolean>;
  bind_type: VendorBindType;
  system_id: string;
  /** AES-256-GCM envelope (`v1:iv:tag:ciphertext`), never plaintext. */
  password_encrypted: string;
  system_type: Generated<string>;
  /** Segments per second, global for the vendor across all pods. */
  throughput: number;
  priority: Generated<number>;
  is_primary: Generated<boolean>;
  is_active: Generated<boolean>;
  status: Generated<VendorStatus>;
  status_detail: string | null;
  status_updated_at: Timestamp | null;
  /** Bind budget shared by every vendor-connector pod. */
  max_binds: Generated<number>;
  window_size: Generated<number>;
  enquire_link_interval_ms: Generated<number>;
  response_timeout_ms: Generated<number>;
  default_alphabet: Generated<VendorAlphabet>;
  /** Format of message ids in submit_sm_resp. */
  message_id_format: Generated<MessageIdFormat>;
  /** Format of message ids in receipts; null = the same as message_id_format. */
  receipt_message_id_format: MessageIdFormat | null;
  /** Clock of the receipts' dates: IANA name or ±HH:MM; null = UTC (migration 202611270900). */
  receipt_time_zone: string | null;
  currency: Generated<string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /** Bumped by every configuration update; connectors compare it to reload. */
  version: Generated<number>;
}

/** A deleted vendor's tombstone: what connectors need to drain the queues it left. */
export interface RetiredVendorTable {
  vendor_id: Uuid;
  instance_name: string;
  default_alphabet: VendorAlphabet;
  message_id_format: MessageIdFormat;
  receipt_message_id_format: MessageIdFormat | null;
  retired_at: CreatedAt;
}

export interface AccountTable {
  id: Uuid;
  name: string;
  system_id: string;
  password_hash: string;
  /** CIDRs allowed to bind; empty means any address. */
  allowed_ips: Generated<string[]>;
  /**
   * Sender IDs the customer may submit from, as the edge normalises sources:
   * exact numbers (E.164 digits, short codes), digit prefixes ending in '*'
   * ('1512555*'), exact alphanumeric senders (case-sensitive). Empty means any
   * source (migration 202611270800_customer-allowed-sources).
   */
  allowed_sources: Generated<string[]>;
  /** Segments per second. */
  throughput: number;
  max_binds: number;
  status: Generated<CustomerStatus>;
  /**
   * Prepaid balance in micro-units of `credit_currency`; null = postpaid (no
   * limit). Lowered by the CDR triggers as carriers accept messages
   * (migration 202611270200_prepaid-credit).
   */
  credit_micros: NullableInt8;
  credit_currency: Generated<string>;
  price_plan: Generated<string>;
  mo_reassembly: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RoutingRuleTable {
  id: Uuid;
  name: string;
  /** Digits; '' matches every destination. */
  destination_prefix: Generated<string>;
  /** E.164 country calling code digits ('1', '44'); matched as a destination prefix. */
  country_code: string | null;
  source_type: Generated<SourceType>;
  /** Null: the rule applies to every customer. */
  customer_id: string | null;
  vendor_id: string;
  /** Lower is preferred. */
  priority: Generated<number>;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** A destination prefix the router refuses (for every customer, or one). */
export interface BlockedDestinationTable {
  id: Uuid;
  /** Digits; a whole number is the longest prefix. */
  prefix: string;
  /** Null: every customer. */
  customer_id: string | null;
  reason: Generated<string>;
  /** operator: the admin API; opt_out: the subscriber's STOP (migration 202611271000). */
  origin: Generated<BlockOrigin>;
  created_at: CreatedAt;
}

export interface NumberTable {
  /** E.164 digits without '+', or a short code. */
  number: string;
  customer_id: string | null;
  tendlc_campaign_id: string | null;
  number_type: NumberType;
  created_at: CreatedAt;
}

export interface TendlcCampaignTable {
  id: Uuid;
  /** The Campaign Registry id, e.g. `CABC123`. */
  campaign_id: string;
  brand_id: string;
  brand_name: string;
  status: Generated<CampaignStatus>;
  /** Segments per minute across the campaign. */
  tpm: number;
  /** Segments per day across the brand. */
  brand_daily_cap: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface RateTable {
  id: Uuid;
  kind: RateKind;
  /** Set for `customer` rates only. */
  price_plan: string | null;
  /** Set for `vendor` rates only. */
  vendor_id: string | null;
  destination_prefix: Generated<string>;
  price_per_segment_micros: Int8;
  currency: string;
  effective_from: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CdrTable {
  message_id: string;
  customer_id: string;
  system_id: string;
  vendor_id: string | null;
  vendor_message_id: string | null;
  route_id: string | null;
  source_addr: string;
  destination_addr: string;
  segments: number;
  concat_ref: number | null;
  part_seq: number | null;
  part_total: number | null;
  price_per_segment_micros: NullableInt8;
  cost_per_segment_micros: NullableInt8;
  currency: string | null;
  submit_status: SubmitStatus;
  delivery_status: DeliveryStatus | null;
  error: string | null;
  failure_reason: string | null;
  accepted_at: Timestamp;
  submitted_at: Timestamp | null;
  done_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  /**
   * The vendor's id under its declared format (the key the connector maps
   * submit and receipt by); NULL on rows written before it was archived.
   */
  vendor_message_key: string | null;
  /** What the customer asked for; NULL on rows written before it was archived. */
  registered_delivery: number | null;
  source_ton: number | null;
  source_npi: number | null;
  destination_ton: number | null;
  destination_npi: number | null;
  /**
   * segments × price per segment, set once by a trigger when a carrier
   * accepted the message with a price known (and taken off a prepaid
   * balance then); NULL until then and for messages never charged.
   */
  charged_micros: ColumnType<string | number | bigint | null, never, never>;
  /** The router priced it for a prepaid balance: the charge comes off it too. */
  charge_prepaid: boolean | null;
}

/** Where a periodic sweep over the CDRs has come to (see the sweep-marks migration). */
export interface SweepMarkTable {
  name: string;
  until_at: Timestamp;
  until_id: string;
  updated_at: Timestamp;
}

export interface ApiTokenTable {
  id: Uuid;
  name: string;
  /** sha256 hex of the bearer token. */
  token_hash: string;
  scope: ApiTokenScope;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** One inbound (MO) message part delivered to its owning customer: metadata only. */
export interface MoMessageTable {
  message_id: string;
  customer_id: string;
  vendor_id: string | null;
  source_addr: string;
  destination_addr: string;
  esm_class: number;
  data_coding: number;
  /** Length of the user data (short_message or message_payload), not the text. */
  octets: number;
  concat_ref: number | null;
  part_seq: number | null;
  part_total: number | null;
  /** When vendor-connector received it from the carrier. */
  received_at: Timestamp;
  /** When router-worker handed it to the customer's delivery queue. */
  routed_at: Timestamp;
  /** The CustomerDelivery (deliver_sm) carrying it: one for every part of a reassembled message. */
  delivery_message_id: string;
}

export interface Database {
  'vendor_mgmt.service_providers': ServiceProviderTable;
  'vendor_mgmt.retired_vendors': RetiredVendorTable;
  'customer_mgmt.accounts': AccountTable;
  'routing.rules': RoutingRuleTable;
  'routing.numbers': NumberTable;
  'routing.blocked_destinations': BlockedDestinationTable;
  'messaging.tendlc_campaigns': TendlcCampaignTable;
  'billing.rates': RateTable;
  'messaging.cdrs': CdrTable;
  'messaging.mo_messages': MoMessageTable;
  'messaging.sweep_marks': SweepMarkTable;
  'admin.api_tokens': ApiTokenTable;
}

/** Schemas owned by this package, in creation order. */
export const DATABASE_SCHEMAS = [
  'vendor_mgmt',
  'customer_mgmt',
  'routing',
  'messaging',
  'billing',
  'admin',
] as const;

export type ServiceProviderRow = Selectable<ServiceProviderTable>;
export type NewServiceProviderRow = Insertable<ServiceProviderTable>;
export type ServiceProviderUpdate = Updateable<ServiceProviderTable>;
export type RetiredVendorRow = Selectable<RetiredVendorTable>;

export type AccountRow = Selectable<AccountTable>;
export type MoMessageRow = Selectable<MoMessageTable>;
export type NewAccountRow = Insertable<AccountTable>;
export type AccountUpdate = Updateable<AccountTable>;

export type RoutingRuleRow = Selectable<RoutingRuleTable>;
export type NewRoutingRuleRow = Insertable<RoutingRuleTable>;
export type RoutingRuleUpdate = Updateable<RoutingRuleTable>;
export type BlockedDestinationRow = Selectable<BlockedDestinationTable>;

export type NumberRow = Selectable<NumberTable>;
export type NewNumberRow = Insertable<NumberTable>;
export type NumberUpdate = Updateable<NumberTable>;

export type TendlcCampaignRow = Selectable<TendlcCampaignTable>;
export type NewTendlcCampaignRow = Insertable<TendlcCampaignTable>;
export type TendlcCampaignUpdate = Updateable<TendlcCampaignTable>;

export type RateRow = Selectable<RateTable>;
export type NewRateRow = Insertable<RateTable>;
export type RateUpdate = Updateable<RateTable>;

export type CdrRow = Selectable<CdrTable>;
export type NewCdrRow = Insertable<CdrTable>;
export type CdrUpdate = Updateable<CdrTable>;

export type ApiTokenRow = Selectable<ApiTokenTable>;
export type NewApiTokenRow = Insertable<ApiTokenTable>;
export type ApiTokenUpdate = Updateable<ApiTokenTable>;
