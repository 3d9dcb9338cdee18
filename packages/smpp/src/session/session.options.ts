// Session settings, validated once at construction so a bad deployment value
// fails at boot with every problem listed, not hours later as a stuck bind.
import type { CommandName, RequestCommand } from './pdu.types.js';
import { SmppOptionsError } from './session.errors.js';

/** How a request we sent ended, for latency/outcome metrics. */
export type RequestOutcome =
  /** A response arrived (any command_status: the caller decides what it means). */
  | 'response'
  | 'timeout'
  | 'generic_nack'
  | 'closed'
  /** The response was malformed or of the wrong command. */
  | 'protocol_error';

/** Things that went wrong without ending the session; for counters and logs. */
export type SessionIssue =
  /** An incoming PDU could not be decoded; it was answered with generic_nack. */
  | 'malformed_pdu'
  /** A response (or generic_nack) matched no request we are waiting for, e.g. after a timeout. */
  | 'unexpected_response'
  /** A request handler threw/rejected; ESME_RSYSERR was answered. */
  | 'handler_error'
  /** A request handler did not settle within handlerTimeoutMs; ESME_RSYSERR was answered. */
  | 'handler_timeout'
  /** A handler's response could not be encoded; ESME_RSYSERR was answered instead. */
  | 'response_encode_error'
  /** A bind authoriser threw; ESME_RBINDFAIL was answered. */
  | 'authorize_error'
  /** An event listener or metrics hook threw; the session carried on. */
  | 'listener_error'
  /** Server level: the listening socket reported an error (e.g. EMFILE on accept). */
  | 'server_error'
  /** Server level: a TLS handshake failed; that connection was dropped. */
  | 'tls_handshake_error';

/**
 * Metrics hooks: plain callbacks so services can feed prom-client (or
 * anything) without this package depending on it. They run synchronously on
 * the hot path, so keep them to counter increments. Exceptions are caught.
 */
export interface SessionMetrics {
  pduIn?(command: CommandName | 'unknown', commandStatus: number): void;
  pduOut?(command: CommandName, commandStatus: number): void;
  requestCompleted?(command: RequestCommand, outcome: RequestOutcome, latencyMs: number): void;
  issue?(issue: SessionIssue, detail: string): void;
}

export interface SmppSessionOptions {
  /** Requests we sent and still await a response for, at most. Default 10. */
  windowSize?: number;
  /** How long a sent request waits for its response. Default 10 000 ms. */
  responseTimeoutMs?: number;
  /** enquire_link after this long without receiving anything; 0 disables. Default 30 000 ms. */
  enquireLinkIntervalMs?: number;
  /** Largest command_length accepted from the peer. Default 70 000 (a 64 KB message_payload fits). */
  maxPduSize?: number;
  /** Requests allowed to wait for a window slot before request() fails fast. Default 10 000. */
  maxQueued?: number;
  /** How long a request handler may take before ESME_RSYSERR is answered for it. Default: responseTimeoutMs. */
  handlerTimeoutMs?: number;
  /** Peer requests being handled at once before we stop reading the socket. Default 1 000. */
  maxIncomingInFlight?: number;
  /** Unsent bytes tolerated when the peer stops reading before the session is destroyed. Default 8 MiB. */
  maxWriteBufferBytes?: number;
  metrics?: SessionMetrics;
}

export interface ResolvedSessionOptions {
  readonly windowSize: number;
  readonly responseTimeoutMs: number;
  readonly enquireLinkIntervalMs: number;
  readonly maxPduSize: number;
  readonly maxQueued: number;
  readonly handlerTimeoutMs: number;
  readonly maxIncomingInFlight: number;
  readonly maxWriteBufferBytes: number;
  readonly metrics: SessionMetrics;
}

export const SESSION_DEFAULTS = {
  windowSize: 10,
  responseTimeoutMs: 10_000,
  enquireLinkIntervalMs: 30_000,
  maxPduSize: 70_000,
  maxQueued: 10_000,
  maxIncomingInFlight: 1_000,
  maxWriteBufferBytes: 8 * 1024 * 1024,
} as const;

