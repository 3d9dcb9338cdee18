// One SMPP session over one TCP or TLS socket, used by both sides: the
// customer-facing server, the vendor client, the simulator and the load
// generator. It owns everything node-smpp leaves to chance:
//
// - framing: command_length is read and bounded before a byte of body is
//   buffered, so a hostile length cannot make us allocate or wait forever;
// - the window: at most windowSize requests await responses, the rest queue
//   FIFO, every request settles (response, timeout, generic_nack or close);
// - the peer's requests: enquire_link and unbind are answered here, the rest
//   go to one handler per command whose returned value IS the response, so a
//   request cannot be left unanswered (and a slow handler is cut off);
// - failures become a 'close' with a reason; no 'error' event is ever
//   emitted, so nothing here can take the process down.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { decodePdu, encodePdu, SMPP_VERSION_34, type PduDecodeError } from './pdu.codec.js';
import { CommandId, isResponseId, PDU_HEADER_SIZE } from './pdu.schema.js';
import type {
  BindCommand,
  CommandName,
  Pdu,
  PduInit,
  PduOf,
  RequestCommand,
  ResponseCommand,
  ResponseCommandFor,
  ResponseInit,
} from './pdu.types.js';
import {
  SmppBindError,
  SmppConnectionClosedError,
  SmppEncodeError,
  SmppGenericNackError,
  SmppProtocolError,
  SmppQueueFullError,
  SmppTimeoutError,
  type CloseReason,
} from './session.errors.js';
import {
  OptionProblems,
  validateSessionOptions,
  type RequestOutcome,
  type ResolvedSessionOptions,
  type SessionIssue,
  type SessionMetrics,
  type SmppSessionOptions,
} from './session.options.js';
import { SmppStatus } from './smpp-status.js';

export type SessionRole = 'client' | 'server';
export type BindType = 'transmitter' | 'receiver' | 'transceiver';
/**
 * open: connected, not bound. binding: a bind is being decided. bound: normal
 * traffic. unbinding: we sent unbind and wait for its answer. closed: final.
 */
export type SessionState = 'open' | 'binding' | 'bound' | 'unbinding' | 'closed';

export interface BindInfo {
  readonly bindType: BindType;
  readonly systemId: string;
  /** Present so an authoriser can check it; never log it. */
  readonly password: string;
  readonly systemType: string;
  readonly interfaceVersion: number;
  readonly addrTon: number;
  readonly addrNpi: number;
  readonly addressRange: string;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
}

export interface CloseInfo {
  readonly reason: CloseReason;
  readonly message: string;
  readonly error?: Error;
}

/** Requests of the peer that the application answers (the rest are answered here). */
export type HandledCommand =
  'submit_sm' | 'deliver_sm' | 'data_sm' | 'query_sm' | 'cancel_sm' | 'replace_sm';

/**
 * Answers one request of the peer. The returned value is the response
 * (status defaults to ESME_ROK); a throw or rejection answers ESME_RSYSERR.
 */
export type RequestHandler<C extends HandledCommand> = (
  pdu: PduOf<C>,
  session: SmppSession,
) => ResponseInit<ResponseCommandFor[C]> | Promise<ResponseInit<ResponseCommandFor[C]>>;

export type RequestHandlers = { [C in HandledCommand]?: RequestHandler<C> };

/** Decides a bind: return ESME_ROK (0) to accept, or the command_status to refuse with. */
export type BindAuthorizer = (bind: BindInfo) => number | Promise<number>;

export interface SmppSessionEvents {
  /** The session is bound (server: we accepted the peer; client: the peer accepted us). */
  bind: [info: BindInfo];
  /** The peer asked to unbind; it has been answered and the session is closing. */
  unbind: [];
  /** Emitted once, after the socket is fully closed. Every request has settled by then. */
  close: [info: CloseInfo];
  alert_notification: [pdu: PduOf<'alert_notification'>];
  outbind: [pdu: PduOf<'outbind'>];
}

export interface SmppSessionInit extends SmppSessionOptions {
  readonly role: SessionRole;
  readonly handlers?: RequestHandlers;
  /** Server role: decides binds. Without one every bind is refused with ESME_RBINDFAIL. */
  readonly authorize?: BindAuthorizer;
  /** Server role: the system_id our bind responses carry. */
  readonly systemId?: string;
  /** Server role: close a connection that has not bound after this long. 0 disables. */
  readonly bindTimeoutMs?: number;
  /**
   * Server role: runs synchronously once a bind is accepted, before bind_resp
   * is written, so handlers set here are in place for the peer's first PDU.
   * If it throws, the bind is answered ESME_RSYSERR and the connection closed.
   */
  readonly onBound?: (session: SmppSession, info: BindInfo) => void;
}

export interface RequestOptions {
  /** Overrides responseTimeoutMs for this request. */
  readonly timeoutMs?: number;
}

