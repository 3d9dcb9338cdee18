// Interop with a real third-party ESME: Kannel (Debian package) binds to the
// edge as a transceiver, submits through its sendsms HTTP interface, and must
// match the receipt we deliver to its own message: its dlr-url callback fires
// with %d = 1 (delivered).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CustomerDelivery,
  deliveryQueue,
  DEFAULT_TOPOLOGY_OPTIONS,
  MtSubmitted,
  PRIORITIES,
  QUEUES,
} from '@smpp-gateway/contracts';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  freePort,
  getOne,
  startHarness,
  tempDir,
  type Harness,
} from './edge.harness.js';

function locate(binary: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

const bearerbox = locate('bearerbox');
const smsbox = locate('smsbox');
const kannelMissing = !bearerbox || !smsbox;
if (kannelMissing) {
  console.warn(
    '\n*** SKIPPING the Kannel interop test: bearerbox/smsbox not found on PATH or in /usr/sbin. ***\n' +
      '*** Install it with: apt-get install -y kannel (.ci/run does this). ***\n',
  );
}

const password = 'kannelpw';
let h: Harness;
let dir: string;
let dlrServer: Server;
let dlrPort: number;
const callbacks: URLSearchParams[] = [];
const processes: ChildProcess[] = [];
let sendsmsPort: number;

function startBox(binary: string, conf: string, logName: string): ChildProcess {
  const child = spawn(binary, ['-v', '1', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => chunks.push(c));
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  child.on(
    'exit',
    () => void writeFile(join(dir, `${logName}.out`), Buffer.concat(chunks)).catch(() => undefined),
  );
  processes.push(child);
  return child;
}

async function stopBox(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(kannelMissing)('Kannel as a customer ESME', () => {
  beforeAll(async () => {
    h = await startHarness({
      kannel: { name: 'Kannel', systemId: 'kannel', password, throughput: 100, maxBinds: 2 },
    });
    dir = await tempDir('edge-kannel-');
    dlrServer = createServer((req, res) => {
      callbacks.push(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => dlrServer.listen(0, '127.0.0.1', resolve));
    dlrPort = (dlrServer.address() as AddressInfo).port;
    const [adminPort, smsboxPort] = [await freePort(), await freePort()];
    sendsmsPort = await freePort();
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
        'smsc-id = edge',
        'host = 127.0.0.1',
        `port = ${h.edge.smppPort}`,
        'transceiver-mode = true',
        'smsc-username = kannel',
        `smsc-password = ${password}`,
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
    startBox(bearerbox!, conf, 'bearerbox');
    // smsbox needs bearerbox's smsbox-port; it retries on its own, but give bearerbox a head start.
    await new Promise((resolve) => setTimeout(resolve, 500));
    startBox(smsbox!, conf, 'smsbox');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map(stopBox));
    await new Promise<void>((resolve) => dlrServer?.close(() => resolve()));
    await h?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('submits via sendsms and matches our deliver_sm receipt to its message', async () => {
    // Kannel binds as a transceiver of the test customer.
    await eventually(
      async () => {
        const metric = await h.edge.registry.getSingleMetricAsString(
          'smpp_server_active_sessions_total',
        );
        return /bind_type="transceiver"[^}]*\} 1/.test(metric) ? true : undefined;
      },
      20_000,
      200,
    ).catch(async (error: unknown) => {
      const log = await readFile(join(dir, 'bearerbox.log'), 'utf8').catch(() => '(no log)');
      throw new Error(`Kannel did not bind: ${String(error)}\n${log.slice(-3000)}`);
    });

    const dlrUrl = `http://127.0.0.1:${dlrPort}/dlr?type=%d&tag=interop-1&smsc=%i`;
    const query = new URLSearchParams({
      username: 'tester',
      password: 'testpw',
      from: '14155550100',
      to: '447700900123',
      text: 'Hello from Kannel',
      'dlr-mask': '3',
      'dlr-url': dlrUrl,
    });
    const sent = await eventually(
      async () => {
        try {
          const res = await fetch(
            `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms?${query.toString()}`,
          );
          const body = await res.text();
          return res.status < 300 ? body : undefined;
        } catch {
          return undefined; // smsbox still starting
        }
      },
      20_000,
      250,
    );
    expect(sent).toMatch(/Accepted for delivery|Sent/i);

    const submitted = await eventually(
      async () => {
        for (const p of PRIORITIES) {
          const raw = await getOne(h.env.amqp.url, QUEUES.mt(p));
          if (raw) return MtSubmitted.parse(JSON.parse(raw.content.toString()));
        }
        return undefined;
      },
      15_000,
      100,
    );
    expect(submitted).toMatchObject({
      customerId: h.customers.kannel!.id,
      destination: { addr: '447700900123' },
      source: { addr: '14155550100' },
    });
    expect(submitted.registeredDelivery & 0x03).toBe(1);
    expect(Buffer.from(submitted.shortMessage, 'base64').toString('latin1')).toBe(
      'Hello from Kannel',
    );

    // What the dlr-tracker would publish once the vendor reported delivery.
    const connection = await amqp.connect(h.env.amqp.url);
    try {
      const channel = await connection.createConfirmChannel();
      const spec = deliveryQueue(submitted.customerId, {
        ...DEFAULT_TOPOLOGY_OPTIONS,
        queueType: 'classic',
      });
      await channel.assertQueue(spec.name, { durable: true, arguments: { ...spec.arguments } });
      const receipt = CustomerDelivery.parse({
        v: 1,
        messageId: submitted.messageId,
        occurredAt: new Date().toISOString(),
        customerId: submitted.customerId,
        delivery: {
          kind: 'receipt',
          receiptedMessageId: submitted.messageId,
          stat: 'DELIVRD',
          err: '000',
          submitDate: submitted.acceptedAt,
          doneDate: new Date().toISOString(),
          textPreview: 'Hello from Kannel',
          source: submitted.destination,
          destination: submitted.source,
        },
      });
      channel.publish('smpp.dlr', spec.name, Buffer.from(JSON.stringify(receipt)), {
        persistent: true,
        mandatory: true,
        headers: { 'x-contract': 'CustomerDelivery' },
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }

    const callback = await eventually(
      () => callbacks.find((c) => c.get('tag') === 'interop-1' && c.get('type') === '1'),
      20_000,
      100,
    ).catch(async (error: unknown) => {
      const log = await readFile(join(dir, 'bearerbox.log'), 'utf8').catch(() => '(no log)');
      throw new Error(
        `no delivered callback (got ${JSON.stringify(callbacks.map((c) => c.toString()))}): ${String(error)}\n${log.slice(-4000)}`,
      );
    });
    expect(callback.get('smsc')).toBe('edge');
  }, 90_000);
});
