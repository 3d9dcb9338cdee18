// Real servers and clients on 127.0.0.1, ephemeral ports, for the socket tests.
import { connectSmpp, type ConnectSmppOptions } from '../../src/session/smpp.client.js';
import {
  createSmppServer,
  type SmppServer,
  type SmppServerOptions,
} from '../../src/session/smpp.server.js';
import type { BindInfo, SmppSession } from '../../src/session/smpp.session.js';
import type { PduInit } from '../../src/session/pdu.types.js';
import { SmppStatus } from '../../src/session/smpp-status.js';

export const TEST_PASSWORD = 'secret';

export interface TestServer {
  readonly port: number;
  readonly server: SmppServer;
  /** Sessions in the order they bound. */
  readonly bound: SmppSession[];
  close(): Promise<void>;
}

export type TestServerOptions = Partial<SmppServerOptions> & {
  onSession?: (session: SmppSession, bind: BindInfo) => void;
};

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const bound: SmppSession[] = [];
  const { onSession, ...serverOptions } = options;
  const server = createSmppServer(
    {
      authorize: (bind) =>
        bind.password === TEST_PASSWORD ? SmppStatus.ESME_ROK : SmppStatus.ESME_RINVPASWD,
      enquireLinkIntervalMs: 0,
      ...serverOptions,
    },
    (session, bind) => {
      bound.push(session);
      onSession?.(session, bind);
    },
  );
  const address = await server.listen(0);
  return { port: address.port, server, bound, close: () => server.close() };
}

export function connectTestClient(
  port: number,
  options: Partial<ConnectSmppOptions> = {},
): Promise<SmppSession> {
  return connectSmpp({
    host: '127.0.0.1',
    port,
    bindType: 'transceiver',
    systemId: 'tester',
    password: TEST_PASSWORD,
    enquireLinkIntervalMs: 0,
    ...options,
  });
}

/** A submit_sm whose short_message carries `index` so order and identity can be checked. */
export function submitSm(index: number): PduInit<'submit_sm'> {
  const shortMessage = Buffer.alloc(4);
  shortMessage.writeUInt32BE(index, 0);
  return {
    command: 'submit_sm',
    sourceAddr: 'ACME',
    sourceAddrTon: 5,
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: '15551234567',
    dataCoding: 4,
    shortMessage,
  };
}

/** A promise plus the functions that settle it, for handlers a test answers later. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Polls until `condition` holds; for state that changes on socket events. */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not reached in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
