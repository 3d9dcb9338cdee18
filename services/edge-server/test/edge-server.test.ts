// edge-server over real TCP/TLS against real PostgreSQL, Redis and RabbitMQ.
import type { X509Certificate } from 'node:crypto';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import {
  CustomerDelivery,
  deliveryQueue,
  DEFAULT_TOPOLOGY_OPTIONS,
  MtSubmitted,
  QUEUES,
  SmppStatus,
} from '@smpp-gateway/contracts';
import {
  connectSmpp,
  decodePdu,
  encodePdu,
  SmppBindError,
  SmppSession,
  type PduOf,
} from '@smpp-gateway/smpp';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  getOne,
  queueDepth,
  startHarness,
  submitInit,
  tempDir,
  writeCertificate,
  type Harness,
} from './edge.harness.js';

const password = 'pa55word';
let h: Harness;
let certDir: string;

beforeAll(async () => {
  certDir = await tempDir('edge-tls-');
  await writeCertificate(certDir, '.', ['default.test']);
  await writeCertificate(certDir, 'alpha', ['alpha.test']);
  await writeCertificate(certDir, 'beta', ['beta.test', '*.beta.test']);
  h = await startHarness(
    {
      acme: { name: 'Acme', systemId: 'acme', password, throughput: 1_000, maxBinds: 10 },
      slow: { name: 'Slow', systemId: 'slow', password, throughput: 10, maxBinds: 5 },
      single: { name: 'Single', systemId: 'single', password, throughput: 100, maxBinds: 1 },
      fenced: {
        name: 'Fenced',
        systemId: 'fenced',
        password,
        throughput: 100,
        maxBinds: 5,
        allowedIps: ['10.0.0.0/8'],
      },
      suspended: {
        name: 'Suspended',
        systemId: 'suspended',
        password,
        throughput: 100,
        maxBinds: 5,
        status: 'suspended',
      },
      receiver: { name: 'Receiver', systemId: 'receiver', password, throughput: 100, maxBinds: 5 },
      acker: { name: 'Acker', systemId: 'acker', password, throughput: 100, maxBinds: 5 },
    },
    { TLS_CERT_DIR: certDir, BIND_LOCKOUT_FAILURES: '3' },
  );
});

afterAll(async () => {
  await h?.destroy();
  await rm(certDir, { recursive: true, force: true });
});

/** Bind status from a chosen loopback address: failures count towards that address's lockout only. */
function bindStatus(systemId: string, pass: string, from = '127.0.0.1'): Promise<number> {
  return connectFrom(from, systemId, pass);
}

/** A client session over a socket we open ourselves (to pick the local address). */
async function connectFrom(localAddress: string, systemId: string, pass: string): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port: h.edge.smppPort, localAddress });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const session = new SmppSession(socket, { role: 'client', enquireLinkIntervalMs: 0 });
  try {
    await session.bind({ bindType: 'transmitter', systemId, password: pass });
    await session.close();
    return 0;
  } catch (error) {
    session.destroy();
    if (error instanceof SmppBindError) return error.commandStatus;
    throw error;
  }
}

