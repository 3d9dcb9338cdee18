// The simulator itself: an SMPP server on @smpp-gateway/smpp sessions that
// behaves like a carrier (accounts, message ids, receipts, MO, faults), plus
// the state a test or the control endpoint looks at (records, counters).
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  createSmppServer,
  decodeText,
  encodeText,
  formatReceiptText,
  MessageState,
  parseUdh,
  SmppStatus,
  stateForStat,
  type BindInfo,
  type BindType,
  type PduInit,
  type PduOf,
  type ResponseInit,
  type SmppServer,
  type SmppSession,
} from '@smpp-gateway/smpp';
import { DelayScheduler } from './delay.scheduler.js';
import { FaultInjector, STALL, type FaultState, type FaultUpdate } from './fault.injector.js';
import { MessageIdGenerator } from './message-id.generator.js';
import { buildMoPdus, type MoMessage } from './mo.builder.js';
import { AccountOutbox, type OutboundEvents, type OutboundItem } from './outbound.dispatcher.js';
import { PduRecordRing } from './pdu-record.ring.js';
import {
  NO_RECEIPT,
  ReceiptOutcomeRules,
  type OutcomeDecision,
  type SimReceiptStat,
} from './receipt-outcome.rules.js';
import { createSimulatorRegistry, type SimulatorCounters } from './simulator.metrics.js';
import {
  resolveSimulatorOptions,
  SimulatorOptionsError,
  type ResolvedSimulatorOptions,
  type SimulatorOptions,
} from './simulator.options.js';
import { startControlServer, type ControlServer } from './control.server.js';
import type { Registry } from 'prom-client';

export interface MoResult {
  readonly systemId: string;
  readonly parts: number;
  /** deliver_sm_resp command_status of each part, in order. */
  readonly statuses: readonly number[];
}

export interface SimulatorStats {
  readonly uptimeMs: number;
  readonly binds: {
    readonly active: number;
    readonly byType: Readonly<Record<BindType, number>>;
    readonly accepted: number;
    readonly rejected: number;
  };
  readonly submits: {
    /** submit_sm + data_sm received on bound sessions. */
    readonly received: number;
    readonly ok: number;
    readonly throttled: number;
    /** Answered with another error status (failure injection). */
    readonly failed: number;
    /** Held unanswered by the stopAnswering fault (counted when held). */
    readonly stalled: number;
  };
  readonly receipts: {
    /** Receipts built and queued for delivery (registered_delivery asked for this outcome). */
    readonly generated: number;
    /**
     * Receipts asked for (registered_delivery not 0) that are never sent
     * because the outcome was NONE: the carrier that never reports, on
     * purpose. Not to be confused with `dropped` (the outbound queue was full).
     */
    readonly withheld: number;
    /** deliver_sm written (a redelivery after a dropped connection counts again). */
    readonly sent: number;
    readonly acked: number;
    readonly failed: number;
    /** Built but thrown away: the outbound queue was full (outboundQueueLimit) or the simulator stopped. */
    readonly dropped: number;
    readonly queued: number;
    /** Receipts generated, by stat word; NONE is not a receipt and is counted in `withheld`. */
    readonly byStat: Readonly<Record<SimReceiptStat, number>>;
  };
  readonly mo: {
    readonly injected: number;
    readonly sent: number;
    readonly acked: number;
    readonly failed: number;
  };
  /** Every PDU the sessions decoded, any command. */
  readonly pdusReceived: number;
}

export interface SimulatorAccountStatus {
  readonly systemId: string;
  readonly activeBinds: number;
  readonly maxBinds: number;
  readonly receivingBinds: number;
  readonly outboundQueued: number;
}

