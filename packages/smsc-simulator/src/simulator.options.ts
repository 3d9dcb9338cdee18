// Everything a simulator can be told, with defaults a test can rely on, and
// one validation pass that lists every problem at once.
import type tls from 'node:tls';
import { SIM_MESSAGE_ID_FORMATS, type SimMessageIdFormat } from './message-id.generator.js';
import type { ReceiptPercentages, ReceiptRule } from './receipt-outcome.rules.js';
import type { FaultUpdate } from './fault.injector.js';

export interface SimulatorAccount {
  readonly systemId: string;
  readonly password: string;
  /** Concurrent binds of any type; the next one gets ESME_RBINDFAIL. Default: maxBindsPerAccount. */
  readonly maxBinds?: number;
}

export interface SimulatorOptions {
  /** SMPP port; 0 picks a free one. Default 2777 (2775 belongs to the gateway). */
  readonly port?: number;
  /** HTTP control port (faults, MO, records, metrics); 0 picks one; null runs without it. Default 2778. */
  readonly controlPort?: number | null;
  /** Interface for both listeners. Default 127.0.0.1. */
  readonly host?: string;
  /** Default: one account gateway / gw-pass. */
  readonly accounts?: readonly SimulatorAccount[];
  /** Default 16. */
  readonly maxBindsPerAccount?: number;
  /** system_id in our bind responses. Default "smsc-sim". */
  readonly systemId?: string;
  /** Default 'hex'. */
  readonly messageIdFormat?: SimMessageIdFormat;
  /** hex in submit_sm_resp, the same number in decimal in the receipt. Needs messageIdFormat 'hex'. */
  readonly decimalInReceipt?: boolean;
  /** Delay before submit_sm_resp. Default 0 (answered in the same turn). */
  readonly responseLatencyMs?: number;
  /** Uniform extra 0..jitter ms on top of responseLatencyMs. Default 0. */
  readonly responseJitterMs?: number;
  /** Delay from submit to its receipt. Default 50. */
  readonly receiptDelayMs?: number;
  readonly receiptJitterMs?: number;
  /**
   * The clock the receipts' dates are written in, as minutes east of UTC
   * (a carrier writing its local time: 330 for +05:30). Default 0 (UTC).
   */
  readonly receiptUtcOffsetMinutes?: number;
  /** First match on destination_addr wins. stat NONE: the submit is accepted, no receipt is ever sent. */
  readonly receiptRules?: readonly ReceiptRule[];
  /**
   * Share of outcomes for messages no rule matched; dealt exactly (weighted
   * round-robin). `{ DELIVRD: 98, NONE: 2 }`: 2 of every 100 get no receipt.
   */
  readonly receiptPercentages?: ReceiptPercentages;
  /** Outstanding deliver_sm per bind. Default 100. */
  readonly windowSize?: number;
  /** Receipts and MO waiting for a receiving bind, per account, before new ones are dropped. Default 100 000. */
  readonly outboundQueueLimit?: number;
  /** PDUs kept in the record ring. 0 keeps none. Default 100 000. */
  readonly recordLimit?: number;
  /** deliver_sm response timeout. Default 10 000. */
  readonly responseTimeoutMs?: number;
  /** Default 30 000; 0 disables our enquire_link. */
  readonly enquireLinkIntervalMs?: number;
  /** Serve SMPP over TLS with these options (key and cert). */
  readonly tls?: tls.TlsOptions;
  /** Faults active from the start. */
  readonly faults?: FaultUpdate;
}

export interface ResolvedSimulatorOptions {
  readonly port: number;
  readonly controlPort: number | null;
  readonly host: string;
  readonly accounts: readonly Required<SimulatorAccount>[];
  readonly systemId: string;
  readonly messageIdFormat: SimMessageIdFormat;
  readonly decimalInReceipt: boolean;
  readonly responseLatencyMs: number;
  readonly responseJitterMs: number;
  readonly receiptDelayMs: number;
  readonly receiptJitterMs: number;
  readonly receiptUtcOffsetMinutes: number;
  readonly receiptRules: readonly ReceiptRule[];
  readonly receiptPercentages: ReceiptPercentages;
  readonly windowSize: number;
  readonly outboundQueueLimit: number;
  readonly recordLimit: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkIntervalMs: number;
  readonly tls: tls.TlsOptions | undefined;
  readonly faults: FaultUpdate | undefined;
}

export const SIMULATOR_DEFAULTS = {
  port: 2777,
  controlPort: 2778,
  host: '127.0.0.1',
  account: { systemId: 'gateway', password: 'gw-pass' },
  maxBindsPerAccount: 16,
  systemId: 'smsc-sim',
  messageIdFormat: 'hex',
  receiptDelayMs: 50,
  windowSize: 100,
  outboundQueueLimit: 100_000,
  recordLimit: 100_000,
  responseTimeoutMs: 10_000,
  enquireLinkIntervalMs: 30_000,
} as const;

const MAX_MS = 2_147_483_647;

