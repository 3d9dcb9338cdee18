// A test ESME: binds to the simulator over real TCP and collects every
// deliver_sm it is sent, with a way to wait for the Nth one.
import {
  connectSmpp,
  type BindType,
  type ConnectSmppOptions,
  type PduOf,
  type SmppSession,
} from '@smpp-gateway/smpp';
import type { Simulator } from '../../src/index.js';

export interface TestEsme {
  readonly session: SmppSession;
  readonly delivered: PduOf<'deliver_sm'>[];
  /** Resolves once at least `count` deliver_sm arrived; rejects after timeoutMs. */
  waitForDelivered(count: number, timeoutMs?: number): Promise<PduOf<'deliver_sm'>[]>;
  close(): Promise<void>;
}

export async function bindEsme(
  simulator: Simulator,
  bindType: BindType,
  overrides: Partial<ConnectSmppOptions> = {},
): Promise<TestEsme> {
  const delivered: PduOf<'deliver_sm'>[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const session = await connectSmpp({
    host: '127.0.0.1',
    port: simulator.port,
    bindType,
    systemId: 'gateway',
    password: 'gw-pass',
    enquireLinkIntervalMs: 0,
    responseTimeoutMs: 5_000,
    ...overrides,
    handlers: {
      deliver_sm: (pdu) => {
        delivered.push(pdu);
        waiters = waiters.filter((waiter) => {
          if (delivered.length >= waiter.count) {
            waiter.resolve();
            return false;
          }
          return true;
        });
        return {};
      },
      ...overrides.handlers,
    },
  });
  return {
    session,
    delivered,
    waitForDelivered(count, timeoutMs = 5_000) {
      if (delivered.length >= count) return Promise.resolve(delivered);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`only ${delivered.length} of ${count} deliver_sm within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(delivered);
          },
        });
      });
    },
    close: () => session.close(),
  };
}

export function submit(destination = '15551230000', registeredDelivery = 1, text = 'hello world') {
  return {
    command: 'submit_sm' as const,
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    sourceAddr: '15550001111',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: destination,
    registeredDelivery,
    shortMessage: Buffer.from(text, 'latin1'),
  };
}

export function receiptText(pdu: PduOf<'deliver_sm'>): string {
  return pdu.shortMessage.toString('latin1');
}

/** Polls until `check` returns true; rejects with `what` after timeoutMs. */
export async function eventually(
  what: string,
  check: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
