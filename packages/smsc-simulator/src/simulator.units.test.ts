import { describe, expect, it } from 'vitest';
import { DelayScheduler } from './delay.scheduler.js';
import { MessageIdGenerator } from './message-id.generator.js';
import {
  parseReceiptPercentages,
  parseReceiptRule,
  ReceiptOutcomeRules,
} from './receipt-outcome.rules.js';
import { parseSimulatorArgs, SimulatorArgsError } from './simulator.args.js';

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