describe('binds', () => {
  it.each(['transmitter', 'receiver', 'transceiver'] as const)(
    'accepts a %s bind with good credentials',
    async (bindType) => {
      const session = await h.connect('acme', password, bindType);
      expect(session.state).toBe('bound');
      await session.close();
    },
  );

  it('answers the documented error codes', async () => {
    expect(await bindStatus('nobody', password, '127.0.0.11')).toBe(SmppStatus.ESME_RINVSYSID);
    expect(await bindStatus('acme', 'wrong', '127.0.0.12')).toBe(SmppStatus.ESME_RINVPASWD);
    expect(await bindStatus('suspended', password, '127.0.0.13')).toBe(SmppStatus.ESME_RBINDFAIL);
    expect(await bindStatus('fenced', password, '127.0.0.14')).toBe(SmppStatus.ESME_RBINDFAIL);
  });

  it('limits concurrent binds per account and frees the slot on unbind', async () => {
    const first = await h.connect('single', password, 'transmitter');
    expect(await bindStatus('single', password)).toBe(SmppStatus.ESME_RBINDFAIL);
    await first.close();
    expect(await bindStatus('single', password)).toBe(0);
  });

  it('answers ESME_RALYBND to a second bind on a bound connection', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: h.edge.smppPort });
    await new Promise((resolve) => socket.once('connect', resolve));
    const responses: ReturnType<typeof decodePdu>[] = [];
    socket.on('data', (chunk) => {
      for (let offset = 0; offset < chunk.length;) {
        const length = chunk.readUInt32BE(offset);
        responses.push(decodePdu(chunk.subarray(offset, offset + length)));
        offset += length;
      }
    });
    const bind = (seq: number) =>
      encodePdu({
        command: 'bind_transmitter',
        sequenceNumber: seq,
        systemId: 'acme',
        password,
        interfaceVersion: 0x34,
      });
    socket.write(bind(1));
    await eventually(() => (responses.length >= 1 ? true : undefined));
    socket.write(bind(2));
    // An unknown command is answered with generic_nack, not silence.
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x00000099, 4);
    unknown.writeUInt32BE(3, 12);
    socket.write(unknown);
    await eventually(() => (responses.length >= 3 ? true : undefined));
    const [first, second, third] = responses.map((r) => (r.ok ? r.pdu : undefined));
    expect(first).toMatchObject({ command: 'bind_transmitter_resp', commandStatus: 0 });
    expect(second).toMatchObject({
      command: 'bind_transmitter_resp',
      commandStatus: SmppStatus.ESME_RALYBND,
    });
    expect(third).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVCMDID,
      sequenceNumber: 3,
    });
    socket.destroy();
  });

  it('closes a connection that does not bind in time', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: h.edge.smppPort });
    const closedAt = await new Promise<number>((resolve) => {
      const started = Date.now();
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => undefined);
    });
    expect(closedAt).toBeGreaterThanOrEqual(900);
  });

  it('locks an IP out after repeated failures, even for good credentials, without touching other IPs', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await connectFrom('127.0.0.23', 'acme', 'wrong')).toBe(SmppStatus.ESME_RINVPASWD);
    }
    expect(await connectFrom('127.0.0.23', 'acme', password)).toBe(SmppStatus.ESME_RBINDFAIL);
    expect(await connectFrom('127.0.0.24', 'acme', password)).toBe(0);
    const metrics = await h.edge.registry.getSingleMetricAsString(
      'smpp_server_bind_lockouts_total',
    );
    expect(metrics).toMatch(/smpp_server_bind_lockouts_total\{[^}]*\} 1/);
  });
});

describe('submit_sm', () => {
  it('publishes MtSubmitted with the same bytes before answering, and query_sm sees it', async () => {
    const session = await h.connect('acme', password, 'transceiver');
    const bytes = Buffer.from([0x00, 0x48, 0x00, 0xe9, 0xd8, 0x3d, 0xde, 0x00]);
    const resp = await session.request(
      submitInit({
        dataCoding: 8,
        shortMessage: bytes,
        destAddrTon: 0,
        destinationAddr: '2025550123',
      }),
    );
    expect(resp.commandStatus).toBe(0);
    expect(resp.messageId).toMatch(/^[0-9a-f-]{36}$/);
    // The confirm came before the answer: the message is already in the queue.
    const raw = await getOne(h.env.amqp.url, QUEUES.mt(2));
    expect(raw).toBeDefined();
    const message = MtSubmitted.parse(JSON.parse(raw!.content.toString()));
    expect(message.messageId).toBe(resp.messageId);
    expect(Buffer.from(message.shortMessage, 'base64')).toEqual(bytes);
    expect(message).toMatchObject({
      customerId: h.customers.acme!.id,
      systemId: 'acme',
      destination: { addr: '12025550123', ton: 1 },
      dataCoding: 8,
      segments: 1,
      priority: 2,
    });
    const query = await eventually(async () => {
      const answer = await session.request({
        command: 'query_sm',
        messageId: resp.messageId,
        sourceAddr: '14155550100',
      });
      return answer.commandStatus === 0 ? answer : undefined;
    });
    expect(query.messageState).toBe(1);
    const foreign = await h.connect('receiver', password, 'transceiver');
    const hidden = await foreign.request({ command: 'query_sm', messageId: resp.messageId });
    expect(hidden.commandStatus).toBe(SmppStatus.ESME_RQUERYFAIL);
    await foreign.close();
    await session.close();
  });

  it('accepts data_sm with message_payload and rejects invalid submits', async () => {
    const session = await h.connect('acme', password, 'transmitter');
    const data = await session.request({
      command: 'data_sm',
      sourceAddrTon: 5,
      sourceAddr: 'ACME',
      destAddrTon: 1,
      destinationAddr: '447700900124',
      tlvs: { messagePayload: Buffer.alloc(200, 0x41) },
    });
    expect(data.commandStatus).toBe(0);
    const raw = await getOne(h.env.amqp.url, QUEUES.mt(0));
    expect(MtSubmitted.parse(JSON.parse(raw!.content.toString()))).toMatchObject({
      messageId: data.messageId,
      segments: 2,
    });
    const bad = await session.request(submitInit({ destinationAddr: 'not-a-number' }));
    expect(bad.commandStatus).toBe(SmppStatus.ESME_RINVDSTADR);
    await session.close();
  });

  it('throttles at the account throughput in segments', async () => {
    const session = await h.connect('slow', password, 'transmitter', { windowSize: 100 });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => session.request(submitInit()).then((r) => r.commandStatus)),
    );
    const ok = statuses.filter((s) => s === 0).length;
    const throttled = statuses.filter((s) => s === SmppStatus.ESME_RTHROTTLED).length;
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(12);
    expect(ok + throttled).toBe(40);
    const metric = await h.edge.registry.getSingleMetricAsString('rate_limit_exceeded_total');
    expect(metric).toMatch(/type="customer"[^}]*\} (2[89]|30)/);
    await session.close();
  });
});

