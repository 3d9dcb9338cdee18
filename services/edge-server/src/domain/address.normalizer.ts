// Addresses of a customer's submit_sm, normalised once at the edge so every
// later hop (routing by prefix, 10DLC, CDRs) sees E.164 digits.
//
// TON 1 (international): the digits are E.164 already; a leading '+' is dropped.
// TON 0 (unknown) / 2 (national) with NPI 1 (E.164): a national-length number
//   gets the account's default country code; a longer one is taken as already
//   international (ESMEs often send TON 0 with full numbers).
// TON 5 (alphanumeric): kept as is, at most 11 characters (GSM 03.38 limit).
// TON 3 (network specific) / 6 (abbreviated): short codes, digits kept as is.

export const Ton = {
  UNKNOWN: 0,
  INTERNATIONAL: 1,
  NATIONAL: 2,
  NETWORK_SPECIFIC: 3,
  SUBSCRIBER: 4,
  ALPHANUMERIC: 5,
  ABBREVIATED: 6,
} as const;

export const Npi = { UNKNOWN: 0, E164: 1 } as const;

export interface AddressRules {
  /** Country calling code for national numbers, digits only (e.g. '1', '44'). */
  readonly defaultCountryCode: string;
  /** Digits of a national significant number in that country (10 for NANP). */
  readonly nationalNumberLength: number;
}

export interface Address {
  readonly addr: string;
  readonly ton: number;
  readonly npi: number;
}

export type NormalizeResult =
  | { readonly ok: true; readonly address: Address }
  | { readonly ok: false; readonly reason: string };

const DIGITS = /^[0-9]+$/;
/** E.164: at most 15 digits, no leading zero (a country code never starts with 0). */
const E164 = /^[1-9][0-9]{6,14}$/;
/** GSM 03.38 alphanumeric sender: printable ASCII, at most 11 characters. */
const ALPHANUMERIC = /^[\x20-\x7e]{1,11}$/;
/** Short codes and other network-specific numbers. */
const SHORT_DIGITS = /^[0-9]{1,15}$/;

function fail(reason: string): NormalizeResult {
  return { ok: false, reason };
}

/** Normalises one address; `role` only shapes the failure reason. */
export function normalizeAddress(
  input: Address,
  rules: AddressRules,
  role: 'source' | 'destination',
): NormalizeResult {
  const raw = input.addr;
  if (raw.length === 0) return fail(`${role} address is empty`);
  switch (input.ton) {
    case Ton.INTERNATIONAL: {
      const digits = raw.startsWith('+') ? raw.slice(1) : raw;
      if (!E164.test(digits)) return fail(`${role} is not an E.164 number`);
      return { ok: true, address: { addr: digits, ton: Ton.INTERNATIONAL, npi: Npi.E164 } };
    }
    case Ton.UNKNOWN:
    case Ton.NATIONAL: {
      const digits = raw.startsWith('+') ? raw.slice(1) : raw;
      if (!DIGITS.test(digits)) {
        // An alphanumeric sender sent with TON 0 is common enough to accept as
        // what it is; a destination must be a number.
        if (role === 'source' && input.ton === Ton.UNKNOWN && ALPHANUMERIC.test(raw)) {
          return { ok: true, address: { addr: raw, ton: Ton.ALPHANUMERIC, npi: Npi.UNKNOWN } };
        }
        return fail(`${role} is not numeric`);
      }
      if (input.npi !== Npi.E164 && input.npi !== Npi.UNKNOWN) {
        // Other numbering plans (data, telex, private): no E.164 meaning, keep digits.
        if (!SHORT_DIGITS.test(digits)) return fail(`${role} has too many digits`);
        return { ok: true, address: { addr: digits, ton: input.ton, npi: input.npi } };
      }
      // National trunk prefix '0' (e.g. 07700 900123 in the UK) is not part of the number.
      const national = digits.replace(/^0+/, '');
      if (national.length === rules.nationalNumberLength) {
        const full = rules.defaultCountryCode + national;
        if (!E164.test(full)) return fail(`${role} is not a valid national number`);
        return { ok: true, address: { addr: full, ton: Ton.INTERNATIONAL, npi: Npi.E164 } };
      }
      if (national.length > rules.nationalNumberLength && E164.test(national)) {
        return { ok: true, address: { addr: national, ton: Ton.INTERNATIONAL, npi: Npi.E164 } };
      }
      if (
        national.length < rules.nationalNumberLength &&
        SHORT_DIGITS.test(digits) &&
        digits.length <= 8
      ) {
        // Short codes (e.g. 12345) sent without TON 3.
        return { ok: true, address: { addr: digits, ton: Ton.NETWORK_SPECIFIC, npi: input.npi } };
      }
      return fail(`${role} has an invalid length for a national number`);
    }
    case Ton.ALPHANUMERIC:
      if (!ALPHANUMERIC.test(raw))
        return fail(`${role} alphanumeric address must be 1-11 printable characters`);
      if (role === 'destination') return fail('destination cannot be alphanumeric');
      return { ok: true, address: { addr: raw, ton: Ton.ALPHANUMERIC, npi: input.npi } };
    case Ton.NETWORK_SPECIFIC:
    case Ton.SUBSCRIBER:
    case Ton.ABBREVIATED:
      if (!SHORT_DIGITS.test(raw)) return fail(`${role} must be digits`);
      return { ok: true, address: { addr: raw, ton: input.ton, npi: input.npi } };
    default:
      return fail(`${role} TON ${input.ton} is not supported`);
  }
}
