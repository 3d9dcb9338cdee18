// Load run settings with defaults, validated in one pass.
import type tls from 'node:tls';
import { MESSAGE_ID_FORMATS, type MessageIdFormat } from '@smpp-gateway/smpp';
import { ADDRESS_ORDERS, parseAddressPattern, type AddressOrder } from './address.pattern.js';
import { MESSAGE_KINDS, type MessageMix } from './message.mix.js';

export const BIND_MODES = ['transceiver', 'transmitter-receiver'] as const;
export type BindMode = (typeof BIND_MODES)[number];

export interface LoadOptions {
  readonly host?: string;
  readonly port: number;
  readonly tls?: boolean | tls.ConnectionOptions;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string;
  /** Sending binds. Default 1. */
  readonly binds?: number;
  /** One transceiver per bind, or a transmitter plus a receiver per bind. Default transceiver. */
  readonly bindMode?: BindMode;
  /** Outstanding submit_sm per bind. Default 10. */
  readonly windowSize?: number;
  /** submit_sm per second over all binds, paced evenly; 0/absent = as fast as the windows allow. */
  readonly rate?: number;
  /** Stop after this many messages (a long message counts once, its parts are submits). */
  readonly count?: number;
  /** Stop generating after this long. At least one of count/durationMs is required. */
  readonly durationMs?: number;
  /** Weights per message shape. Default { gsm7: 1 }. */
  readonly mix?: MessageMix;
  /** Share of messages (0-1) sent with registered_delivery 1. Default 1. */
  readonly receiptRatio?: number;
  /** Default `1555000{0000-9999}`. */
  readonly source?: string;
  /** Default `1666000{0000-9999}`. */
  readonly destination?: string;
  /** Default sequential. */
  readonly addressOrder?: AddressOrder;
  /** How to read the submit_sm_resp id and the receipt id for matching. Default auto both. */
  readonly respIdFormat?: MessageIdFormat;
  readonly receiptIdFormat?: MessageIdFormat;
  /** submit_sm_resp timeout. Default 10 000 ms. */
  readonly responseTimeoutMs?: number;
  /** After sending, wait this long at most for outstanding receipts. Default 10 000 ms. */
  readonly receiptTimeoutMs?: number;
  /** Default 30 000 ms; 0 disables. */
  readonly enquireLinkIntervalMs?: number;
  /** Progress snapshots at this interval. Default 250 ms. */
  readonly progressIntervalMs?: number;
  /** Stops generating new messages; in-flight ones and receipts are still awaited. */
  readonly signal?: AbortSignal;
}

export interface ResolvedLoadOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean | tls.ConnectionOptions | undefined;
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
  readonly binds: number;
  readonly bindMode: BindMode;
  readonly windowSize: number;
  readonly rate: number;
  readonly count: number | undefined;
  readonly durationMs: number | undefined;
  readonly mix: MessageMix;
  readonly receiptRatio: number;
  readonly source: string;
  readonly destination: string;
  readonly addressOrder: AddressOrder;
  readonly respIdFormat: MessageIdFormat;
  readonly receiptIdFormat: MessageIdFormat;
  readonly responseTimeoutMs: number;
  readonly receiptTimeoutMs: number;
  readonly enquireLinkIntervalMs: number;
  readonly progressIntervalMs: number;
}

export class LoadOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid load options: ${problems.join('; ')}`);
    this.name = 'LoadOptionsError';
  }
}

export function resolveLoadOptions(options: LoadOptions): ResolvedLoadOptions {
  const problems: string[] = [];
  const int = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max)
      problems.push(`${name} must be an integer ${min}-${max}, got ${String(value)}`);
    return value;
  };
  const oneOf = <T extends string>(name: string, value: T, allowed: readonly string[]): T => {
    if (!allowed.includes(value)) problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return value;
  };
  const resolved: ResolvedLoadOptions = {
    host: options.host ?? '127.0.0.1',
    port: int('port', options.port, 1, 65_535),
    tls: options.tls,
    systemId: options.systemId,
    password: options.password,
    systemType: options.systemType ?? '',
    binds: int('binds', options.binds ?? 1, 1, 1_000),
    bindMode: oneOf('bindMode', options.bindMode ?? 'transceiver', BIND_MODES),
    windowSize: int('windowSize', options.windowSize ?? 10, 1, 65_535),
    rate: options.rate ?? 0,
    count: options.count,
    durationMs: options.durationMs,
    mix: options.mix ?? { gsm7: 1 },
    receiptRatio: options.receiptRatio ?? 1,
    source: options.source ?? '1555000{0000-9999}',
    destination: options.destination ?? '1666000{0000-9999}',
    addressOrder: oneOf('addressOrder', options.addressOrder ?? 'sequential', ADDRESS_ORDERS),
    respIdFormat: oneOf('respIdFormat', options.respIdFormat ?? 'auto', MESSAGE_ID_FORMATS),
    receiptIdFormat: oneOf(
      'receiptIdFormat',
      options.receiptIdFormat ?? 'auto',
      MESSAGE_ID_FORMATS,
    ),
    responseTimeoutMs: int(
      'responseTimeoutMs',
      options.responseTimeoutMs ?? 10_000,
      1,
      2_147_483_647,
    ),
    receiptTimeoutMs: int('receiptTimeoutMs', options.receiptTimeoutMs ?? 10_000, 0, 2_147_483_647),
    enquireLinkIntervalMs: int(
      'enquireLinkIntervalMs',
      options.enquireLinkIntervalMs ?? 30_000,
      0,
      2_147_483_647,
    ),
    progressIntervalMs: int('progressIntervalMs', options.progressIntervalMs ?? 250, 10, 3_600_000),
  };
  if (typeof resolved.systemId !== 'string' || resolved.systemId.length === 0)
    problems.push('systemId is required');
  if (typeof resolved.password !== 'string') problems.push('password is required');
  if (!(Number.isFinite(resolved.rate) && resolved.rate >= 0))
    problems.push(`rate must be >= 0, got ${String(resolved.rate)}`);
  if (resolved.count === undefined && resolved.durationMs === undefined)
    problems.push('give count, durationMs or both');
  if (resolved.count !== undefined) int('count', resolved.count, 1, Number.MAX_SAFE_INTEGER);
  if (resolved.durationMs !== undefined) int('durationMs', resolved.durationMs, 1, 2_147_483_647);
  if (!(resolved.receiptRatio >= 0 && resolved.receiptRatio <= 1))
    problems.push('receiptRatio must be 0-1');
  const weights = MESSAGE_KINDS.map((kind) => resolved.mix[kind] ?? 0);
  if (weights.some((w) => !Number.isFinite(w) || w < 0) || weights.every((w) => w === 0)) {
    problems.push(
      `mix needs non-negative weights for ${MESSAGE_KINDS.join('/')}, at least one positive`,
    );
  }
  for (const [name, pattern] of [
    ['source', resolved.source],
    ['destination', resolved.destination],
  ] as const) {
    try {
      parseAddressPattern(pattern);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // The session layer insists on it; say so here with the option names the user gave.
  if (
    resolved.enquireLinkIntervalMs > 0 &&
    resolved.responseTimeoutMs >= resolved.enquireLinkIntervalMs * 3
  ) {
    problems.push('responseTimeoutMs must be below 3 × enquireLinkIntervalMs');
  }
  if (problems.length > 0) throw new LoadOptionsError(problems);
  return resolved;
}
