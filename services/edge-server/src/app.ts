// Composition root of edge-server: builds the adapters, wires the handlers into
// SMPP sessions, starts the listeners and exposes the shutdown phases. main.ts
// runs it for real; integration tests run it in-process with test config.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { controlQueue, type ContractInput, type ControlCommand } from '@smpp-gateway/contracts';
import {
  createDatabase,
  getCustomerById,
  getCustomerBySystemId,
  prepaidBalances,
  verifyPassword,
  type Customer,
} from '@smpp-gateway/db';
import { lookupMessage, MessageStateStore, RefusedSubmitsStore } from '@smpp-gateway/message-state';
import {
  coalescingFrom,
  amqpMetrics,
  consume,
  ContractPublisher,
  createLogger,
  createMetricsRegistry,
  amqpFrom,
  redisFrom,
  Readiness,
  RedisDb,
  startOpsServer,
  throttled,
  type Consumer,
  type Logger,
  type OpsServer,
  type ReadinessCheck,
  type ShutdownManager,
} from '@smpp-gateway/runtime';
import type { BindInfo, SmppSession, SmppSessionInit } from '@smpp-gateway/smpp';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { AccountDirectory } from './adapters/account.directory.js';
import { BindGuard } from './adapters/bind-guard.redis.js';
import { CreditWatcher } from './adapters/credit.watcher.js';
import { DeliveryDispatcher } from './adapters/delivery.dispatcher.js';
import { MtBatchPublisher } from './adapters/mt-batch.publisher.js';
import { CustomerRateLimiter } from './adapters/rate-limiter.redis.js';
import { SmppListener } from './adapters/smpp.listener.js';
import { TlsCertificateStore } from './adapters/tls-certificate.store.js';
import type { EdgeConfig } from './config.js';
import type { AddressRules } from './domain/address.normalizer.js';
import { createMessageIdGenerator } from './domain/message-id.generator.js';
import { createSourceAllowList, type SourceAllowList } from './domain/source.matcher.js';
import { authorizeBind } from './handlers/bind.authorizer.js';
import { handleQuery } from './handlers/query.handler.js';
import {
  handleSubmit,
  type AcceptedState,
  type PublishOutcome,
  type SubmitPorts,
} from './handlers/submit.handler.js';
import type { SubmitInput } from './handlers/submit.validator.js';
import { createEdgeMetrics, type EdgeMetrics } from './metrics.js';

export const SERVICE_NAME = 'edge-server';

export interface EdgeOverrides {
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Clock for message ids and timestamps (tests). */
  readonly now?: () => number;
}

export interface EdgeServer {
  readonly smppPort: number;
  readonly tlsPort: number | undefined;
  readonly opsPort: number;
  readonly registry: Registry;
  readonly metrics: EdgeMetrics;
  readonly readiness: Readiness;
  readonly tlsStore: TlsCertificateStore | undefined;
  /** Runs every shutdown phase in order (tests; main registers them with a ShutdownManager instead). */
  stop(): Promise<void>;
  registerShutdown(manager: ShutdownManager): void;
}

