// Client side: connect (TCP or TLS), bind, hand back a bound session.
import net from 'node:net';
import tls from 'node:tls';
import { SmppConnectError } from './session.errors.js';
import {
  OptionProblems,
  validateSessionOptions,
  type SmppSessionOptions,
} from './session.options.js';
import { SmppSession, type BindType, type RequestHandlers } from './smpp.session.js';

export interface ConnectSmppOptions extends SmppSessionOptions {
  readonly host: string;
  readonly port: number;
  /** true for TLS with system trust, or node:tls options (ca, servername, cert/key for mutual TLS...). */
  readonly tls?: boolean | tls.ConnectionOptions;
  readonly bindType: BindType;
  readonly systemId: string;
  readonly password: string;
  readonly systemType?: string;
  /** Default 0x34. */
  readonly interfaceVersion?: number;
  readonly addrTon?: number;
  readonly addrNpi?: number;
  readonly addressRange?: string;
  /** TCP connect plus TLS handshake. Default 10 000 ms. The bind itself uses responseTimeoutMs. */
  readonly connectTimeoutMs?: number;
  /**
   * Handlers for the peer's requests (deliver_sm, data_sm). Given here they
   * are in place before the bind completes: SMSCs often flush queued
   * receipts right behind bind_resp, in the same TCP segment.
   */
  readonly handlers?: RequestHandlers;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connects and binds. Resolves with a bound session; rejects with
 * SmppOptionsError, SmppConnectError, SmppBindError (carrying the peer's
 * command_status), SmppTimeoutError or SmppConnectionClosedError. On any
 * failure the connection is already closed.
 */
export async function connectSmpp(options: ConnectSmppOptions): Promise<SmppSession> {
  const problems = new OptionProblems();
  validateSessionOptions(options, problems);
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  problems.integer('connectTimeoutMs', connectTimeoutMs, 1, 2_147_483_647);
  problems.integer('port', options.port, 1, 65_535);
  problems.check(
    typeof options.host === 'string' && options.host.length > 0,
    'host must be a non-empty string',
  );
  problems.check(
    ['transmitter', 'receiver', 'transceiver'].includes(options.bindType),
    `bindType must be transmitter, receiver or transceiver, got ${String(options.bindType)}`,
  );
  problems.throwIfAny();

  const socket = await openSocket(options, connectTimeoutMs);
  const session = new SmppSession(socket, { ...options, role: 'client' });
  try {
    await session.bind(options);
  } catch (error) {
    session.destroy('bind failed');
    await session.closed;
    throw error;
  }
  return session;
}

function openSocket(options: ConnectSmppOptions, timeoutMs: number): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const target = `${options.host}:${options.port}`;
    const useTls = options.tls !== undefined && options.tls !== false;
    const socket: net.Socket = useTls
      ? tls.connect({
          ...(typeof options.tls === 'object' ? options.tls : {}),
          host: options.host,
          port: options.port,
        })
      : net.connect({ host: options.host, port: options.port });
    const readyEvent = useTls ? 'secureConnect' : 'connect';

    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(
        new SmppConnectError(`cannot connect to ${target}: ${error.message}`, { cause: error }),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(
        new SmppConnectError(`cannot connect to ${target}: no connection within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
  });
}
