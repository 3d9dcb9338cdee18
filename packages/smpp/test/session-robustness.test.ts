// Hostile and broken peers over real TCP: whatever one connection sends, it
// is answered or closed cleanly, and other sessions on the same server carry on.
import { afterEach, describe, expect, it } from 'vitest';
import type { CloseInfo } from '../src/session/smpp.session.js';
import type { SessionIssue } from '../src/session/session.options.js';
import { SmppStatus } from '../src/session/smpp-status.js';
import { RawPeer, startRawServer } from './support/raw-peer.js';
import {
  connectTestClient,
  eventually,
  startTestServer,
  submitSm,
  TEST_PASSWORD,
  type TestServer,
  type TestServerOptions,
} from './support/smpp-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

interface ObservedServer extends TestServer {
  readonly closes: CloseInfo[];
  readonly issues: SessionIssue[];
}

/** A server whose sessions answer submit_sm, recording every close and issue. */
async function observedServer(options: TestServerOptions = {}): Promise<ObservedServer> {
  const closes: CloseInfo[] = [];
  const issues: SessionIssue[] = [];
  const server = await startTestServer({
    metrics: { issue: (issue) => issues.push(issue) },
    // Every connection, bound or not: the raw peers here mostly never bind.
    onConnection: (session) => void session.closed.then((info) => closes.push(info)),
    onSession: (session) => {
      session.handle('submit_sm', (pdu) => ({
        messageId: `ok-${pdu.shortMessage.readUInt32BE(0)}`,
      }));
    },
    ...options,
  });
  cleanups.push(() => server.close());
  return Object.assign(server, { closes, issues });
}

async function rawPeer(port: number): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  cleanups.push(() => peer.destroy());
  return peer;
}

function bindRaw(peer: RawPeer, sequenceNumber = 1): void {
  peer.sendPdu({
    command: 'bind_transceiver',
    sequenceNumber,
    systemId: 'raw',
    password: TEST_PASSWORD,
  });
}

