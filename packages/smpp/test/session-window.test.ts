// The request window over real TCP: slots, FIFO queueing, timeouts, and that
// no promise outlives its session.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SmppConnectionClosedError,
  SmppGenericNackError,
  SmppQueueFullError,
  SmppTimeoutError,
} from '../src/session/session.errors.js';
import { SmppSession } from '../src/session/smpp.session.js';
import type { PduOf, ResponseInit } from '../src/session/pdu.types.js';
import { SmppStatus } from '../src/session/smpp-status.js';
import { startRawServer } from './support/raw-peer.js';
import {
  connectTestClient,
  deferred,
  eventually,
  startTestServer,
  submitSm,
  TEST_PASSWORD,
  type TestServer,
} from './support/smpp-harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

async function serverWith(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(options);
  cleanups.push(() => server.close());
  return server;
}

function indexOf(pdu: PduOf<'submit_sm'>): number {
  return pdu.shortMessage.readUInt32BE(0);
}

describe('request window', () => {
  it('holds the request beyond the window until a response frees a slot', async () => {
    const received: number[] = [];
    const answers = new Map<number, (response: ResponseInit<'submit_sm_resp'>) => void>();
    const server = await serverWith({
      onSession: (session) =>
        session.handle('submit_sm', (pdu) => {
          received.push(indexOf(pdu));
          const answer = deferred<ResponseInit<'submit_sm_resp'>>();
          answers.set(indexOf(pdu), answer.resolve);
          return answer.promise;
        }),
    });
    const client = await connectTestClient(server.port, { windowSize: 2 });
    cleanups.push(() => client.close());

    const results = [0, 1, 2].map((i) => client.request(submitSm(i)));
    expect(client.inFlight).toBe(2);
    expect(client.queued).toBe(1);
    await eventually(() => received.length === 2);
    // Give a third PDU every chance to arrive if the window leaked.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([0, 1]);

    answers.get(1)?.({ messageId: 'm1' });
    await expect(results[1]).resolves.toMatchObject({ command: 'submit_sm_resp', messageId: 'm1' });
    await eventually(() => received.length === 3);
    expect(received).toEqual([0, 1, 2]);
    expect(client.inFlight).toBe(2);
    expect(client.queued).toBe(0);

    answers.get(0)?.({ messageId: 'm0' });
    answers.get(2)?.({ commandStatus: SmppStatus.ESME_RTHROTTLED });
    await expect(results[0]).resolves.toMatchObject({ messageId: 'm0' });
    // A non-zero status is a response, not an error: the caller decides.
    await expect(results[2]).resolves.toMatchObject({ commandStatus: SmppStatus.ESME_RTHROTTLED });
    expect(client.inFlight).toBe(0);
    await expect(client.waitForIdle(1_000)).resolves.toBe(true);
  });

  it('fails fast once maxQueued requests are waiting', async () => {
    const server = await serverWith({
      onSession: (session) =>
        session.handle('submit_sm', () => new Promise<never>(() => undefined)),
      handlerTimeoutMs: 60_000,
    });
    const client = await connectTestClient(server.port, { windowSize: 1, maxQueued: 1 });
    cleanups.push(() => client.destroy());
    const first = client.request(submitSm(0));
    const second = client.request(submitSm(1));
    await expect(client.request(submitSm(2))).rejects.toBeInstanceOf(SmppQueueFullError);
    client.destroy();
    await expect(first).rejects.toBeInstanceOf(SmppConnectionClosedError);
    await expect(second).rejects.toBeInstanceOf(SmppConnectionClosedError);
  });

  it('rejects an unanswered request with SmppTimeoutError and frees its slot', async () => {
    const server = await serverWith({
      onSession: (session) =>
        session.handle('submit_sm', () => new Promise<never>(() => undefined)),
      handlerTimeoutMs: 60_000,
    });
    const outcomes: string[] = [];
    const client = await connectTestClient(server.port, {
      windowSize: 1,
      responseTimeoutMs: 200,
      metrics: { requestCompleted: (command, outcome) => outcomes.push(`${command}:${outcome}`) },
    });
    cleanups.push(() => client.close());

    const error = await client.request(submitSm(0)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmppTimeoutError);
    expect(error).toMatchObject({ command: 'submit_sm', code: 'SMPP_TIMEOUT' });
    expect(client.inFlight).toBe(0);
    expect(outcomes).toContain('submit_sm:timeout');
    // The session survives a timeout; the next request uses the freed slot.
    await expect(client.request({ command: 'enquire_link' })).resolves.toMatchObject({
      command: 'enquire_link_resp',
    });
  });

  it('rejects every pending and queued request when the peer closes', async () => {
    const server = await serverWith({
      onSession: (session) =>
        session.handle('submit_sm', () => new Promise<never>(() => undefined)),
      handlerTimeoutMs: 60_000,
    });
    const client = await connectTestClient(server.port, { windowSize: 2 });
    const requests = [0, 1, 2, 3, 4].map((i) => client.request(submitSm(i)));
    expect(client.inFlight).toBe(2);
    expect(client.queued).toBe(3);
    await eventually(() => server.bound.length === 1);
    server.bound[0]?.destroy();

    const settled = await Promise.allSettled(requests);
    for (const outcome of settled) {
      expect(outcome.status).toBe('rejected');
      expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(
        SmppConnectionClosedError,
      );
    }
    const info = await client.closed;
    expect(info.reason).toBe('peer_closed');
    expect(client.inFlight).toBe(0);
    expect(client.queued).toBe(0);
    await expect(client.request(submitSm(9))).rejects.toBeInstanceOf(SmppConnectionClosedError);
  });

  it('rejects a request answered with generic_nack', async () => {
    const raw = await startRawServer((peer) => {
      void (async () => {
        const bind = await peer.nextPdu();
        peer.sendPdu({
          command: 'bind_transceiver_resp',
          sequenceNumber: bind.sequenceNumber,
          systemId: 'raw',
        });
        const submit = await peer.nextPdu();
        peer.sendPdu({
          command: 'generic_nack',
          sequenceNumber: submit.sequenceNumber,
          commandStatus: SmppStatus.ESME_RINVCMDLEN,
        });
      })().catch(() => undefined);
    });
    cleanups.push(() => raw.close());
    const client = await connectTestClient(raw.port);
    cleanups.push(() => client.destroy());
    const error = await client.request(submitSm(0)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SmppGenericNackError);
    expect(error).toMatchObject({ commandStatus: SmppStatus.ESME_RINVCMDLEN });
  });

  it('pipelines 1 000 requests through a window of 100, in order, in coalesced writes', async () => {
    const received: number[] = [];
    const server = await serverWith({
      onSession: (session) =>
        session.handle('submit_sm', (pdu) => {
          received.push(indexOf(pdu));
          return { messageId: `id-${indexOf(pdu)}` };
        }),
    });
    // Our own socket so the test can count what reaches the kernel.
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const writes = { calls: 0, frames: 0, batches: [] as number[] };
    const original = socket._writev?.bind(socket);
    const originalWrite = socket._write.bind(socket);
    socket._writev = (chunks, callback) => {
      writes.calls += 1;
      writes.frames += chunks.length;
      writes.batches.push(chunks.length);
      original?.(chunks, callback);
    };
    socket._write = (chunk: Buffer, encoding, callback) => {
      writes.calls += 1;
      writes.frames += 1;
      writes.batches.push(1);
      originalWrite(chunk, encoding, callback);
    };
    const client = new SmppSession(socket, {
      role: 'client',
      windowSize: 100,
      enquireLinkIntervalMs: 0,
    });
    cleanups.push(() => client.close());
    await client.bind({ bindType: 'transceiver', systemId: 'pipeline', password: TEST_PASSWORD });
    const afterBind = { calls: writes.calls, frames: writes.frames };

    const responses = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => client.request(submitSm(i))),
    );

    expect(responses.map((response) => response.messageId)).toEqual(
      Array.from({ length: 1_000 }, (_, i) => `id-${i}`),
    );
    expect(received).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(writes.frames - afterBind.frames).toBe(1_000);
    // The first window (100 submit_sm dispatched in one tick) left in a single writev.
    expect(writes.batches[afterBind.calls]).toBe(100);
    // Later windows refill as responses arrive, batched per arriving chunk.
    expect(writes.calls - afterBind.calls).toBeLessThan(1_000);
  });
});

describe('incoming flow control', () => {
  it('stops reading once maxIncomingInFlight peer requests are being handled', async () => {
    const answers: (() => void)[] = [];
    const server = await serverWith({
      maxIncomingInFlight: 2,
      handlerTimeoutMs: 60_000,
      onSession: (session) =>
        session.handle('submit_sm', () => {
          const answer = deferred<ResponseInit<'submit_sm_resp'>>();
          answers.push(() => answer.resolve({ messageId: 'x' }));
          return answer.promise;
        }),
    });
    const client = await connectTestClient(server.port, { windowSize: 10 });
    cleanups.push(() => client.close());
    const requests = Array.from({ length: 6 }, (_, i) => client.request(submitSm(i)));
    await eventually(() => answers.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Six requests are on the wire, but only two reached the application.
    expect(answers).toHaveLength(2);
    expect(server.bound[0]?.incomingInFlight).toBe(2);
    for (let answered = 0; answered < 6; answered++) {
      await eventually(() => answers.length > 0);
      answers.shift()?.();
      expect(server.bound[0]?.incomingInFlight).toBeLessThanOrEqual(2);
    }
    await expect(Promise.all(requests)).resolves.toHaveLength(6);
  });
});
