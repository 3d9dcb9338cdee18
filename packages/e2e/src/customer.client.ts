// A customer ESME for the end-to-end tests: one bound session that records
// every deliver_sm/data_sm it receives (receipts parsed, MO kept as bytes) and
// lets a test wait for a condition over them instead of sleeping.
import { EventEmitter } from 'node:events';
import {
  connectSmpp,
  receiptFromDeliverPdu,
  type BindType,
  type ConnectSmppOptions,
  type DeliveryReceipt,
  type PduInit,
  type PduOf,
  type SmppSession,
} from '@smpp-gateway/smpp';

export interface InboundPdu {
  readonly receivedAt: number;
  readonly pdu: PduOf<'deliver_sm'> | PduOf<'data_sm'>;
  /** Set when the PDU is a delivery receipt (esm_class receipt type). */
  readonly receipt: DeliveryReceipt | undefined;
}

export interface CustomerConnectOptions {
  readonly host?: string;
  readonly port: number;
  readonly systemId: string;
  readonly password: string;
  readonly bindType?: BindType;
  readonly windowSize?: number;
  readonly responseTimeoutMs?: number;
  readonly extra?: Partial<ConnectSmppOptions>;
}

export class CustomerClient {
  readonly inbound: InboundPdu[] = [];
  private readonly events = new EventEmitter();

  private constructor(readonly session: SmppSession) {}

  static async connect(options: CustomerConnectOptions): Promise<CustomerClient> {
    const target: { client?: CustomerClient } = {};
    const early: (PduOf<'deliver_sm'> | PduOf<'data_sm'>)[] = [];
    // Handlers must exist before bind_resp: queued receipts follow it at once.
    const accept = (pdu: PduOf<'deliver_sm'> | PduOf<'data_sm'>): Record<string, never> => {
      if (target.client) target.client.record(pdu);
      else early.push(pdu);
      return {};
    };
    const session = await connectSmpp({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      bindType: options.bindType ?? 'transceiver',
      systemId: options.systemId,
      password: options.password,
      windowSize: options.windowSize ?? 50,
      responseTimeoutMs: options.responseTimeoutMs ?? 15_000,
      enquireLinkIntervalMs: 0,
      handlers: { deliver_sm: accept, data_sm: accept },
      ...options.extra,
    });
    const client = new CustomerClient(session);
    for (const pdu of early) client.record(pdu);
    target.client = client;
    return client;
  }

  private record(pdu: PduOf<'deliver_sm'> | PduOf<'data_sm'>): void {
    const parsed = receiptFromDeliverPdu(pdu);
    this.inbound.push({
      receivedAt: Date.now(),
      pdu,
      receipt: parsed.ok ? parsed.receipt : undefined,
    });
    this.events.emit('pdu');
  }

  /** Receipts received so far. */
  receipts(): (InboundPdu & { readonly receipt: DeliveryReceipt })[] {
    return this.inbound.filter(
      (item): item is InboundPdu & { readonly receipt: DeliveryReceipt } =>
        item.receipt !== undefined,
    );
  }

  /** deliver_sm/data_sm that are not receipts (MO). */
  mobileOriginated(): InboundPdu[] {
    return this.inbound.filter((item) => item.receipt === undefined);
  }

  /** The receipts whose id (TLV or text) is `messageId`. */
  receiptsFor(messageId: string): DeliveryReceipt[] {
    const id = messageId.toLowerCase();
    return this.receipts()
      .map((item) => item.receipt)
      .filter((receipt) => receipt.messageId.toLowerCase() === id);
  }

  /**
   * Resolves with the first non-undefined value of `probe`, evaluated now and
   * after every inbound PDU; rejects with `what` after `timeoutMs`.
   */
  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const first = probe();
    if (first !== undefined) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const onPdu = (): void => {
        const value = probe();
        if (value === undefined) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what} (received ${this.inbound.length} PDUs: ${this.describeInbound()})`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.events.off('pdu', onPdu);
      };
      this.events.on('pdu', onPdu);
    });
  }

  /** A receipt for `messageId`, waited for. */
  waitForReceipt(messageId: string, timeoutMs: number): Promise<DeliveryReceipt> {
    return this.waitFor(
      () => this.receiptsFor(messageId)[0],
      timeoutMs,
      `a receipt for ${messageId}`,
    );
  }

  private describeInbound(): string {
    return this.inbound
      .slice(-10)
      .map((item) =>
        item.receipt
          ? `receipt ${item.receipt.messageId} ${item.receipt.stat ?? '?'}`
          : `mo ${item.pdu.sourceAddr}→${item.pdu.destinationAddr}`,
      )
      .join(', ');
  }

  submit(pdu: Omit<PduInit<'submit_sm'>, 'command'>): Promise<PduOf<'submit_sm_resp'>> {
    return this.session.request({ command: 'submit_sm', ...pdu });
  }

  /** Unbinds after every received PDU has been answered. */
  async close(): Promise<void> {
    if (this.session.state === 'closed') return;
    await this.session.waitForIdle(5_000);
    await this.session.close().catch(() => undefined);
  }
}
