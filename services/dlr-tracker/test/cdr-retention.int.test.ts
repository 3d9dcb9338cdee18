// CDR retention in a running tracker, against real PostgreSQL: CDRs past
// CDR_RETENTION_DAYS go, the others stay, the deletions are counted.
import {
  getCdr,
  getMoMessage,
  insertMoMessages,
  upsertCdrs,
  type CdrWrite,
  type MoMessageWrite,
} from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  metricValue,
  newCustomerId,
  startHarness,
  type Harness,
} from './tracker-harness.js';

const DAY = 86_400_000;

describe('CDR retention', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      CDR_RETENTION_DAYS: '30',
      CDR_PRUNE_INTERVAL_MS: '1000',
      CDR_PRUNE_BATCH: '100',
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('deletes the CDRs accepted before the retention window and keeps the rest', async () => {
    const customerId = newCustomerId();
    const cdr = (messageId: string, daysAgo: number): CdrWrite => ({
      messageId,
      customerId,
      systemId: 'retention',
      sourceAddr: '15550001000',
      destinationAddr: '15125550100',
      segments: 1,
      submitStatus: 'submitted',
      acceptedAt: new Date(Date.now() - daysAgo * DAY),
    });
    const old = Array.from({ length: 250 }, (_, i) => cdr(`ret-old-${i}`, 31 + (i % 5)));
    const recent = Array.from({ length: 20 }, (_, i) => cdr(`ret-new-${i}`, 29));
    await upsertCdrs(h.db, [...old, ...recent]);

    const pruned = await eventually(
      () => metricValue(h.tracker, 'dlr_cdrs_pruned_total'),
      (n) => n >= old.length,
    );
    expect(pruned).toBe(old.length);
    expect(await getCdr(h.db, 'ret-old-0')).toBeUndefined();
    expect(await getCdr(h.db, 'ret-old-249')).toBeUndefined();
    for (const { messageId } of recent) expect(await getCdr(h.db, messageId)).toBeDefined();
  });

  it('deletes the MO archive rows received before the retention window too', async () => {
    const customerId = newCustomerId();
    const mo = (messageId: string, daysAgo: number): MoMessageWrite => {
      const at = new Date(Date.now() - daysAgo * DAY);
      return {
        messageId,
        customerId,
        vendorId: null,
        source: '447700900777',
        destination: '15125550100',
        esmClass: 0,
        dataCoding: 0,
        octets: 4,
        concat: null,
        receivedAt: at,
        routedAt: at,
        deliveryMessageId: messageId,
      };
    };
    const old = Array.from({ length: 120 }, (_, i) => mo(`mo-old-${i}`, 31 + (i % 3)));
    const recent = [mo('mo-new-0', 29), mo('mo-new-1', 1)];
    await insertMoMessages(h.db, [...old, ...recent]);

    const pruned = await eventually(
      () => metricValue(h.tracker, 'dlr_mo_messages_pruned_total'),
      (n) => n >= old.length,
    );
    expect(pruned).toBe(old.length);
    expect(await getMoMessage(h.db, 'mo-old-0')).toBeUndefined();
    for (const { messageId } of recent) expect(await getMoMessage(h.db, messageId)).toBeDefined();
  });
});
