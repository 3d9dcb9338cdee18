import { DEV_VENDOR_SECRET_KEY } from '@smpp-gateway/db';
import { ConfigError } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { loadAdminConfig } from './config.js';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/smpp_gateway',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

describe('loadAdminConfig', () => {
  it('defaults: port 8080, no proxy trusted, 10 failures/min, dev key flagged', () => {
    const config = loadAdminConfig(base);
    expect(config).toMatchObject({
      ADMIN_PORT: 8080,
      ADMIN_TRUST_PROXY: false,
      ADMIN_AUTH_FAILURE_LIMIT: 10,
      ADMIN_AUTH_FAILURE_WINDOW_MS: 60_000,
      ADMIN_TOKEN_CACHE_TTL_MS: 5_000,
      ADMIN_DOCS_ENABLED: true,
      usingDevVendorKey: true,
    });
    expect(config.vendorSecretKey).toHaveLength(32);
    expect(config).not.toHaveProperty('VENDOR_SECRET_KEY');
  });

  it('parses trust proxy forms', () => {
    expect(loadAdminConfig({ ...base, ADMIN_TRUST_PROXY: '2' }).ADMIN_TRUST_PROXY).toBe(2);
    expect(loadAdminConfig({ ...base, ADMIN_TRUST_PROXY: 'true' }).ADMIN_TRUST_PROXY).toBe(true);
    expect(
      loadAdminConfig({ ...base, ADMIN_TRUST_PROXY: 'loopback, 10.0.0.0/8' }).ADMIN_TRUST_PROXY,
    ).toEqual(['loopback', '10.0.0.0/8']);
  });

  it('reports every problem at once, never echoing the key', () => {
    const key = 'zz'.repeat(40);
    try {
      loadAdminConfig({
        ...base,
        ADMIN_PORT: 'http',
        ADMIN_AUTH_FAILURE_LIMIT: '0',
        VENDOR_SECRET_KEY: key,
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.map((p) => p.variable);
      expect(problems).toEqual(
        expect.arrayContaining(['ADMIN_PORT', 'ADMIN_AUTH_FAILURE_LIMIT', 'VENDOR_SECRET_KEY']),
      );
      expect((err as Error).message).not.toContain(key);
    }
  });

  it('refuses the public development key in production', () => {
    expect(() =>
      loadAdminConfig({
        ...base,
        NODE_ENV: 'production',
        VENDOR_SECRET_KEY: DEV_VENDOR_SECRET_KEY,
      }),
    ).toThrow(/VENDOR_SECRET_KEY/);
    expect(() => loadAdminConfig({ ...base, NODE_ENV: 'production' })).toThrow(/VENDOR_SECRET_KEY/);
  });
});
