// The fault run's Redis outage is only as real as this proxy's cut: every open
// connection must end and new ones must fail until it is restored.
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
  it('forwards both ways, ends every connection on cut, refuses new ones until restored', async () => {
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: echoPort });
    try {
      const first = await open(proxy.port);
      expect(await roundTrip(first, 'ping')).toBe('ping');
      expect(proxy.connections).toBe(1);

      const closed = once(first, 'close');
      proxy.cut();
      await closed;
      const refused = await open(proxy.port);
      await once(refused, 'close');
      expect(proxy.connections).toBe(0);

      proxy.restore();
      const again = await open(proxy.port);
      expect(await roundTrip(again, 'back')).toBe('back');
      again.destroy();
    } finally {
      await proxy.close();
    }
  });
});
