// Sender-ID allow-lists (customer_mgmt.accounts.allowed_sources), compared
// with the source address as address.normalizer.ts leaves it: E.164 digits
// without '+', short-code digits, or an alphanumeric sender as sent.
//
// An entry is an exact sender ('15125550100', '12345', 'ACME') or a range of
// numbers: digits and a trailing '*' ('1512555*'). A range only matches an
// all-digit source, so '1512*' never lets an alphanumeric '1512BANK' through.
//
// Alphanumeric senders are compared case-sensitively: the normaliser keeps
// them exactly as the ESME sent them (and so do the MT, the vendor's
// submit_sm and the CDR), and carriers register and display sender IDs with
// their case, so 'ACME' on the list does not allow 'Acme'. List each casing
// a customer is registered for.
//
// The list is compiled once per account row: a Set of exact senders and a
// Set of range prefixes with their distinct lengths, so a check costs one
// Set lookup plus at most one per prefix length (≤ 15), whatever the number
// of entries.

export interface SourceAllowList {
  /** True when the list is empty (any source) or `source` matches an entry. */
  allows(source: string): boolean;
}

const ANY: SourceAllowList = { allows: () => true };
const DIGITS = /^[0-9]+$/;

/** Builds an allow-list; the database's CHECK keeps malformed entries out (a '*' elsewhere than after digits is taken literally). */
export function createSourceAllowList(entries: readonly string[]): SourceAllowList {
  if (entries.length === 0) return ANY;
  const exact = new Set<string>();
  const prefixes = new Set<string>();
  for (const entry of entries) {
    const digits = entry.endsWith('*') ? entry.slice(0, -1) : undefined;
    if (digits !== undefined && DIGITS.test(digits)) prefixes.add(digits);
    else exact.add(entry);
  }
  const lengths = [...new Set([...prefixes].map((p) => p.length))].sort((a, b) => a - b);
  return {
    allows(source) {
      if (exact.has(source)) return true;
      if (lengths.length === 0 || !DIGITS.test(source)) return false;
      for (const length of lengths) {
        if (length > source.length) return false;
        if (prefixes.has(source.slice(0, length))) return true;
      }
      return false;
    },
  };
}