describe('hostile input', () => {
  it('answers garbage and a 2 GB command_length with generic_nack, closes only those connections', async () => {
    const server = await observedServer();
    const healthy = await connectTestClient(server.port);
    cleanups.push(() => healthy.close());
    await expect(healthy.request(submitSm(1))).resolves.toMatchObject({ messageId: 'ok-1' });

    const http = await rawPeer(server.port);
    http.send(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    const httpNack = await http.nextPdu();
    expect(httpNack).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVCMDLEN,
    });
    expect(await http.closesWithin(5_000)).toBe(true);

    const huge = await rawPeer(server.port);
    bindRaw(huge);
    expect(await huge.nextPdu()).toMatchObject({
      command: 'bind_transceiver_resp',
      commandStatus: 0,
    });
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x80000000, 0); // 2 GiB
    header.writeUInt32BE(0x00000004, 4);
    header.writeUInt32BE(0, 8);
    header.writeUInt32BE(0x1234, 12);
    huge.send(header);
    expect(await huge.nextPdu()).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVCMDLEN,
      sequenceNumber: 0x1234,
    });
    expect(await huge.closesWithin(5_000)).toBe(true);

    const tiny = await rawPeer(server.port);
    tiny.send(Buffer.from('00000008000000150000000000000001', 'hex'));
    expect(await tiny.nextPdu()).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVCMDLEN,
    });
    expect(await tiny.closesWithin(5_000)).toBe(true);

    await eventually(
      () => server.closes.filter((info) => info.reason === 'invalid_command_length').length === 3,
    );
    expect(server.issues).toContain('malformed_pdu');
    // The healthy session never noticed.
    expect(healthy.state).toBe('bound');
    await expect(healthy.request(submitSm(2))).resolves.toMatchObject({ messageId: 'ok-2' });
  });

  it('answers an unknown command id with generic_nack ESME_RINVCMDID and the same sequence, and carries on', async () => {
    const server = await observedServer();
    const peer = await rawPeer(server.port);
    bindRaw(peer);
    await peer.nextPdu();
    const unknown = Buffer.from('00000010' + '00000077' + '00000000' + '00c0ffee', 'hex');
    peer.send(unknown);
    expect(await peer.nextPdu()).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVCMDID,
      sequenceNumber: 0xc0ffee,
    });
    peer.sendPdu({ ...submitSm(7), sequenceNumber: 8 });
    expect(await peer.nextPdu()).toMatchObject({
      command: 'submit_sm_resp',
      messageId: 'ok-7',
      sequenceNumber: 8,
    });
  });

  it('nacks a framed but malformed PDU with the matching status and keeps the session', async () => {
    const server = await observedServer();
    const peer = await rawPeer(server.port);
    bindRaw(peer);
    await peer.nextPdu();
    // submit_sm whose sm_length (0xff) runs past the end.
    peer.send(
      Buffer.from(
        '00000023' + '00000004' + '00000000' + '00000009' + '00'.repeat(16) + 'ff' + '4142',
        'hex',
      ),
    );
    expect(await peer.nextPdu()).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVMSGLEN,
      sequenceNumber: 9,
    });
    // A TLV running past the end.
    peer.send(
      Buffer.from(
        '00000015' + '00000015' + '00000000' + '0000000a' + '0427' + '0009' + '01',
        'hex',
      ),
    );
    expect(await peer.nextPdu()).toMatchObject({
      command: 'generic_nack',
      commandStatus: SmppStatus.ESME_RINVOPTPARSTREAM,
      sequenceNumber: 10,
    });
    peer.sendPdu({ command: 'enquire_link', sequenceNumber: 11 });
    expect(await peer.nextPdu()).toMatchObject({
      command: 'enquire_link_resp',
      sequenceNumber: 11,
    });
  });

  it('reassembles a PDU dribbled one byte at a time', async () => {
    const server = await observedServer();
    const peer = await rawPeer(server.port);
    bindRaw(peer);
    await peer.nextPdu();
    const bytes = Buffer.from(
      '00000034' +
        '00000004' +
        '00000000' +
        '00000002' + // header, 52 octets
        '00' +
        '0500' +
        '41434d4500' + // service_type, source ton/npi, "ACME"
        '0101' +
        '313535353132333435363700' + // dest ton/npi, "15551234567"
        '00000000000000' + // esm_class .. replace_if_present_flag
        '04' +
        '00' + // data_coding, sm_default_msg_id
        '04' +
        '00000005', // sm_length, short_message

      'hex',
    );
    expect(bytes.length).toBe(0x34);
    for (const byte of bytes) {
      peer.send(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await peer.nextPdu()).toMatchObject({
      command: 'submit_sm_resp',
      messageId: 'ok-5',
      sequenceNumber: 2,
    });
  });

  it('survives an event listener and a metrics hook that throw', async () => {
    const server = await startTestServer({
      metrics: {
        pduIn: () => {
          throw new Error('metrics exploded');
        },
      },
      onSession: (session) => {
        session.on('close', () => {
          throw new Error('listener exploded');
        });
        session.handle('submit_sm', () => ({ messageId: 'fine' }));
      },
    });
    cleanups.push(() => server.close());
    const client = await connectTestClient(server.port);
    await expect(client.request(submitSm(0))).resolves.toMatchObject({ messageId: 'fine' });
    await client.close();
    // Reaching this line means neither throw escaped into the event loop.
    await eventually(() => server.server.sessions.size === 0);
  });
});

