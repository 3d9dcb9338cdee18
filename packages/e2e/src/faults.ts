// Fault runs (issue 10 §3): a real gateway with N replicas per service under
// steady identifiable traffic, while one replica of each service in turn is
// killed with SIGKILL and restarted, the vendor drops every connection and
// refuses binds for a while, and (only when asked) RabbitMQ is restarted.
// Afterwards every message the customer was told "accepted" must be at the
// carrier and its receipt at the customer; duplicates at the carrier are
// counted against the 0.1 % target.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { QUEUES } from '@smpp-gateway/contracts';
import { AmqpConnection, deadLetterOrigin, silentLogger } from '@smpp-gateway/runtime';
import type { Simulator } from '@smpp-gateway/smsc-simulator';
import { metricSum } from './metrics.reader.js';
import { SERVICE_NAMES, type ServiceName } from './service.process.js';
import { startGateway, type GatewayStack, type QueueType } from './stack.js';
import { SteadyLoad, type SentMessage } from './steady.load.js';

const execFileAsync = promisify(execFile);

export const BROKER_WARNING =
  'Restarting RabbitMQ (rabbitmqctl stop_app / start_app) disconnects EVERY user of the local ' +
  'broker: other test runs, other helpers, a running dev stack. It is only done with --include-broker.';

export interface FaultRunOptions {
  /** Customer messages per second. Default 300. */
  readonly rate?: number;
  /** Replicas of every service. Default 2 (one is killed while the other serves). */
  readonly replicas?: number;
  /** Default quorum, as in production. */
  readonly queueType?: QueueType;
  /** Services killed in turn (replica 0). Default all five. */
  readonly services?: readonly ServiceName[];
  readonly includeBroker?: boolean;
  /**
   * A phase where Redis loses everything under load (every key of the run's
   * prefix deleted at once, as a failover to an empty replica would): the
   * receipts of messages in flight must still reach the customer, through
   * the CDR archive. Only this run's keys are touched. Default true.
   */
  readonly redisLoss?: boolean;
  /**
   * A phase where Redis is unreachable for `redisDownMs`: the services reach
   * it through this run's TCP proxy, which ends every connection and refuses
   * new ones (the server keeps serving everyone else). Default true.
   */
  readonly redisOutage?: boolean;
  /** How long Redis stays unreachable. Default 5 s. */
  readonly redisDownMs?: number;
  /**
   * A phase where PostgreSQL is unreachable for `postgresDownMs` (this run's
   * database refuses connections and its open ones are ended; the server and
   * other databases stay up). Default true.
   */
  readonly postgresOutage?: boolean;
  /** How long the run's database stays unreachable. Default 5 s. */
  readonly postgresDownMs?: number;
  /**
   * A second vendor ("backup") on the route, after the carrier: the vendor
   * phase becomes a failover under load (the carrier drops every connection
   * and refuses binds for `failoverMs`; its traffic must move to the backup
   * and come back). Default false.
   */
  readonly failover?: boolean;
  /** How long the carrier stays away in the failover phase. Default 15 s (BIND_WAIT_MS is 5 s). */
  readonly failoverMs?: number;
  /** Traffic before the first fault. Default 5 s. */
  readonly warmupMs?: number;
  /** A killed replica stays down this long before its restart. Default 2 s. */
  readonly downMs?: number;
  /** Steady traffic after each recovery. Default 8 s. */
  readonly settleMs?: number;
  /** The vendor refuses binds this long after dropping its connections. Default 5 s. */
  readonly vendorRefuseMs?: number;
  /** The broker stays stopped this long. Default 5 s. */
  readonly brokerDownMs?: number;
  /** After sending stops, wait at most this long for carrier copies and receipts. Default 120 s. */
  readonly drainTimeoutMs?: number;
  /** Progress lines. Default: none. */
  readonly log?: (line: string) => void;
}

export interface PhaseReport {
  readonly name: string;
  readonly action: string;
  readonly startedAtS: number;
  readonly durationS: number;
  /** Kill → ready again (restarts), or fault → all processes ready (broker). */
  readonly recoveryMs: number | undefined;
  readonly sent: number;
  readonly accepted: number;
  readonly refused: number;
  readonly unknown: number;
  /** Of the messages sent in this phase (a fault also hits messages sent just before it). */
  readonly carrierDuplicates: number;
  readonly failedByGateway: number;
  readonly receiptDuplicates: number;
  /**
   * Second and later copies of a receipt that ARRIVED during this phase,
   * whenever their message was sent: where a redelivery happened (an edge
   * killed with deliveries unacked, the broker restarted). The last phase
   * also counts what arrived while the run drained.
   */
  readonly receiptDuplicatesArrived: number;
}

