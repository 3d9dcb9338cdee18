import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskLongPrefix, maskPhone, maskUrlCredentials, redactFields } from './log-redaction.js';

describe('maskLongPrefix', () => {
  it('shows a range prefix whole and masks one that may be a whole number', () => {
    expect(maskLongPrefix('88213')).toBe('88213');
    expect(maskLongPrefix('447700')).toBe('447700');
    expect(maskLongPrefix('4477009')).toBe('4477*09');
    expect(maskLongPrefix('447700900123')).toBe('4477******23');
  });
});

describe('maskPhone', () => {
  it.each([
    ['15551234567', '1555*****67'],
    ['+15551234567', '+1555*****67'],
    ['447700900123', '4477******23'],
    ['1234567', '1234*67'],
    ['12345', '***45'],
    ['ACME', '**ME'],
    ['7', '*'],
  ])('%s → %s', (input, expected) => {
    expect(maskPhone(input)).toBe(expected);
  });

  it('never reveals more than six digits of a long number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{7,15}$/), (digits) => {
        const masked = maskPhone(digits);
        expect(masked).toHaveLength(digits.length);
        expect(masked.replace(/\*/g, '')).toHaveLength(6);
      }),
    );
  });
});

describe('redactFields', () => {
  it('redacts credentials at any depth, whatever the key casing', () => {
    const out = redactFields({
      vendor: {
        system_id: 'sinch1',
        password: 'p4ss',
        nested: { apiKey: 'k', Authorization: 'Bearer t' },
      },
      accessToken: 't',
      client_secret: 's',
      list: [{ PASSWORD: 'x' }],
    });
    expect(out).toEqual({
      vendor: {
        system_id: 'sinch1',
        password: '[REDACTED]',
        nested: { apiKey: '[REDACTED]', Authorization: '[REDACTED]' },
      },
      accessToken: '[REDACTED]',
      client_secret: '[REDACTED]',
      list: [{ PASSWORD: '[REDACTED]' }],
    });
  });

  it('keeps only the length of message text', () => {
    const out = redactFields({
      text: 'Your code is 123456',
      pdu: { short_message: Buffer.from('hello'), message_payload: 'xyz', shortMessage: 'abc' },
      body: 'raw',
    });
    expect(out).toEqual({
      text: '[REDACTED len=19]',
      pdu: {
        short_message: '[REDACTED len=5]',
        message_payload: '[REDACTED len=3]',
        shortMessage: '[REDACTED len=3]',
      },
      body: '[REDACTED len=3]',
    });
  });

  it('masks phone numbers in address fields, including SMPP address objects', () => {
    const out = redactFields({
      source: '15551234567',
      dest: '15559876543',
      destination_addr: '+447700900123',
      msisdn: 15551234567,
      mt: { source: { addr: '15551234567', ton: 1, npi: 1 } },
    });
    expect(out).toEqual({
      source: '1555*****67',
      dest: '1555*****43',
      destination_addr: '+4477******23',
      msisdn: '1555*****67',
      mt: { source: { addr: '1555*****67', ton: 1, npi: 1 } },
    });
  });

  it('serialises errors with message and stack, with URL passwords masked', () => {
    const err = new Error('connect ECONNREFUSED amqp://gw:s3cret@10.0.0.1:5672');
    const out = redactFields({ err }) as { err: { type: string; message: string; stack: string } };
    expect(out.err.type).toBe('Error');
    expect(out.err.message).toBe('connect ECONNREFUSED amqp://gw:***@10.0.0.1:5672');
    expect(out.err.stack).toContain('log-redaction.test.ts');
    expect(JSON.stringify(out)).not.toContain('s3cret');
  });

  it('survives cycles, bigints and deep nesting, and does not mutate its input', () => {
    const input: Record<string, unknown> = { n: 10n, password: 'x' };
    input.self = input;
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20; i++) deep = deep.next = {} as Record<string, unknown>;
    const out = redactFields({ input, root });
    expect((out.input as Record<string, unknown>).self).toBe('[Circular]');
    expect((out.input as Record<string, unknown>).n).toBe('10');
    expect(input.password).toBe('x');
    expect(JSON.stringify(out)).toContain('[Truncated]');
  });

  it('masks credentials inside any string value', () => {
    expect(maskUrlCredentials('postgres://app:pw@db:5432/x and redis://:pw2@r:6379')).toBe(
      'postgres://app:***@db:5432/x and redis://:***@r:6379',
    );
    expect(redactFields({ url: 'amqp://guest:guest@127.0.0.1' })).toEqual({
      url: 'amqp://guest:***@127.0.0.1',
    });
  });
});
