import type { Vendor } from '@smpp-gateway/db';
import {
  parseReceiptTimeZone,
  UTC_RECEIPT_TIME_ZONE,
  type ReceiptTimeZone,
} from '@smpp-gateway/smpp';
import type { BindSettings } from '../binds/bind-pool.js';
import type { SendVendor } from '../sending/mt-routed.handler.js';

/** Everything the connector runs a vendor with; `version` says when to reload it. */
export interface VendorConfig extends SendVendor {
  readonly version: number;
  readonly name: string;
  readonly throughput: number;
  readonly bind: BindSettings;
  /** The clock of the vendor's receipt dates (UTC when none is declared). */
  readonly receiptTimeZone: ReceiptTimeZone;
  /**
   * Why the declared zone was not understood (it is then read as UTC). The
   * admin API refuses such a zone; this is for a row written around it.
   */
  readonly receiptTimeZoneProblem?: string;
}

function receiptTimeZoneOf(declared: string | null) {
  if (declared === null) return { receiptTimeZone: UTC_RECEIPT_TIME_ZONE };
  const parsed = parseReceiptTimeZone(declared);
  return parsed.ok
    ? { receiptTimeZone: parsed.zone }
    : { receiptTimeZone: UTC_RECEIPT_TIME_ZONE, receiptTimeZoneProblem: parsed.reason };
}

export function toVendorConfig(vendor: Vendor, password: string): VendorConfig {
  return {
    id: vendor.id,
    name: vendor.instanceName,
    version: vendor.version,
    throughput: vendor.throughput,
    defaultAlphabet: vendor.defaultAlphabet,
    messageIdFormat: vendor.messageIdFormat,
    receiptMessageIdFormat: vendor.receiptMessageIdFormat ?? vendor.messageIdFormat,
    ...receiptTimeZoneOf(vendor.receiptTimeZone),
    bind: {
      vendorId: vendor.id,
      host: vendor.host,
      port: vendor.port,
      useTls: vendor.useTls,
      bindMode: vendor.bindType,
      systemId: vendor.systemId,
      password,
      systemType: vendor.systemType,
      maxBinds: vendor.maxBinds,
      windowSize: vendor.windowSize,
      enquireLinkIntervalMs: vendor.enquireLinkIntervalMs,
      responseTimeoutMs: vendor.responseTimeoutMs,
    },
  };
}

export interface VendorDiff {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

/**
 * What a reload changes: vendors new to the active set, vendors whose
 * configuration `version` moved (rebind), vendors gone or inactive (drain and
 * unbind).
 */
export function diffVendors(
  running: ReadonlyMap<string, { readonly version: number }>,
  active: readonly { readonly id: string; readonly version: number }[],
): VendorDiff {
  const next = new Map(active.map((v) => [v.id, v.version]));
  const added: string[] = [];
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [id, version] of next) {
    const current = running.get(id);
    if (!current) added.push(id);
    else if (current.version !== version) changed.push(id);
  }
  for (const id of running.keys()) if (!next.has(id)) removed.push(id);
  return { added, changed, removed };
}

/** Whether two configurations need different sessions (anything else applies live). */
export function bindSettingsDiffer(a: BindSettings, b: BindSettings): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}
