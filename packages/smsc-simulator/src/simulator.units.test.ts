import { describe, expect, it } from 'vitest';
import { DelayScheduler } from './delay.scheduler.js';
import { MessageIdGenerator } from './message-id.generator.js';
import {
  parseReceiptPercentages,
  parseReceiptRule,
  ReceiptOutcomeRules,
  type ReceiptRule,
} from './receipt-outcome.rules.js';
import { parseSimulatorArgs, SIMULATOR_USAGE, SimulatorArgsError } from './simulator.args.js';
import type { SimulatorStats } from './smsc.simulator.js';
import { formatStatusLine } from './status-line.format.js';

describe('DelayScheduler', () => {
  it('runs callbacks in due order, FIFO on ties, never synchronously', async () => {
    const scheduler = new DelayScheduler();
    const order: string[] = [];
    scheduler.schedule(30, () => order.push('c'));
    scheduler.schedule(0, () => order.push('a1'));
    scheduler.schedule(0, () => order.push('a2'));
    scheduler.schedule(10, () => order.push('b'));
    expect(order).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(order).toEqual(['a1', 'a2', 'b', 'c']);
    scheduler.stop();
  });
});

describe('MessageIdGenerator', () => {
  it('hex with decimalInReceipt gives the same number in both bases', () => {
    const id = new MessageIdGenerator('hex', true, 1_715_004).issue();
    expect(id).toEqual({ resp: '1A2B3C', receipt: '1715004' });
  });
  it('refuses decimalInReceipt without hex', () => {
    expect(() => new MessageIdGenerator('uuid', true)).toThrow(RangeError);
  });
});

describe('receipt rules', () => {
  it('first match wins, then percentages, then DELIVRD', () => {
    const rules = new ReceiptOutcomeRules(
      [parseReceiptRule('prefix:1999=UNDELIV:34'), parseReceiptRule('regex:^1\\d+9$=EXPIRED')],
      {},
    );
    expect(rules.decide('19990')).toEqual({ stat: 'UNDELIV', err: 34 });
    expect(rules.decide('12349')).toEqual({ stat: 'EXPIRED', err: 27 });
    expect(rules.decide('2')).toEqual({ stat: 'DELIVRD', err: 0 });
    expect(parseReceiptPercentages('DELIVRD=90,UNDELIV=10')).toEqual({ DELIVRD: 90, UNDELIV: 10 });
    expect(() => parseReceiptRule('prefix:1=FAILED')).toThrow(RangeError);
  });

  it('NONE: a rule or a share of the percentages that sends no receipt, so it carries no err', () => {
    const rules = new ReceiptOutcomeRules([{ prefix: '1999', stat: 'NONE' }], {});
    expect(rules.decide('19995550000')).toEqual({ stat: 'NONE' });
    expect(rules.decide('12125550000')).toEqual({ stat: 'DELIVRD', err: 0 });
    expect(parseReceiptRule('regex:^1999=NONE')).toEqual({ regex: '^1999', stat: 'NONE' });
    expect(() => parseReceiptRule('prefix:1999=NONE:5')).toThrow(/NONE sends no receipt/);
    // A rule from JSON/JS that the type would refuse.
    // @ts-expect-error NONE takes no err
    const withErr: ReceiptRule = { prefix: '1999', stat: 'NONE', err: 5 };
    expect(() => new ReceiptOutcomeRules([withErr])).toThrow(/NONE sends no receipt/);
  });

  it('deals NONE exactly: 2 of every 100, and 1 in each cycle of 4', () => {
    const twoPercent = new ReceiptOutcomeRules([], { DELIVRD: 98, NONE: 2 });
    const stats = Array.from({ length: 200 }, () => twoPercent.decide('1555').stat);
    expect(stats.slice(0, 100).filter((stat) => stat === 'NONE')).toHaveLength(2);
    expect(stats.slice(100).filter((stat) => stat === 'NONE')).toHaveLength(2);
    expect(stats.filter((stat) => stat === 'DELIVRD')).toHaveLength(196);

    const oneInFour = new ReceiptOutcomeRules([], parseReceiptPercentages('DELIVRD=3,NONE=1'));
    for (let cycle = 0; cycle < 5; cycle++) {
      const four = Array.from({ length: 4 }, () => oneInFour.decide('1555'));
      expect(four.filter((decision) => decision.stat === 'NONE')).toEqual([{ stat: 'NONE' }]);
    }
  });

  it('refuses a percentage for a stat it does not know, rather than ignoring it', () => {
    // A misspelt NONE would otherwise mean every message gets a receipt.
    expect(() => new ReceiptOutcomeRules([], { DELIVRD: 98, NOEN: 2 } as never)).toThrow(
      /unknown stat NOEN, expected one of DELIVRD, UNDELIV, EXPIRED, REJECTD, NONE/,
    );
    expect(() => parseReceiptPercentages('DELIVRD=98,NOEN=2')).toThrow(
      /unknown stat NOEN, expected one of .*NONE/,
    );
  });
});

