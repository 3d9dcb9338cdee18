// A TCP proxy between the code under test and one shared server (RabbitMQ,
// Redis), so a test can take that server away from this code alone: the
// server keeps serving everyone else on the machine (other test runs, a dev
// stack). Two faults:
// - cut: every open connection ends and new ones are refused (the listening
//   socket closes), as a crashed server or a dropped link looks;
// - black hole: connections stay open but nothing comes back, as a server
//   that hangs or a network that drops packets looks.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<readonly [Socket, Socket]>();
  private blackholed = false;
  private listeningPort = 0;

  private constructor(private readonly target: ProxyTarget) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Listens on 127.0.0.1 (an ephemeral port unless given) and forwards to the target. */
  static async start(target: ProxyTarget, port = 0): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.listen(port);
    return proxy;
  }

  /** The port the code under test connects to; the same after a restore. */
  get port(): number {
    return this.listeningPort;
  }

  /** Open connections through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Ends every open connection and refuses new ones until `restore`. */
  async cut(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    if (this.server.listening) {
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  /** While on, nothing the server sends reaches the client (requests still go out). */
  blackhole(on: boolean): void {
    this.blackholed = on;
  }

  /** Accepts connections again, on the same port, and ends the black hole. */
  async restore(): Promise<void> {
    this.blackholed = false;
    if (!this.server.listening) await this.listen(this.listeningPort);
  }

  async close(): Promise<void> {
    await this.cut();
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (this.server.address() as AddressInfo).port;
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const pair = [client, upstream] as const;
    this.pairs.add(pair);
    for (const socket of pair) socket.setNoDelay(true);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!this.blackholed) client.write(chunk);
    });
    // Either side failing or closing takes the pair down, like a dead link.
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}
