import { ConfigError, topologyOptionsFrom } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/gw',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      AMQP_PREFETCH: 30,
      MO_PREFETCH: 1000,
      ROUTER_RELOAD_INTERVAL_MS: 30_000,
      MO_REASSEMBLY_TIMEOUT_MS: 30_000,
      TENDLC_CACHE_TTL_SECONDS: 300,
      TENDLC_NEGATIVE_CACHE_TTL_SECONDS: 30,
      AMQP_QUEUE_TYPE: 'quorum',
    });
    expect(topologyOptionsFrom(config)).toMatchObject({ queueType: 'quorum', deferDelayMs: 5_000 });
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({
        REDIS_URL: 'http://nope',
        MO_REASSEMBLY_TIMEOUT_MS: '5',
        AMQP_URL: required.AMQP_URL,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable).sort()).toEqual([
      'DATABASE_URL',
      'MO_REASSEMBLY_TIMEOUT_MS',
      'REDIS_URL',
    ]);
  });

  it('reads the opt-out and opt-in keywords, empty meaning none, and refuses what a subscriber cannot type', () => {
    expect(loadConfig(required)).toMatchObject({
      OPT_OUT_KEYWORDS: [
        'STOP',
        'STOPALL',
        'UNSUBSCRIBE',
        'CANCEL',
        'END',
        'QUIT',
        'REVOKE',
        'OPTOUT',
      ],
      OPT_IN_KEYWORDS: ['START', 'UNSTOP'],
    });
    expect(
      loadConfig({ ...required, OPT_OUT_KEYWORDS: ' stop, Arret ,', OPT_IN_KEYWORDS: '' }),
    ).toMatchObject({ OPT_OUT_KEYWORDS: ['STOP', 'ARRET'], OPT_IN_KEYWORDS: [] });
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ ...required, ...env });
      } catch (err) {
        return (err as ConfigError).problems.map((p) => `${p.variable}: ${p.problem}`);
      }
      return [];
    };
    expect(problems({ OPT_OUT_KEYWORDS: 'STOP,PLEASE STOP' })).toEqual([
      'OPT_OUT_KEYWORDS: keyword "PLEASE STOP" is not one word of 1-20 letters or digits',
    ]);
    expect(problems({ OPT_IN_KEYWORDS: 'START,stop' })).toEqual([
      'OPT_IN_KEYWORDS: STOP cannot both opt out and opt in',
    ]);
  });
});