describe('parseSimulatorArgs', () => {
  it('reads flags and environment, flags first', () => {
    const config = parseSimulatorArgs(
      [
        '--port',
        '0',
        '--account',
        'a:pw:3',
        '--account',
        'b:pw2',
        '--id-format',
        'hex',
        '--decimal-in-receipt',
        '--receipt-rule',
        'prefix:1999=UNDELIV',
      ],
      { SMSC_SIM_PORT: '9999', SMSC_SIM_RESP_LATENCY: '5', SMSC_SIM_STATUS_INTERVAL: '0' },
    );
    expect(config.options).toMatchObject({
      port: 0,
      accounts: [
        { systemId: 'a', password: 'pw', maxBinds: 3 },
        { systemId: 'b', password: 'pw2' },
      ],
      messageIdFormat: 'hex',
      decimalInReceipt: true,
      responseLatencyMs: 5,
      receiptRules: [{ prefix: '1999', stat: 'UNDELIV' }],
    });
    expect(config.statusIntervalS).toBe(0);
  });
  it('accepts NONE in rules and percentages, from flags and from the environment', () => {
    const config = parseSimulatorArgs(
      ['--receipt-rule', 'prefix:1999=NONE', '--receipt-percentages', 'DELIVRD=98,NONE=2'],
      {},
    );
    expect(config.options.receiptRules).toEqual([{ prefix: '1999', stat: 'NONE' }]);
    expect(config.options.receiptPercentages).toEqual({ DELIVRD: 98, NONE: 2 });
    const fromEnv = parseSimulatorArgs([], {
      SMSC_SIM_RECEIPT_RULES: 'regex:^1888=NONE;prefix:1777=EXPIRED',
      SMSC_SIM_RECEIPT_PERCENTAGES: 'NONE=1,DELIVRD=3',
    });
    expect(fromEnv.options).toMatchObject({
      receiptRules: [
        { regex: '^1888', stat: 'NONE' },
        { prefix: '1777', stat: 'EXPIRED' },
      ],
      receiptPercentages: { DELIVRD: 3, NONE: 1 },
    });
    expect(SIMULATOR_USAGE).toContain('DELIVRD UNDELIV EXPIRED REJECTD NONE');
  });
  it('still refuses an unknown stat word, naming it and the ones it knows', () => {
    try {
      parseSimulatorArgs([
        '--receipt-rule',
        'prefix:1999=FAILED',
        '--receipt-rule',
        'prefix:1888=NONE:5',
        '--receipt-percentages',
        'DELIVRD=98,NONES=2',
      ]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorArgsError);
      expect((error as SimulatorArgsError).problems).toEqual([
        'receipt rule "prefix:1999=FAILED": unknown stat FAILED, expected one of DELIVRD, UNDELIV, EXPIRED, REJECTD, NONE',
        'receipt rule "prefix:1888=NONE:5": NONE sends no receipt, so no :err',
        'receipt percentages "DELIVRD=98,NONES=2": unknown stat NONES, expected one of DELIVRD, UNDELIV, EXPIRED, REJECTD, NONE',
      ]);
    }
  });
  it('reads the receipt clock offset, from a flag or the environment, and refuses one no zone has', () => {
    expect(
      parseSimulatorArgs(['--receipt-utc-offset', '+05:30'], {}).options.receiptUtcOffsetMinutes,
    ).toBe(330);
    expect(
      parseSimulatorArgs(['--receipt-utc-offset=-03:00'], {}).options.receiptUtcOffsetMinutes,
    ).toBe(-180);
    expect(
      parseSimulatorArgs([], { SMSC_SIM_RECEIPT_UTC_OFFSET: '-0300' }).options
        .receiptUtcOffsetMinutes,
    ).toBe(-180);
    expect(parseSimulatorArgs([], {}).options).not.toHaveProperty('receiptUtcOffsetMinutes');
    for (const bad of ['+15:00', '-12:30', '5:30', '+05:60', 'Europe/Berlin']) {
      // A value starting with '-' needs the = form (node:util parseArgs).
      expect(() => parseSimulatorArgs([`--receipt-utc-offset=${bad}`], {}), bad).toThrow(
        /--receipt-utc-offset must be an offset from -12:00 to \+14:00/,
      );
    }
  });
  it('lists every problem', () => {
    try {
      parseSimulatorArgs(['--port', 'x', '--id-format', 'base64', '--account', 'nopass']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorArgsError);
      expect((error as SimulatorArgsError).problems).toHaveLength(3);
    }
  });
});

describe('formatStatusLine', () => {
  it('shows receipts withheld on purpose (NONE) apart from the ones acked', () => {
    const stats = {
      uptimeMs: 2_000,
      binds: { active: 1, byType: { transmitter: 0, receiver: 0, transceiver: 1 } },
      submits: { received: 10, ok: 10, throttled: 0, failed: 0, stalled: 0 },
      receipts: { generated: 8, acked: 8, queued: 0, withheld: 2, dropped: 0 },
      mo: { acked: 0 },
    } as unknown as SimulatorStats;
    const line = formatStatusLine(undefined, stats);
    expect(line).toContain('receipts=8/8 queued=0 withheld=2');
  });
});
