import { describe, expect, it } from 'vitest';
import { LoadArgsError, parseLoadArgs } from './load.args.js';
import { resolveLoadOptions, LoadOptionsError } from './load.options.js';

describe('parseLoadArgs', () => {
  it('maps flags onto load options', () => {
    const config = parseLoadArgs([
      '--port',
      '2777',
      '--binds',
      '4',
      '--window',
      '100',
      '--rate',
      '5000',
      '--duration',
      '2.5',
      '--mix',
      'gsm7=8,ucs2=1,long=1',
      '--receipts',
      '0.5',
      '--bind-mode',
      'transmitter-receiver',
      '--resp-id-format',
      'hex',
      '--receipt-id-format',
      'decimal',
      '--out',
      'r.json',
      '--progress',
    ]);
    expect(config.options).toMatchObject({
      port: 2777,
      binds: 4,
      windowSize: 100,
      rate: 5000,
      durationMs: 2500,
      mix: { gsm7: 8, ucs2: 1, long: 1 },
      receiptRatio: 0.5,
      bindMode: 'transmitter-receiver',
      respIdFormat: 'hex',
      receiptIdFormat: 'decimal',
    });
    expect(config).toMatchObject({ out: 'r.json', progress: true, json: false });
    expect(() => resolveLoadOptions(config.options)).not.toThrow();
  });

  it('reports every problem', () => {
    expect(() => parseLoadArgs(['--rate', 'fast', '--mix', 'sms=1'])).toThrow(LoadArgsError);
    try {
      parseLoadArgs(['--rate', 'fast', '--mix', 'sms=1']);
    } catch (error) {
      expect((error as LoadArgsError).problems).toHaveLength(3);
    }
  });

  it('validation lists every bad option', () => {
    expect(() =>
      resolveLoadOptions({ port: 0, systemId: '', password: 'x', windowSize: 0 }),
    ).toThrow(LoadOptionsError);
    try {
      resolveLoadOptions({ port: 0, systemId: '', password: 'x', windowSize: 0 });
    } catch (error) {
      expect((error as LoadOptionsError).problems.length).toBeGreaterThanOrEqual(4);
    }
  });
});
