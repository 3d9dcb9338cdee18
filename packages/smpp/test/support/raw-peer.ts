// A bare-TCP SMPP peer for tests: sends exactly the bytes a test chooses
// (garbage included) and reads back decoded PDUs, with no session logic that
// could hide what our side really put on the wire.
import net from 'node:net';
import { decodePdu, encodePdu } from '../../src/session/pdu.codec.js';
import type { CommandName, Pdu, PduInit } from '../../src/session/pdu.types.js';

export class RawPeer {
  readonly closed: Promise<void>;
  /** Every 'data' event's size, to observe how writes were coalesced. */
  readonly chunkSizes: number[] = [];
  private input = Buffer.alloc(0);
  private readonly frames: Pdu[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    this.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.chunkSizes.push(chunk.length);
      this.input = Buffer.concat([this.input, chunk]);
      while (this.input.length >= 4 && this.input.length >= this.input.readUInt32BE(0)) {
        const length = this.input.readUInt32BE(0);
        const result = decodePdu(Buffer.from(this.input.subarray(0, length)));
        this.input = this.input.subarray(length);
        if (!result.ok) {
          throw new Error(`RawPeer received a malformed PDU: ${result.error.message}`);
        }
        this.frames.push(result.pdu);
      }
      this.wake();
    });
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise<RawPeer>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawPeer(socket));
      });
    });
  }

  static wrap(socket: net.Socket): RawPeer {
    return new RawPeer(socket);
  }

  get isClosed(): boolean {
    return this.ended;
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  sendPdu<C extends CommandName>(init: PduInit<C>): void {
    this.send(encodePdu(init));
  }

  /** The next PDU received; rejects if the connection closes first or after timeoutMs. */
  async nextPdu(timeoutMs = 5_000): Promise<Pdu> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) {
        return frame;
      }
      if (this.ended) {
        throw new Error('RawPeer: connection closed while waiting for a PDU');
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`RawPeer: no PDU within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Resolves true if the connection closes within timeoutMs. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([this.closed.then(() => true), timedOut]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/** A TCP server whose connections are RawPeers: stands in for a misbehaving SMSC. */
export async function startRawServer(
  onPeer: (peer: RawPeer) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const peers = new Set<RawPeer>();
  const server = net.createServer((socket) => {
    const peer = RawPeer.wrap(socket);
    peers.add(peer);
    onPeer(peer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const peer of peers) {
          peer.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