describe('deliveries', () => {
  async function publishDelivery(customerId: string, receiptedMessageId: string): Promise<void> {
    const connection = await amqp.connect(h.env.amqp.url);
    try {
      const channel = await connection.createConfirmChannel();
      const spec = deliveryQueue(customerId, { ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' });
      await channel.assertQueue(spec.name, { durable: true, arguments: { ...spec.arguments } });
      const body = CustomerDelivery.parse({
        v: 1,
        messageId: receiptedMessageId,
        occurredAt: new Date().toISOString(),
        customerId,
        delivery: {
          kind: 'receipt',
          receiptedMessageId,
          stat: 'DELIVRD',
          err: '000',
          submitDate: new Date(Date.now() - 5_000).toISOString(),
          doneDate: new Date().toISOString(),
          textPreview: 'hello',
          source: { addr: '447700900123', ton: 1, npi: 1 },
          destination: { addr: '14155550100', ton: 1, npi: 1 },
        },
      });
      channel.sendToQueue(spec.name, Buffer.from(JSON.stringify(body)), {
        persistent: true,
        headers: { 'x-contract': 'CustomerDelivery' },
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
  }

  it('delivers a receipt queued while the customer was unbound once it binds', async () => {
    const customerId = h.customers.receiver!.id;
    const id = '0190a4c1-2b3c-7d5e-8f60-00000000a001';
    await publishDelivery(customerId, id);
    expect(await queueDepth(h.env.amqp.url, QUEUES.delivery(customerId))).toBe(1);
    const received: PduOf<'deliver_sm'>[] = [];
    const session = await h.connect('receiver', password, 'receiver', {
      handlers: { deliver_sm: (pdu) => (received.push(pdu), { messageId: '' }) },
    });
    await eventually(() => (received.length > 0 ? true : undefined));
    const pdu = received[0]!;
    expect(pdu.esmClass).toBe(0x04);
    expect(pdu.tlvs.receiptedMessageId).toBe(id);
    expect(pdu.tlvs.messageState).toBe(2);
    expect(pdu.shortMessage.toString()).toContain(`id:${id} `);
    expect(pdu.shortMessage.toString()).toContain('stat:DELIVRD');
    await eventually(async () =>
      (await queueDepth(h.env.amqp.url, QUEUES.delivery(customerId))) === 0 ? true : undefined,
    );
    await session.close();
  });

  it('acks only after deliver_sm_resp OK: an error answer or a dropped session redelivers', async () => {
    const customerId = h.customers.acker!.id;
    const id = '0190a4c1-2b3c-7d5e-8f60-00000000b001';
    let mode: 'hold' | 'refuse' | 'ok' = 'hold';
    const seen: string[] = [];
    let release: (() => void) | undefined;
    const first = await h.connect('acker', password, 'transceiver', {
      handlers: {
        deliver_sm: async (pdu) => {
          seen.push(`first:${pdu.tlvs.receiptedMessageId}`);
          await new Promise<void>((resolve) => (release = resolve));
          return { messageId: '' };
        },
      },
    });
    await publishDelivery(customerId, id);
    await eventually(() => (seen.length === 1 ? true : undefined));
    // Sent and unanswered: not ready in the queue (unacked), not gone either.
    expect(await queueDepth(h.env.amqp.url, QUEUES.delivery(customerId))).toBe(0);
    first.destroy();
    await first.closed;
    release?.();
    const second = await h.connect('acker', password, 'transceiver', {
      handlers: {
        deliver_sm: () => {
          seen.push(`second:${mode}`);
          if (mode === 'refuse') {
            mode = 'ok';
            return { commandStatus: SmppStatus.ESME_RSYSERR };
          }
          return { messageId: '' };
        },
      },
    });
    mode = 'refuse';
    await eventually(() => (seen.includes('second:ok') ? true : undefined));
    expect(seen.filter((s) => s.startsWith('second'))).toEqual(['second:refuse', 'second:ok']);
    await eventually(async () =>
      (await queueDepth(h.env.amqp.url, QUEUES.delivery(customerId))) === 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(seen.filter((s) => s.startsWith('second'))).toHaveLength(2);
    await second.close();
  });
});

describe('TLS', () => {
  async function peerCertificate(servername: string | undefined): Promise<X509Certificate> {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: h.edge.tlsPort!,
      rejectUnauthorized: false,
      ...(servername ? { servername } : {}),
    });
    await new Promise((resolve, reject) =>
      socket.once('secureConnect', resolve).once('error', reject),
    );
    const cert = socket.getPeerX509Certificate();
    socket.destroy();
    if (!cert) throw new Error('no peer certificate');
    return cert;
  }

  it('selects the certificate by SNI, falls back to the default, and binds over TLS', async () => {
    expect((await peerCertificate('alpha.test')).subject).toContain('CN=alpha.test');
    expect((await peerCertificate('beta.test')).subject).toContain('CN=beta.test');
    expect((await peerCertificate('smpp.beta.test')).subject).toContain('CN=beta.test');
    expect((await peerCertificate(undefined)).subject).toContain('CN=default.test');
    const session = await connectSmpp({
      host: '127.0.0.1',
      port: h.edge.tlsPort!,
      tls: { servername: 'alpha.test', rejectUnauthorized: false },
      bindType: 'transmitter',
      systemId: 'acme',
      password,
      enquireLinkIntervalMs: 0,
    });
    expect((await session.request(submitInit())).commandStatus).toBe(0);
    await session.close();
  });

  it('reloads changed certificate files and keeps the old one when the new files are invalid', async () => {
    const before = (await peerCertificate('beta.test')).fingerprint256;
    await writeCertificate(certDir, 'beta', ['beta.test']);
    const after = await eventually(async () => {
      const fingerprint = (await peerCertificate('beta.test')).fingerprint256;
      return fingerprint !== before ? fingerprint : undefined;
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(`${certDir}/beta/tls.crt`, 'not a certificate');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await peerCertificate('beta.test')).fingerprint256).toBe(after);
  });

  it("exports each served certificate's expiry and follows replacements and removals", async () => {
    /** The scraped gauge, certificate name → value. */
    async function expiries(): Promise<Record<string, number>> {
      const response = await fetch(`http://127.0.0.1:${h.edge.opsPort}/metrics`);
      const series = [
        ...(await response.text()).matchAll(
          /^smpp_server_tls_certificate_expiry_timestamp_seconds\{[^}]*\bcertificate="([^"]+)"[^}]*\} (\S+)$/gm,
        ),
      ];
      return Object.fromEntries(series.map(([, name, value]) => [name!, Number(value)]));
    }
    const notAfter = async (servername: string | undefined) =>
      Date.parse((await peerCertificate(servername)).validTo) / 1000;

    // beta's files are still invalid (previous test): it keeps the expiry of what it serves.
    expect(await expiries()).toEqual({
      default: await notAfter(undefined),
      alpha: await notAfter('alpha.test'),
      beta: await notAfter('beta.test'),
    });

    const before = await notAfter('alpha.test');
    await writeCertificate(certDir, 'alpha', ['alpha.test'], 30);
    const replaced = await eventually(async () => {
      const served = await notAfter('alpha.test');
      return served !== before ? served : undefined;
    });
    expect(replaced - before).toBeGreaterThanOrEqual(28 * 86_400);
    expect((await expiries()).alpha).toBe(replaced);

    await rm(`${certDir}/beta`, { recursive: true });
    await eventually(async () => ('beta' in (await expiries()) ? undefined : true));
    expect(Object.keys(await expiries()).sort()).toEqual(['alpha', 'default']);
  });
});
