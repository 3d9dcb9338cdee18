// Bind, traffic both ways, unbind and shutdown over real TCP and TLS, plus
// interoperability with node-smpp as an independent implementation.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import smpp, { type NodeSmppPdu } from 'smpp';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePdu } from '../src/session/pdu.codec.js';
import type { PduOf } from '../src/session/pdu.types.js';
import { SmppError } from '../src/session/session.errors.js';
import type { BindInfo, CloseInfo } from '../src/session/smpp.session.js';
import { startRawServer } from './support/raw-peer.js';
import {
  connectTestClient,
  deferred,
  eventually,
  startTestServer,
  submitSm,
  TEST_PASSWORD,
} from './support/smpp-harness.js';

const execFileAsync = promisify(execFile);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

describe('bind and traffic', () => {
  it('reports the bind to the server and delivers receipts to the client', async () => {
    const binds: BindInfo[] = [];
    const server = await startTestServer({
      onSession: (session, bind) => {
        binds.push(bind);
        session.handle('submit_sm', () => ({ messageId: 'abc123' }));
      },
    });
    cleanups.push(() => server.close());
    const receipts: PduOf<'deliver_sm'>[] = [];
    const client = await connectTestClient(server.port, {
      systemId: 'acme',
      systemType: 'VMA',
      handlers: {
        deliver_sm: (pdu) => {
          receipts.push(pdu);
          return {};
        },
      },
    });
    cleanups.push(() => client.close());

    expect(binds).toEqual([
      expect.objectContaining({
        bindType: 'transceiver',
        systemId: 'acme',
        password: TEST_PASSWORD,
        systemType: 'VMA',
        interfaceVersion: 0x34,
        remoteAddress: '127.0.0.1',
      }),
    ]);
    expect(client.bindInfo?.bindType).toBe('transceiver');

    const submitted = await client.request(submitSm(1));
    expect(submitted.messageId).toBe('abc123');

    const serverSession = server.bound[0]!;
    const receiptText = Buffer.from(
      'id:abc123 sub:001 dlvrd:001 stat:DELIVRD err:000 text:',
      'latin1',
    );
    const response = await serverSession.request({
      command: 'deliver_sm',
      esmClass: 0x04,
      sourceAddr: '15551234567',
      destinationAddr: 'ACME',
      shortMessage: receiptText,
      tlvs: { receiptedMessageId: 'abc123', messageState: 2 },
    });
    expect(response).toMatchObject({ command: 'deliver_sm_resp', commandStatus: 0 });
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.shortMessage.equals(receiptText)).toBe(true);
    expect(receipts[0]?.tlvs).toEqual({ receiptedMessageId: 'abc123', messageState: 2 });
  });

  it('handles a receipt that arrives in the same segment as bind_resp', async () => {
    // Real SMSCs flush queued receipts immediately after accepting a bind.
    const raw = await startRawServer((peer) => {
      void (async () => {
        const bind = await peer.nextPdu();
        peer.send(
          Buffer.concat([
            encodePdu({
              command: 'bind_transceiver_resp',
              sequenceNumber: bind.sequenceNumber,
              systemId: 'smsc',
            }),
            encodePdu({
              command: 'deliver_sm',
              sequenceNumber: 500,
              esmClass: 4,
              shortMessage: Buffer.from('id:1'),
            }),
          ]),
        );
        const answer = await peer.nextPdu();
        peer.sendPdu({ command: 'unbind', sequenceNumber: 501 });
        receivedAnswer.resolve(answer);
      })().catch(() => undefined);
    });
    cleanups.push(() => raw.close());
    const receivedAnswer = deferred<unknown>();
    const client = await connectTestClient(raw.port, {
      handlers: { deliver_sm: () => ({}) },
    });
    const unbound = new Promise<void>((resolve) => client.once('unbind', resolve));
    expect(await receivedAnswer.promise).toMatchObject({
      command: 'deliver_sm_resp',
      commandStatus: 0,
      sequenceNumber: 500,
    });
    await unbound;
    expect((await client.closed).reason).toBe('peer_unbind');
  });

  it('closes gracefully: unbind, in-flight requests finish, both sides see the reason', async () => {
    const serverCloses: CloseInfo[] = [];
    const answer = deferred<{ messageId: string }>();
    const server = await startTestServer({
      onSession: (session) => {
        session.on('close', (info) => serverCloses.push(info));
        session.handle('submit_sm', () => answer.promise);
      },
    });
    cleanups.push(() => server.close());
    const client = await connectTestClient(server.port);
    const inFlight = client.request(submitSm(0));
    await eventually(() => server.bound[0]?.incomingInFlight === 1);

    const idle = client.waitForIdle(5_000);
    answer.resolve({ messageId: 'late-but-fine' });
    await expect(inFlight).resolves.toMatchObject({ messageId: 'late-but-fine' });
    await expect(idle).resolves.toBe(true);

    await client.close();
    expect(client.state).toBe('closed');
    expect(client.closeDetails?.reason).toBe('local_close');
    await eventually(() => serverCloses.length === 1);
    expect(serverCloses[0]?.reason).toBe('peer_unbind');
    await expect(client.request(submitSm(1))).rejects.toMatchObject({
      code: 'SMPP_CONNECTION_CLOSED',
    });
  });

  it('server.close() unbinds every session and stops listening', async () => {
    const server = await startTestServer({
      onSession: (session) => session.handle('submit_sm', () => ({ messageId: 'x' })),
    });
    const clients = await Promise.all([
      connectTestClient(server.port),
      connectTestClient(server.port),
    ]);
    const unbinds = clients.map(
      (client) => new Promise<void>((resolve) => client.once('unbind', resolve)),
    );
    await server.close();
    await Promise.all(unbinds);
    for (const client of clients) {
      expect((await client.closed).reason).toBe('peer_unbind');
    }
    expect(server.server.sessions.size).toBe(0);
    await expect(connectTestClient(server.port, { connectTimeoutMs: 1_000 })).rejects.toMatchObject(
      {
        code: 'SMPP_CONNECT',
      },
    );
  });
});

