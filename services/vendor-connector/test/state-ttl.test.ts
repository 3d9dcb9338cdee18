// The receipt mappings the connector writes live as long as the message
// state they point to: STATE_TTL_SECONDS, shared with edge-server and
// dlr-tracker (they used message-state's 7 days whatever it was set to).
import { QUEUES } from '@smpp-gateway/contracts';
import { stateKeys } from '@smpp-gateway/message-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { about, createHarness, eventually, routed, type Harness } from './support/harness.js';

const TTL = 3_600;
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('receipt mapping retention (STATE_TTL_SECONDS)', () => {
  it('writes the vendor-id mappings with the configured TTL', async () => {
    const sim = await h.simulator({ messageIdFormat: 'hex' });
    const vendor = await h.vendor(sim, { maxBinds: 1, messageIdFormat: 'hex' });
    const connector = await h.connector({ STATE_TTL_SECONDS: String(TTL) });
    await eventually(
      () => (connector.manager.vendor(vendor.id)?.snapshot().bound ?? 0) > 0,
      10_000,
      'bind',
    );
    const results = await h.collect(QUEUES.events);
    const messages = Array.from({ length: 3 }, () => routed(vendor.id));
    for (const m of messages) h.publishRouted(m);
    const got = await results.waitFor(3, about(messages));
    for (const result of got) {
      const key = stateKeys.vendorMapping(vendor.id, result.vendorMessageKey as string);
      expect(await h.redis.get(key)).toBe(result.messageId);
      const ttl = await h.redis.ttl(key);
      expect(ttl, key).toBeGreaterThan(TTL - 60);
      expect(ttl, key).toBeLessThanOrEqual(TTL);
    }
  });
});
