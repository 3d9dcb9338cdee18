// Server side: accept TCP or TLS connections, give each its own session, and
// leave the bind decision to the caller. Sessions are independent: whatever
// one peer sends can close only its own connection.
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import {
  OptionProblems,
  validateSessionOptions,
  type SmppSessionOptions,
} from './session.options.js';
import { SmppSession, type BindAuthorizer, type BindInfo } from './smpp.session.js';

export interface SmppServerOptions extends SmppSessionOptions {
  /** TLS with these options (key/cert at least); plain TCP without. */
  readonly tls?: tls.TlsOptions;
  /** Close a connection that has not bound successfully after this long. Default 10 000 ms. */
  readonly bindTimeoutMs?: number;
  /** system_id in our bind responses. Default 'smpp-gateway'. */
  readonly systemId?: string;
  /**
   * Decides each bind: ESME_ROK (0) accepts, anything else is answered as the
   * bind_resp command_status (e.g. ESME_RINVPASWD) and the connection closed.
   * A throw answers ESME_RBINDFAIL. Until it accepts, the peer's other
   * requests get ESME_RINVBNDSTS.
   */
  readonly authorize: BindAuthorizer;
  /** Connections beyond this are refused at accept. Default unlimited. */
  readonly maxConnections?: number;
  /**
   * Called for every accepted connection, before any bind: for connection
   * gauges and for logging how unbound connections end (session.closed).
   */
  readonly onConnection?: (session: SmppSession) => void;
}

/**
 * Called synchronously when a bind is accepted, before bind_resp is written:
 * register the session's handlers here so they see the peer's first PDU.
 */
export type OnSmppSession = (session: SmppSession, bind: BindInfo) => void;

export interface SmppServer {
  /** Starts listening; port 0 picks a free one. host defaults to 127.0.0.1. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, closes every session gracefully (unbind), resolves when all are closed. */
  close(): Promise<void>;
  /** Every open connection, bound or not. */
  readonly sessions: ReadonlySet<SmppSession>;
}

const DEFAULT_BIND_TIMEOUT_MS = 10_000;
const DEFAULT_SYSTEM_ID = 'smpp-gateway';

export function createSmppServer(options: SmppServerOptions, onSession: OnSmppSession): SmppServer {
  const problems = new OptionProblems();
  const sessionOptions = validateSessionOptions(options, problems);
  const bindTimeoutMs = options.bindTimeoutMs ?? DEFAULT_BIND_TIMEOUT_MS;
  const systemId = options.systemId ?? DEFAULT_SYSTEM_ID;
  problems.integer('bindTimeoutMs', bindTimeoutMs, 1, 2_147_483_647);
  problems.check(typeof options.authorize === 'function', 'authorize must be a function');
  problems.check(typeof onSession === 'function', 'onSession must be a function');
  problems.check(
    typeof systemId === 'string' && systemId.length <= 15,
    'systemId must be a string of at most 15 characters',
  );
  if (options.maxConnections !== undefined) {
    problems.integer('maxConnections', options.maxConnections, 1, 1_000_000);
  }
  problems.throwIfAny();

  const sessions = new Set<SmppSession>();
  const report = (issue: 'server_error' | 'tls_handshake_error', detail: string): void => {
    try {
      sessionOptions.metrics.issue?.(issue, detail);
    } catch {
      // Nowhere left to report a failing metrics hook.
    }
  };

  const onConnection = (socket: net.Socket): void => {
    let session: SmppSession;
    try {
      session = new SmppSession(socket, {
        ...options,
        role: 'server',
        systemId,
        bindTimeoutMs,
        authorize: options.authorize,
        onBound: onSession,
      });
    } catch (error) {
      // Options were validated above, so this is not expected; never let it escape the accept loop.
      report(
        'server_error',
        `session setup failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      socket.destroy();
      return;
    }
    sessions.add(session);
    void session.closed.then(() => sessions.delete(session));
    if (options.onConnection) {
      try {
        options.onConnection(session);
      } catch (error) {
        report(
          'server_error',
          `onConnection failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };

  const server: net.Server = options.tls
    ? tls.createServer(options.tls, onConnection)
    : net.createServer(onConnection);
  if (options.maxConnections !== undefined) {
    server.maxConnections = options.maxConnections;
  }
  // An unhandled 'error' on a listening server would crash the process.
  server.on('error', (error: Error) => report('server_error', error.message));
  if (server instanceof tls.Server) {
    server.on('tlsClientError', (error: Error) => report('tls_handshake_error', error.message));
  }

  return {
    sessions,
    listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
      return new Promise<AddressInfo>((resolve, reject) => {
        const onError = (error: Error): void => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(): Promise<void> {
      const stopped = new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
      });
      await Promise.all([...sessions].map((session) => session.close()));
      await stopped;
    },
  };
}
