import type { Writable } from 'node:stream';
import winston from 'winston';
import { redactFields } from './log-redaction.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Lower number = more severe; a line is written when its rank ≤ the logger's. */
const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  fatal: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
};

/**
 * Context fields. Names follow the seed's log schema (snake_case) so
 * dashboards and queries stay the same across services; anything else is
 * allowed and redacted by the same rules.
 */
export interface LogFields {
  component?: string;
  message_id?: string;
  customer_id?: string;
  vendor_id?: string;
  source?: string;
  dest?: string;
  segments?: number;
  latency_ms?: number;
  err?: unknown;
  [key: string]: unknown;
}

export interface Logger {
  readonly level: LogLevel;
  isLevelEnabled(level: LogLevel): boolean;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  fatal(message: string, fields?: LogFields): void;
  /** Bound fields (typically `component`) added to every line of the child. */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Defaults to stdout; tests pass a stream to read the lines back. */
  stream?: Writable;
}

// The fully built line travels to winston under this key; the format only
// serialises it, so field order is ours (timestamp, level, service, component, message, …).
const LINE = Symbol('smpp-gateway.log-line');

interface LineInfo extends winston.Logform.TransformableInfo {
  [LINE]?: Record<string, unknown>;
}

const lineFormat = winston.format.printf((info: LineInfo) => JSON.stringify(info[LINE] ?? {}));

class WinstonLogger implements Logger {
  constructor(
    private readonly root: winston.Logger,
    private readonly service: string,
    readonly level: LogLevel,
    /** Already redacted once at `child()` time, not on every line. */
    private readonly bindings: Readonly<Record<string, unknown>>,
  ) {}

  isLevelEnabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] <= LEVEL_RANK[this.level];
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }
  fatal(message: string, fields?: LogFields): void {
    this.write('fatal', message, fields);
  }

  child(bindings: LogFields): Logger {
    return new WinstonLogger(this.root, this.service, this.level, {
      ...this.bindings,
      ...redactFields(bindings),
    });
  }

  private write(level: LogLevel, message: string, fields: LogFields | undefined): void {
    // Hot path: a disabled level costs one comparison, no object is built.
    if (LEVEL_RANK[level] > LEVEL_RANK[this.level]) return;
    const own = fields ? redactFields(fields) : undefined;
    const line: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      level: level.toUpperCase(),
      service: this.service,
      component: undefined,
      message,
      ...this.bindings,
      ...own,
    };
    // A stray `message`/`level` field must not overwrite the line's own.
    line.level = level.toUpperCase();
    line.message = message;
    line.service = this.service;
    if (line.err !== undefined && line.error === undefined) {
      line.error = line.err;
      delete line.err;
    }
    this.root.log({ level, message, [LINE]: line } as winston.LogEntry);
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  const root = winston.createLogger({
    levels: LEVEL_RANK,
    level,
    format: lineFormat,
    transports: [transport],
    exitOnError: false,
  });
  return new WinstonLogger(root, options.service, level, {});
}

/** A logger that drops everything: for code paths and tests that need one but not its output. */
export const silentLogger: Logger = {
  level: 'fatal',
  isLevelEnabled: () => false,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  fatal: () => undefined,
  child: () => silentLogger,
};