describe('requests of the peer', () => {
  it('answers enquire_link automatically, even before bind', async () => {
    const server = await observedServer();
    const peer = await rawPeer(server.port);
    peer.sendPdu({ command: 'enquire_link', sequenceNumber: 77 });
    expect(await peer.nextPdu()).toMatchObject({
      command: 'enquire_link_resp',
      sequenceNumber: 77,
      commandStatus: 0,
    });
  });

  it('answers submit_sm before bind with ESME_RINVBNDSTS', async () => {
    const server = await observedServer();
    const peer = await rawPeer(server.port);
    peer.sendPdu({ ...submitSm(0), sequenceNumber: 3 });
    expect(await peer.nextPdu()).toMatchObject({
      command: 'submit_sm_resp',
      commandStatus: SmppStatus.ESME_RINVBNDSTS,
      sequenceNumber: 3,
    });
  });

  it('answers a second bind with ESME_RALYBND and submit_sm on a receiver bind with ESME_RINVBNDSTS', async () => {
    const server = await observedServer();
    const peer = await rawPeer(server.port);
    peer.sendPdu({
      command: 'bind_receiver',
      sequenceNumber: 1,
      systemId: 'rx',
      password: TEST_PASSWORD,
    });
    expect(await peer.nextPdu()).toMatchObject({
      command: 'bind_receiver_resp',
      commandStatus: 0,
      systemId: 'smpp-gateway',
      tlvs: { scInterfaceVersion: 0x34 },
    });
    bindRaw(peer, 2);
    expect(await peer.nextPdu()).toMatchObject({
      command: 'bind_transceiver_resp',
      commandStatus: SmppStatus.ESME_RALYBND,
    });
    peer.sendPdu({ ...submitSm(0), sequenceNumber: 3 });
    expect(await peer.nextPdu()).toMatchObject({
      commandStatus: SmppStatus.ESME_RINVBNDSTS,
      sequenceNumber: 3,
    });
  });

  it('answers ESME_RSYSERR when a handler throws or takes too long', async () => {
    const issues: SessionIssue[] = [];
    const server = await startTestServer({
      handlerTimeoutMs: 150,
      metrics: { issue: (issue) => issues.push(issue) },
      onSession: (session) =>
        session.handle('submit_sm', (pdu) => {
          if (pdu.shortMessage.readUInt32BE(0) === 1) {
            throw new Error('database down');
          }
          return new Promise<never>(() => undefined);
        }),
    });
    cleanups.push(() => server.close());
    const client = await connectTestClient(server.port);
    cleanups.push(() => client.close());
    await expect(client.request(submitSm(1))).resolves.toMatchObject({
      commandStatus: SmppStatus.ESME_RSYSERR,
    });
    await expect(client.request(submitSm(2))).resolves.toMatchObject({
      commandStatus: SmppStatus.ESME_RSYSERR,
    });
    expect(issues).toEqual(expect.arrayContaining(['handler_error', 'handler_timeout']));
    expect(server.bound[0]?.incomingInFlight).toBe(0);
  });

  it('answers a command the service does not handle with ESME_RINVCMDID', async () => {
    const server = await observedServer();
    const client = await connectTestClient(server.port);
    cleanups.push(() => client.close());
    await expect(client.request({ command: 'query_sm', messageId: 'x' })).resolves.toMatchObject({
      command: 'query_sm_resp',
      commandStatus: SmppStatus.ESME_RINVCMDID,
    });
  });
});

describe('liveness and bind deadlines', () => {
  it('closes a session whose peer stops answering enquire_link', async () => {
    const raw = await startRawServer((peer) => {
      void peer
        .nextPdu()
        .then((bind) =>
          peer.sendPdu({
            command: 'bind_transceiver_resp',
            sequenceNumber: bind.sequenceNumber,
            systemId: 'mute',
          }),
        )
        .catch(() => undefined);
      // ...and never answers anything again.
    });
    cleanups.push(() => raw.close());
    const client = await connectTestClient(raw.port, {
      enquireLinkIntervalMs: 100,
      responseTimeoutMs: 200,
    });
    const pending = client
      .request(submitSm(0), { timeoutMs: 60_000 })
      .catch((caught: unknown) => caught);
    const info = await client.closed;
    expect(info.reason).toBe('peer_not_answering');
    await expect(pending).resolves.toMatchObject({
      code: 'SMPP_CONNECTION_CLOSED',
      reason: 'peer_not_answering',
    });
  });

  it('keeps an idle but answering session alive with enquire_link', async () => {
    const sent: string[] = [];
    const server = await observedServer();
    const client = await connectTestClient(server.port, {
      enquireLinkIntervalMs: 100,
      responseTimeoutMs: 250,
      metrics: { pduOut: (command) => sent.push(command) },
    });
    cleanups.push(() => client.close());
    await eventually(() => sent.filter((command) => command === 'enquire_link').length >= 3);
    expect(client.state).toBe('bound');
  });

  it('closes a connection that does not bind within bindTimeoutMs', async () => {
    const server = await observedServer({ bindTimeoutMs: 150 });
    const peer = await rawPeer(server.port);
    expect(await peer.closesWithin(5_000)).toBe(true);
    await eventually(() => server.closes.some((info) => info.reason === 'bind_timeout'));
  });

  it('refuses a wrong password with the authoriser status and closes', async () => {
    const server = await observedServer();
    const error = await connectTestClient(server.port, { password: 'wrong' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'SMPP_BIND_FAILED',
      commandStatus: SmppStatus.ESME_RINVPASWD,
    });
    await eventually(() => server.closes.some((info) => info.reason === 'bind_rejected'));
  });

  it('answers ESME_RBINDFAIL when the authoriser throws', async () => {
    const server = await observedServer({
      authorize: () => {
        throw new Error('accounts table unreachable');
      },
    });
    await expect(connectTestClient(server.port)).rejects.toMatchObject({
      commandStatus: SmppStatus.ESME_RBINDFAIL,
    });
    expect(server.issues).toContain('authorize_error');
  });
});
