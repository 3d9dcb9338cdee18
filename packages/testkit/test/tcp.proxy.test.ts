// The outage tests (the edge's broker outage, the fault run's Redis outage)
// are only as real as this proxy: a cut must end every open connection and
// refuse new ones until restored, on the same port; a black hole must keep
// connections open while nothing comes back.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../src/index.js';

let echo: Server;
let echoPort: number;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const address = echo.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  echoPort = address.port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [data] = (await once(socket, 'data')) as [Buffer];
  return data.toString();
}

describe('TcpProxy', () => {
  it('forwards both ways, ends every connection on cut, refuses new ones until restored on the same port', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const port = proxy.port;
      const first = await open(port);
      expect(await roundTrip(first, 'ping')).toBe('ping');
      expect(proxy.connections).toBe(1);

      const closed = once(first, 'close');
      await proxy.cut();
      await closed;
      expect(proxy.connections).toBe(0);
      await expect(open(port)).rejects.toThrow(/ECONNREFUSED/);

      await proxy.restore();
      expect(proxy.port).toBe(port);
      const again = await open(port);
      expect(await roundTrip(again, 'back')).toBe('back');
      again.destroy();
    } finally {
      await proxy.close();
    }
  });

  it('black-holes the answers while the connection stays open', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const socket = await open(proxy.port);
      proxy.blackhole(true);
      socket.write('lost');
      const answered = await Promise.race([
        once(socket, 'data').then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 200)),
      ]);
      expect(answered).toBe(false);
      expect(socket.destroyed).toBe(false);
      await proxy.restore();
      expect(await roundTrip(socket, 'heard')).toBe('heard');
      socket.destroy();
    } finally {
      await proxy.close();
    }
  });
});
