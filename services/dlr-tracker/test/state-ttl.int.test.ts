// STATE_TTL_SECONDS is shared by every writer of message state: the tracker's
// merges, receipt lease and sent marker set it too, so a shorter retention
// chosen to bound Redis's memory holds after the receipt, not only until the
// edge's first write is merged over (they used message-state's 7 days).
import { stateKeys } from '@smpp-gateway/message-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  mapVendorId,
  newCustomerId,
  startHarness,
  submitResult,
  vendorReceipt,
  type Harness,
} from './tracker-harness.js';

const TTL = 3_600;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ STATE_TTL_SECONDS: String(TTL) });
});

afterAll(async () => {
  await h?.close();
});

describe('message state retention (STATE_TTL_SECONDS)', () => {
  it('keeps the record, its lease and its sent marker for the configured time', async () => {
    const customerId = newCustomerId();
    const deliveries = await h.deliveriesOf(customerId);
    const result = submitResult(customerId);
    const id = result.messageId;
    await mapVendorId(h, result);
    await h.publisher.publish('MtSubmitResult', result);
    await h.publisher.publish('VendorReceipt', vendorReceipt(result, 'DELIVRD'));
    await eventually(
      () => deliveries.length,
      (n) => n >= 1,
    );
    await eventually(
      () => h.state.get(id),
      (r) => r?.customerReceipt === 'sent',
    );
    for (const key of [stateKeys.message(id), stateKeys.receiptLease(id)]) {
      const ttl = await h.redis.ttl(key);
      expect(ttl, key).toBeGreaterThan(TTL - 60);
      expect(ttl, key).toBeLessThanOrEqual(TTL);
    }
  });
});