export interface Simulator {
  /** The SMPP port actually bound. */
  readonly port: number;
  /** The control HTTP port, or null when it was disabled. */
  readonly controlPort: number | null;
  /** The interface both listen on. */
  readonly address: string;
  /** http://host:controlPort, or null. */
  readonly controlUrl: string | null;
  readonly records: PduRecordRing;
  readonly registry: Registry;
  readonly options: ResolvedSimulatorOptions;
  stats(): SimulatorStats;
  accounts(): SimulatorAccountStatus[];
  faults(): FaultState;
  /** Applies the given fault settings (others unchanged); `dropConnections: true` drops every connection now. */
  setFaults(update: FaultUpdate): FaultState;
  clearFaults(): FaultState;
  /** Destroys every connection without unbind; returns how many. */
  dropConnections(): number;
  /**
   * Sends an MO (split with UDH when long) to a receiving bind of
   * `mo.systemId` (queued until one binds) or of any account with one.
   * Resolves when every part is acknowledged.
   */
  injectMo(mo: MoMessage): Promise<MoResult>;
  /** Closes every session (unbind), both listeners and all timers. */
  stop(): Promise<void>;
}

const RECEIPT_ESM_CLASS = 0x04;
const UDHI = 0x40;
/** GSM network type in network_error_code. */
const NETWORK_TYPE_GSM = 3;
const RECEIPT_STATE: Readonly<Record<SimReceiptStat, number>> = {
  DELIVRD: MessageState.DELIVERED,
  UNDELIV: MessageState.UNDELIVERABLE,
  EXPIRED: MessageState.EXPIRED,
  REJECTD: MessageState.REJECTED,
};

interface AccountState {
  readonly systemId: string;
  readonly password: string;
  readonly maxBinds: number;
  /** Binds accepted and not yet closed (reserved at authorisation). */
  active: number;
  readonly outbox: AccountOutbox;
}

/** What a receipt needs from the submit, captured without keeping the PDU alive. */
interface ReceiptSource {
  readonly sourceAddr: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly destinationAddr: string;
  readonly destAddrTon: number;
  readonly destAddrNpi: number;
  readonly dataCoding: number;
  readonly esmClass: number;
  readonly body: Buffer | undefined;
}

function jittered(base: number, jitter: number): number {
  return jitter === 0 ? base : base + Math.random() * jitter;
}

function originalText(source: ReceiptSource): string {
  let bytes = source.body;
  if (bytes === undefined || bytes.length === 0) return '';
  if ((source.esmClass & UDHI) !== 0) {
    const udh = parseUdh(bytes);
    if (!udh.ok) return '';
    bytes = Buffer.from(udh.payload);
  }
  const decoded = decodeText(bytes, source.dataCoding, { defaultAlphabet: 'gsm7', lenient: true });
  return decoded.ok ? decoded.text : '';
}

