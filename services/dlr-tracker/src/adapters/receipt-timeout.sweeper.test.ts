import type { ContractInput } from '@smpp-gateway/contracts';
import type { OverdueSubmission, OverdueSweepOptions } from '@smpp-gateway/db';
import { silentLogger } from '@smpp-gateway/runtime';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ReceiptTimeoutSweeper } from './receipt-timeout.sweeper.js';

const overdue = (messageId: string, vendorMessageId: string): OverdueSubmission => ({
  messageId,
  vendorId: 'v1',
  vendorMessageId,
  vendorMessageKey: vendorMessageId.toLowerCase(),
  acceptedAt: new Date(0),
});

describe('ReceiptTimeoutSweeper', () => {
  it('gives each overdue message an UNKNOWN 908 receipt, passing over one no receipt can carry', async () => {
    const published: ContractInput<'VendorReceipt'>[][] = [];
    const sweeps: OverdueSweepOptions[] = [];
    const timeouts = new Counter({
      name: 'dlr_receipt_timeouts_total',
      help: 'test',
      labelNames: ['vendor_id'],
      registers: [new Registry()],
    });
    const sweeper = new ReceiptTimeoutSweeper({
      sweep: async (options) => {
        sweeps.push(options);
        await options.handle([
          overdue('m1', 'A1'),
          overdue('m2', 'x'.repeat(65)),
          overdue('m3', 'B2'),
        ]);
        return { kind: 'swept', found: 3, caughtUp: true };
      },
      publish: (receipts) => {
        published.push([...receipts]);
        return Promise.resolve();
      },
      timeoutMs: 60_000,
      intervalMs: 60_000,
      timeouts,
      logger: silentLogger,
      now: () => 1_000_000,
    });
    await sweeper.run();
    expect(sweeps[0]?.before.getTime()).toBe(1_000_000 - 60_000);
    expect(published.flat().map((r) => [r.vendorMessageId, r.stat, r.err])).toEqual([
      ['A1', 'UNKNOWN', '908'],
      ['B2', 'UNKNOWN', '908'],
    ]);
    expect((await timeouts.get()).values[0]?.value).toBe(2);
  });
});
