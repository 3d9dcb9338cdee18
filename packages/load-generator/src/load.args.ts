// Command line → load options. Pure, so it is tested without a process.
import { parseArgs } from 'node:util';
import type { MessageIdFormat } from '@smpp-gateway/smpp';
import type { AddressOrder } from './address.pattern.js';
import type { BindMode, LoadOptions } from './load.options.js';
import { MESSAGE_KINDS, type MessageMix } from './message.mix.js';

export interface LoadCliConfig {
  readonly help: boolean;
  readonly options: LoadOptions;
  readonly out?: string;
  /** Live progress line even when stderr is not a TTY. */
  readonly progress: boolean;
  readonly json: boolean;
}

export const LOAD_USAGE = `smpp-load: SMPP load generator (throughput, latency percentiles, receipt matching)

Usage: smpp-load --port <n> [options]

  --host <ip>                target host (default 127.0.0.1)
  --port <n>                 target SMPP port (required)
  --tls                      connect with TLS (--tls-insecure to skip certificate checks)
  --system-id <id>           (default gateway)   --password <pw> (default gw-pass)
  --binds <n>                sending binds (default 1)
  --bind-mode <m>            transceiver | transmitter-receiver (default transceiver)
  --window <n>               outstanding submit_sm per bind (default 10)
  --rate <n>                 submit_sm/s over all binds; 0 = as fast as possible (default 0)
  --count <n>                messages to send
  --duration <s>             seconds to send (with --count: whichever comes first)
  --mix <spec>               weights, e.g. gsm7=8,ucs2=1,long=1 (default gsm7=1)
  --receipts <0-1>           share of messages with registered_delivery (default 1)
  --source <pattern>         e.g. 1555000{0000-9999} (default)
  --destination <pattern>    default 1666000{0000-9999}
  --order <o>                sequential | random (default sequential)
  --resp-id-format <f>       auto | hex | decimal | uuid | raw, how to read submit_sm_resp ids (default auto)
  --receipt-id-format <f>    same, for receipt ids (hex resp + decimal receipt carriers: hex / decimal)
  --response-timeout <ms>    (default 10000)
  --receipt-timeout <ms>     wait for outstanding receipts after sending (default 10000)
  --out <file.json>          write the full report as JSON
  --progress                 live progress line even when stderr is not a TTY
  --json                     print the JSON report on stdout instead of the table
  -h, --help
`;

const SPEC = {
  host: { type: 'string' },
  port: { type: 'string' },
  tls: { type: 'boolean' },
  'tls-insecure': { type: 'boolean' },
  'system-id': { type: 'string' },
  password: { type: 'string' },
  binds: { type: 'string' },
  'bind-mode': { type: 'string' },
  window: { type: 'string' },
  rate: { type: 'string' },
  count: { type: 'string' },
  duration: { type: 'string' },
  mix: { type: 'string' },
  receipts: { type: 'string' },
  source: { type: 'string' },
  destination: { type: 'string' },
  order: { type: 'string' },
  'resp-id-format': { type: 'string' },
  'receipt-id-format': { type: 'string' },
  'response-timeout': { type: 'string' },
  'receipt-timeout': { type: 'string' },
  out: { type: 'string' },
  progress: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class LoadArgsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'LoadArgsError';
  }
}

export function parseMix(text: string): MessageMix {
  const mix: Partial<Record<(typeof MESSAGE_KINDS)[number], number>> = {};
  for (const part of text.split(',')) {
    const match = /^\s*(\w+)\s*=\s*(\d+(?:\.\d+)?)\s*$/u.exec(part);
    const kind = match?.[1];
    if (!match || kind === undefined || !(MESSAGE_KINDS as readonly string[]).includes(kind)) {
      throw new LoadArgsError([
        `--mix ${JSON.stringify(text)}: expected ${MESSAGE_KINDS.join('|')}=weight,...`,
      ]);
    }
    mix[kind as (typeof MESSAGE_KINDS)[number]] = Number(match[2]);
  }
  return mix;
}

export function parseLoadArgs(argv: readonly string[]): LoadCliConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: SPEC,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new LoadArgsError([error instanceof Error ? error.message : String(error)]);
  }
  if (values.help === true) {
    return {
      help: true,
      options: { port: 1, systemId: 'x', password: '' },
      progress: false,
      json: false,
    };
  }
  const problems: string[] = [];
  const num = (flag: keyof typeof SPEC): number | undefined => {
    const raw = values[flag];
    if (typeof raw !== 'string') return undefined;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      problems.push(`--${flag} must be a number, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return value;
  };
  const port = num('port');
  if (port === undefined) problems.push('--port is required');
  let mix: MessageMix | undefined;
  if (values.mix !== undefined) {
    try {
      mix = parseMix(values.mix);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  const duration = num('duration');
  const tls =
    values.tls === true
      ? values['tls-insecure'] === true
        ? { rejectUnauthorized: false }
        : true
      : undefined;
  const set = <K extends keyof LoadOptions>(
    key: K,
    value: LoadOptions[K] | undefined,
  ): Partial<LoadOptions> => (value === undefined ? {} : { [key]: value });
  const options: LoadOptions = {
    port: port ?? 0,
    systemId: values['system-id'] ?? 'gateway',
    password: values.password ?? 'gw-pass',
    ...set('host', values.host),
    ...set('tls', tls),
    ...set('binds', num('binds')),
    ...set('bindMode', values['bind-mode'] as BindMode | undefined),
    ...set('windowSize', num('window')),
    ...set('rate', num('rate')),
    ...set('count', num('count')),
    ...set('durationMs', duration === undefined ? undefined : Math.round(duration * 1000)),
    ...set('mix', mix),
    ...set('receiptRatio', num('receipts')),
    ...set('source', values.source),
    ...set('destination', values.destination),
    ...set('addressOrder', values.order as AddressOrder | undefined),
    ...set('respIdFormat', values['resp-id-format'] as MessageIdFormat | undefined),
    ...set('receiptIdFormat', values['receipt-id-format'] as MessageIdFormat | undefined),
    ...set('responseTimeoutMs', num('response-timeout')),
    ...set('receiptTimeoutMs', num('receipt-timeout')),
  };
  if (problems.length > 0) throw new LoadArgsError(problems);
  return {
    help: false,
    options,
    ...(values.out !== undefined ? { out: values.out } : {}),
    progress: values.progress === true,
    json: values.json === true,
  };
}
