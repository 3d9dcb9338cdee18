// Steady, identifiable customer traffic for the fault runs. Unlike the load
// generator (which measures throughput and stops when its binds drop), this
// sender must survive the faults it is used to prove: it keeps one
// transceiver per edge replica, rebinds when a replica comes back, paces a
// fixed rate over whatever binds are up, and gives every message a unique
// text ("E2E <run> <seq>") so the carrier's records can be matched to what
// the customer was told was accepted, one message at a time.
import { performance } from 'node:perf_hooks';
import {
  connectSmpp,
  DataCoding,
  receiptFromDeliverPdu,
  SmppConnectionClosedError,
  SmppStatus,
  SmppTimeoutError,
  type PduOf,
  type SmppSession,
} from '@smpp-gateway/smpp';

/** What the customer learned about one submit. */
export type SubmitOutcome =
  /** submit_sm_resp ESME_ROK: the gateway owns the message now. */
  | 'accepted'
  /** An error status (throttled, queue full, system error): the gateway refused it. */
  | 'refused'
  /** No response (connection lost, timeout): the gateway may or may not have it. */
  | 'unknown'
  /** Refused locally before it was written (encoding, local queue full): never offered. */
  | 'unsent';

export interface SentMessage {
  readonly seq: number;
  readonly phase: string;
  outcome: SubmitOutcome | 'pending';
  status?: number;
  messageId?: string;
}

export interface ReceiptSeen {
  readonly messageId: string;
  readonly stat: string | undefined;
  readonly err: string | undefined;
  /** When it arrived (performance.now()): a duplicate is counted in the phase it arrived in. */
  readonly at: number;
}

export interface SteadyLoadOptions {
  /** One SMPP port per edge replica; a function so restarts are followed. */
  readonly ports: () => readonly number[];
  readonly systemId: string;
  readonly password: string;
  /** Messages per second over all binds. */
  readonly rate: number;
  /** Distinguishes this run's messages at the carrier. Letters and digits. */
  readonly runId: string;
  readonly windowSize?: number;
}

const RECONNECT_MS = 500;

export class SteadyLoad {
  readonly messages: SentMessage[] = [];
  /** Our id → receipts received for it. */
  readonly receipts = new Map<string, ReceiptSeen[]>();
  /** Receipt PDUs whose id was none of our accepted ids (yet). */
  receiptPdus = 0;
  /** Messages due while no bind was up (not offered to the gateway at all). */
  skipped = 0;
  disconnects = 0;
  private readonly sessions = new Map<number, SmppSession | 'connecting'>();
  private phase = 'warmup';
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private due = 0;
  private stopped = false;
  private cursor = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SteadyLoadOptions) {
    if (!/^[A-Za-z0-9]+$/.test(options.runId)) throw new RangeError('runId: letters and digits');
  }

  /** The text of message `seq`: plain ASCII, identical in GSM 03.38. */
  static text(runId: string, seq: number): string {
    return `E2E ${runId} ${seq}`;
  }

  /** The sequence number in a carrier's short_message, when it is one of this run's. */
  static parse(runId: string, shortMessage: Buffer): number | undefined {
    const match = /^E2E ([A-Za-z0-9]+) (\d+)$/.exec(shortMessage.toString('latin1'));
    return match?.[1] === runId && match[2] !== undefined ? Number(match[2]) : undefined;
  }

  setPhase(phase: string): void {
    this.phase = phase;
  }

  start(): void {
    this.startedAt = performance.now();
    this.maintainBinds();
    this.reconnectTimer = setInterval(() => this.maintainBinds(), RECONNECT_MS);
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Stops generating; resolves when every submit has its outcome. */
  async stopSending(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Unbinds everything (after the receipts were awaited). */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.reconnectTimer);
    await Promise.allSettled(
      [...this.sessions.values()].map(async (session) => {
        if (session === 'connecting') return;
        await session.waitForIdle(5_000);
        await session.close();
      }),
    );
  }

  boundSessions(): number {
    return [...this.sessions.values()].filter((s) => s !== 'connecting' && s.state === 'bound')
      .length;
  }

  private maintainBinds(): void {
    if (this.stopped && this.timer === undefined) return;
    for (const port of this.options.ports()) {
      const current = this.sessions.get(port);
      if (current === 'connecting') continue;
      if (current !== undefined && current.state !== 'closed') continue;
      this.sessions.set(port, 'connecting');
      connectSmpp({
        host: '127.0.0.1',
        port,
        bindType: 'transceiver',
        systemId: this.options.systemId,
        password: this.options.password,
        windowSize: this.options.windowSize ?? 100,
        responseTimeoutMs: 15_000,
        enquireLinkIntervalMs: 10_000,
        connectTimeoutMs: 2_000,
        maxIncomingInFlight: 5_000,
        handlers: {
          deliver_sm: (pdu) => this.onDeliver(pdu),
          data_sm: (pdu) => this.onDeliver(pdu),
        },
      }).then(
        (session) => {
          this.sessions.set(port, session);
          void session.closed.then((info) => {
            if (info.reason !== 'local_close') this.disconnects += 1;
          });
        },
        () => {
          // The replica is down (being restarted): try again on the next round.
          this.sessions.delete(port);
        },
      );
    }
  }

  private onDeliver(pdu: PduOf<'deliver_sm'> | PduOf<'data_sm'>): Record<string, never> {
    const parsed = receiptFromDeliverPdu(pdu);
    if (parsed.ok) {
      this.receiptPdus += 1;
      const id = parsed.receipt.messageId.toLowerCase();
      const list = this.receipts.get(id) ?? [];
      list.push({
        messageId: id,
        stat: parsed.receipt.stat,
        err: parsed.receipt.err,
        at: performance.now(),
      });
      this.receipts.set(id, list);
    }
    return {};
  }

  private tick(): void {
    if (this.stopped) return;
    const target = Math.floor(((performance.now() - this.startedAt) / 1000) * this.options.rate);
    const bound = [...this.sessions.values()].filter(
      (s): s is SmppSession => s !== 'connecting' && s.state === 'bound',
    );
    while (this.due < target) {
      this.due += 1;
      if (bound.length === 0) {
        this.skipped += 1;
        continue;
      }
      const session = bound[this.cursor++ % bound.length];
      if (session !== undefined) this.send(session);
    }
  }

  private send(session: SmppSession): void {
    const message: SentMessage = {
      seq: this.messages.length,
      phase: this.phase,
      outcome: 'pending',
    };
    this.messages.push(message);
    const request = session
      .request({
        command: 'submit_sm',
        sourceAddrTon: 5,
        sourceAddrNpi: 0,
        sourceAddr: 'E2EFAULT',
        destAddrTon: 1,
        destAddrNpi: 1,
        destinationAddr: `4477009${String(message.seq % 100_000).padStart(5, '0')}`,
        registeredDelivery: 1,
        dataCoding: DataCoding.SMSC_DEFAULT,
        shortMessage: Buffer.from(SteadyLoad.text(this.options.runId, message.seq), 'latin1'),
      })
      .then(
        (response) => {
          message.status = response.commandStatus;
          if (response.commandStatus === SmppStatus.ESME_ROK) {
            message.outcome = 'accepted';
            message.messageId = response.messageId.toLowerCase();
          } else {
            message.outcome = 'refused';
          }
        },
        (error: unknown) => {
          message.outcome =
            error instanceof SmppConnectionClosedError || error instanceof SmppTimeoutError
              ? 'unknown'
              : 'unsent';
        },
      )
      .finally(() => {
        this.inFlight.delete(request);
      });
    this.inFlight.add(request);
  }
}