/** Requests sent through request(); bind and unbind have their own methods. */
export type ApplicationRequest = Exclude<RequestCommand, BindCommand | 'unbind'>;

export interface ClientBindParams {
  readonly bindType: BindType;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string;
  readonly interfaceVersion?: number;
  readonly addrTon?: number;
  readonly addrNpi?: number;
  readonly addressRange?: string;
}

const RESPONSE_FOR: { readonly [C in RequestCommand]: ResponseCommandFor[C] } = {
  bind_receiver: 'bind_receiver_resp',
  bind_transmitter: 'bind_transmitter_resp',
  bind_transceiver: 'bind_transceiver_resp',
  unbind: 'unbind_resp',
  submit_sm: 'submit_sm_resp',
  deliver_sm: 'deliver_sm_resp',
  data_sm: 'data_sm_resp',
  query_sm: 'query_sm_resp',
  cancel_sm: 'cancel_sm_resp',
  replace_sm: 'replace_sm_resp',
  enquire_link: 'enquire_link_resp',
};

const BIND_TYPE_OF: Readonly<Record<BindCommand, BindType>> = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
};

/**
 * Which peer requests a bind type permits (SMPP 3.4 table 2-1). A server's
 * peer is an ESME that submits; a client's peer is an SMSC that delivers.
 */
const PEER_MAY_SEND: Readonly<
  Record<SessionRole, Readonly<Record<HandledCommand, readonly BindType[]>>>
> = {
  server: {
    submit_sm: ['transmitter', 'transceiver'],
    data_sm: ['transmitter', 'transceiver'],
    query_sm: ['transmitter', 'transceiver'],
    cancel_sm: ['transmitter', 'transceiver'],
    replace_sm: ['transmitter', 'transceiver'],
    deliver_sm: [],
  },
  client: {
    deliver_sm: ['receiver', 'transceiver'],
    data_sm: ['receiver', 'transceiver'],
    submit_sm: [],
    query_sm: [],
    cancel_sm: [],
    replace_sm: [],
  },
};

const MAX_SEQUENCE = 0x7fffffff;
const EMPTY = Buffer.alloc(0);

type Settle = (result: Pdu | Error) => void;

/** A request written to the socket and awaiting its response. */
interface Outstanding {
  readonly sequenceNumber: number;
  readonly command: RequestCommand;
  readonly responseId: number;
  /** Counts against windowSize; enquire_link/bind/unbind we send ourselves do not. */
  readonly windowed: boolean;
  readonly startedAt: number;
  readonly timer: NodeJS.Timeout;
  readonly settle: Settle;
}

/** A request encoded (sequence number still 0) and waiting for a window slot. */
interface Waiting {
  readonly frame: Buffer;
  readonly command: RequestCommand;
  readonly timeoutMs: number;
  readonly windowed: boolean;
  readonly settle: Settle;
}

interface IdleWaiter {
  readonly resolve: (idle: boolean) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  readonly role: SessionRole;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Resolves with the close details once the socket is closed. Never rejects. */
  readonly closed: Promise<CloseInfo>;

  private readonly socket: Socket;
  private readonly options: ResolvedSessionOptions;
  private readonly metrics: SessionMetrics;
  private readonly handlers: RequestHandlers;
  private readonly authorize: BindAuthorizer | undefined;
  private readonly localSystemId: string;
  private readonly onBound: ((session: SmppSession, info: BindInfo) => void) | undefined;

  private currentState: SessionState = 'open';
  private bound: BindInfo | undefined;
  private closeInfo: CloseInfo | undefined;
  private finished = false;
  private closing = false;
  private closeEmitted = false;
  private resolveClosed!: (info: CloseInfo) => void;

  private sequence = 0;
  private readonly outstanding = new Map<number, Outstanding>();
  private windowUsed = 0;
  private queue: Waiting[] = [];
  private queueHead = 0;

  private incomingPending = 0;
  private readonly handlerTimers = new Set<NodeJS.Timeout>();
  private idleWaiters: IdleWaiter[] = [];

  // Input: chunks are only concatenated once enough bytes for the next step
  // have arrived, so a peer dribbling a large PDU byte by byte costs O(n).
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = 4;
  private readPaused = false;
  private draining = false;
  private lastReceivedAt = performance.now();

  private corked = false;
  private congested = false;