export interface FaultRunReport {
  readonly startedAt: string;
  readonly settings: Required<Omit<FaultRunOptions, 'log'>>;
  readonly durationS: number;
  readonly phases: readonly PhaseReport[];
  readonly submits: {
    readonly sent: number;
    readonly accepted: number;
    readonly refused: number;
    readonly refusedByStatus: Readonly<Record<string, number>>;
    readonly unknown: number;
    readonly unsent: number;
    /** Due while no customer bind was up: never offered. */
    readonly skipped: number;
    readonly customerDisconnects: number;
  };
  readonly carrier: {
    readonly submitRecords: number;
    readonly distinctMessages: number;
    readonly acceptedAtCarrier: number;
    /** Accepted, never at the carrier. */
    readonly acceptedMissing: number;
    /** …of which the gateway failed with an UNDELIV receipt (e.g. 904 vendors exhausted): accounted for, not delivered. */
    readonly acceptedFailedByGateway: number;
    /** …of which nothing is known at all: neither a carrier copy nor a receipt. Silent loss. */
    readonly acceptedSilentlyLost: number;
    /** Copies beyond the first, over every message of the run. */
    readonly duplicates: number;
    /** duplicates / distinct messages at the carrier. */
    readonly duplicateRate: number;
    readonly unknownOutcomeAtCarrier: number;
    /** Refused at the edge yet sent to the carrier: must be 0. */
    readonly refusedAtCarrier: number;
    /**
     * Refused submits whose MT the broker had kept and the router dropped
     * (`router_refused_dropped_total`, summed over the router replicas at the
     * end; a replica's count restarts with it).
     */
    readonly refusedDroppedByRouter: number;
    /** Records the tap could not read because the ring overflowed between polls. */
    readonly recordsMissed: number;
    /** Distinct messages per carrier ("carrier", and "backup" in a failover run). */
    readonly byCarrier: Readonly<Record<string, number>>;
  };
  /** Only in a failover run: how the backup took the carrier's traffic. */
  readonly failover?: {
    /** Distinct messages that reached the backup (a message at both carriers counts as a duplicate). */
    readonly atBackup: number;
    /** From the carrier's drop to the first message seen at the backup (records are read every 200 ms). */
    readonly firstAtBackupAfterMs: number | undefined;
    /** From the carrier's drop to the last message seen at the backup. */
    readonly lastAtBackupAfterMs: number | undefined;
    /** From the drop until the carrier was bound again (its refusal lasts `failoverMs`). */
    readonly carrierBackAfterMs: number | undefined;
    /**
     * MTs the connectors handed back to the router from the carrier's queue
     * during the phase (`vendor_connector_handbacks_total`): each one a detour
     * of two hops; after the breaker opened, the routers send to the backup
     * directly, so these come from the first BIND_WAIT_MS of the outage.
     */
    readonly handBacks: number;
  };
  readonly receipts: {
    readonly acceptedWithReceipt: number;
    readonly acceptedMissingReceipt: number;
    readonly duplicates: number;
    /** Receipts for ids the customer never saw accepted (unknown-outcome submits). */
    readonly forOtherIds: number;
    /** First receipt's stat per accepted message (the carrier reports DELIVRD for everything). */
    readonly byStat: Readonly<Record<string, number>>;
  };
  /** Processes that exited without being killed by the run, restarted like a pod. */
  readonly unexpectedExits: readonly string[];
  /**
   * What sat in dead.letters after the drain: messages a consumer gave up on
   * (or the broker expired), by original queue and reason. Parked, not
   * lost (the admin API replays them), but each one is a finding.
   */
  readonly deadLetters: DeadLetterSummary;
  /** First lost sequence numbers, for digging into the logs. */
  readonly samples: {
    readonly silentlyLost: readonly number[];
    readonly failedByGateway: readonly number[];
    readonly lostAtCarrier: readonly number[];
    readonly lostReceipts: readonly number[];
    readonly duplicated: readonly number[];
    /** Our message ids that reached the customer in more than one receipt. */
    readonly duplicatedReceipts: readonly string[];
  };
  readonly verdict: {
    /** Every accepted message reached the carrier or got a failure receipt, and every one got a receipt. */
    readonly nothingAcceptedLost: boolean;
    /** Every accepted message reached the carrier. */
    readonly everythingAcceptedDelivered: boolean;
    readonly duplicateRateWithinTarget: boolean;
    readonly nothingRefusedSent: boolean;
  };
}