export async function startSimulator(input: SimulatorOptions = {}): Promise<Simulator> {
  const options = resolveSimulatorOptions(input);
  let rules: ReceiptOutcomeRules;
  try {
    rules = new ReceiptOutcomeRules(options.receiptRules, options.receiptPercentages);
  } catch (error) {
    throw new SimulatorOptionsError([error instanceof Error ? error.message : String(error)]);
  }
  const faults = new FaultInjector();
  if (options.faults) {
    try {
      faults.update(options.faults);
    } catch (error) {
      throw new SimulatorOptionsError([error instanceof Error ? error.message : String(error)]);
    }
  }

  const startedAt = performance.now();
  const scheduler = new DelayScheduler();
  const ids = new MessageIdGenerator(options.messageIdFormat, options.decimalInReceipt);
  const records = new PduRecordRing(options.recordLimit);

  const counters: SimulatorCounters = {
    submitByStatus: new Map(),
    receiptsSentByStat: new Map(),
    receiptsWithheld: 0,
    activeBinds: { transmitter: 0, receiver: 0, transceiver: 0 },
    moSent: 0,
  };
  const stats = {
    bindsAccepted: 0,
    bindsRejected: 0,
    submitsReceived: 0,
    submitsOk: 0,
    submitsThrottled: 0,
    submitsFailed: 0,
    submitsStalled: 0,
    receiptsGenerated: 0,
    receiptsSent: 0,
    receiptsAcked: 0,
    receiptsFailed: 0,
    receiptsDropped: 0,
    moInjected: 0,
    moAcked: 0,
    moFailed: 0,
    pdusReceived: 0,
  };
  const countStatus = (status: number): void => {
    counters.submitByStatus.set(status, (counters.submitByStatus.get(status) ?? 0) + 1);
  };

  const outboundEvents: OutboundEvents = {
    sent(item) {
      if (item.kind === 'receipt') {
        stats.receiptsSent += 1;
      } else {
        counters.moSent += 1;
      }
    },
    acked(item, session, response) {
      const info = session.bindInfo;
      records.add({
        command: 'deliver_sm_resp',
        systemId: info?.systemId ?? '',
        bindType: info?.bindType,
        remoteAddress: session.remoteAddress,
        remotePort: session.remotePort,
        sequenceNumber: response.sequenceNumber,
        commandStatus: response.commandStatus,
        pdu: response,
      });
      if (item.kind === 'receipt') {
        stats.receiptsAcked += 1;
      } else {
        stats.moAcked += 1;
      }
    },
    failed(item, reason) {
      if (item.kind === 'receipt') {
        if (reason === 'dropped') stats.receiptsDropped += 1;
        else stats.receiptsFailed += 1;
      } else {
        stats.moFailed += 1;
      }
    },
  };

  const accounts = new Map<string, AccountState>();
  for (const account of options.accounts) {
    accounts.set(account.systemId, {
      ...account,
      active: 0,
      outbox: new AccountOutbox(
        account.systemId,
        options.windowSize,
        options.outboundQueueLimit,
        scheduler,
        outboundEvents,
      ),
    });
  }

  // Stalled submits (stopAnswering) and how to release them when the fault clears.
  const stalled = new Set<(response: ResponseInit<'submit_sm_resp'>) => void>();
  const releaseStalled = (): void => {
    // A late ESME_RSYSERR: the ESME timed these out long ago and will log an
    // unexpected response, which is what a recovering carrier looks like.
    const waiting = [...stalled];
    stalled.clear();
    for (const answer of waiting) answer({ commandStatus: SmppStatus.ESME_RSYSERR });
  };

  // Connections by remote address:port, so the authoriser (which sees the
  // bind, not the session) can tie a bind reservation to its connection.
  const connections = new Map<string, SmppSession>();
  const connectionKey = (address: string | undefined, port: number | undefined): string =>
    `${address}:${port}`;

  const sendReceipt = (
    account: AccountState,
    source: ReceiptSource,
    receiptId: string,
    submittedAt: Date,
    // NONE never gets here: there is no stat word or err to write for it.
    decision: Exclude<OutcomeDecision, { stat: typeof NO_RECEIPT }>,
  ): void => {
    stats.receiptsGenerated += 1;
    const delivered = decision.stat === 'DELIVRD';
    // formatReceiptText writes a Date's UTC fields: shifted, they are the
    // wall clock at the configured offset.
    const offsetMs = options.receiptUtcOffsetMinutes * 60_000;
    const text = formatReceiptText({
      id: receiptId,
      sub: 1,
      dlvrd: delivered ? 1 : 0,
      submitDate: new Date(submittedAt.getTime() + offsetMs),
      doneDate: new Date(Date.now() + offsetMs),
      stat: decision.stat,
      err: decision.err,
      text: originalText(source),
    });
    const encoded = encodeText(text, 'gsm7', { replacement: '?' });
    const state = stateForStat(decision.stat) ?? RECEIPT_STATE[decision.stat];
    const pdu: PduInit<'deliver_sm'> = {
      command: 'deliver_sm',
      sourceAddrTon: source.destAddrTon,
      sourceAddrNpi: source.destAddrNpi,
      sourceAddr: source.destinationAddr,
      destAddrTon: source.sourceAddrTon,
      destAddrNpi: source.sourceAddrNpi,
      destinationAddr: source.sourceAddr,
      esmClass: RECEIPT_ESM_CLASS,
      dataCoding: 0,
      shortMessage: encoded.ok ? encoded.bytes : Buffer.from(text, 'latin1'),
      tlvs: {
        receiptedMessageId: receiptId,
        messageState: state,
        ...(delivered
          ? {}
          : { networkErrorCode: { networkType: NETWORK_TYPE_GSM, errorCode: decision.err } }),
      },
    };
    counters.receiptsSentByStat.set(
      decision.stat,
      (counters.receiptsSentByStat.get(decision.stat) ?? 0) + 1,
    );
    account.outbox.enqueue({ kind: 'receipt', pdu });
  };

  /** registered_delivery bits 0-1: 1 always, 2 on failure, 3 on success (SMPP 5.0). */
  const wantsReceipt = (registeredDelivery: number): 0 | 1 | 2 | 3 =>
    (registeredDelivery & 0x03) as 0 | 1 | 2 | 3;

  const onSubmit = (
    pdu: PduOf<'submit_sm'> | PduOf<'data_sm'>,
    session: SmppSession,
    account: AccountState,
  ): ResponseInit<'submit_sm_resp'> | Promise<ResponseInit<'submit_sm_resp'>> => {
    stats.submitsReceived += 1;
    records.add({
      command: pdu.command,
      systemId: account.systemId,
      bindType: session.bindInfo?.bindType,
      remoteAddress: session.remoteAddress,
      remotePort: session.remotePort,
      sequenceNumber: pdu.sequenceNumber,
      commandStatus: pdu.commandStatus,
      pdu,
    });
    const fault = faults.onSubmit();
    if (fault === STALL) {
      stats.submitsStalled += 1;
      return new Promise((resolve) => stalled.add(resolve));
    }
    let response: ResponseInit<'submit_sm_resp'>;
    if (fault !== 0) {
      if (fault === SmppStatus.ESME_RTHROTTLED) stats.submitsThrottled += 1;
      else stats.submitsFailed += 1;
      countStatus(fault);
      response = { commandStatus: fault };
    } else {
      stats.submitsOk += 1;
      countStatus(SmppStatus.ESME_ROK);
      const id = ids.issue();
      response = { messageId: id.resp };
      const mode = wantsReceipt(pdu.registeredDelivery);
      if (mode !== 0) {
        const source: ReceiptSource = {
          sourceAddr: pdu.sourceAddr,
          sourceAddrTon: pdu.sourceAddrTon,
          sourceAddrNpi: pdu.sourceAddrNpi,
          destinationAddr: pdu.destinationAddr,
          destAddrTon: pdu.destAddrTon,
          destAddrNpi: pdu.destAddrNpi,
          dataCoding: pdu.dataCoding,
          esmClass: pdu.esmClass,
          body: pdu.command === 'submit_sm' ? pdu.shortMessage : pdu.tlvs.messagePayload,
        };
        // Decided here, in submit order, rather than when the receipt is due,
        // so a NONE message never has a receipt scheduled at all and
        // `withheld` is counted by the time its submit_sm_resp is written.
        // Only messages asking for a receipt take a turn in the percentages
        // (as before), so "NONE: 2" withholds 2 of every 100 such receipts.
        const decision = rules.decide(source.destinationAddr);
        if (decision.stat === NO_RECEIPT) {
          counters.receiptsWithheld += 1;
        } else {
          const submittedAt = new Date();
          const delivered = decision.stat === 'DELIVRD';
          if (mode === 1 || (mode === 2 && !delivered) || (mode === 3 && delivered)) {
            // Never before the resp: even a 0 ms receipt waits for the next timer turn.
            scheduler.schedule(
              options.responseLatencyMs + jittered(options.receiptDelayMs, options.receiptJitterMs),
              () => sendReceipt(account, source, id.receipt, submittedAt, decision),
            );
          }
        }
      }
    }
    if (options.responseLatencyMs === 0 && options.responseJitterMs === 0) {
      return response;
    }
    return scheduler
      .wait(jittered(options.responseLatencyMs, options.responseJitterMs))
      .then(() => response);
  };

  const recordSimple = (
    session: SmppSession,
    account: AccountState,
    pdu: PduOf<'query_sm'> | PduOf<'cancel_sm'> | PduOf<'replace_sm'>,
  ): void => {
    records.add({
      command: pdu.command,
      systemId: account.systemId,
      bindType: session.bindInfo?.bindType,
      remoteAddress: session.remoteAddress,
      remotePort: session.remotePort,
      sequenceNumber: pdu.sequenceNumber,
      commandStatus: pdu.commandStatus,
      pdu,
    });
  };

  const authorize = (bind: BindInfo): number => {
    const account = accounts.get(bind.systemId);
    let status: number = SmppStatus.ESME_ROK;
    if (faults.refusingBinds()) status = SmppStatus.ESME_RBINDFAIL;
    else if (account === undefined) status = SmppStatus.ESME_RINVSYSID;
    else if (account.password !== bind.password) status = SmppStatus.ESME_RINVPASWD;
    else if (account.active >= account.maxBinds) status = SmppStatus.ESME_RBINDFAIL;
    records.add({
      command: `bind_${bind.bindType}`,
      systemId: bind.systemId,
      bindType: bind.bindType,
      remoteAddress: bind.remoteAddress,
      remotePort: bind.remotePort,
      sequenceNumber: 0,
      commandStatus: status,
    });
    if (status !== SmppStatus.ESME_ROK || account === undefined) {
      stats.bindsRejected += 1;
      return status;
    }
    const session = connections.get(connectionKey(bind.remoteAddress, bind.remotePort));
    if (session === undefined) {
      // The connection is already gone; nothing to bind.
      stats.bindsRejected += 1;
      return SmppStatus.ESME_RBINDFAIL;
    }
    account.active += 1;
    void session.closed.then(() => {
      account.active -= 1;
    });
    return status;
  };

  const onBound = (session: SmppSession, bind: BindInfo): void => {
    const account = accounts.get(bind.systemId);
    if (account === undefined) {
      throw new Error(`bound unknown account ${bind.systemId}`);
    }
    stats.bindsAccepted += 1;
    counters.activeBinds[bind.bindType] += 1;
    if (bind.bindType !== 'receiver') {
      session.handle('submit_sm', (pdu, s) => onSubmit(pdu, s, account));
      session.handle('data_sm', (pdu, s) => onSubmit(pdu, s, account));
      session.handle('query_sm', (pdu, s) => {
        recordSimple(s, account, pdu);
        // The simulator keeps no per-message state; report what it would have done.
        return { commandStatus: SmppStatus.ESME_RINVMSGID };
      });
      session.handle('cancel_sm', (pdu, s) => {
        recordSimple(s, account, pdu);
        return { commandStatus: SmppStatus.ESME_RINVMSGID };
      });
      session.handle('replace_sm', (pdu, s) => {
        recordSimple(s, account, pdu);
        return { commandStatus: SmppStatus.ESME_RINVMSGID };
      });
    }
    const receiving = bind.bindType !== 'transmitter';
    void session.closed.then(() => {
      counters.activeBinds[bind.bindType] -= 1;
      if (receiving) account.outbox.removeReceiver(session);
    });
    if (receiving) {
      // After bind_resp is written: queued receipts must not overtake it.
      setImmediate(() => {
        if (session.state === 'bound') account.outbox.addReceiver(session);
      });
    }
  };

  const server: SmppServer = createSmppServer(
    {
      authorize,
      systemId: options.systemId,
      windowSize: options.windowSize,
      responseTimeoutMs: options.responseTimeoutMs,
      enquireLinkIntervalMs: options.enquireLinkIntervalMs,
      // Submits held by stopAnswering must stay unanswered; our own handlers
      // otherwise answer within responseLatency + jitter.
      handlerTimeoutMs: 2_147_483_647,
      // Deep enough for a whole client window held by stopAnswering.
      maxIncomingInFlight: 100_000,
      ...(options.tls ? { tls: options.tls } : {}),
      metrics: {
        pduIn: () => {
          stats.pdusReceived += 1;
        },
      },
      onConnection: (session) => {
        const key = connectionKey(session.remoteAddress, session.remotePort);
        connections.set(key, session);
        void session.closed.then(() => {
          if (connections.get(key) === session) connections.delete(key);
        });
      },
    },
    onBound,
  );

  const listening: AddressInfo = await server.listen(options.port, options.host);
  const registry = createSimulatorRegistry(counters);

  const activeBindCount = (): number =>
    counters.activeBinds.transmitter +
    counters.activeBinds.receiver +
    counters.activeBinds.transceiver;

  const dropConnections = (): number => {
    const sessions = [...server.sessions];
    for (const session of sessions) session.destroy('dropped by fault injection');
    return sessions.length;
  };

  const simulatorStats = (): SimulatorStats => {
    let queued = 0;
    for (const account of accounts.values()) queued += account.outbox.queued;
    const byStat: Record<SimReceiptStat, number> = {
      DELIVRD: 0,
      UNDELIV: 0,
      EXPIRED: 0,
      REJECTD: 0,
    };
    for (const [stat, count] of counters.receiptsSentByStat) byStat[stat] = count;
    return {
      uptimeMs: Math.round(performance.now() - startedAt),
      binds: {
        active: activeBindCount(),
        byType: { ...counters.activeBinds },
        accepted: stats.bindsAccepted,
        rejected: stats.bindsRejected,
      },
      submits: {
        received: stats.submitsReceived,
        ok: stats.submitsOk,
        throttled: stats.submitsThrottled,
        failed: stats.submitsFailed,
        stalled: stats.submitsStalled,
      },
      receipts: {
        generated: stats.receiptsGenerated,
        sent: stats.receiptsSent,
        acked: stats.receiptsAcked,
        failed: stats.receiptsFailed,
        withheld: counters.receiptsWithheld,
        dropped: stats.receiptsDropped,
        queued,
        byStat,
      },
      mo: {
        injected: stats.moInjected,
        sent: counters.moSent,
        acked: stats.moAcked,
        failed: stats.moFailed,
      },
      pdusReceived: stats.pdusReceived,
    };
  };

  const injectMo = async (mo: MoMessage): Promise<MoResult> => {
    const pdus = buildMoPdus(mo);
    let account: AccountState | undefined;
    if (mo.systemId !== undefined) {
      account = accounts.get(mo.systemId);
      if (account === undefined)
        throw new RangeError(`unknown systemId ${JSON.stringify(mo.systemId)}`);
    } else {
      account = [...accounts.values()].find((candidate) => candidate.outbox.receiverCount > 0);
      if (account === undefined) throw new RangeError('no receiver or transceiver is bound');
    }
    stats.moInjected += 1;
    const target = account;
    const statuses = await Promise.all(
      pdus.map(
        (pdu) =>
          new Promise<number>((resolve, reject) => {
            const item: OutboundItem = {
              kind: 'mo',
              pdu,
              settle: (result) => (result instanceof Error ? reject(result) : resolve(result)),
            };
            target.outbox.enqueue(item);
          }),
      ),
    );
    return { systemId: target.systemId, parts: pdus.length, statuses };
  };

  const setFaults = (update: FaultUpdate): FaultState => {
    const wasStopped = faults.stopAnswering;
    const state = faults.update(update);
    if (wasStopped && !state.stopAnswering) releaseStalled();
    if (update.dropConnections === true) dropConnections();
    return state;
  };

  let control: ControlServer | undefined;
  let stopped = false;
  const simulator: Simulator = {
    port: listening.port,
    controlPort: null,
    address: listening.address,
    controlUrl: null,
    records,
    registry,
    options,
    stats: simulatorStats,
    accounts: () =>
      [...accounts.values()].map((account) => ({
        systemId: account.systemId,
        activeBinds: account.active,
        maxBinds: account.maxBinds,
        receivingBinds: account.outbox.receiverCount,
        outboundQueued: account.outbox.queued,
      })),
    faults: () => faults.state(),
    setFaults,
    clearFaults: () => {
      const wasStopped = faults.stopAnswering;
      const state = faults.clear();
      if (wasStopped) releaseStalled();
      return state;
    },
    dropConnections,
    injectMo,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      releaseStalled();
      for (const account of accounts.values()) account.outbox.stop();
      await Promise.all([server.close(), control?.close()]);
      scheduler.stop();
    },
  };

  if (options.controlPort !== null) {
    try {
      control = await startControlServer(simulator, options.controlPort, options.host);
    } catch (error) {
      await server.close();
      scheduler.stop();
      throw error;
    }
    return {
      ...simulator,
      controlPort: control.port,
      controlUrl: `http://${options.host}:${control.port}`,
    };
  }
  return simulator;
}
