// Source-IP allow-lists (customer_mgmt.accounts.allowed_ips). node:net's
// BlockList does the CIDR arithmetic; this file only turns the account's list
// into one and treats IPv4-mapped IPv6 peers (::ffff:1.2.3.4, what a dual-stack
// listener reports for IPv4 clients) as the IPv4 address they are.
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export interface AllowList {
  /** True when the list is empty (any address) or contains `address`. */
  allows(address: string | undefined): boolean;
}

const ANY: AllowList = { allows: () => true };

function plainAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return { address: mapped[1], family: 'ipv4' };
  if (isIPv4(address)) return { address, family: 'ipv4' };
  if (isIPv6(address)) return { address, family: 'ipv6' };
  return undefined;
}

/** Builds an allow-list; entries that are not valid CIDRs or addresses are ignored (the DB checks them). */
export function createAllowList(cidrs: readonly string[]): AllowList {
  if (cidrs.length === 0) return ANY;
  const list = new BlockList();
  for (const entry of cidrs) {
    const [base = '', prefixText] = entry.trim().split('/');
    const parsed = plainAddress(base);
    if (!parsed) continue;
    const maxPrefix = parsed.family === 'ipv4' ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) continue;
    list.addSubnet(parsed.address, prefix, parsed.family);
  }
  return {
    allows(address) {
      if (address === undefined) return false;
      const parsed = plainAddress(address);
      return parsed !== undefined && list.check(parsed.address, parsed.family);
    },
  };
}
