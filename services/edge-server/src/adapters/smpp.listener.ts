// The customer-facing listeners (plain and TLS). Built on the smpp package's
// SmppSession directly rather than createSmppServer because the edge needs
// two things that helper does not offer: stop accepting connections while
// existing sessions drain (graceful shutdown), and swap the TLS default
// context when certificate files change (clients without SNI never reach
// SNICallback, so only tls.Server#setSecureContext can update what they get).
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { SmppSession, type SmppSessionInit } from '@smpp-gateway/smpp';

export interface SmppListenerOptions {
  /** Session settings + authorize/onBound; built per connection so the authoriser can see the session. */
  readonly sessionInit: (socket: net.Socket) => SmppSessionInit;
  readonly onSession: (session: SmppSession, socket: net.Socket) => void;
  readonly tls?: tls.TlsOptions;
  readonly maxConnections?: number;
  readonly onError?: (
    kind: 'server_error' | 'tls_handshake_error' | 'session_setup',
    error: Error,
  ) => void;
}

export class SmppListener {
  private readonly server: net.Server;
  private readonly sessionSet = new Set<SmppSession>();
  private closedServer: Promise<void> = Promise.resolve();

  constructor(private readonly options: SmppListenerOptions) {
    const onConnection = (socket: net.Socket): void => this.accept(socket);
    this.server = options.tls
      ? tls.createServer(options.tls, onConnection)
      : net.createServer(onConnection);
    if (options.maxConnections !== undefined) this.server.maxConnections = options.maxConnections;
    // An unhandled 'error' on a listening server would crash the process.
    this.server.on('error', (error: Error) => options.onError?.('server_error', error));
    if (this.server instanceof tls.Server) {
      this.server.on('tlsClientError', (error: Error) =>
        options.onError?.('tls_handshake_error', error),
      );
    }
  }

  get sessions(): ReadonlySet<SmppSession> {
    return this.sessionSet;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** TLS only: replaces the default context (certificate reload). */
  setSecureContext(options: tls.SecureContextOptions): void {
    if (this.server instanceof tls.Server) this.server.setSecureContext(options);
  }

  /**
   * Stops accepting connections; existing sessions carry on. (net.Server's
   * close callback only fires once every connection has ended, so it is not
   * awaited here: closeSessions() waits for that.)
   */
  stopAccepting(): void {
    if (this.server.listening) {
      this.closedServer = new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  /** Unbinds every session and waits for them (and the listening socket) to close. */
  async closeSessions(): Promise<void> {
    this.stopAccepting();
    await Promise.all([...this.sessionSet].map((session) => session.close()));
    await this.closedServer;
  }

  private accept(socket: net.Socket): void {
    let session: SmppSession;
    try {
      session = new SmppSession(socket, this.options.sessionInit(socket));
    } catch (error) {
      this.options.onError?.(
        'session_setup',
        error instanceof Error ? error : new Error(String(error)),
      );
      socket.destroy();
      return;
    }
    this.sessionSet.add(session);
    void session.closed.then(() => this.sessionSet.delete(session));
    this.options.onSession(session, socket);
  }
}