interface SessionContext {
  readonly customerId: string;
  readonly systemId: string;
  readonly bindType: BindInfo['bindType'];
  readonly sessionId: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function startEdgeServer(
  config: EdgeConfig,
  overrides: EdgeOverrides = {},
): Promise<EdgeServer> {
  const logger =
    overrides.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const log = logger.child({ component: 'edge' });
  const registry = overrides.registry ?? createMetricsRegistry({ service: SERVICE_NAME });
  const metrics = createEdgeMetrics(registry);
  const messaging = amqpMetrics(registry);
  const readiness = new Readiness();
  const now = overrides.now ?? Date.now;

  // ---- stores and connections -------------------------------------------
  const db = createDatabase(config.DATABASE_URL, {
    poolMax: config.PG_POOL_MAX,
    statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
    applicationName: SERVICE_NAME,
    onPoolError: (error) => log.error('idle postgres client failed', { err: error.message }),
  });
  const pgReadiness: ReadinessCheck = {
    name: 'postgres',
    check: async () => {
      await sql`SELECT 1`.execute(db);
    },
  };
  const stateRedis = redisFrom(config, { db: RedisDb.dlr, name: 'edge-state', logger });
  const rateRedis = redisFrom(config, { db: RedisDb.rate, name: 'edge-rate', logger });
  const control = controlQueue(SERVICE_NAME, config.INSTANCE_ID);
  const { amqp, topology } = amqpFrom(config, {
    name: `${SERVICE_NAME}-${config.INSTANCE_ID}`,
    logger,
    queues: () => [control],
  });
  // PostgreSQL and Redis are reported but do not make the edge unready: it
  // works without them, degraded (binds from the account cache, local rate
  // limits and bind counts), and an unready edge is taken out of the SMPP
  // load balancer, so during their outage no customer could bind at all.
  // Without the broker nothing can be accepted: that one is critical.
  readiness
    .register({ ...pgReadiness, critical: false })
    .register({ ...stateRedis.readiness, critical: false })
    .register({ ...rateRedis.readiness, critical: false })
    .register(amqp.readiness());

  const ops: OpsServer = await startOpsServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry,
    readiness,
    logger,
  });

  const stateStore = new MessageStateStore({
    redis: stateRedis.client,
    ttlSeconds: config.STATE_TTL_SECONDS,
  });
  const refusedSubmits = new RefusedSubmitsStore({ redis: stateRedis.client });
  let refusedPending: string[] = [];
  const flushRefused = (): void => {
    const messageIds = refusedPending;
    refusedPending = [];
    refusedSubmits.record(messageIds).catch((error: unknown) => {
      metrics.redisFallbacks.inc({ operation: 'record_refused' });
      log.warn(
        'recording refused submits failed: those whose MT reached the broker will be delivered',
        { message_ids: messageIds.slice(0, 20), count: messageIds.length, err: errorText(error) },
      );
    });
  };
  const onRedisFallback = (operation: string, error: unknown): void => {
    metrics.redisFallbacks.inc({ operation });
    log.warn('redis unavailable, using local state', { operation, err: errorText(error) });
  };
  const rateLimiter = new CustomerRateLimiter({
    redis: rateRedis.client,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    reserveFraction: config.RATE_LIMIT_RESERVE_PERMILLE / 1000,
    onFallback: (error) => onRedisFallback('rate_limit', error),
  });
  const bindGuard = new BindGuard({
    redis: rateRedis.client,
    leaseTtlMs: config.BIND_LEASE_TTL_MS,
    lockoutFailures: config.BIND_LOCKOUT_FAILURES,
    lockoutWindowMs: config.BIND_LOCKOUT_WINDOW_MS,
    lockoutMs: config.BIND_LOCKOUT_MS,
    onFallback: onRedisFallback,
  });
  bindGuard.start();
  // A bind storm during an outage: one line per 10 s with the count.
  const logStale = throttled(10_000, (lookups, systemId: string, err: unknown) =>
    log.warn('PostgreSQL unreadable, binds answered from expired account entries', {
      system_id: systemId,
      lookups,
      err,
    }),
  );
  const directory = new AccountDirectory({
    ttlMs: config.AUTH_CACHE_TTL_MS,
    staleIfErrorMs: config.AUTH_CACHE_STALE_IF_ERROR_MS,
    onStale: (systemId, err) => {
      metrics.accountStale.inc();
      logStale(systemId, err);
    },
    source: {
      bySystemId: (systemId) => getCustomerBySystemId(db, systemId),
      byId: (id) => getCustomerById(db, id),
      verifyPassword,
    },
  });
  const sweepTimer = setInterval(() => directory.sweep(), 60_000);
  sweepTimer.unref();
  // Prepaid balances of the bound customers (soft limit: see credit.watcher.ts).
  const credit = new CreditWatcher({
    source: { balances: (ids) => prepaidBalances(db, ids) },
    refreshMs: config.EDGE_CREDIT_REFRESH_MS,
    onSourceError: (error, failures) =>
      log.warn('prepaid balances unreadable, last known ones kept', {
        failures,
        err: errorText(error),
      }),
  });
  credit.start();

  // The broker may be down at boot: start() retries, /ready reports it meanwhile.
  await amqp.start();
  const publisher = await ContractPublisher.open(amqp, {
    logger,
    metrics: messaging,
    confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
    appId: SERVICE_NAME,
    name: 'edge-mt',
  });
  readiness.register(publisher.readiness());

  const dispatcher = new DeliveryDispatcher({
    connection: amqp,
    topology,
    logger,
    metrics,
    amqpMetrics: messaging,
    prefetch: config.DELIVERY_PREFETCH,
    retryDelayMs: config.DELIVERY_RETRY_DELAY_MS,
    confirmTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS,
    windowSize: config.SMPP_WINDOW_SIZE,
  });

  // ---- session bookkeeping ----------------------------------------------
  const contexts = new WeakMap<SmppSession, SessionContext>();
  const sessionsByCustomer = new Map<string, Set<SmppSession>>();
  /** The freshest account row per bound customer (throughput, status; seeds its prepaid balance). */
  const accounts = new Map<string, Customer>();
  /**
   * Each account row's allowed sources, compiled at its first submit: a row
   * replaced (invalidate-customer, a new first bind) is compiled afresh, and
   * a dropped one takes its list with it.
   */
  const sourceLists = new WeakMap<Customer, SourceAllowList>();
  const allowedSourcesOf = (account: Customer): SourceAllowList => {
    let list = sourceLists.get(account);
    if (!list) {
      list = createSourceAllowList(account.allowedSources);
      sourceLists.set(account, list);
    }
    return list;
  };
  const addressRules: AddressRules = {
    defaultCountryCode: config.DEFAULT_COUNTRY_CODE,
    nationalNumberLength: config.NATIONAL_NUMBER_LENGTH,
  };
  let acceptingBinds = true;
  let acceptingSubmits = true;
  let submitsInFlight = 0;
  let submitsIdle: (() => void) | undefined;

  const mtPublisher = new MtBatchPublisher({
    publisher,
    coalescing: coalescingFrom(config, config.MT_PUBLISH_MAX_BATCH),
    onFailure: (error, count) =>
      log.warn('MtSubmitted not confirmed', { messages: count, err: errorText(error) }),
  });
  const nextMessageId = createMessageIdGenerator(now);
  const submitPorts: SubmitPorts = {
    acquire: async (customerId, throughput, segments) => {
      const ok = await rateLimiter.acquire(customerId, throughput, segments);
      if (!ok) metrics.rateLimited.inc({ type: 'customer' });
      return ok;
    },
    publish: (message: ContractInput<'MtSubmitted'>): Promise<PublishOutcome> =>
      mtPublisher.publish(message),
    recordAccepted: (state: AcceptedState) => {
      stateStore
        .recordAccepted(state.messageId, {
          status: 'accepted',
          customerId: state.customerId,
          systemId: state.systemId,
          source: state.source,
          destination: state.destination,
          registeredDelivery: state.registeredDelivery,
          dataCoding: state.dataCoding,
          segments: state.segments,
          acceptedAt: state.acceptedAt,
        })
        .catch((error: unknown) => {
          metrics.redisFallbacks.inc({ operation: 'record_accepted' });
          log.debug('recording the accepted state failed', {
            message_id: state.messageId,
            err: errorText(error),
          });
        });
    },
    recordRefused: (messageId: string) => {
      // A failed publish batch refuses all its submits in one event-loop
      // turn: they are recorded together, one Redis round trip per batch.
      if (refusedPending.length === 0) setImmediate(flushRefused);
      refusedPending.push(messageId);
    },
    nextMessageId,
    now: () => new Date(now()),
  };

  const submit = async (ctx: SessionContext, input: SubmitInput) => {
    const started = performance.now();
    const account = accounts.get(ctx.customerId);
    if (!acceptingSubmits || !account) {
      // Draining for shutdown (or the account vanished): the ESME retries elsewhere.
      metrics.submits.inc({ customer_id: ctx.customerId, status: 'queue_full' });
      return { commandStatus: 0x14, messageId: '' };
    }
    submitsInFlight += 1;
    try {
      const result = await handleSubmit(
        input,
        {
          customerId: ctx.customerId,
          systemId: ctx.systemId,
          throughput: account.throughput,
          addressRules,
          creditExhausted: credit.exhausted(ctx.customerId),
          allowedSources: allowedSourcesOf(account),
        },
        submitPorts,
      );
      metrics.submits.inc({ customer_id: ctx.customerId, status: result.label });
      if (result.label === 'ok')
        metrics.submitSegments.inc({ customer_id: ctx.customerId }, result.segments);
      metrics.submitLatency.observe({ status: result.label }, (performance.now() - started) / 1000);
      if (result.reason && log.isLevelEnabled('debug')) {
        log.debug('submit refused', {
          customer_id: ctx.customerId,
          status: result.commandStatus,
          reason: result.reason,
          // Masked by the logger (a phone-number key), like every address in a log line.
          ...(result.source !== undefined ? { source: result.source } : {}),
        });
      }
      return { commandStatus: result.commandStatus, messageId: result.messageId ?? '' };
    } finally {
      submitsInFlight -= 1;
      if (submitsInFlight === 0) submitsIdle?.();
    }
  };

  const attachHandlers = (session: SmppSession, ctx: SessionContext): void => {
    session.handle('submit_sm', (pdu) => submit(ctx, pdu));
    session.handle('data_sm', (pdu) =>
      submit(ctx, {
        ...pdu,
        protocolId: 0,
        priorityFlag: 0,
        scheduleDeliveryTime: '',
        validityPeriod: '',
        replaceIfPresentFlag: 0,
        shortMessage: Buffer.alloc(0),
      }),
    );
    session.handle('query_sm', async (pdu) => {
      const answer = await handleQuery(pdu.messageId, ctx.customerId, {
        lookup: async (id) => (await lookupMessage(stateStore, db, id))?.record,
      });
      return answer;
    });
  };

  /** Lease ids by connection, so a lease taken by a bind that never completed is still released. */
  const sessionIds = new WeakMap<Socket, string>();
  const sessionInit =
    (listener: 'plain' | 'tls') =>
    (socket: Socket): SmppSessionInit => {
      const sessionId = randomUUID();
      sessionIds.set(socket, sessionId);
      let ctx: SessionContext | undefined;
      let pendingCustomer: Customer | undefined;
      return {
        role: 'server',
        systemId: config.SMPP_SYSTEM_ID,
        bindTimeoutMs: config.BIND_TIMEOUT_MS,
        windowSize: config.SMPP_WINDOW_SIZE,
        responseTimeoutMs: config.SMPP_RESPONSE_TIMEOUT_MS,
        enquireLinkIntervalMs: config.SMPP_ENQUIRE_LINK_INTERVAL_MS,
        maxIncomingInFlight: config.SMPP_MAX_INCOMING_IN_FLIGHT,
        // Longer than the broker confirm timeout, so the publish's own verdict
        // (not a blanket handler timeout) decides the answer.
        handlerTimeoutMs: config.AMQP_CONFIRM_TIMEOUT_MS + 2_000,
        metrics: {
          issue: (issue, detail) => {
            metrics.sessionErrors.inc({ customer_id: ctx?.customerId ?? 'unbound', issue });
            if (issue !== 'malformed_pdu')
              log.warn('smpp session issue', {
                issue,
                detail,
                customer_id: ctx?.customerId,
                listener,
              });
          },
        },
        authorize: async (info) => {
          const decision = await authorizeBind(
            {
              systemId: info.systemId,
              password: info.password,
              remoteAddress: info.remoteAddress,
              sessionId,
            },
            {
              acceptingBinds: () => acceptingBinds,
              isLocked: (ip) => bindGuard.isLocked(ip),
              recordFailure: (ip) => bindGuard.recordFailure(ip),
              findAccount: (systemId) => directory.find(systemId),
              checkPassword: (customer, password) => directory.checkPassword(customer, password),
              acquireLease: (customerId, id, maxBinds) =>
                bindGuard.acquire(customerId, id, maxBinds),
            },
          ).catch((error: unknown) => {
            log.error('bind decision failed', { err: errorText(error), system_id: info.systemId });
            return {
              commandStatus: 0x08,
              outcome: 'error' as const,
              customer: undefined,
              lockedNow: false,
            };
          });
          metrics.bindRequests.inc({ status: decision.outcome });
          if (decision.lockedNow) {
            metrics.bindLockouts.inc();
            log.warn('source address locked out after failed binds', {
              remote_address: info.remoteAddress,
            });
          }
          if (decision.outcome !== 'ok') {
            log.warn('bind refused', {
              outcome: decision.outcome,
              system_id: info.systemId,
              remote_address: info.remoteAddress,
              bind_type: info.bindType,
            });
          }
          if (
            decision.outcome === 'ok' &&
            decision.customer &&
            !accounts.has(decision.customer.id)
          ) {
            // Its first session here: the balance fresh, before any submit (see credit.watcher.ts).
            await credit.prime(decision.customer.id, decision.customer.creditMicros);
          }
          pendingCustomer = decision.customer;
          return decision.commandStatus;
        },
        onBound: (session, info) => {
          const customer = pendingCustomer;
          if (!customer) throw new Error('bound without an authorised customer');
          ctx = {
            customerId: customer.id,
            systemId: customer.systemId,
            bindType: info.bindType,
            sessionId,
          };
          contexts.set(session, ctx);
          if (!accounts.has(customer.id)) {
            // First session of this customer here: later binds keep the fresher
            // row. Its balance was primed before the bind was answered, unless
            // its previous last session closed meanwhile (then forgotten).
            accounts.set(customer.id, customer);
            credit.seed(customer.id, customer.creditMicros);
          }
          let set = sessionsByCustomer.get(customer.id);
          if (!set) {
            set = new Set();
            sessionsByCustomer.set(customer.id, set);
          }
          set.add(session);
          attachHandlers(session, ctx);
          metrics.activeSessions.inc({ bind_type: info.bindType });
          if (info.bindType !== 'transmitter') dispatcher.attach(customer.id, session);
          log.info('customer bound', {
            customer_id: customer.id,
            system_id: customer.systemId,
            bind_type: info.bindType,
            remote_address: info.remoteAddress,
            listener,
          });
        },
      };
    };

  const onSession =
    (listener: 'plain' | 'tls') =>
    (session: SmppSession, socket: Socket): void => {
      metrics.connections.inc({ listener });
      const sessionId = sessionIds.get(socket);
      void session.closed.then((info) => {
        metrics.connections.dec({ listener });
        metrics.sessionsClosed.inc({ reason: info.reason });
        const ctx = contexts.get(session);
        if (sessionId) void bindGuard.release(sessionId);
        if (!ctx) return;
        metrics.activeSessions.dec({ bind_type: ctx.bindType });
        if (ctx.bindType !== 'transmitter') dispatcher.detach(ctx.customerId, session);
        const set = sessionsByCustomer.get(ctx.customerId);
        set?.delete(session);
        if (set && set.size === 0) {
          sessionsByCustomer.delete(ctx.customerId);
          accounts.delete(ctx.customerId);
          credit.forget(ctx.customerId);
        }
        log.info('customer session closed', {
          customer_id: ctx.customerId,
          reason: info.reason,
          bind_type: ctx.bindType,
        });
      });
    };

  const listenerError = (listener: string) => (kind: string, error: Error) => {
    if (kind === 'tls_handshake_error')
      log.debug('tls handshake failed', { listener, err: error.message });
    else log.error('smpp listener error', { listener, kind, err: error.message });
  };

  const plain = new SmppListener({
    sessionInit: sessionInit('plain'),
    onSession: onSession('plain'),
    maxConnections: config.SMPP_MAX_CONNECTIONS,
    onError: listenerError('plain'),
  });
  const plainAddress = await plain.listen(config.SMPP_PORT, config.SMPP_HOST);

  let tlsStore: TlsCertificateStore | undefined;
  let tlsListener: SmppListener | undefined;
  let tlsPort: number | undefined;
  if (config.TLS_CERT_DIR) {
    // At 0 before the first load: an alert on increase() sees a first load
    // that fails in part (prom-client creates a labelled series at its first inc).
    metrics.tlsReloads.inc({ outcome: 'partial' }, 0);
    const store = new TlsCertificateStore({
      dir: config.TLS_CERT_DIR,
      defaultName: config.TLS_DEFAULT_CERT,
      onReload: (loaded, failed) => {
        metrics.tlsReloads.inc({ outcome: failed.length === 0 ? 'ok' : 'partial' });
        // Reset then set in one synchronous turn: a scrape never sees a gap, and
        // a removed certificate's series goes instead of alerting forever.
        metrics.tlsCertificateExpiry.reset();
        for (const { name, validToSeconds } of store.expiries())
          metrics.tlsCertificateExpiry.set({ certificate: name }, validToSeconds);
        if (failed.length > 0)
          log.error('some certificates failed to load; previous ones kept', { failed });
        else log.info('tls certificates loaded', { certificates: loaded });
        if (tlsListener) tlsListener.setSecureContext(store.serverOptions());
      },
    });
    await store.start();
    tlsStore = store;
    tlsListener = new SmppListener({
      sessionInit: sessionInit('tls'),
      onSession: onSession('tls'),
      tls: store.serverOptions(),
      maxConnections: config.SMPP_MAX_CONNECTIONS,
      onError: listenerError('tls'),
    });
    tlsPort = (await tlsListener.listen(config.SMPP_TLS_PORT, config.SMPP_HOST)).port;
  }
  const listeners = [plain, ...(tlsListener ? [tlsListener] : [])];

  // ---- control commands ---------------------------------------------------
  const onControl = async (message: ControlCommand): Promise<void> => {
    const command = message.command;
    switch (command.type) {
      case 'invalidate-customer': {
        const fresh = await directory.invalidate(command.customerId);
        rateLimiter.forget(command.customerId);
        const bound = sessionsByCustomer.get(command.customerId);
        log.info('customer invalidated', {
          customer_id: command.customerId,
          issued_by: message.issuedBy,
        });
        if (!bound) return;
        if (!fresh || fresh.status !== 'active') {
          log.warn('unbinding sessions of a customer that is no longer active', {
            customer_id: command.customerId,
          });
          await Promise.all([...bound].map((session) => session.close()));
        } else {
          accounts.set(command.customerId, fresh);
          // A fresh read: its balance (or null, postpaid now) replaces the last known one.
          credit.track(command.customerId, fresh.creditMicros);
        }
        return;
      }
      case 'reload-vendors':
      case 'reconnect-vendor':
      case 'reload-routing':
      case 'reload-rates':
      case 'reload-tendlc':
        return;
    }
  };
  const controlConsumer: Consumer = await consume(amqp, 'ControlCommand', control.name, onControl, {
    logger,
    metrics: messaging,
    prefetch: 10,
  });

  // ---- shutdown -------------------------------------------------------------
  const waitForSubmits = (deadlineMs: number): Promise<void> =>
    new Promise<void>((resolve) => {
      if (submitsInFlight === 0) {
        resolve();
        return;
      }
      const timer = setTimeout(resolve, deadlineMs);
      submitsIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const phases = {
    stopIntake: async () => {
      acceptingBinds = false;
      for (const listener of listeners) listener.stopAccepting();
      await dispatcher.cancelAll();
      await controlConsumer.cancel();
    },
    drain: async () => {
      acceptingSubmits = false;
      await waitForSubmits(config.AMQP_CONFIRM_TIMEOUT_MS + 2_000);
      await dispatcher.closeAll();
      await Promise.all(listeners.map((l) => l.closeSessions()));
    },
    close: async () => {
      clearInterval(sweepTimer);
      await credit.stop();
      bindGuard.stop();
      tlsStore?.close();
      await controlConsumer.close().catch(() => undefined);
      await publisher.close();
      await amqp.close();
      await Promise.all([stateRedis.close(), rateRedis.close()]);
      await db.destroy();
      await ops.close();
    },
  };

  let stopping: Promise<void> | undefined;
  log.info('edge-server listening', {
    smpp_port: plainAddress.port,
    tls_port: tlsPort,
    ops_port: ops.port,
  });

  return {
    smppPort: plainAddress.port,
    tlsPort,
    opsPort: ops.port,
    registry,
    metrics,
    readiness,
    tlsStore,
    stop: () => {
      stopping ??= (async () => {
        readiness.markShuttingDown();
        for (const [name, phase] of Object.entries(phases)) {
          await phase();
          log.debug('shutdown phase finished', { phase: name });
        }
      })();
      return stopping;
    },
    registerShutdown: (manager) => {
      manager
        .register('stop-intake', 'smpp-listeners-and-consumers', phases.stopIntake)
        .register('drain', 'submits-deliveries-sessions', phases.drain)
        .register('close', 'connections', phases.close);
    },
  };
}