const DUPLICATE_TARGET = 0.001;

export interface DeadLetterSummary {
  readonly count: number;
  /** `queue: reason` → messages (the first 1 000 looked at). */
  readonly byOrigin: Readonly<Record<string, number>>;
}

/** Counts dead.letters of the run's vhost and groups what is there; the messages stay. */
async function deadLetterSummary(amqpUrl: string): Promise<DeadLetterSummary> {
  const connection = new AmqpConnection({
    url: amqpUrl,
    name: 'faults-dead-letters',
    logger: silentLogger,
  });
  await connection.start();
  try {
    return await connection.withChannel(async (channel) => {
      const { messageCount } = await channel.checkQueue(QUEUES.dead);
      const byOrigin: Record<string, number> = {};
      for (let i = 0; i < Math.min(messageCount, 1_000); i += 1) {
        const message = await channel.get(QUEUES.dead, { noAck: false });
        if (message === false) break;
        const origin = deadLetterOrigin(message.properties.headers ?? {});
        const queue = origin.queue ?? '?';
        const reason = (origin.reason ?? '?').slice(0, 100);
        const key = `${queue}: ${reason}`;
        byOrigin[key] = (byOrigin[key] ?? 0) + 1;
      }
      channel.nackAll(true);
      return { count: messageCount, byOrigin };
    });
  } finally {
    await connection.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads the carriers' submit_sm records as they arrive (each ring is
 * bounded) and counts per message, over every carrier and per carrier.
 */
class CarrierTap {
  /** Copies of each message over all carriers: more than one is a duplicate. */
  readonly copies = new Map<number, number>();
  /** Per carrier: the messages seen there and when each carrier's first and last new one was seen. */
  readonly carriers: Map<
    string,
    { seen: Set<number>; firstAt: number | undefined; lastAt: number | undefined }
  >;
  records = 0;
  missed = 0;
  private readonly lastIds = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly simulators: ReadonlyMap<string, Simulator>,
    private readonly runId: string,
  ) {
    this.carriers = new Map(
      [...simulators.keys()].map((key) => [
        key,
        { seen: new Set<number>(), firstAt: undefined, lastAt: undefined },
      ]),
    );
  }

  start(): void {
    this.timer = setInterval(() => this.poll(), 200);
  }

  poll(): void {
    const now = performance.now();
    for (const [key, simulator] of this.simulators) {
      const ring = simulator.records;
      const lastId = this.lastIds.get(key) ?? 0;
      const carrier = this.carriers.get(key)!;
      // Every command shares the ring; what was overwritten since the last poll is lost to us.
      this.missed += Math.max(0, ring.total - lastId - ring.capacity);
      for (const record of ring.ofCommand('submit_sm', { sinceId: lastId })) {
        this.records += 1;
        const seq = SteadyLoad.parse(this.runId, record.pdu.shortMessage);
        if (seq === undefined) continue;
        this.copies.set(seq, (this.copies.get(seq) ?? 0) + 1);
        carrier.seen.add(seq);
        carrier.firstAt ??= now;
        carrier.lastAt = now;
      }
      this.lastIds.set(key, ring.total);
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }
}

async function rabbitmqctl(...args: string[]): Promise<void> {
  await execFileAsync(process.env.TEST_RABBITMQCTL ?? 'rabbitmqctl', ['-q', ...args], {
    timeout: 60_000,
  });
}

async function allReady(stack: GatewayStack, timeoutMs: number): Promise<void> {
  await Promise.all(stack.processes.filter((p) => p.running).map((p) => p.waitForReady(timeoutMs)));
}

function statusKey(status: number): string {
  return `0x${status.toString(16).padStart(8, '0')}`;
}

export async function runFaults(options: FaultRunOptions = {}): Promise<FaultRunReport> {
  const settings: Required<Omit<FaultRunOptions, 'log'>> = {
    rate: options.rate ?? 300,
    replicas: options.replicas ?? 2,
    queueType: options.queueType ?? 'quorum',
    services: options.services ?? SERVICE_NAMES,
    includeBroker: options.includeBroker ?? false,
    redisLoss: options.redisLoss ?? true,
    redisOutage: options.redisOutage ?? true,
    redisDownMs: options.redisDownMs ?? 5_000,
    postgresOutage: options.postgresOutage ?? true,
    postgresDownMs: options.postgresDownMs ?? 5_000,
    failover: options.failover ?? false,
    failoverMs: options.failoverMs ?? 15_000,
    warmupMs: options.warmupMs ?? 5_000,
    downMs: options.downMs ?? 2_000,
    settleMs: options.settleMs ?? 8_000,
    vendorRefuseMs: options.vendorRefuseMs ?? 5_000,
    brokerDownMs: options.brokerDownMs ?? 5_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 120_000,
  };
  const log = options.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const runId = `R${Date.now().toString(36).toUpperCase()}`;

  log(
    `starting a gateway: ${settings.replicas} replica(s) per service, ${settings.queueType} queues` +
      (settings.failover ? ', a backup vendor after the carrier' : ''),
  );
  const carrierKeys = settings.failover ? ['carrier', 'backup'] : ['carrier'];
  const stack = await startGateway({
    replicas: settings.replicas,
    queueType: settings.queueType,
    redisProxy: settings.redisOutage,
    fixture: {
      vendors: carrierKeys.map((key) => ({
        key,
        // Enough binds that each connector replica holds two; records read every 200 ms.
        vendor: { maxBinds: 2 * settings.replicas, throughput: 20_000 },
        simulator: { recordLimit: 200_000, maxBindsPerAccount: 64 },
      })),
      customers: [
        {
          key: 'load',
          systemId: 'faultload',
          password: 'faultpw',
          throughput: 10_000,
          maxBinds: 20,
        },
      ],
      // Lower priority first: the backup only gets what the carrier cannot take.
      routes: carrierKeys.map((key, i) => ({ name: key, vendor: key, priority: 10 * (i + 1) })),
    },
  });
  const simulator = stack.simulator('carrier');
  const customer = stack.customer('load');
  const load = new SteadyLoad({
    ports: () =>
      stack
        .replicas('edge-server')
        .map((p) => p.ports?.smpp)
        .filter((port): port is number => port !== undefined),
    systemId: customer.systemId,
    password: customer.password,
    rate: settings.rate,
    runId,
  });
  const tap = new CarrierTap(new Map(carrierKeys.map((key) => [key, stack.simulator(key)])), runId);
  const began = performance.now();
  const elapsedS = (): number => (performance.now() - began) / 1000;

  // Like an orchestrator: a replica that dies on its own is restarted.
  const intentionallyDown = new Set<string>();
  const unexpectedExits: string[] = [];
  const supervisor = setInterval(() => {
    for (const proc of stack.processes) {
      if (proc.running || intentionallyDown.has(proc.label)) continue;
      intentionallyDown.add(proc.label);
      unexpectedExits.push(
        `${proc.label} exited by itself at ${elapsedS().toFixed(1)} s (code ${proc.lastExit?.code}, signal ${proc.lastExit?.signal})`,
      );
      log(`!! ${unexpectedExits.at(-1) ?? ''}; restarting it`);
      // What it said last: the cause of a crash is in its own log, not in ours.
      log(proc.formatLogs(30));
      void stack
        .restart(proc.service, proc.replica)
        .catch((error: unknown) => log(`!! restart of ${proc.label} failed: ${String(error)}`))
        .finally(() => intentionallyDown.delete(proc.label));
    }
  }, 500);

  const progress = setInterval(() => {
    const accepted = load.messages.filter((m) => m.outcome === 'accepted').length;
    log(
      `t=${elapsedS().toFixed(0)}s sent=${load.messages.length} accepted=${accepted} carrier=${tap.copies.size} ` +
        `receipts=${load.receipts.size} binds=${load.boundSessions()}`,
    );
  }, 5_000);

  const phases: {
    name: string;
    action: string;
    start: number;
    end: number;
    firstSeq: number;
    lastSeq: number;
    recoveryMs: number | undefined;
  }[] = [];
  const phase = async (
    name: string,
    action: string,
    body: () => Promise<number | undefined>,
  ): Promise<void> => {
    load.setPhase(name);
    log(`phase ${name}: ${action}`);
    const entry = {
      name,
      action,
      start: elapsedS(),
      end: 0,
      firstSeq: load.messages.length,
      lastSeq: 0,
      recoveryMs: undefined as number | undefined,
    };
    phases.push(entry);
    entry.recoveryMs = await body();
    entry.end = elapsedS();
    entry.lastSeq = load.messages.length;
  };

  let report: FaultRunReport | undefined;
  try {
    tap.start();
    load.start();
    await phase('warmup', 'steady traffic', async () => {
      await sleep(settings.warmupMs);
      return undefined;
    });

    for (const service of settings.services) {
      await phase(
        `kill-9 ${service}`,
        `SIGKILL ${service}#0, restart after ${settings.downMs} ms`,
        async () => {
          const label = stack.process(service, 0).label;
          intentionallyDown.add(label);
          const t0 = performance.now();
          try {
            await stack.kill(service, 0, 'SIGKILL');
            await sleep(settings.downMs);
            await stack.restart(service, 0);
          } finally {
            intentionallyDown.delete(label);
          }
          const recovery = performance.now() - t0;
          // Where a slow recovery went: the restarted replica's own start-up lines.
          log(stack.process(service, 0).formatLogs(10));
          await sleep(settings.settleMs);
          return Math.round(recovery);
        },
      );
    }

    if (settings.redisLoss) {
      await phase('redis-loss', "every key of the run's Redis prefix deleted", async () => {
        const t0 = performance.now();
        await stack.env.redis.cleanup();
        const recovery = performance.now() - t0;
        await sleep(settings.settleMs);
        // What the loss did to the connectors' binds and leases, for the record.
        for (const proc of stack.replicas('vendor-connector')) log(proc.formatLogs(12));
        return Math.round(recovery);
      });
    }

    const proxy = stack.redisProxy;
    if (settings.redisOutage && proxy) {
      await phase(
        'redis-outage',
        `Redis unreachable for ${settings.redisDownMs} ms (connections ended, new ones refused)`,
        async () => {
          const t0 = performance.now();
          await proxy.cut();
          try {
            await sleep(settings.redisDownMs);
          } finally {
            await proxy.restore();
          }
          await allReady(stack, 120_000);
          const recovery = performance.now() - t0;
          await sleep(settings.settleMs);
          return Math.round(recovery);
        },
      );
    }

    if (settings.postgresOutage) {
      await phase(
        'postgres-outage',
        `the run's database refuses connections for ${settings.postgresDownMs} ms`,
        async () => {
          const t0 = performance.now();
          const restore = await stack.env.db.cutOff();
          try {
            await sleep(settings.postgresDownMs);
          } finally {
            await restore();
          }
          await allReady(stack, 120_000);
          const recovery = performance.now() - t0;
          await sleep(settings.settleMs);
          return Math.round(recovery);
        },
      );
    }

    // The vendor phase: the carrier drops every connection and refuses binds;
    // with a backup on the route (failover run) its traffic must move there.
    const outageMs = settings.failover ? settings.failoverMs : settings.vendorRefuseMs;
    let failover: FaultRunReport['failover'];
    await phase(
      settings.failover ? 'vendor-failover' : 'vendor-drop',
      `carrier drops every connection and refuses binds for ${outageMs} ms` +
        (settings.failover ? '; the backup takes its traffic' : ''),
      async () => {
        const backup = tap.carriers.get('backup');
        const seenBefore = backup?.seen.size ?? 0;
        const handBacks = () =>
          metricSum(
            stack.replicas('vendor-connector'),
            'vendor_connector_handbacks_total',
            `vendor_id="${stack.vendor('carrier').vendor.id}"`,
          );
        const handBacksBefore = backup ? await handBacks() : 0;
        const t0 = performance.now();
        simulator.setFaults({ refuseBindsMs: outageMs, dropConnections: true });
        // The sessions close asynchronously; wait until they are all gone.
        while (simulator.stats().binds.active > 0) await sleep(10);
        await stack.waitForVendorBinds('carrier', undefined, outageMs + 60_000);
        const recovery = Math.round(performance.now() - t0);
        await sleep(settings.settleMs);
        if (backup) {
          tap.poll();
          const since = (at: number | undefined): number | undefined =>
            at === undefined || at < t0 ? undefined : Math.round(at - t0);
          failover = {
            atBackup: backup.seen.size - seenBefore,
            firstAtBackupAfterMs: seenBefore === 0 ? since(backup.firstAt) : undefined,
            lastAtBackupAfterMs: since(backup.lastAt),
            carrierBackAfterMs: recovery,
            handBacks: (await handBacks()) - handBacksBefore,
          };
        }
        return recovery;
      },
    );

    if (settings.includeBroker) {
      await phase(
        'broker-restart',
        `rabbitmqctl stop_app, ${settings.brokerDownMs} ms, start_app`,
        async () => {
          const t0 = performance.now();
          await rabbitmqctl('stop_app');
          await sleep(settings.brokerDownMs);
          await rabbitmqctl('start_app');
          await allReady(stack, 120_000);
          const recovery = performance.now() - t0;
          await sleep(settings.settleMs);
          return Math.round(recovery);
        },
      );
    }

    await phase('cooldown', 'steady traffic, then sending stops', async () => {
      await sleep(settings.settleMs);
      await load.stopSending();
      return undefined;
    });

    // Drain: every accepted message at the carrier with its receipt, or the deadline.
    const accepted = (): SentMessage[] => load.messages.filter((m) => m.outcome === 'accepted');
    const deadline = performance.now() + settings.drainTimeoutMs;
    log('waiting for the carrier copies and receipts of every accepted message');
    for (;;) {
      tap.poll();
      // Settled: a receipt, and a carrier copy unless the receipt says the gateway gave up.
      const missing = accepted().filter((m) => {
        const receipt = load.receipts.get(m.messageId ?? '')?.[0];
        if (receipt === undefined) return true;
        return receipt.stat === 'DELIVRD' && !tap.copies.has(m.seq);
      }).length;
      if (missing === 0 || performance.now() > deadline) break;
      await sleep(500);
    }
    // Late duplicates and receipts still in flight get a moment to show up.
    await sleep(2_000);
    tap.stop();
    clearInterval(progress);
    clearInterval(supervisor);
    const deadLetters = await deadLetterSummary(stack.env.amqp.url);
    const refusedDroppedByRouter = await metricSum(
      stack.replicas('router-worker'),
      'router_refused_dropped_total',
    );

    // Seconds into the run at which each second-or-later receipt copy arrived.
    const duplicateArrivals = [...load.receipts.values()].flatMap((copies) =>
      copies.slice(1).map((copy) => (copy.at - began) / 1000),
    );
    report = buildReport({
      failover,
      refusedDroppedByRouter,
      startedAt,
      settings,
      durationS: elapsedS(),
      load,
      tap,
      phases: phases.map((p, index) => {
        const slice = load.messages.slice(p.firstSeq, p.lastSeq);
        return {
          name: p.name,
          action: p.action,
          startedAtS: Number(p.start.toFixed(1)),
          durationS: Number((p.end - p.start).toFixed(1)),
          recoveryMs: p.recoveryMs,
          sent: slice.length,
          accepted: slice.filter((m) => m.outcome === 'accepted').length,
          refused: slice.filter((m) => m.outcome === 'refused').length,
          unknown: slice.filter((m) => m.outcome === 'unknown').length,
          carrierDuplicates: slice.reduce(
            (sum, m) => sum + Math.max(0, (tap.copies.get(m.seq) ?? 0) - 1),
            0,
          ),
          failedByGateway: slice.filter((m) => {
            const receipt = load.receipts.get(m.messageId ?? '')?.[0];
            return m.outcome === 'accepted' && receipt !== undefined && receipt.stat !== 'DELIVRD';
          }).length,
          receiptDuplicates: slice.reduce(
            (sum, m) => sum + Math.max(0, (load.receipts.get(m.messageId ?? '')?.length ?? 0) - 1),
            0,
          ),
          receiptDuplicatesArrived: duplicateArrivals.filter(
            (s) => s >= p.start && (s < p.end || index === phases.length - 1),
          ).length,
        };
      }),
      unexpectedExits,
      deadLetters,
    });
    return report;
  } catch (error) {
    log(stack.formatLogs(60));
    throw error;
  } finally {
    clearInterval(progress);
    clearInterval(supervisor);
    tap.stop();
    if (report !== undefined && !report.verdict.everythingAcceptedDelivered)
      log(stack.formatLogs(40));
    await load.close();
    await stack.stop();
  }
}

/** A counter's value summed over the replicas that answer their /metrics (0 for the others). */
function buildReport(input: {
  failover: FaultRunReport['failover'];
  refusedDroppedByRouter: number;
  startedAt: string;
  settings: Required<Omit<FaultRunOptions, 'log'>>;
  durationS: number;
  load: SteadyLoad;
  tap: CarrierTap;
  phases: PhaseReport[];
  unexpectedExits: string[];
  deadLetters: DeadLetterSummary;
}): FaultRunReport {
  const { load, tap } = input;
  const refusedByStatus: Record<string, number> = {};
  let accepted = 0;
  let refused = 0;
  let unknown = 0;
  let unsent = 0;
  let acceptedAtCarrier = 0;
  let unknownAtCarrier = 0;
  let refusedAtCarrier = 0;
  let withReceipt = 0;
  const lostAtCarrier: number[] = [];
  const lostReceipts: number[] = [];
  const failedByGateway: number[] = [];
  const silentlyLost: number[] = [];
  const acceptedIds = new Set<string>();
  const byStat: Record<string, number> = {};
  for (const message of load.messages) {
    const atCarrier = tap.copies.has(message.seq);
    switch (message.outcome) {
      case 'accepted': {
        accepted += 1;
        const id = message.messageId ?? '';
        acceptedIds.add(id);
        const first = load.receipts.get(id)?.[0];
        if (atCarrier) {
          acceptedAtCarrier += 1;
        } else {
          lostAtCarrier.push(message.seq);
          if (first !== undefined && first.stat !== 'DELIVRD') failedByGateway.push(message.seq);
          else silentlyLost.push(message.seq);
        }
        if (first) {
          withReceipt += 1;
          const stat =
            first.stat === 'DELIVRD'
              ? 'DELIVRD'
              : `${first.stat ?? 'none'} err:${first.err ?? '?'}`;
          byStat[stat] = (byStat[stat] ?? 0) + 1;
        } else {
          lostReceipts.push(message.seq);
        }
        break;
      }
      case 'refused': {
        refused += 1;
        const key = statusKey(message.status ?? 0);
        refusedByStatus[key] = (refusedByStatus[key] ?? 0) + 1;
        if (atCarrier) refusedAtCarrier += 1;
        break;
      }
      case 'unknown':
      case 'pending':
        unknown += 1;
        if (atCarrier) unknownAtCarrier += 1;
        break;
      case 'unsent':
        unsent += 1;
        break;
    }
  }
  let duplicates = 0;
  const duplicated: number[] = [];
  for (const [seq, copies] of tap.copies) {
    if (copies > 1) {
      duplicates += copies - 1;
      duplicated.push(seq);
    }
  }
  let receiptDuplicates = 0;
  let forOtherIds = 0;
  const duplicatedReceipts: string[] = [];
  for (const [id, list] of load.receipts) {
    if (list.length > 1) {
      receiptDuplicates += list.length - 1;
      duplicatedReceipts.push(id);
    }
    if (!acceptedIds.has(id)) forOtherIds += 1;
  }
  const distinct = tap.copies.size;
  const duplicateRate = distinct > 0 ? duplicates / distinct : 0;
  return {
    startedAt: input.startedAt,
    settings: input.settings,
    durationS: Number(input.durationS.toFixed(1)),
    phases: input.phases,
    submits: {
      sent: load.messages.length,
      accepted,
      refused,
      refusedByStatus,
      unknown,
      unsent,
      skipped: load.skipped,
      customerDisconnects: load.disconnects,
    },
    carrier: {
      submitRecords: tap.records,
      distinctMessages: distinct,
      acceptedAtCarrier,
      acceptedMissing: lostAtCarrier.length,
      acceptedFailedByGateway: failedByGateway.length,
      acceptedSilentlyLost: silentlyLost.length,
      duplicates,
      duplicateRate,
      unknownOutcomeAtCarrier: unknownAtCarrier,
      refusedAtCarrier,
      refusedDroppedByRouter: input.refusedDroppedByRouter,
      recordsMissed: tap.missed,
      byCarrier: Object.fromEntries([...tap.carriers].map(([key, c]) => [key, c.seen.size])),
    },
    ...(input.failover !== undefined ? { failover: input.failover } : {}),
    receipts: {
      acceptedWithReceipt: withReceipt,
      acceptedMissingReceipt: lostReceipts.length,
      duplicates: receiptDuplicates,
      forOtherIds,
      byStat,
    },
    unexpectedExits: input.unexpectedExits,
    deadLetters: input.deadLetters,
    samples: {
      silentlyLost: silentlyLost.slice(0, 50),
      failedByGateway: failedByGateway.slice(0, 50),
      lostAtCarrier: lostAtCarrier.slice(0, 50),
      lostReceipts: lostReceipts.slice(0, 50),
      duplicated: duplicated.slice(0, 50),
      duplicatedReceipts: duplicatedReceipts.slice(0, 50),
    },
    verdict: {
      nothingAcceptedLost:
        silentlyLost.length === 0 && lostReceipts.length === 0 && tap.missed === 0,
      everythingAcceptedDelivered: lostAtCarrier.length === 0,
      duplicateRateWithinTarget: duplicateRate <= DUPLICATE_TARGET,
      nothingRefusedSent: refusedAtCarrier === 0,
    },
  };
}

/** The report as a few readable lines. */
export function formatFaultReport(report: FaultRunReport): string {
  const pct = (n: number, of: number): string =>
    of > 0 ? `${((n / of) * 100).toFixed(3)} %` : '-';
  const lines = [
    `fault run ${report.startedAt}: ${report.settings.rate} msg/s, ${report.settings.replicas} replicas, ` +
      `${report.settings.queueType} queues, ${report.durationS} s`,
    '',
    'phase                       start   dur   recovery   sent  accepted refused unknown  dup@carrier failed(9xx) dup-receipts arrived',
    ...report.phases.map(
      (p) =>
        `${p.name.padEnd(26)} ${p.startedAtS.toFixed(0).padStart(5)}s ${p.durationS.toFixed(0).padStart(4)}s ` +
        `${(p.recoveryMs === undefined ? '-' : `${p.recoveryMs} ms`).padStart(10)} ${String(p.sent).padStart(6)} ` +
        `${String(p.accepted).padStart(9)} ${String(p.refused).padStart(7)} ${String(p.unknown).padStart(7)} ` +
        `${String(p.carrierDuplicates).padStart(12)} ${String(p.failedByGateway).padStart(11)} ${String(p.receiptDuplicates).padStart(12)} ` +
        `${String(p.receiptDuplicatesArrived).padStart(7)}`,
    ),
    '',
    `submits     sent ${report.submits.sent}, accepted ${report.submits.accepted}, refused ${report.submits.refused} ` +
      `${JSON.stringify(report.submits.refusedByStatus)}, no answer ${report.submits.unknown}, ` +
      `never offered (no bind up) ${report.submits.skipped}, customer disconnects ${report.submits.customerDisconnects}`,
    `carrier     accepted messages there ${report.carrier.acceptedAtCarrier}/${report.submits.accepted}, ` +
      `missing ${report.carrier.acceptedMissing} (failed by the gateway with a receipt ${report.carrier.acceptedFailedByGateway}, ` +
      `SILENTLY LOST ${report.carrier.acceptedSilentlyLost}); duplicates ${report.carrier.duplicates} ` +
      `(${pct(report.carrier.duplicates, report.carrier.distinctMessages)} of ${report.carrier.distinctMessages}); ` +
      `no-answer submits that arrived ${report.carrier.unknownOutcomeAtCarrier}; refused yet sent ${report.carrier.refusedAtCarrier} (refused, kept by the broker and dropped by the router: ${report.carrier.refusedDroppedByRouter})`,
    `receipts    accepted messages with a receipt ${report.receipts.acceptedWithReceipt}/${report.submits.accepted}, ` +
      `MISSING ${report.receipts.acceptedMissingReceipt}; duplicates ${report.receipts.duplicates}; ` +
      `for no-answer submits ${report.receipts.forOtherIds}; stats ${JSON.stringify(report.receipts.byStat)}`,
    ...(report.failover
      ? [
          `failover    ${report.failover.atBackup} messages at the backup, the first ${report.failover.firstAtBackupAfterMs ?? '-'} ms ` +
            `and the last ${report.failover.lastAtBackupAfterMs ?? '-'} ms after the carrier dropped; the carrier bound again after ` +
            `${report.failover.carrierBackAfterMs ?? '-'} ms; per carrier ${JSON.stringify(report.carrier.byCarrier)}; ` +
            `${report.failover.handBacks} handed back by the connectors`,
        ]
      : []),
    `crashes     ${report.unexpectedExits.length === 0 ? 'none' : report.unexpectedExits.join('; ')}`,
    `dead letters ${report.deadLetters.count}${report.deadLetters.count > 0 ? ` ${JSON.stringify(report.deadLetters.byOrigin)}` : ''}`,
    '',
    `verdict     nothing accepted lost: ${report.verdict.nothingAcceptedLost ? 'YES' : 'NO'}; ` +
      `everything accepted delivered: ${report.verdict.everythingAcceptedDelivered ? 'YES' : 'NO'}; ` +
      `duplicates ≤ 0.1 %: ${report.verdict.duplicateRateWithinTarget ? 'YES' : 'NO'}; ` +
      `nothing refused was sent: ${report.verdict.nothingRefusedSent ? 'YES' : 'NO'}`,
  ];
  return lines.join('\n');
}