/** Smallest and largest accepted maxPduSize; 16 MiB is far past anything SMPP carries. */
const MIN_PDU_SIZE = 1_024;
const MAX_PDU_SIZE = 16 * 1024 * 1024;
/** Timers above ~24.8 days overflow Node's 32-bit timer and fire immediately. */
const MAX_TIMER_MS = 2_147_483_647;

/** Collects every problem of one options object; `check` records a message when `ok` is false. */
export class OptionProblems {
  readonly problems: string[] = [];

  integer(name: string, value: number, min: number, max: number): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer in ${min}..${max}, got ${String(value)}`);
    }
  }

  check(ok: boolean, message: string): void {
    if (!ok) {
      this.problems.push(message);
    }
  }

  throwIfAny(): void {
    if (this.problems.length > 0) {
      throw new SmppOptionsError(this.problems);
    }
  }
}

export function validateSessionOptions(
  options: SmppSessionOptions,
  problems: OptionProblems,
): ResolvedSessionOptions {
  const resolved: ResolvedSessionOptions = {
    windowSize: options.windowSize ?? SESSION_DEFAULTS.windowSize,
    responseTimeoutMs: options.responseTimeoutMs ?? SESSION_DEFAULTS.responseTimeoutMs,
    enquireLinkIntervalMs: options.enquireLinkIntervalMs ?? SESSION_DEFAULTS.enquireLinkIntervalMs,
    maxPduSize: options.maxPduSize ?? SESSION_DEFAULTS.maxPduSize,
    maxQueued: options.maxQueued ?? SESSION_DEFAULTS.maxQueued,
    handlerTimeoutMs:
      options.handlerTimeoutMs ?? options.responseTimeoutMs ?? SESSION_DEFAULTS.responseTimeoutMs,
    maxIncomingInFlight: options.maxIncomingInFlight ?? SESSION_DEFAULTS.maxIncomingInFlight,
    maxWriteBufferBytes: options.maxWriteBufferBytes ?? SESSION_DEFAULTS.maxWriteBufferBytes,
    metrics: options.metrics ?? {},
  };
  // The sequence space is 31 bits; a window anywhere near it would be a typo.
  problems.integer('windowSize', resolved.windowSize, 1, 65_535);
  problems.integer('responseTimeoutMs', resolved.responseTimeoutMs, 1, MAX_TIMER_MS);
  problems.integer('enquireLinkIntervalMs', resolved.enquireLinkIntervalMs, 0, MAX_TIMER_MS);
  problems.integer('maxPduSize', resolved.maxPduSize, MIN_PDU_SIZE, MAX_PDU_SIZE);
  problems.integer('maxQueued', resolved.maxQueued, 0, Number.MAX_SAFE_INTEGER);
  problems.integer('handlerTimeoutMs', resolved.handlerTimeoutMs, 1, MAX_TIMER_MS);
  problems.integer('maxIncomingInFlight', resolved.maxIncomingInFlight, 1, 1_000_000);
  problems.integer('maxWriteBufferBytes', resolved.maxWriteBufferBytes, 1, Number.MAX_SAFE_INTEGER);
  problems.check(
    !(resolved.maxWriteBufferBytes < resolved.maxPduSize),
    `maxWriteBufferBytes (${resolved.maxWriteBufferBytes}) must be at least maxPduSize (${resolved.maxPduSize})`,
  );
  // A dead peer is noticed after interval + timeout. If the timeout dwarfs the
  // interval, the link check no longer bounds that delay and a half-open TCP
  // connection holds a bind (and its window) for far longer than configured.
  problems.check(
    resolved.enquireLinkIntervalMs === 0 ||
      resolved.responseTimeoutMs < resolved.enquireLinkIntervalMs * 3,
    `responseTimeoutMs (${resolved.responseTimeoutMs}) must be below 3 × enquireLinkIntervalMs ` +
      `(${resolved.enquireLinkIntervalMs}), or a dead peer goes unnoticed far longer than the link check suggests`,
  );
  return resolved;
}

/** Validates and fills defaults; throws SmppOptionsError listing every problem. */
export function resolveSessionOptions(options: SmppSessionOptions = {}): ResolvedSessionOptions {
  const problems = new OptionProblems();
  const resolved = validateSessionOptions(options, problems);
  problems.throwIfAny();
  return resolved;
}
