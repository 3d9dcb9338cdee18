// The load run: bind, generate paced submit_sm over N binds, count every
// outcome exactly once, match receipts, then wait for stragglers and unbind.
//
// Accounting invariant (checked by the tests): every submit_sm sent ends in
// exactly one of ok / throttled / errors / timeouts / failed, so
// sent = responses + timeouts + failed.
import { performance } from 'node:perf_hooks';
import {
  connectSmpp,
  receiptFromDeliverPdu,
  SmppConnectionClosedError,
  SmppGenericNackError,
  SmppStatus,
  SmppTimeoutError,
  type PduInit,
  type PduOf,
  type RequestHandlers,
  type SmppSession,
} from '@smpp-gateway/smpp';
import { AddressSource, parseAddressPattern } from './address.pattern.js';
import { LatencyHistogram, type LatencySummary } from './latency.histogram.js';
import { resolveLoadOptions, type LoadOptions, type ResolvedLoadOptions } from './load.options.js';
import {
  buildTemplates,
  FractionDealer,
  MixDealer,
  UDH8_REFERENCE_OFFSET,
  type MessageKind,
} from './message.mix.js';
import { ReceiptMatcher, type ReceiptCounts } from './receipt.matcher.js';

export interface LoadProgress {
  readonly elapsedMs: number;
  readonly sent: number;
  readonly acked: number;
  /** Responses per second over the last progress interval. */
  readonly rate: number;
  readonly receipts: number;
  readonly respP95Ms: number;
}

export interface LoadReport {
  readonly startedAt: string;
  readonly settings: Omit<ResolvedLoadOptions, 'password' | 'tls'> & { readonly tls: boolean };
  /** Bind to unbind. */
  readonly durationMs: number;
  /** First submit to last response. */
  readonly sendingMs: number;
  readonly binds: { readonly sessions: number; readonly disconnects: number };
  readonly messages: {
    readonly sent: number;
    readonly byKind: Readonly<Record<MessageKind, number>>;
  };
  readonly submits: {
    readonly sent: number;
    /** submit_sm_resp received, any status. */
    readonly responses: number;
    readonly ok: number;
    /** ESME_RTHROTTLED (0x58) and ESME_RMSGQFUL (0x14). */
    readonly throttled: number;
    /** Other non-zero statuses, keyed `0x00000045`. */
    readonly errors: Readonly<Record<string, number>>;
    readonly timeouts: number;
    /** No response: connection closed, generic_nack or another local failure. */
    readonly failed: Readonly<Record<'closed' | 'generic_nack' | 'other', number>>;
  };
  readonly throughput: {
    /** Responses per second from first submit to last response. */
    readonly overall: number;
    /** Responses per second with the first and last 10 % of the sending time trimmed. */
    readonly steady: number;
  };
  readonly respLatencyMs: LatencySummary;
  readonly receiptLatencyMs: LatencySummary;
  readonly receipts: ReceiptCounts;
  readonly mo: { readonly received: number };
  readonly process: {
    readonly cpuUserMs: number;
    readonly cpuSystemMs: number;
    /** (user + system) / wall time, in % of one core. */
    readonly cpuPercent: number;
    readonly peakRssBytes: number;
    readonly heapUsedBytes: number;
  };
}

export interface RunLoadHooks {
  readonly onProgress?: (progress: LoadProgress) => void;
}

const THROTTLE_STATUSES: ReadonlySet<number> = new Set([
  SmppStatus.ESME_RTHROTTLED,
  SmppStatus.ESME_RMSGQFUL,
]);
const BUCKET_MS = 100;

interface Job {
  readonly pdu: PduInit<'submit_sm'>;
  readonly wantsReceipt: boolean;
}

class BindWorker {
  readonly pending: Job[] = [];
  inFlight = 0;
  sent = 0;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly session: SmppSession,
    readonly ratePerMs: number,
  ) {}
}

function statusKey(status: number): string {
  return `0x${status.toString(16).padStart(8, '0')}`;
}