describe('TLS', () => {
  it('serves and connects over TLS with the same session class', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smpp-tls-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await execFileAsync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    const [key, cert] = await Promise.all([readFile(keyPath), readFile(certPath)]);

    const server = await startTestServer({
      tls: { key, cert },
      onSession: (session) =>
        session.handle('submit_sm', (pdu) => ({
          messageId: `tls-${pdu.shortMessage.readUInt32BE(0)}`,
        })),
    });
    cleanups.push(() => server.close());
    const client = await connectTestClient(server.port, {
      tls: { ca: cert, servername: 'localhost' },
    });
    cleanups.push(() => client.close());
    const responses = await Promise.all([1, 2, 3].map((i) => client.request(submitSm(i))));
    expect(responses.map((response) => response.messageId)).toEqual(['tls-1', 'tls-2', 'tls-3']);

    // A client that does not trust the certificate never gets a session.
    await expect(
      connectTestClient(server.port, { tls: true, connectTimeoutMs: 2_000 }),
    ).rejects.toMatchObject({
      code: 'SMPP_CONNECT',
    });
    // Nor does a plain-TCP client talking to the TLS port: it times out on bind (TLS waits for a ClientHello).
    await expect(connectTestClient(server.port, { responseTimeoutMs: 300 })).rejects.toBeInstanceOf(
      SmppError,
    );
    expect(client.state).toBe('bound');
  });
});

describe('interoperability with node-smpp', () => {
  it('a node-smpp client binds and submits; our server sees the exact bytes', async () => {
    const received: Buffer[] = [];
    const server = await startTestServer({
      onSession: (session) =>
        session.handle('submit_sm', (pdu) => {
          received.push(Buffer.from(pdu.shortMessage));
          return { messageId: 'from-us' };
        }),
    });
    cleanups.push(() => server.close());
    const theirs = smpp.connect({ host: '127.0.0.1', port: server.port });
    theirs.on('error', () => undefined);
    cleanups.push(() => theirs.destroy());
    await new Promise<void>((resolve) => theirs.once('connect', resolve));

    const call = (send: (callback: (pdu: NodeSmppPdu) => void) => void): Promise<NodeSmppPdu> =>
      new Promise<NodeSmppPdu>((resolve) => send(resolve));
    const bindResp = await call((callback) =>
      theirs.bind_transceiver({ system_id: 'nodesmpp', password: TEST_PASSWORD }, callback),
    );
    expect(bindResp.command_status).toBe(0);
    const body = Buffer.from([0x00, 0x1b, 0x3c, 0x00, 0x41]); // '@', escape '[', '@', 'A'
    const submitResp = await call((callback) =>
      theirs.submit_sm(
        { destination_addr: '15551234567', data_coding: 0, short_message: body },
        callback,
      ),
    );
    expect(submitResp.command_status).toBe(0);
    expect(submitResp.message_id).toBe('from-us');
    expect(received).toEqual([body]);
    const enquireResp = await call((callback) => theirs.enquire_link({}, callback));
    expect(enquireResp.command).toBe('enquire_link_resp');
  });

  it('our client binds to a node-smpp server and submits', async () => {
    const seen: NodeSmppPdu[] = [];
    const theirs = smpp.createServer((session) => {
      session.on('error', () => undefined);
      session.on('bind_transceiver', (pdu: NodeSmppPdu) =>
        session.send(pdu.response({ system_id: 'theirs' })),
      );
      session.on('submit_sm', (pdu: NodeSmppPdu) => {
        seen.push(pdu);
        session.send(pdu.response({ message_id: 'n-1' }));
      });
      session.on('unbind', (pdu: NodeSmppPdu) => {
        session.send(pdu.response());
        session.close();
      });
    });
    await new Promise<void>((resolve) => theirs.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => theirs.close(() => resolve())));
    const port = (theirs.address() as { port: number }).port;

    const client = await connectTestClient(port);
    const response = await client.request({
      ...submitSm(3),
      tlvs: { sarMsgRefNum: 0x0102, sarTotalSegments: 2, sarSegmentSeqnum: 1 },
    });
    expect(response).toMatchObject({
      command: 'submit_sm_resp',
      commandStatus: 0,
      messageId: 'n-1',
    });
    expect(seen[0]).toMatchObject({
      destination_addr: '15551234567',
      source_addr: 'ACME',
      sar_msg_ref_num: 0x0102,
      sar_total_segments: 2,
      sar_segment_seqnum: 1,
    });
    await client.close();
    expect(client.closeDetails?.reason).toBe('local_close');
  });
});
