import { ConfigError } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
  REDIS_URL: 'redis://127.0.0.1:6379',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
};

function problems(env: Record<string, string>): string {
  try {
    loadConfig({ ...required, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('gives messages 72 h for a receipt by default; 0 turns the timeout off', () => {
    expect(loadConfig(required)).toMatchObject({
      RECEIPT_TIMEOUT_MS: 72 * 3_600_000,
      RECEIPT_TIMEOUT_SWEEP_MS: 60_000,
    });
    expect(loadConfig({ ...required, RECEIPT_TIMEOUT_MS: '0' }).RECEIPT_TIMEOUT_MS).toBe(0);
  });

  it('refuses a receipt timeout the CDRs would not outlive', () => {
    expect(
      problems({ CDR_RETENTION_DAYS: '8', RECEIPT_TIMEOUT_MS: String(8 * 86_400_000) }),
    ).toMatch(/RECEIPT_TIMEOUT_MS: must be shorter than CDR_RETENTION_DAYS/);
    expect(
      loadConfig({ ...required, CDR_RETENTION_DAYS: '8', RECEIPT_TIMEOUT_MS: '0' })
        .RECEIPT_TIMEOUT_MS,
    ).toBe(0);
    expect(problems({ RECEIPT_TIMEOUT_MS: '-1' })).toMatch(/RECEIPT_TIMEOUT_MS/);
  });
});
