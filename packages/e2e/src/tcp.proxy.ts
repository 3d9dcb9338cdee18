// A TCP proxy between a stack's services and one shared server (Redis), so a
// fault run can cut that server off for this stack alone: the server itself
// keeps serving everyone else on the machine (other test runs, a dev stack).
// Cutting ends every open connection and refuses new ones, as a network
// partition or a crashed server would look to the services.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private cutOff = false;
  private listeningPort = 0;

  private constructor(private readonly target: ProxyTarget) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on an ephemeral port of 127.0.0.1 and forwards to the target. */
  static async start(target: ProxyTarget): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy.listeningPort = address.port;
    return proxy;
  }

  /** The port the services connect to. */
  get port(): number {
    return this.listeningPort;
  }

  /** Open connections through the proxy. */
  get connections(): number {
    return this.sockets.size / 2;
  }

  /** Ends every open connection and refuses new ones until `restore`. */
  cut(): void {
    this.cutOff = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.cutOff) {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      // Either side failing or closing takes the pair down, like a dead link.
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
