// PostgreSQL goes away under the edge (the test database refuses connections
// and its open ones are ended): customers the edge has seen keep binding and
// submitting from the expired account cache; a system_id it never saw is
// refused, and answered normally again once the database is back.
import { SmppStatus } from '@smpp-gateway/contracts';
import { SmppBindError } from '@smpp-gateway/smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, submitInit, type Harness } from './edge.harness.js';

const password = 'pa55word';
let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    {
      acme: { name: 'Acme', systemId: 'acme', password, throughput: 1_000, maxBinds: 5 },
      other: { name: 'Other', systemId: 'other', password, throughput: 1_000, maxBinds: 5 },
    },
    // Every bind looks the account up again: the cache alone cannot answer.
    { AUTH_CACHE_TTL_MS: '0' },
  );
});

afterAll(async () => {
  await h?.destroy();
});

async function bindStatus(systemId: string): Promise<number> {
  try {
    const session = await h.connect(systemId, password);
    await session.close();
    return SmppStatus.ESME_ROK;
  } catch (err) {
    if (err instanceof SmppBindError) return err.commandStatus;
    throw err;
  }
}

describe('PostgreSQL outage', () => {
  it('binds and submits for a customer seen before, refuses one never seen, and recovers', async () => {
    const before = await h.connect('acme', password);
    await before.close();

    const restore = await h.env.db.cutOff();
    try {
      const during = await h.connect('acme', password);
      expect((await during.request(submitInit())).commandStatus).toBe(SmppStatus.ESME_ROK);
      await during.close();
      expect(await bindStatus('other')).not.toBe(SmppStatus.ESME_ROK);
      // Still ready (so a load balancer keeps sending customers here), and
      // /ready says what is missing.
      const ready = await fetch(`http://127.0.0.1:${h.edge.opsPort}/ready`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as {
        checks: { name: string; ok: boolean; critical: boolean }[];
      };
      expect(body.checks.find((c) => c.name === 'postgres')).toMatchObject({
        ok: false,
        critical: false,
      });
    } finally {
      await restore();
    }
    expect(await bindStatus('other')).toBe(SmppStatus.ESME_ROK);
    // The bind during the outage was answered from the expired entry.
    const stale = await h.edge.metrics.accountStale.get();
    expect(stale.values[0]?.value).toBe(1);
  });
});