export class SimulatorOptionsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid simulator options: ${problems.join('; ')}`);
    this.name = 'SimulatorOptionsError';
  }
}

export function resolveSimulatorOptions(options: SimulatorOptions = {}): ResolvedSimulatorOptions {
  const problems: string[] = [];
  const int = (name: string, value: number, min: number, max: number): number => {
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer ${min}-${max}, got ${String(value)}`);
    }
    return value;
  };
  const maxBinds = int(
    'maxBindsPerAccount',
    options.maxBindsPerAccount ?? SIMULATOR_DEFAULTS.maxBindsPerAccount,
    1,
    10_000,
  );
  const given: readonly SimulatorAccount[] = options.accounts ?? [SIMULATOR_DEFAULTS.account];
  const accounts = given.map((account, index) => {
    // system_id and password are C-octet strings of at most 15 and 8 characters on the wire.
    if (
      typeof account.systemId !== 'string' ||
      account.systemId.length === 0 ||
      account.systemId.length > 15
    ) {
      problems.push(`accounts[${index}].systemId must be 1-15 characters`);
    }
    if (typeof account.password !== 'string' || account.password.length > 8) {
      problems.push(`accounts[${index}].password must be at most 8 characters`);
    }
    return {
      systemId: account.systemId,
      password: account.password,
      maxBinds: int(`accounts[${index}].maxBinds`, account.maxBinds ?? maxBinds, 1, 10_000),
    };
  });
  const ids = new Set<string>();
  for (const account of accounts) {
    if (ids.has(account.systemId)) problems.push(`account ${account.systemId} is listed twice`);
    ids.add(account.systemId);
  }
  if (accounts.length === 0) problems.push('at least one account is needed');
  const messageIdFormat = options.messageIdFormat ?? SIMULATOR_DEFAULTS.messageIdFormat;
  if (!(SIM_MESSAGE_ID_FORMATS as readonly string[]).includes(messageIdFormat)) {
    problems.push(`messageIdFormat must be one of ${SIM_MESSAGE_ID_FORMATS.join(', ')}`);
  }
  const decimalInReceipt = options.decimalInReceipt ?? false;
  if (decimalInReceipt && messageIdFormat !== 'hex') {
    problems.push('decimalInReceipt needs messageIdFormat hex');
  }
  const controlPort =
    options.controlPort === undefined ? SIMULATOR_DEFAULTS.controlPort : options.controlPort;
  if (controlPort !== null) int('controlPort', controlPort, 0, 65_535);
  const resolved: ResolvedSimulatorOptions = {
    port: int('port', options.port ?? SIMULATOR_DEFAULTS.port, 0, 65_535),
    controlPort,
    host: options.host ?? SIMULATOR_DEFAULTS.host,
    accounts,
    systemId: options.systemId ?? SIMULATOR_DEFAULTS.systemId,
    messageIdFormat,
    decimalInReceipt,
    responseLatencyMs: int('responseLatencyMs', options.responseLatencyMs ?? 0, 0, MAX_MS),
    responseJitterMs: int('responseJitterMs', options.responseJitterMs ?? 0, 0, MAX_MS),
    receiptDelayMs: int(
      'receiptDelayMs',
      options.receiptDelayMs ?? SIMULATOR_DEFAULTS.receiptDelayMs,
      0,
      MAX_MS,
    ),
    receiptJitterMs: int('receiptJitterMs', options.receiptJitterMs ?? 0, 0, MAX_MS),
    // Real offsets run from -12:00 to +14:00.
    receiptUtcOffsetMinutes: int(
      'receiptUtcOffsetMinutes',
      options.receiptUtcOffsetMinutes ?? 0,
      -12 * 60,
      14 * 60,
    ),
    receiptRules: options.receiptRules ?? [],
    receiptPercentages: options.receiptPercentages ?? {},
    windowSize: int('windowSize', options.windowSize ?? SIMULATOR_DEFAULTS.windowSize, 1, 65_535),
    outboundQueueLimit: int(
      'outboundQueueLimit',
      options.outboundQueueLimit ?? SIMULATOR_DEFAULTS.outboundQueueLimit,
      0,
      100_000_000,
    ),
    recordLimit: int(
      'recordLimit',
      options.recordLimit ?? SIMULATOR_DEFAULTS.recordLimit,
      0,
      100_000_000,
    ),
    responseTimeoutMs: int(
      'responseTimeoutMs',
      options.responseTimeoutMs ?? SIMULATOR_DEFAULTS.responseTimeoutMs,
      1,
      MAX_MS,
    ),
    enquireLinkIntervalMs: int(
      'enquireLinkIntervalMs',
      options.enquireLinkIntervalMs ?? SIMULATOR_DEFAULTS.enquireLinkIntervalMs,
      0,
      MAX_MS,
    ),
    tls: options.tls,
    faults: options.faults,
  };
  if (typeof resolved.systemId !== 'string' || resolved.systemId.length > 15) {
    problems.push('systemId must be at most 15 characters');
  }
  if (problems.length > 0) {
    throw new SimulatorOptionsError(problems);
  }
  return resolved;
}
