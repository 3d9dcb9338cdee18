// Command line and environment → simulator options. Pure, so the CLI's
// parsing is tested without starting a process.
import { parseArgs } from 'node:util';
import { parseUtcOffsetMinutes } from '@smpp-gateway/smpp';
import { SIM_MESSAGE_ID_FORMATS, type SimMessageIdFormat } from './message-id.generator.js';
import {
  parseReceiptPercentages,
  parseReceiptRule,
  RECEIPT_OUTCOMES,
} from './receipt-outcome.rules.js';
import {
  SIMULATOR_DEFAULTS,
  type SimulatorAccount,
  type SimulatorOptions,
} from './simulator.options.js';

export interface SimulatorCliConfig {
  readonly help: boolean;
  readonly options: SimulatorOptions;
  /** Seconds between status lines on stdout; 0 disables. */
  readonly statusIntervalS: number;
  readonly tlsCertPath?: string;
  readonly tlsKeyPath?: string;
}

export const SIMULATOR_USAGE = `smsc-simulator: a stand-in SMPP carrier (SMSC) for tests, demos and benchmarks

Usage: smsc-simulator [options]        (each option also reads SMSC_SIM_<NAME> from the environment)

  --host <ip>                 listen address (default ${SIMULATOR_DEFAULTS.host})
  --port <n>                  SMPP port, 0 = any free (default ${SIMULATOR_DEFAULTS.port})
  --control-port <n>          HTTP control port, 0 = any free, -1 = off (default ${SIMULATOR_DEFAULTS.controlPort})
  --account <id:pass[:max]>   account, repeatable (default ${SIMULATOR_DEFAULTS.account.systemId}:${SIMULATOR_DEFAULTS.account.password});
                              env SMSC_SIM_ACCOUNTS=id:pass,id2:pass2
  --max-binds <n>             binds per account when not given per account (default ${SIMULATOR_DEFAULTS.maxBindsPerAccount})
  --system-id <id>            system_id in bind responses (default ${SIMULATOR_DEFAULTS.systemId})
  --id-format <f>             message ids: ${SIM_MESSAGE_ID_FORMATS.join(' | ')} (default ${SIMULATOR_DEFAULTS.messageIdFormat})
  --decimal-in-receipt        hex id in submit_sm_resp, same number in decimal in the receipt
  --resp-latency <ms>         submit_sm_resp delay (default 0)
  --resp-jitter <ms>          extra random 0..ms on the response delay (default 0)
  --receipt-delay <ms>        submit → receipt delay (default ${SIMULATOR_DEFAULTS.receiptDelayMs})
  --receipt-jitter <ms>       extra random 0..ms on the receipt delay (default 0)
  --receipt-utc-offset=<±HH:MM>
                              clock the receipts' dates are written in, like a
                              carrier writing its local time (default +00:00)
  --receipt-rule <rule>       prefix:<digits>=<STAT>[:err] or regex:<re>=<STAT>[:err], repeatable,
                              STAT one of ${RECEIPT_OUTCOMES.join(' ')}; first match wins;
                              NONE: accepted, never a receipt (takes no :err)
  --receipt-percentages <p>   e.g. DELIVRD=90,UNDELIV=10 or DELIVRD=98,NONE=2 for messages no rule
                              matched (dealt exactly)
  --window <n>                outstanding deliver_sm per bind (default ${SIMULATOR_DEFAULTS.windowSize})
  --record-limit <n>          PDUs kept for GET /pdus (default ${SIMULATOR_DEFAULTS.recordLimit})
  --throttle-every <n>        answer every Nth submit ESME_RTHROTTLED (default off)
  --tls-cert <file>           serve SMPP over TLS with this certificate (PEM) ...
  --tls-key <file>            ... and key
  --status-interval <s>       status line on stdout every s seconds, 0 = off (default 5)
  -h, --help                  this text

Control HTTP: GET /status, GET /metrics, GET /pdus?command=submit_sm&systemId=&limit=&sinceId=,
  GET|POST|DELETE /faults {throttleEveryN, failEveryN, failStatus, stopAnswering, refuseBindsMs, dropConnections},
  POST /mo {systemId?, source, destination, text | hex, dataCoding?, esmClass?, waitMs?}
`;

const SPEC = {
  host: { type: 'string' },
  port: { type: 'string' },
  'control-port': { type: 'string' },
  account: { type: 'string', multiple: true },
  'max-binds': { type: 'string' },
  'system-id': { type: 'string' },
  'id-format': { type: 'string' },
  'decimal-in-receipt': { type: 'boolean' },
  'resp-latency': { type: 'string' },
  'resp-jitter': { type: 'string' },
  'receipt-delay': { type: 'string' },
  'receipt-jitter': { type: 'string' },
  'receipt-utc-offset': { type: 'string' },
  'receipt-rule': { type: 'string', multiple: true },
  'receipt-percentages': { type: 'string' },
  window: { type: 'string' },
  'record-limit': { type: 'string' },
  'throttle-every': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'status-interval': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class SimulatorArgsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'SimulatorArgsError';
  }
}

