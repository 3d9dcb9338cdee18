// Kannel (Debian package: bearerbox + smsbox) as a real third-party customer
// ESME for interop tests: binds to an edge-server as a transceiver, takes
// messages through its sendsms HTTP interface and reports receipts to a
// dlr-url callback served here. Used by edge-server's interop test and the
// end-to-end suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function locateBinary(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface KannelOptions {
  readonly edgePort: number;
  readonly systemId: string;
  readonly password: string;
  /** Kannel's name for the connection (`%i` in a dlr-url). Default 'gateway'. */
  readonly smscId?: string;
}

export interface KannelBox {
  /** Query strings of every dlr-url callback received. */
  readonly callbacks: URLSearchParams[];
  readonly dlrUrl: (tag: string) => string;
  /** GET /cgi-bin/sendsms; resolves with smsbox's answer once it accepts requests. */
  sendsms(params: Record<string, string>): Promise<string>;
  /** The tail of bearerbox's log, for a failure message. */
  bearerboxLog(): Promise<string>;
  stop(): Promise<void>;
}

function startBox(binary: string, conf: string, processes: ChildProcess[]): void {
  const child = spawn(binary, ['-v', '1', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
  processes.push(child);
}

async function stopBox(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls bearerbox's status page until its SMSC connection is online (the
 * SMPP bind is up) and a box (smsbox) is on-line; throws with the last
 * status seen after `timeoutMs`.
 */
async function waitUntilReady(adminPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status = '(no answer)';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${adminPort}/status.txt?password=adminpw`);
      status = await response.text();
      const [, smscs = ''] = status.split(/SMSC connections:/u);
      const boxes = status.split(/SMSC connections:/u)[0] ?? '';
      if (/\(online/u.test(smscs) && /on-line/u.test(boxes)) return;
    } catch {
      // bearerbox still starting: connection refused.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Kannel not ready after ${timeoutMs} ms; bearerbox status:\n${status}`);
}

export async function startKannel(options: KannelOptions): Promise<KannelBox> {
  const bearerbox = locateBinary('bearerbox');
  const smsbox = locateBinary('smsbox');
  if (!bearerbox || !smsbox) throw new Error('Kannel is not installed (bearerbox/smsbox)');
  const dir = await mkdtemp(join(tmpdir(), 'smppgw-kannel-'));
  const callbacks: URLSearchParams[] = [];
  const dlrServer: Server = createServer((req, res) => {
    callbacks.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => dlrServer.listen(0, '127.0.0.1', resolve));
  const dlrPort = (dlrServer.address() as AddressInfo).port;
  const [adminPort, smsboxPort, sendsmsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const conf = join(dir, 'kannel.conf');
  await writeFile(
    conf,
    [
      'group = core',
      `admin-port = ${adminPort}`,
      'admin-password = adminpw',
      'admin-allow-ip = "127.0.0.1"',
      `smsbox-port = ${smsboxPort}`,
      'box-allow-ip = "127.0.0.1"',
      `log-file = "${join(dir, 'bearerbox.log')}"`,
      'log-level = 0',
      'dlr-storage = internal',
      '',
      'group = smsc',
      'smsc = smpp',
      `smsc-id = ${options.smscId ?? 'gateway'}`,
      'host = 127.0.0.1',
      `port = ${options.edgePort}`,
      'transceiver-mode = true',
      `smsc-username = ${options.systemId}`,
      `smsc-password = ${options.password}`,
      'system-type = ""',
      'source-addr-ton = 1',
      'source-addr-npi = 1',
      'source-addr-autodetect = false',
      'dest-addr-ton = 1',
      'dest-addr-npi = 1',
      'enquire-link-interval = 30',
      'reconnect-delay = 1',
      '',
      'group = smsbox',
      'bearerbox-host = 127.0.0.1',
      `sendsms-port = ${sendsmsPort}`,
      `log-file = "${join(dir, 'smsbox.log')}"`,
      'log-level = 0',
      '',
      'group = sendsms-user',
      'username = tester',
      'password = testpw',
      '',
      'group = sms-service',
      'keyword = default',
      'text = "unused"',
      '',
    ].join('\n'),
  );
  const processes: ChildProcess[] = [];
  startBox(bearerbox, conf, processes);
  // smsbox retries on its own, but give bearerbox's smsbox-port a head start.
  await new Promise((resolve) => setTimeout(resolve, 500));
  startBox(smsbox, conf, processes);
  // Ready only when its SMPP bind to the gateway is up and smsbox is
  // connected: a sendsms before that is answered "3: Queued for later
  // delivery" instead of being sent (a test on a busy machine saw it).
  try {
    await waitUntilReady(adminPort, 30_000);
  } catch (error) {
    await Promise.all(processes.map(stopBox));
    await new Promise<void>((resolve) => dlrServer.close(() => resolve()));
    throw error;
  }

  return {
    callbacks,
    dlrUrl: (tag) => `http://127.0.0.1:${dlrPort}/dlr?type=%d&tag=${tag}&smsc=%i`,
    sendsms: async (params) => {
      const query = new URLSearchParams({ username: 'tester', password: 'testpw', ...params });
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          const response = await fetch(
            `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms?${query.toString()}`,
          );
          const body = await response.text();
          if (response.status < 300) return body;
          if (Date.now() > deadline)
            throw new Error(`sendsms answered ${response.status}: ${body}`);
        } catch (error) {
          // smsbox still starting: connection refused.
          if (Date.now() > deadline) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    bearerboxLog: async () =>
      (await readFile(join(dir, 'bearerbox.log'), 'utf8').catch(() => '(no log)')).slice(-4_000),
    stop: async () => {
      await Promise.all(processes.map(stopBox));
      await new Promise<void>((resolve) => dlrServer.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
