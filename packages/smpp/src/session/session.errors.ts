// Typed failures of the SMPP layer. Callers branch on the class (or on the
// stable `code`), never on message text.
import { describeSmppStatus } from './smpp-status.js';

export type SmppErrorCode =
  | 'SMPP_TIMEOUT'
  | 'SMPP_CONNECTION_CLOSED'
  | 'SMPP_GENERIC_NACK'
  | 'SMPP_BIND_FAILED'
  | 'SMPP_PROTOCOL'
  | 'SMPP_QUEUE_FULL'
  | 'SMPP_ENCODE'
  | 'SMPP_OPTIONS'
  | 'SMPP_CONNECT';

export abstract class SmppError extends Error {
  abstract readonly code: SmppErrorCode;
}

/** No response arrived within the response timeout; the window slot is free again. */
export class SmppTimeoutError extends SmppError {
  readonly code = 'SMPP_TIMEOUT';
  constructor(
    readonly command: string,
    readonly sequenceNumber: number,
    readonly timeoutMs: number,
  ) {
    super(`${command} (sequence ${sequenceNumber}) got no response within ${timeoutMs} ms`);
    this.name = 'SmppTimeoutError';
  }
}

/** Why a session ended. */
export type CloseReason =
  /** close()/unbind() by this side. */
  | 'local_close'
  /** destroy() by this side. */
  | 'local_destroy'
  /** The peer sent unbind; we answered and closed. */
  | 'peer_unbind'
  /** The peer closed the TCP connection. */
  | 'peer_closed'
  | 'socket_error'
  /** enquire_link went unanswered within the response timeout. */
  | 'peer_not_answering'
  /** A server-side connection did not bind within bindTimeoutMs. */
  | 'bind_timeout'
  /** A server-side bind was refused (the authoriser returned a non-zero status). */
  | 'bind_rejected'
  /** command_length out of bounds: framing is lost, nothing after it can be trusted. */
  | 'invalid_command_length'
  /** The peer did not read its responses and our write buffer passed its cap. */
  | 'write_buffer_overflow';

export class SmppConnectionClosedError extends SmppError {
  readonly code = 'SMPP_CONNECTION_CLOSED';
  constructor(
    readonly reason: CloseReason,
    detail?: string,
  ) {
    super(
      detail ? `SMPP session closed (${reason}): ${detail}` : `SMPP session closed (${reason})`,
    );
    this.name = 'SmppConnectionClosedError';
  }
}

/** The peer answered our request with generic_nack. */
export class SmppGenericNackError extends SmppError {
  readonly code = 'SMPP_GENERIC_NACK';
  constructor(
    readonly command: string,
    readonly commandStatus: number,
    readonly sequenceNumber: number,
  ) {
    super(
      `${command} (sequence ${sequenceNumber}) answered with generic_nack ${describeSmppStatus(commandStatus)}`,
    );
    this.name = 'SmppGenericNackError';
  }
}

/** The peer refused our bind; `commandStatus` is what it answered (e.g. ESME_RINVPASWD). */
export class SmppBindError extends SmppError {
  readonly code = 'SMPP_BIND_FAILED';
  constructor(
    readonly commandStatus: number,
    readonly bindCommand: string,
  ) {
    super(`${bindCommand} refused with ${describeSmppStatus(commandStatus)}`);
    this.name = 'SmppBindError';
  }
}

/** The peer's answer to our request was malformed or of the wrong command. */
export class SmppProtocolError extends SmppError {
  readonly code = 'SMPP_PROTOCOL';
  constructor(message: string) {
    super(message);
    this.name = 'SmppProtocolError';
  }
}

/** request() refused because maxQueued requests are already waiting for a window slot. */
export class SmppQueueFullError extends SmppError {
  readonly code = 'SMPP_QUEUE_FULL';
  constructor(readonly maxQueued: number) {
    super(`SMPP request queue is full (${maxQueued} waiting for a window slot)`);
    this.name = 'SmppQueueFullError';
  }
}

/** A PDU value that cannot be put on the wire (field too long, octet out of range...). */
export class SmppEncodeError extends SmppError {
  readonly code = 'SMPP_ENCODE';
  constructor(message: string) {
    super(message);
    this.name = 'SmppEncodeError';
  }
}

/** Invalid session/server/client options; `problems` lists every one found. */
export class SmppOptionsError extends SmppError {
  readonly code = 'SMPP_OPTIONS';
  constructor(readonly problems: readonly string[]) {
    super(`invalid SMPP options: ${problems.join('; ')}`);
    this.name = 'SmppOptionsError';
  }
}

/** TCP/TLS connection could not be established. */
export class SmppConnectError extends SmppError {
  readonly code = 'SMPP_CONNECT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SmppConnectError';
  }
}