  private linkTimer: NodeJS.Timeout | undefined;
  private linkCheckOutstanding = false;
  private bindTimer: NodeJS.Timeout | undefined;
  private forceCloseTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, init: SmppSessionInit) {
    super();
    const problems = new OptionProblems();
    this.options = validateSessionOptions(init, problems);
    const bindTimeoutMs = init.bindTimeoutMs ?? 0;
    problems.integer('bindTimeoutMs', bindTimeoutMs, 0, 2_147_483_647);
    problems.check(
      init.role === 'client' || init.role === 'server',
      `role must be 'client' or 'server'`,
    );
    problems.throwIfAny();

    this.socket = socket;
    this.role = init.role;
    this.metrics = this.options.metrics;
    this.handlers = { ...init.handlers };
    this.authorize = init.authorize;
    this.localSystemId = init.systemId ?? '';
    this.onBound = init.onBound;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.closed = new Promise<CloseInfo>((resolve) => {
      this.resolveClosed = resolve;
    });

    // Nagle would hold a lone submit_sm_resp back for up to 40 ms; batching
    // is done explicitly by corking per tick instead (see writeFrame).
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    if (socket.destroyed) {
      process.nextTick(this.onSocketClose);
      return;
    }
    if (this.role === 'server' && bindTimeoutMs > 0) {
      this.bindTimer = setTimeout(() => {
        if (this.currentState === 'open' || this.currentState === 'binding') {
          this.finish('bind_timeout', `no successful bind within ${bindTimeoutMs} ms`, 'destroy');
        }
      }, bindTimeoutMs);
      this.bindTimer.unref();
    }
    this.armLinkCheck(this.options.enquireLinkIntervalMs);
  }

  get state(): SessionState {
    return this.currentState;
  }

  /** Set once bound: the bind as the peer (server) or we (client) requested it. */
  get bindInfo(): BindInfo | undefined {
    return this.bound;
  }

  /** Requests we sent that await a response and occupy the window. */
  get inFlight(): number {
    return this.windowUsed;
  }

  /** Requests waiting for a window slot. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Requests of the peer whose handler has not answered yet. */
  get incomingInFlight(): number {
    return this.incomingPending;
  }

  get closeDetails(): CloseInfo | undefined {
    return this.closeInfo;
  }

  /** Sets (or replaces) the handler for one kind of peer request. */
  handle<C extends HandledCommand>(command: C, handler: RequestHandler<C>): this {
    (this.handlers as Record<HandledCommand, unknown>)[command] = handler;
    return this;
  }

  /**
   * Sends a request and resolves with its response, whatever its
   * command_status. Waits FIFO for a window slot first. Rejects with
   * SmppTimeoutError, SmppGenericNackError, SmppConnectionClosedError,
   * SmppQueueFullError, SmppEncodeError or SmppProtocolError.
   */
  request<C extends ApplicationRequest>(
    init: PduInit<C>,
    options: RequestOptions = {},
  ): Promise<PduOf<ResponseCommandFor[C]>> {
    return new Promise<PduOf<ResponseCommandFor[C]>>((resolve, reject) => {
      const command: RequestCommand = init.command;
      if (
        !(command in RESPONSE_FOR) ||
        (command as string) === 'unbind' ||
        command in BIND_TYPE_OF
      ) {
        reject(
          new SmppEncodeError(
            `request() cannot send ${String(command)}; use bind()/close() for binds and unbind`,
          ),
        );
        return;
      }
      if (this.closing || this.finished) {
        reject(this.closedError('session is closing'));
        return;
      }
      const timeoutMs = options.timeoutMs ?? this.options.responseTimeoutMs;
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647) {
        reject(
          new SmppEncodeError(`timeoutMs must be a positive integer, got ${String(timeoutMs)}`),
        );
        return;
      }
      let frame: Buffer;
      try {
        // Encoded now so a bad value fails at the call site; the sequence number is patched in at dispatch.
        frame = encodePdu({ ...init, sequenceNumber: 0 });
      } catch (error) {
        reject(error instanceof Error ? error : new SmppEncodeError(String(error)));
        return;
      }
      const settle: Settle = (result) => {
        if (result instanceof Error) {
          reject(result);
        } else {
          resolve(result as PduOf<ResponseCommandFor[C]>);
        }
      };
      const waiting: Waiting = { frame, command, timeoutMs, windowed: true, settle };
      if (this.queued === 0 && this.canDispatch()) {
        this.dispatch(waiting);
      } else if (this.queued >= this.options.maxQueued) {
        reject(new SmppQueueFullError(this.options.maxQueued));
      } else {
        this.queue.push(waiting);
      }
    });
  }

  /** Sends alert_notification or outbind, which have no response. */
  notify(init: PduInit<'alert_notification'> | PduInit<'outbind'>): void {
    if (this.finished) {
      throw this.closedError('session is closed');
    }
    const frame = encodePdu({ ...init, sequenceNumber: this.nextSequence() });
    this.writeFrame(frame, init.command, 0);
  }

  /**
   * Client side: binds this connection. Resolves when the peer accepted;
   * rejects with SmppBindError carrying the peer's command_status otherwise
   * (the connection stays open so the caller decides), or with
   * SmppTimeoutError / SmppConnectionClosedError.
   */
  bind(params: ClientBindParams): Promise<BindInfo> {
    return new Promise<BindInfo>((resolve, reject) => {
      if (this.role !== 'client' || this.currentState !== 'open' || this.closing) {
        reject(
          new SmppProtocolError(`cannot bind a ${this.role} session in state ${this.currentState}`),
        );
        return;
      }
      const command: BindCommand = `bind_${params.bindType}`;
      if (!(command in BIND_TYPE_OF)) {
        reject(new SmppEncodeError(`unknown bindType ${JSON.stringify(params.bindType)}`));
        return;
      }
      const info: BindInfo = {
        bindType: params.bindType,
        systemId: params.systemId,
        password: params.password,
        systemType: params.systemType ?? '',
        interfaceVersion: params.interfaceVersion ?? SMPP_VERSION_34,
        addrTon: params.addrTon ?? 0,
        addrNpi: params.addrNpi ?? 0,
        addressRange: params.addressRange ?? '',
        remoteAddress: this.remoteAddress,
        remotePort: this.remotePort,
      };
      let frame: Buffer;
      try {
        frame = encodePdu({ command, ...info });
      } catch (error) {
        reject(error instanceof Error ? error : new SmppEncodeError(String(error)));
        return;
      }
      this.currentState = 'binding';
      this.dispatch({
        frame,
        command,
        timeoutMs: this.options.responseTimeoutMs,
        windowed: false,
        // Runs synchronously while the response is being read, so the
        // session is 'bound' before the next PDU of the same chunk (often a
        // queued deliver_sm) is looked at.
        settle: (result) => {
          if (this.currentState === 'binding') {
            this.currentState = 'open';
          }
          if (result instanceof Error) {
            reject(result);
          } else if (result.commandStatus !== SmppStatus.ESME_ROK) {
            reject(new SmppBindError(result.commandStatus, command));
          } else if (this.finished) {
            reject(this.closedError('closed while binding'));
          } else {
            this.currentState = 'bound';
            this.bound = info;
            this.emitSafely(() => this.emit('bind', info));
            resolve(info);
          }
        },
      });
    });
  }

  /**
   * Graceful close: queued requests are rejected at once, unbind is sent if
   * bound, in-flight requests may still complete until unbind_resp (or the
   * response timeout), then the connection is ended. Resolves once closed.
   */
  async close(): Promise<void> {
    if (!this.closing && !this.finished) {
      this.closing = true;
      this.rejectQueued(this.closedError('session is closing'));
      if (this.currentState === 'bound') {
        this.currentState = 'unbinding';
        this.dispatch({
          frame: encodePdu({ command: 'unbind' }),
          command: 'unbind',
          timeoutMs: this.options.responseTimeoutMs,
          windowed: false,
          settle: () => this.finish('local_close', 'unbound by this side', 'end'),
        });
      } else {
        this.finish('local_close', 'closed by this side', 'end');
      }
    }
    await this.closed;
  }

  /** Same as close(): the SMPP name for it. */
  unbind(): Promise<void> {
    return this.close();
  }

  /** Immediate close without unbind; every request is rejected. */
  destroy(message = 'destroyed by this side'): void {
    this.finish('local_destroy', message, 'destroy');
  }

  /**
   * Resolves true once nothing is in flight in either direction (no
   * outstanding or queued request, no peer request being handled), or false
   * if timeoutMs passes first. A closed session is idle.
   */
  waitForIdle(timeoutMs?: number): Promise<boolean> {
    if (this.isIdle()) {
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.idleWaiters = this.idleWaiters.filter((waiter) => waiter.timer !== timer);
              resolve(false);
            }, timeoutMs);
      this.idleWaiters.push({ resolve, timer });
    });
  }

  // ---------------------------------------------------------------- output

  private canDispatch(): boolean {
    return (
      this.windowUsed < this.options.windowSize &&
      !this.congested &&
      !this.closing &&
      !this.finished
    );
  }

  private nextSequence(): number {
    do {
      this.sequence = this.sequence >= MAX_SEQUENCE ? 1 : this.sequence + 1;
    } while (this.outstanding.has(this.sequence));
    return this.sequence;
  }

  private dispatch(waiting: Waiting): void {
    const sequenceNumber = this.nextSequence();
    waiting.frame.writeUInt32BE(sequenceNumber, 12);
    const timer = setTimeout(() => this.onRequestTimeout(sequenceNumber), waiting.timeoutMs);
    this.outstanding.set(sequenceNumber, {
      sequenceNumber,
      command: waiting.command,
      responseId: CommandId[RESPONSE_FOR[waiting.command]],
      windowed: waiting.windowed,
      startedAt: performance.now(),
      timer,
      settle: waiting.settle,
    });
    if (waiting.windowed) {
      this.windowUsed += 1;
    }
    this.writeFrame(waiting.frame, waiting.command, 0);
  }

  private pump(): void {
    while (this.queued > 0 && this.canDispatch()) {
      const next = this.queue[this.queueHead];
      this.queue[this.queueHead] = undefined as unknown as Waiting;
      this.queueHead += 1;
      if (next) {
        this.dispatch(next);
      }
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private rejectQueued(error: Error): void {
    const waiting = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    for (const entry of waiting) {
      entry.settle(error);
    }
  }

  /**
   * Every frame goes through here. The socket is corked on the first write of
   * a tick and uncorked on the next one, so everything written in between
   * (a window's worth of submit_sm, a burst of responses) leaves in one
   * writev instead of one syscall per PDU.
   */
  private writeFrame(frame: Buffer, command: CommandName, commandStatus: number): void {
    if (this.socket.destroyed || !this.socket.writable) {
      return;
    }
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    if (!this.socket.write(frame)) {
      this.congested = true;
    }
    if (this.metrics.pduOut) {
      this.hook(() => this.metrics.pduOut?.(command, commandStatus));
    }
    if (this.socket.writableLength > this.options.maxWriteBufferBytes) {
      this.finish(
        'write_buffer_overflow',
        `${this.socket.writableLength} unsent bytes: the peer is not reading`,
        'destroy',
      );
    }
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  private readonly onDrain = (): void => {
    this.congested = false;
    this.pump();
  };

  private writeResponse(
    command: ResponseCommand | 'generic_nack',
    sequenceNumber: number,
    init: ResponseInit<ResponseCommand>,
  ): void {
    if (this.finished) {
      return;
    }
    let frame: Buffer;
    try {
      frame = encodePdu({ ...init, command, sequenceNumber });
    } catch (error) {
      this.report('response_encode_error', `${command}: ${errorMessage(error)}`);
      frame = encodePdu({ command, sequenceNumber, commandStatus: SmppStatus.ESME_RSYSERR });
    }
    this.writeFrame(frame, command, frame.readUInt32BE(8));
  }

  private writeGenericNack(commandStatus: number, sequenceNumber: number): void {
    this.writeResponse('generic_nack', sequenceNumber, { commandStatus });
  }

  // ----------------------------------------------------------------- input

  private readonly onData = (chunk: Buffer): void => {
    if (this.finished) {
      return;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered >= this.needed) {
      this.drainInput();
    }
  };

  private drainInput(): void {
    if (this.draining || this.finished) {
      return;
    }
    this.draining = true;
    let input =
      this.chunks.length === 1
        ? (this.chunks[0] ?? EMPTY)
        : Buffer.concat(this.chunks, this.buffered);
    try {
      while (!this.readPaused && !this.finished && input.length >= 4) {
        const commandLength = input.readUInt32BE(0);
        if (commandLength < PDU_HEADER_SIZE || commandLength > this.options.maxPduSize) {
          this.onBadCommandLength(commandLength, input);
          input = EMPTY;
          break;
        }
        if (input.length < commandLength) {
          break;
        }
        // Copied so the PDU's Buffers do not pin the (possibly 64 KB) socket chunk.
        const frame = Buffer.from(input.subarray(0, commandLength));
        input = input.subarray(commandLength);
        this.lastReceivedAt = performance.now();
        this.onFrame(frame);
      }
    } finally {
      this.draining = false;
      if (this.finished) {
        input = EMPTY;
      }
      this.chunks = input.length > 0 ? [input] : [];
      this.buffered = input.length;
      // An out-of-range length still needs a drain pass to be rejected, so it must not raise the bar.
      const nextLength = input.length >= 4 ? input.readUInt32BE(0) : 0;
      this.needed =
        nextLength >= PDU_HEADER_SIZE && nextLength <= this.options.maxPduSize ? nextLength : 4;
    }
  }

  private onBadCommandLength(commandLength: number, input: Buffer): void {
    // Framing is lost: nothing after this can be located. Answer once, close.
    const sequenceNumber = input.length >= PDU_HEADER_SIZE ? input.readUInt32BE(12) : 0;
    const message = `command_length ${commandLength} outside ${PDU_HEADER_SIZE}..${this.options.maxPduSize}`;
    this.hook(() => this.metrics.pduIn?.('unknown', 0));
    this.report('malformed_pdu', message);
    this.writeGenericNack(SmppStatus.ESME_RINVCMDLEN, sequenceNumber);
    this.finish('invalid_command_length', message, 'end');
  }

  private onFrame(frame: Buffer): void {
    const decoded = decodePdu(frame);
    if (!decoded.ok) {
      this.onMalformed(decoded.error);
      return;
    }
    const pdu = decoded.pdu;
    if (this.metrics.pduIn) {
      this.hook(() => this.metrics.pduIn?.(pdu.command, pdu.commandStatus));
    }
    if (isResponseId(CommandId[pdu.command])) {
      this.onResponse(pdu);
    } else {
      this.onRequest(pdu);
    }
  }

  private onMalformed(error: PduDecodeError): void {
    this.hook(() => this.metrics.pduIn?.('unknown', 0));
    this.report('malformed_pdu', error.message);
    const sequenceNumber = error.sequenceNumber ?? 0;
    if (
      error.kind !== 'unknown_command' &&
      error.commandId !== undefined &&
      isResponseId(error.commandId)
    ) {
      // A response cannot be nacked; fail the request it answers instead.
      const outstanding = this.outstanding.get(sequenceNumber);
      if (outstanding) {
        this.complete(
          outstanding,
          new SmppProtocolError(`malformed response: ${error.message}`),
          'protocol_error',
        );
      }
      return;
    }
    this.writeGenericNack(error.nackStatus, sequenceNumber);
  }

  private onResponse(pdu: Pdu): void {
    const outstanding = this.outstanding.get(pdu.sequenceNumber);
    if (!outstanding) {
      this.report(
        'unexpected_response',
        `${pdu.command} with sequence ${pdu.sequenceNumber} matches no request`,
      );
      return;
    }
    if (pdu.command === 'generic_nack') {
      this.complete(
        outstanding,
        new SmppGenericNackError(outstanding.command, pdu.commandStatus, pdu.sequenceNumber),
        'generic_nack',
      );
    } else if (CommandId[pdu.command] !== outstanding.responseId) {
      this.complete(
        outstanding,
        new SmppProtocolError(`${outstanding.command} answered with ${pdu.command}`),
        'protocol_error',
      );
    } else {
      this.complete(outstanding, pdu, 'response');
    }
  }

  private complete(outstanding: Outstanding, result: Pdu | Error, outcome: RequestOutcome): void {
    clearTimeout(outstanding.timer);
    this.outstanding.delete(outstanding.sequenceNumber);
    if (outstanding.windowed) {
      this.windowUsed -= 1;
    }
    if (this.metrics.requestCompleted) {
      const latencyMs = performance.now() - outstanding.startedAt;
      this.hook(() => this.metrics.requestCompleted?.(outstanding.command, outcome, latencyMs));
    }
    outstanding.settle(result);
    this.pump();
    this.checkIdle();
  }

  private onRequestTimeout(sequenceNumber: number): void {
    const outstanding = this.outstanding.get(sequenceNumber);
    if (outstanding) {
      const timeoutMs = Math.round(performance.now() - outstanding.startedAt);
      this.complete(
        outstanding,
        new SmppTimeoutError(outstanding.command, sequenceNumber, timeoutMs),
        'timeout',
      );
    }
  }

  private onRequest(pdu: Pdu): void {
    switch (pdu.command) {
      case 'enquire_link':
        this.writeResponse('enquire_link_resp', pdu.sequenceNumber, {});
        return;
      case 'unbind':
        this.writeResponse('unbind_resp', pdu.sequenceNumber, {});
        this.emitSafely(() => this.emit('unbind'));
        this.finish('peer_unbind', 'the peer unbound', 'end');
        return;
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        this.onBindRequest(pdu);
        return;
      case 'outbind':
        this.emitSafely(() => this.emit('outbind', pdu));
        return;
      case 'alert_notification':
        // No response exists for it; only a bound receiving client may get one.
        if (this.isBound() && this.role === 'client' && this.bound?.bindType !== 'transmitter') {
          this.emitSafely(() => this.emit('alert_notification', pdu));
        }
        return;
      case 'submit_sm':
      case 'deliver_sm':
      case 'data_sm':
      case 'query_sm':
      case 'cancel_sm':
      case 'replace_sm':
        this.onApplicationRequest(pdu);
        return;
      default:
        // Responses never reach here (onFrame routes them to onResponse).
        return;
    }
  }

  private isBound(): boolean {
    return this.currentState === 'bound' || this.currentState === 'unbinding';
  }

  private onApplicationRequest(pdu: Extract<Pdu, { command: HandledCommand }>): void {
    const responseCommand = RESPONSE_FOR[pdu.command];
    const sequenceNumber = pdu.sequenceNumber;
    const bindType = this.bound?.bindType;
    if (
      !this.isBound() ||
      bindType === undefined ||
      !PEER_MAY_SEND[this.role][pdu.command].includes(bindType)
    ) {
      this.writeResponse(responseCommand, sequenceNumber, {
        commandStatus: SmppStatus.ESME_RINVBNDSTS,
      });
      return;
    }
    const handler = this.handlers[pdu.command] as
      | ((
          pdu: Pdu,
          session: SmppSession,
        ) => ResponseInit<ResponseCommand> | Promise<ResponseInit<ResponseCommand>>)
      | undefined;
    if (!handler) {
      // Understood but not offered by this service.
      this.writeResponse(responseCommand, sequenceNumber, {
        commandStatus: SmppStatus.ESME_RINVCMDID,
      });
      return;
    }

    this.incomingPending += 1;
    this.updateReadFlow();
    let answered = false;
    const answer = (init: ResponseInit<ResponseCommand>): void => {
      answered = true;
      clearTimeout(timer);
      this.handlerTimers.delete(timer);
      if (this.finished) {
        // finish() already reset the count; nobody is left to answer.
        return;
      }
      this.incomingPending -= 1;
      this.writeResponse(responseCommand, sequenceNumber, init);
      this.updateReadFlow();
      this.checkIdle();
    };
    const timer = setTimeout(() => {
      if (!answered) {
        this.report(
          'handler_timeout',
          `${pdu.command} handler exceeded ${this.options.handlerTimeoutMs} ms`,
        );
        answer({ commandStatus: SmppStatus.ESME_RSYSERR });
      }
    }, this.options.handlerTimeoutMs);
    this.handlerTimers.add(timer);

    void Promise.resolve()
      .then(() => handler(pdu, this))
      .then(
        (response) => {
          if (answered) {
            return;
          }
          if (typeof response !== 'object' || response === null) {
            this.report('handler_error', `${pdu.command} handler returned no response object`);
            answer({ commandStatus: SmppStatus.ESME_RSYSERR });
            return;
          }
          answer(response);
        },
        (error: unknown) => {
          if (answered) {
            return;
          }
          this.report('handler_error', `${pdu.command} handler failed: ${errorMessage(error)}`);
          answer({ commandStatus: SmppStatus.ESME_RSYSERR });
        },
      );
  }

  private onBindRequest(pdu: Extract<Pdu, { command: BindCommand }>): void {
    const responseCommand = RESPONSE_FOR[pdu.command];
    if (this.role === 'client') {
      this.writeResponse(responseCommand, pdu.sequenceNumber, {
        commandStatus: SmppStatus.ESME_RINVBNDSTS,
      });
      return;
    }
    if (this.currentState !== 'open' || this.closing) {
      this.writeResponse(responseCommand, pdu.sequenceNumber, {
        commandStatus: SmppStatus.ESME_RALYBND,
      });
      return;
    }
    this.currentState = 'binding';
    const info: BindInfo = {
      bindType: BIND_TYPE_OF[pdu.command],
      systemId: pdu.systemId,
      password: pdu.password,
      systemType: pdu.systemType,
      interfaceVersion: pdu.interfaceVersion,
      addrTon: pdu.addrTon,
      addrNpi: pdu.addrNpi,
      addressRange: pdu.addressRange,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
    };
    const authorize = this.authorize;
    void Promise.resolve()
      .then(() => (authorize ? authorize(info) : SmppStatus.ESME_RBINDFAIL))
      .then(
        (status) => this.completeBind(pdu, info, status),
        (error: unknown) => {
          this.report('authorize_error', errorMessage(error));
          this.completeBind(pdu, info, SmppStatus.ESME_RBINDFAIL);
        },
      );
  }

  private completeBind(
    pdu: Extract<Pdu, { command: BindCommand }>,
    info: BindInfo,
    status: unknown,
  ): void {
    if (this.currentState !== 'binding' || this.finished) {
      return;
    }
    const responseCommand = RESPONSE_FOR[pdu.command];
    let commandStatus =
      typeof status === 'number' && Number.isInteger(status) && status >= 0 && status <= 0xffffffff
        ? status
        : SmppStatus.ESME_RSYSERR;
    if (commandStatus === SmppStatus.ESME_ROK && this.onBound) {
      try {
        this.onBound(this, info);
      } catch (error) {
        this.report('listener_error', `onBound failed: ${errorMessage(error)}`);
        commandStatus = SmppStatus.ESME_RSYSERR;
      }
    }
    if (commandStatus !== SmppStatus.ESME_ROK) {
      this.currentState = 'open';
      this.writeResponse(responseCommand, pdu.sequenceNumber, { commandStatus });
      this.finish(
        'bind_rejected',
        `bind of ${JSON.stringify(info.systemId)} refused with status ${commandStatus}`,
        'end',
      );
      return;
    }
    this.currentState = 'bound';
    this.bound = info;
    clearTimeout(this.bindTimer);
    this.emitSafely(() => this.emit('bind', info));
    // sc_interface_version tells a 3.4 peer we speak TLVs; a 3.3 peer must not get TLVs at all.
    this.writeResponse(responseCommand, pdu.sequenceNumber, {
      systemId: this.localSystemId,
      tlvs: info.interfaceVersion >= SMPP_VERSION_34 ? { scInterfaceVersion: SMPP_VERSION_34 } : {},
    });
  }

  private updateReadFlow(): void {
    const shouldPause = this.incomingPending >= this.options.maxIncomingInFlight;
    if (shouldPause && !this.readPaused) {
      this.readPaused = true;
      this.socket.pause();
    } else if (!shouldPause && this.readPaused) {
      this.readPaused = false;
      this.socket.resume();
      // PDUs that arrived in the same chunk as the one that filled the limit are still buffered.
      if (this.buffered >= this.needed) {
        this.drainInput();
      }
    }
  }

  // ------------------------------------------------------------- liveness

  private armLinkCheck(delayMs: number): void {
    if (this.options.enquireLinkIntervalMs === 0 || this.finished) {
      return;
    }
    this.linkTimer = setTimeout(this.onLinkCheck, Math.max(1, Math.ceil(delayMs)));
    this.linkTimer.unref();
  }

  private readonly onLinkCheck = (): void => {
    const interval = this.options.enquireLinkIntervalMs;
    const idleFor = performance.now() - this.lastReceivedAt;
    // While reading is paused (our handlers are slow) silence proves nothing about the peer.
    if (this.linkCheckOutstanding || this.readPaused || this.closing) {
      this.armLinkCheck(interval);
      return;
    }
    if (idleFor < interval) {
      this.armLinkCheck(interval - idleFor);
      return;
    }
    this.linkCheckOutstanding = true;
    this.dispatch({
      frame: encodePdu({ command: 'enquire_link' }),
      command: 'enquire_link',
      timeoutMs: this.options.responseTimeoutMs,
      windowed: false,
      settle: (result) => {
        this.linkCheckOutstanding = false;
        if (result instanceof SmppTimeoutError) {
          this.finish(
            'peer_not_answering',
            `enquire_link unanswered for ${result.timeoutMs} ms`,
            'destroy',
          );
        }
      },
    });
    this.armLinkCheck(interval);
  };

  // --------------------------------------------------------------- closing

  private closedError(detail: string): SmppConnectionClosedError {
    return new SmppConnectionClosedError(this.closeInfo?.reason ?? 'local_close', detail);
  }

  /**
   * The one way a session ends. Idempotent. Settles every request, stops
   * every timer, then ends (flushing what is written, e.g. a final
   * generic_nack or unbind_resp) or destroys the socket. 'close' follows
   * when the socket reports closed.
   */
  private finish(
    reason: CloseReason,
    message: string,
    mode: 'end' | 'destroy',
    error?: Error,
  ): void {
    if (this.finished) {
      return;
    }
    this.finished = true;
    this.closing = true;
    this.currentState = 'closed';
    this.closeInfo = error ? { reason, message, error } : { reason, message };
    clearTimeout(this.linkTimer);
    clearTimeout(this.bindTimer);
    for (const timer of this.handlerTimers) {
      clearTimeout(timer);
    }
    this.handlerTimers.clear();
    this.incomingPending = 0;
    this.chunks = [];
    this.buffered = 0;

    const closedError = new SmppConnectionClosedError(reason, message);
    const outstanding = [...this.outstanding.values()];
    for (const entry of outstanding) {
      this.complete(entry, closedError, 'closed');
    }
    this.rejectQueued(closedError);

    if (mode === 'end' && !this.socket.destroyed) {
      // Keep reading (and discarding) so the peer's FIN is seen and 'close' can follow.
      this.socket.resume();
      this.socket.end();
      // A peer that never closes its side must not hold the socket forever.
      this.forceCloseTimer = setTimeout(
        () => this.socket.destroy(),
        this.options.responseTimeoutMs,
      );
      this.forceCloseTimer.unref();
    } else {
      this.socket.destroy();
    }
    this.checkIdle();
  }

  private readonly onSocketError = (error: Error): void => {
    this.finish('socket_error', error.message, 'destroy', error);
  };

  private readonly onSocketClose = (): void => {
    this.finish('peer_closed', 'connection closed by the peer', 'destroy');
    clearTimeout(this.forceCloseTimer);
    if (this.closeEmitted) {
      return;
    }
    this.closeEmitted = true;
    const info = this.closeInfo ?? { reason: 'peer_closed', message: 'connection closed' };
    this.emitSafely(() => this.emit('close', info));
    this.resolveClosed(info);
  };

  // ------------------------------------------------------------- plumbing

  private isIdle(): boolean {
    return (
      this.finished || (this.windowUsed === 0 && this.queued === 0 && this.incomingPending === 0)
    );
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) {
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
  }

  private report(issue: SessionIssue, detail: string): void {
    try {
      this.metrics.issue?.(issue, detail);
    } catch {
      // A failing metrics hook has nowhere left to report to; the session goes on.
    }
  }

  private hook(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.report('listener_error', `metrics hook failed: ${errorMessage(error)}`);
    }
  }

  /** A listener that throws must not unwind into socket callbacks (that would crash the process). */
  private emitSafely(emit: () => boolean): void {
    try {
      emit();
    } catch (error) {
      this.report('listener_error', `event listener failed: ${errorMessage(error)}`);
      if (!this.metrics.issue) {
        process.emitWarning(
          `SMPP session event listener threw: ${errorMessage(error)}`,
          'SmppSessionWarning',
        );
      }
    }
  }
}