function envName(flag: string): string {
  return `SMSC_SIM_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** Flags win over environment variables. Throws SimulatorArgsError listing every problem. */
export function parseSimulatorArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): SimulatorCliConfig {
  let values: ReturnType<
    typeof parseArgs<{ options: typeof SPEC; strict: true; allowPositionals: false }>
  >['values'];
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: SPEC,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new SimulatorArgsError([error instanceof Error ? error.message : String(error)]);
  }
  const problems: string[] = [];
  const str = (flag: keyof typeof SPEC): string | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return value;
    return env[envName(flag)];
  };
  const int = (flag: keyof typeof SPEC, min: number): number | undefined => {
    const raw = str(flag);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/u.test(raw.trim()) || Number(raw) < min) {
      problems.push(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return Number(raw);
  };
  const flag = (name: 'decimal-in-receipt'): boolean =>
    values[name] === true ||
    ['1', 'true', 'yes'].includes((env[envName(name)] ?? '').toLowerCase());

  const accountTexts =
    values.account ?? env.SMSC_SIM_ACCOUNTS?.split(',').filter((a) => a.trim() !== '');
  const accounts: SimulatorAccount[] | undefined = accountTexts?.map((text) => {
    const match = /^([^:]+):([^:]*)(?::(\d+))?$/u.exec(text.trim());
    if (!match) {
      problems.push(`--account ${JSON.stringify(text)} is not system_id:password[:maxBinds]`);
      return { systemId: '', password: '' };
    }
    return {
      systemId: match[1] ?? '',
      password: match[2] ?? '',
      ...(match[3] ? { maxBinds: Number(match[3]) } : {}),
    };
  });

  const idFormat = str('id-format');
  if (idFormat !== undefined && !(SIM_MESSAGE_ID_FORMATS as readonly string[]).includes(idFormat)) {
    problems.push(`--id-format must be one of ${SIM_MESSAGE_ID_FORMATS.join(', ')}`);
  }
  const ruleTexts =
    values['receipt-rule'] ?? env.SMSC_SIM_RECEIPT_RULES?.split(';').filter((r) => r.trim() !== '');
  const receiptRules = (ruleTexts ?? []).flatMap((text) => {
    try {
      return [parseReceiptRule(text)];
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return [];
    }
  });
  let receiptPercentages;
  const percentagesText = str('receipt-percentages');
  if (percentagesText !== undefined) {
    try {
      receiptPercentages = parseReceiptPercentages(percentagesText);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  let receiptUtcOffsetMinutes: number | undefined;
  const offsetText = str('receipt-utc-offset');
  if (offsetText !== undefined) {
    receiptUtcOffsetMinutes = parseUtcOffsetMinutes(offsetText);
    if (receiptUtcOffsetMinutes === undefined) {
      problems.push(
        `--receipt-utc-offset must be an offset from -12:00 to +14:00, got ${JSON.stringify(offsetText)}`,
      );
    }
  }
  const controlPort = int('control-port', -1);
  const throttleEvery = int('throttle-every', 0);
  const tlsCertPath = str('tls-cert');
  const tlsKeyPath = str('tls-key');
  if ((tlsCertPath === undefined) !== (tlsKeyPath === undefined)) {
    problems.push('--tls-cert and --tls-key go together');
  }

  const options: SimulatorOptions = {
    ...(str('host') !== undefined ? { host: str('host') } : {}),
    ...optional('port', int('port', 0)),
    ...(controlPort !== undefined ? { controlPort: controlPort < 0 ? null : controlPort } : {}),
    ...(accounts !== undefined ? { accounts } : {}),
    ...optional('maxBindsPerAccount', int('max-binds', 1)),
    ...(str('system-id') !== undefined ? { systemId: str('system-id') } : {}),
    ...(idFormat !== undefined ? { messageIdFormat: idFormat as SimMessageIdFormat } : {}),
    ...(flag('decimal-in-receipt') ? { decimalInReceipt: true } : {}),
    ...optional('responseLatencyMs', int('resp-latency', 0)),
    ...optional('responseJitterMs', int('resp-jitter', 0)),
    ...optional('receiptDelayMs', int('receipt-delay', 0)),
    ...optional('receiptJitterMs', int('receipt-jitter', 0)),
    ...optional('receiptUtcOffsetMinutes', receiptUtcOffsetMinutes),
    ...(receiptRules.length > 0 ? { receiptRules } : {}),
    ...(receiptPercentages !== undefined ? { receiptPercentages } : {}),
    ...optional('windowSize', int('window', 1)),
    ...optional('recordLimit', int('record-limit', 0)),
    ...(throttleEvery !== undefined && throttleEvery > 0
      ? { faults: { throttleEveryN: throttleEvery } }
      : {}),
  };
  const statusIntervalS = int('status-interval', 0) ?? 5;
  if (problems.length > 0) {
    throw new SimulatorArgsError(problems);
  }
  return {
    help: values.help === true,
    options,
    statusIntervalS,
    ...(tlsCertPath !== undefined ? { tlsCertPath } : {}),
    ...(tlsKeyPath !== undefined ? { tlsKeyPath } : {}),
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
