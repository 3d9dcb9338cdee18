import { DEFAULT_TOPOLOGY_OPTIONS } from '@smpp-gateway/contracts';
import { topologyOptionsFrom } from './amqp/topology.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  commonEnv,
  ConfigError,
  defaultInstanceId,
  distinctPorts,
  envBoolean,
  envPort,
  envGroups,
  loadConfig,
  loadConfigOrExit,
  maskConfigValue,
} from './config.js';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/app',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

const schema = z.object({
  ...envGroups.base,
  ...envGroups.postgres,
  ...envGroups.redis,
  ...envGroups.amqp,
});

function problemsOf(
  env: Record<string, string | undefined>,
  s: z.ZodType<unknown, Record<string, unknown>> = schema,
) {
  try {
    loadConfig(s, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(schema, required);
    expect(config).toMatchObject({
      LOG_LEVEL: 'info',
      METRICS_PORT: 9090,
      REDIS_KEY_PREFIX: '',
      AMQP_QUEUE_TYPE: 'quorum',
      SHUTDOWN_TIMEOUT_MS: 25_000,
      AMQP_PREFETCH: 30,
      PG_POOL_MAX: 10,
    });
    expect(config.INSTANCE_ID).toBe(defaultInstanceId());
    expectTypeOf(config.METRICS_PORT).toEqualTypeOf<number>();
    expectTypeOf(config.AMQP_QUEUE_TYPE).toEqualTypeOf<'quorum' | 'classic'>();
    expectTypeOf(config.LOG_LEVEL).toEqualTypeOf<'fatal' | 'error' | 'warn' | 'info' | 'debug'>();
    expect(config.INSTANCE_ID).toMatch(/^[A-Za-z0-9_-]+-\d+$/);
  });

  it('coerces numbers and accepts port 0 (ephemeral) and the boundaries', () => {
    expect(loadConfig(schema, { ...required, METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    expect(loadConfig(schema, { ...required, METRICS_PORT: '65535' }).METRICS_PORT).toBe(65535);
    expect(loadConfig(schema, { ...required, LOG_LEVEL: 'DEBUG' }).LOG_LEVEL).toBe('debug');
  });

  it('treats an empty numeric variable as unset rather than as 0', () => {
    const config = loadConfig(schema, {
      ...required,
      METRICS_PORT: '',
      SHUTDOWN_TIMEOUT_MS: ' ',
      LOG_LEVEL: '',
    });
    expect(config.METRICS_PORT).toBe(9090);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(25_000);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('reports every problem at once, one per variable', () => {
    const problems = problemsOf({
      METRICS_PORT: '-1',
      PG_POOL_MAX: '2.5',
      AMQP_QUEUE_TYPE: 'lazy',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual(
      [
        'AMQP_QUEUE_TYPE',
        'AMQP_URL',
        'DATABASE_URL',
        'METRICS_PORT',
        'PG_POOL_MAX',
        'REDIS_URL',
      ].sort(),
    );
    expect(problems.find((p) => p.variable === 'METRICS_PORT')).toEqual({
      variable: 'METRICS_PORT',
      problem: 'must be >= 0',
      value: '"-1"',
    });
    expect(problems.find((p) => p.variable === 'PG_POOL_MAX')?.problem).toBe('must be an integer');
    expect(problems.find((p) => p.variable === 'REDIS_URL')).toEqual({
      variable: 'REDIS_URL',
      problem: 'is required but not set',
    });
  });

  it('masks values of secret-looking variables and URL passwords', () => {
    expect(maskConfigValue('VENDOR_PASSWORD', 'hunter2')).toBe('"***" (7 chars)');
    expect(maskConfigValue('JWT_SECRET', 'abc')).toBe('"***" (3 chars)');
    expect(maskConfigValue('API_KEY', 'abc')).toBe('"***" (3 chars)');
    expect(maskConfigValue('REDIS_KEY_PREFIX', 'gw:')).toBe('"gw:"');
    expect(maskConfigValue('OPT_OUT_KEYWORDS', 'STOP,END')).toBe('"STOP,END"');
    expect(maskConfigValue('DATABASE_URL', 'postgres://u:pw@h/db')).toBe('"postgres://u:***@h/db"');
  });

  it('rejects an INSTANCE_ID that cannot be part of a queue name', () => {
    expect(problemsOf({ ...required, INSTANCE_ID: 'pod.1' })[0]?.variable).toBe('INSTANCE_ID');
  });

  it('checks distinct ports across fields, ignoring 0', () => {
    const withPorts = z
      .object({ METRICS_PORT: commonEnv.METRICS_PORT, SMPP_PORT: envPort(2775) })
      .superRefine(distinctPorts(['METRICS_PORT', 'SMPP_PORT']));
    expect(problemsOf({ METRICS_PORT: '2775' }, withPorts)).toEqual([
      { variable: 'SMPP_PORT', problem: 'must differ from METRICS_PORT (both are 2775)' },
    ]);
    expect(loadConfig(withPorts, { METRICS_PORT: '0', SMPP_PORT: '0' })).toEqual({
      METRICS_PORT: 0,
      SMPP_PORT: 0,
    });
  });

  it('parses booleans strictly', () => {
    const s = z.object({ TLS: envBoolean(false) });
    expect(loadConfig(s, { TLS: 'true' }).TLS).toBe(true);
    expect(loadConfig(s, { TLS: '0' }).TLS).toBe(false);
    expect(loadConfig(s, {}).TLS).toBe(false);
    expect(problemsOf({ TLS: 'maybe' }, s)[0]?.problem).toBe('must be true or false');
  });
});

describe('loadConfigOrExit', () => {
  it('writes one block with every problem and exits 78', () => {
    let written = '';
    let exitCode: number | undefined;
    expect(() =>
      loadConfigOrExit(
        schema,
        'router-worker',
        { METRICS_PORT: 'x' },
        {
          stderr: { write: (t: string) => (written += t) },
          exit: (code: number): never => {
            exitCode = code;
            throw new Error('exited');
          },
        },
      ),
    ).toThrow('exited');
    expect(exitCode).toBe(78);
    expect(written.split('\n')[0]).toBe(
      'router-worker: invalid configuration, refusing to start (4 problems):',
    );
    expect(written).toContain('  - METRICS_PORT: must be a number (got "x")');
  });
});

describe('shared AMQP topology variables', () => {
  const schema = z.object({ ...envGroups.amqp });
  const env = { AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' };

  it('give every service the same queue arguments, defaults included', () => {
    expect(topologyOptionsFrom(loadConfig(schema, env))).toEqual(DEFAULT_TOPOLOGY_OPTIONS);
    const tuned = loadConfig(schema, {
      ...env,
      AMQP_QUEUE_TYPE: 'classic',
      DELIVERY_TTL_MS: '3600000',
      DEFER_DELAY_MS: '10000',
    });
    expect(topologyOptionsFrom(tuned)).toEqual({
      ...DEFAULT_TOPOLOGY_OPTIONS,
      queueType: 'classic',
      deliveryTtlMs: 3_600_000,
      deferDelayMs: 10_000,
    });
  });

  it('refuse values RabbitMQ would not take as a TTL', () => {
    expect(() => loadConfig(schema, { ...env, DEFER_DELAY_MS: '50' })).toThrow(/DEFER_DELAY_MS/);
    expect(() => loadConfig(schema, { ...env, DELIVERY_TTL_MS: '3000000000' })).toThrow(
      /DELIVERY_TTL_MS/,
    );
  });
});
