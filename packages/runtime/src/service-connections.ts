// The shared variables (README "Configuration", `envGroups`) turned into the
// connections every service opens, in one place. Two bugs of one kind came
// from each service wiring them itself: admin-api declared the shared
// queues with the defaults instead of DELIVERY_TTL_MS / DEFER_DELAY_MS (the
// broker refuses a declaration whose arguments differ), and one writer of
// message state of three honoured STATE_TTL_SECONDS. A service that builds
// its connections here cannot leave a shared variable out: each factory
// takes the whole group the service's schema parsed.
import type { QueueSpec, QueueType, TopologyOptions } from '@smpp-gateway/contracts';
import { AmqpConnection } from './amqp/connection.js';
import { staticTopology, topologyOptionsFrom, topologySetup } from './amqp/topology.js';
import type { Logger } from './logger.js';
import { createKysely, type PostgresHandle } from './postgres.js';
import { createRedis, type RedisDb, type RedisHandle } from './redis.js';

/** `envGroups.postgres` as parsed. */
export interface PostgresEnv {
  readonly DATABASE_URL: string;
  readonly PG_POOL_MAX: number;
  readonly PG_STATEMENT_TIMEOUT_MS: number;
  readonly PG_PREPARED_STATEMENTS: boolean;
}

/** `envGroups.redis` as parsed. */
export interface RedisEnv {
  readonly REDIS_URL: string;
  readonly REDIS_KEY_PREFIX: string;
}

/** The part of `envGroups.amqp` a connection and its topology need. */
export interface AmqpEnv {
  readonly AMQP_URL: string;
  readonly AMQP_QUEUE_TYPE: QueueType;
  readonly DELIVERY_TTL_MS: number;
  readonly DEFER_DELAY_MS: number;
}

export function postgresFrom<DB>(
  env: PostgresEnv,
  options: { readonly applicationName: string; readonly logger: Logger },
): PostgresHandle<DB> {
  return createKysely<DB>({
    url: env.DATABASE_URL,
    poolMax: env.PG_POOL_MAX,
    statementTimeoutMs: env.PG_STATEMENT_TIMEOUT_MS,
    preparedStatements: env.PG_PREPARED_STATEMENTS,
    applicationName: options.applicationName,
    logger: options.logger,
  });
}

export function redisFrom(
  env: RedisEnv,
  options: { readonly db: RedisDb; readonly name: string; readonly logger: Logger },
): RedisHandle {
  return createRedis({
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    db: options.db,
    name: options.name,
    logger: options.logger,
  });
}

export interface ServiceAmqp {
  readonly amqp: AmqpConnection;
  /** The queue arguments every service declares alike (from the shared variables). */
  readonly topology: TopologyOptions;
}

/**
 * A connection that declares the shared topology from the configuration on
 * every (re)connect, plus the service's own queues (its control queue, a
 * holding queue), built from the same options.
 */
export function amqpFrom(
  env: AmqpEnv,
  options: {
    readonly name: string;
    readonly logger: Logger;
    readonly queues?: (topology: TopologyOptions) => readonly QueueSpec[];
  },
): ServiceAmqp {
  const topology = topologyOptionsFrom(env);
  const amqp = new AmqpConnection({
    url: env.AMQP_URL,
    name: options.name,
    logger: options.logger,
  });
  const shared = staticTopology(topology);
  void amqp.addSetup(
    'topology',
    topologySetup({
      exchanges: shared.exchanges,
      queues: [...shared.queues, ...(options.queues?.(topology) ?? [])],
    }),
  );
  return { amqp, topology };
}
