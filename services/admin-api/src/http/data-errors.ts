import {
  ConflictError,
  ForeignKeyError,
  InvalidInputError,
  type DataError,
} from '@smpp-gateway/db';
import { ApiError } from './api-error.js';

// Messages per constraint, in the API's own field names. The PostgreSQL
// message and detail are never passed on: a CHECK failure's detail lists the
// whole row, password hash included.

const UNIQUE: Readonly<Record<string, string>> = {
  service_providers_instance_name_key: 'a vendor with this instanceName already exists',
  accounts_system_id_key: 'a customer with this systemId already exists',
  tendlc_campaigns_campaign_id_key: 'a campaign with this campaignId already exists',
  numbers_pkey: 'this number already exists',
  rates_key_unique:
    'a rate with the same kind, pricePlan/vendorId, destinationPrefix and effectiveFrom already exists',
  api_tokens_name_key: 'a token with this name already exists',
  // A unique index, not a constraint: PostgreSQL names the index.
  blocked_destinations_prefix_scope_idx:
    'this prefix is already blocked for this customer (or, without customerId, for every customer)',
};

/** Writes naming something that does not exist. */
const MISSING_REFERENCE: Readonly<Record<string, string>> = {
  rules_vendor_id_fkey: 'vendorId does not name an existing vendor',
  rules_customer_id_fkey: 'customerId does not name an existing customer',
  numbers_customer_id_fkey: 'customerId does not name an existing customer',
  numbers_tendlc_campaign_id_fkey: 'tendlcCampaignId does not name an existing campaign',
  rates_vendor_id_fkey: 'vendorId does not name an existing vendor',
  blocked_destinations_customer_id_fkey: 'customerId does not name an existing customer',
};

/** Deletes of something still in use. */
const STILL_REFERENCED: Readonly<Record<string, string>> = {
  numbers_customer_id_fkey:
    'the customer still owns numbers; reassign or delete them first (GET /api/v1/numbers?customerId=…)',
};

const INVALID: Readonly<Record<string, string>> = {
  service_providers_max_binds_check: 'maxBinds must be at least 2 for bindType tx_rx',
  numbers_campaign_check: 'only numbers of numberType 10dlc can have a tendlcCampaignId',
  rates_kind_target_check:
    'customer rates need a pricePlan and no vendorId; vendor rates need a vendorId and no pricePlan',
  accounts_allowed_ips_check: 'allowedIps must contain IP addresses or CIDRs',
  // Unreachable through the API's own validation; kept in the API's words.
  accounts_allowed_sources_check:
    "allowedSources must contain numbers (1-15 digits, no '+'), number ranges (digits and a trailing '*') or alphanumeric senders (1-11 printable characters)",
  blocked_destinations_prefix_check: "prefix must be 1-15 digits, without a leading '+'",
  blocked_destinations_reason_check: 'reason must be at most 200 characters',
};

function constraintDetails(err: DataError): { constraint: string } | undefined {
  return err.constraint ? { constraint: err.constraint } : undefined;
}

/**
 * Repository errors to HTTP. Foreign keys: a write naming a missing row is the
 * client's mistake in the body (400 invalid_reference); a delete refused
 * because the row is still in use is a conflict with the current state
 * (409 still_referenced).
 */
export function dataErrorToApiError(err: DataError, method: string): ApiError {
  const constraint = err.constraint ?? '';
  if (err instanceof ConflictError) {
    // No constraint: the repository's own optimistic-concurrency message.
    const message =
      UNIQUE[constraint] ?? (err.constraint ? 'a unique value is already taken' : err.message);
    return new ApiError(409, 'conflict', message, constraintDetails(err));
  }
  if (err instanceof ForeignKeyError) {
    if (method === 'DELETE') {
      return new ApiError(
        409,
        'still_referenced',
        STILL_REFERENCED[constraint] ?? 'the resource is still referenced by other records',
        constraintDetails(err),
      );
    }
    return new ApiError(
      400,
      'invalid_reference',
      MISSING_REFERENCE[constraint] ?? 'a referenced resource does not exist',
      constraintDetails(err),
    );
  }
  if (err instanceof InvalidInputError) {
    return new ApiError(
      400,
      'invalid_value',
      INVALID[constraint] ??
        // Without a PostgreSQL cause the message is the repository's own check.
        (err.cause === undefined ? err.message : 'a value was rejected by the database'),
      constraintDetails(err),
    );
  }
  return new ApiError(500, 'internal', 'internal error');
}
