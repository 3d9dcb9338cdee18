import { ConfigError } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig(required);
    expect(config).toMatchObject({
      SMPP_PORT: 2775,
      SMPP_TLS_PORT: 2776,
      DEFAULT_COUNTRY_CODE: '1',
      BIND_LOCKOUT_FAILURES: 5,
      EDGE_CREDIT_REFRESH_MS: 1_000,
    });
    expect(config.TLS_CERT_DIR).toBeUndefined();
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({
        ...required,
        SMPP_PORT: 'x',
        DEFAULT_COUNTRY_CODE: '0',
        BIND_TIMEOUT_MS: 'soon',
      });
      expect.fail('should throw');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
      expect(variables).toEqual(['BIND_TIMEOUT_MS', 'DEFAULT_COUNTRY_CODE', 'SMPP_PORT']);
    }
  });

  it('bounds EDGE_CREDIT_REFRESH_MS to 100 ms … 60 s', () => {
    expect(loadConfig({ ...required, EDGE_CREDIT_REFRESH_MS: '100' }).EDGE_CREDIT_REFRESH_MS).toBe(
      100,
    );
    expect(
      loadConfig({ ...required, EDGE_CREDIT_REFRESH_MS: '60000' }).EDGE_CREDIT_REFRESH_MS,
    ).toBe(60_000);
    for (const value of ['99', '60001', 'often']) {
      expect(() => loadConfig({ ...required, EDGE_CREDIT_REFRESH_MS: value })).toThrow(
        /EDGE_CREDIT_REFRESH_MS/,
      );
    }
  });

  it('refuses two listeners on one port', () => {
    expect(() => loadConfig({ ...required, SMPP_PORT: '9090' })).toThrow(
      /must differ from SMPP_PORT/,
    );
  });
});