export async function runLoad(input: LoadOptions, hooks: RunLoadHooks = {}): Promise<LoadReport> {
  const options = resolveLoadOptions(input);
  const templates = buildTemplates();
  const mixDealer = new MixDealer(options.mix);
  const receiptDealer = new FractionDealer(options.receiptRatio);
  const sources = new AddressSource(parseAddressPattern(options.source), options.addressOrder);
  const destinations = new AddressSource(
    parseAddressPattern(options.destination),
    options.addressOrder,
  );
  const respLatency = new LatencyHistogram();
  const receiptLatency = new LatencyHistogram();
  const matcher = new ReceiptMatcher(options.respIdFormat, options.receiptIdFormat, receiptLatency);

  const counts = {
    messages: 0,
    byKind: { gsm7: 0, ucs2: 0, long: 0 } as Record<MessageKind, number>,
    sent: 0,
    responses: 0,
    ok: 0,
    throttled: 0,
    errors: new Map<number, number>(),
    timeouts: 0,
    closed: 0,
    nack: 0,
    other: 0,
    mo: 0,
    disconnects: 0,
  };
  const buckets: number[] = [];
  let concatReference = 0;

  const onDeliver = (pdu: PduOf<'deliver_sm'> | PduOf<'data_sm'>): void => {
    const receivedAt = performance.now();
    const parsed = receiptFromDeliverPdu(pdu);
    if (parsed.ok) {
      const receipt = parsed.receipt;
      matcher.receipt(
        receipt.messageId,
        receivedAt,
        receipt.messageIdSource === 'tlv' ? receipt.textMessageId : undefined,
      );
    } else if (parsed.reason === 'not-a-receipt') {
      counts.mo += 1;
    } else {
      // A receipt without any id can match nothing.
      matcher.receipt('', receivedAt);
    }
  };
  const handlers: RequestHandlers = {
    deliver_sm: (pdu) => {
      onDeliver(pdu);
      return {};
    },
    data_sm: (pdu) => {
      onDeliver(pdu);
      return {};
    },
  };

  const connect = (bindType: 'transceiver' | 'transmitter' | 'receiver'): Promise<SmppSession> =>
    connectSmpp({
      host: options.host,
      port: options.port,
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      bindType,
      systemId: options.systemId,
      password: options.password,
      systemType: options.systemType,
      windowSize: options.windowSize,
      responseTimeoutMs: options.responseTimeoutMs,
      enquireLinkIntervalMs: options.enquireLinkIntervalMs,
      // Receipts arrive at the submit rate; do not let reading stall behind them.
      maxIncomingInFlight: Math.max(1_000, options.windowSize * 4),
      handlers,
    });

  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  const startedAt = new Date().toISOString();
  let peakRss = process.memoryUsage.rss();

  const senderTypes = options.bindMode === 'transceiver' ? 'transceiver' : 'transmitter';
  const attempts = [
    ...Array.from({ length: options.binds }, () => connect(senderTypes)),
    ...(options.bindMode === 'transmitter-receiver'
      ? Array.from({ length: options.binds }, () => connect('receiver'))
      : []),
  ];
  const settled = await Promise.allSettled(attempts);
  const sessions = settled.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const failure = settled.find(
    (result): result is PromiseRejectedResult => result.status === 'rejected',
  );
  if (failure) {
    await Promise.all(sessions.map((session) => session.close()));
    throw failure.reason instanceof Error ? failure.reason : new Error(String(failure.reason));
  }
  for (const session of sessions) {
    void session.closed.then((info) => {
      if (info.reason !== 'local_close') counts.disconnects += 1;
    });
  }

  const ratePerMs = options.rate > 0 ? options.rate / options.binds / 1000 : 0;
  const workers = sessions
    .slice(0, options.binds)
    .map((session) => new BindWorker(session, ratePerMs));

  let generating = true;
  let sendStart = 0;
  let lastResponseAt = 0;
  let inFlightTotal = 0;
  let resolveDrained: (() => void) | undefined;
  let resolveGenerated: (() => void) | undefined;
  const generationDone = new Promise<void>((resolve) => {
    resolveGenerated = resolve;
  });
  const stopGenerating = (): void => {
    if (!generating) return;
    generating = false;
    resolveGenerated?.();
  };
  input.signal?.addEventListener('abort', stopGenerating, { once: true });
  if (input.signal?.aborted) stopGenerating();
  for (const worker of workers) {
    void worker.session.closed.then(() => {
      // A sending bind went away: drop what it had queued; with none left, stop generating.
      pump(worker);
      if (workers.every((w) => w.session.state === 'closed')) stopGenerating();
    });
  }

  const nextMessage = (worker: BindWorker): boolean => {
    if (!generating) return false;
    if (options.count !== undefined && counts.messages >= options.count) {
      stopGenerating();
      return false;
    }
    if (options.durationMs !== undefined && performance.now() - sendStart >= options.durationMs) {
      stopGenerating();
      return false;
    }
    const kind = mixDealer.next();
    const template = templates[kind];
    const wantsReceipt = receiptDealer.next();
    counts.messages += 1;
    counts.byKind[kind] += 1;
    const sourceAddr = sources.take();
    const destinationAddr = destinations.take();
    const reference = template.udh ? (concatReference = (concatReference + 1) & 0xff) : 0;
    for (const part of template.parts) {
      let shortMessage = part;
      if (template.udh) {
        shortMessage = Buffer.from(part);
        shortMessage[UDH8_REFERENCE_OFFSET] = reference;
      }
      worker.pending.push({
        wantsReceipt,
        pdu: {
          command: 'submit_sm',
          sourceAddrTon: 1,
          sourceAddrNpi: 1,
          sourceAddr,
          destAddrTon: 1,
          destAddrNpi: 1,
          destinationAddr,
          esmClass: template.udh ? 0x40 : 0,
          registeredDelivery: wantsReceipt ? 1 : 0,
          dataCoding: template.dataCoding,
          shortMessage,
        },
      });
    }
    if (options.count !== undefined && counts.messages >= options.count) stopGenerating();
    return true;
  };

  const settle = (worker: BindWorker): void => {
    worker.inFlight -= 1;
    inFlightTotal -= 1;
    lastResponseAt = performance.now();
    pump(worker);
  };

  const send = (worker: BindWorker, job: Job): void => {
    const sentAt = performance.now();
    counts.sent += 1;
    worker.sent += 1;
    worker.inFlight += 1;
    inFlightTotal += 1;
    worker.session.request(job.pdu).then(
      (response) => {
        const now = performance.now();
        counts.responses += 1;
        respLatency.record(now - sentAt);
        const bucket = Math.floor((now - sendStart) / BUCKET_MS);
        buckets[bucket] = (buckets[bucket] ?? 0) + 1;
        const status = response.commandStatus;
        if (status === SmppStatus.ESME_ROK) {
          counts.ok += 1;
          if (job.wantsReceipt) matcher.expect(response.messageId, sentAt);
        } else if (THROTTLE_STATUSES.has(status)) {
          counts.throttled += 1;
        } else {
          counts.errors.set(status, (counts.errors.get(status) ?? 0) + 1);
        }
        settle(worker);
      },
      (error: unknown) => {
        if (error instanceof SmppTimeoutError) counts.timeouts += 1;
        else if (error instanceof SmppConnectionClosedError) counts.closed += 1;
        else if (error instanceof SmppGenericNackError) counts.nack += 1;
        else counts.other += 1;
        settle(worker);
      },
    );
  };

  const pump = (worker: BindWorker): void => {
    if (worker.session.state !== 'bound') {
      // Whatever this bind still had queued can no longer be sent.
      counts.closed += worker.pending.length;
      counts.sent += worker.pending.length;
      worker.pending.length = 0;
      checkDrained();
      return;
    }
    while (worker.inFlight < options.windowSize) {
      if (worker.pending.length === 0 && !nextMessage(worker)) break;
      if (worker.ratePerMs > 0) {
        const allowed = Math.floor((performance.now() - sendStart) * worker.ratePerMs) + 1;
        if (worker.sent >= allowed) {
          if (worker.timer === undefined) {
            const waitMs = Math.max(
              1,
              (worker.sent + 1) / worker.ratePerMs - (performance.now() - sendStart),
            );
            worker.timer = setTimeout(() => {
              worker.timer = undefined;
              pump(worker);
            }, Math.ceil(waitMs));
          }
          break;
        }
      }
      const job = worker.pending.shift();
      if (job === undefined) break;
      send(worker, job);
    }
    checkDrained();
  };

  function checkDrained(): void {
    if (inFlightTotal === 0 && !generating && workers.every((w) => w.pending.length === 0))
      resolveDrained?.();
  }

  let lastProgressAcked = 0;
  let lastProgressAt = performance.now();
  const progressTimer = setInterval(() => {
    const now = performance.now();
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const seconds = (now - lastProgressAt) / 1000;
    hooks.onProgress?.({
      elapsedMs: now - wallStart,
      sent: counts.sent,
      acked: counts.responses,
      rate: seconds > 0 ? (counts.responses - lastProgressAcked) / seconds : 0,
      receipts: matcher.counts().matched,
      respP95Ms: respLatency.percentile(95),
    });
    lastProgressAcked = counts.responses;
    lastProgressAt = now;
  }, options.progressIntervalMs);

  let durationTimer: NodeJS.Timeout | undefined;
  try {
    const drained = new Promise<void>((resolve) => {
      resolveDrained = resolve;
    });
    sendStart = performance.now();
    if (options.durationMs !== undefined) {
      durationTimer = setTimeout(stopGenerating, options.durationMs);
    }
    for (const worker of workers) pump(worker);
    await generationDone;
    for (const worker of workers) {
      clearTimeout(worker.timer);
      worker.timer = undefined;
      // Parts of a long message already queued are still sent; nothing new is generated.
      pump(worker);
    }
    await drained;
    await matcher.waitForAll(options.receiptTimeoutMs);
  } finally {
    clearInterval(progressTimer);
    clearTimeout(durationTimer);
    for (const worker of workers) clearTimeout(worker.timer);
    input.signal?.removeEventListener('abort', stopGenerating);
    // Answer every deliver_sm already received before unbinding: an unbind
    // overtaking a deliver_sm_resp makes the SMSC redeliver that receipt.
    await Promise.all(
      sessions.map(async (session) => {
        await session.waitForIdle(options.responseTimeoutMs);
        await session.close();
      }),
    );
  }

  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  const sendingMs = Math.max(0, lastResponseAt - sendStart);
  const { password: _password, tls, ...settings } = options;
  return {
    startedAt,
    settings: { ...settings, tls: tls !== undefined && tls !== false },
    durationMs: wallMs,
    sendingMs,
    binds: { sessions: sessions.length, disconnects: counts.disconnects },
    messages: { sent: counts.messages, byKind: { ...counts.byKind } },
    submits: {
      sent: counts.sent,
      responses: counts.responses,
      ok: counts.ok,
      throttled: counts.throttled,
      errors: Object.fromEntries([...counts.errors].map(([status, n]) => [statusKey(status), n])),
      timeouts: counts.timeouts,
      failed: { closed: counts.closed, generic_nack: counts.nack, other: counts.other },
    },
    throughput: {
      overall: sendingMs > 0 ? (counts.responses / sendingMs) * 1000 : 0,
      steady: steadyRate(buckets, sendingMs, counts.responses),
    },
    respLatencyMs: respLatency.summary(),
    receiptLatencyMs: receiptLatency.summary(),
    receipts: matcher.counts(),
    mo: { received: counts.mo },
    process: {
      cpuUserMs: cpu.user / 1000,
      cpuSystemMs: cpu.system / 1000,
      cpuPercent: wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0,
      peakRssBytes: peakRss,
      heapUsedBytes: process.memoryUsage().heapUsed,
    },
  };
}

/**
 * Responses per second with ramp-up and tail trimmed: the first and last 10 %
 * of the sending time (whole 100 ms buckets). Short runs (under 1 s) have no
 * steady period worth the name and report the overall rate.
 */
export function steadyRate(
  buckets: readonly (number | undefined)[],
  sendingMs: number,
  responses: number,
): number {
  const total = Math.ceil(sendingMs / BUCKET_MS);
  if (total < 10) return sendingMs > 0 ? (responses / sendingMs) * 1000 : 0;
  const trim = Math.floor(total / 10);
  let sum = 0;
  for (let i = trim; i < total - trim; i++) sum += buckets[i] ?? 0;
  return (sum / ((total - 2 * trim) * BUCKET_MS)) * 1000;
}
