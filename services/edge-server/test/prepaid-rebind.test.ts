// An ESME that binds, sends a burst and unbinds, again and again (common:
// batch senders, HTTP-to-SMPP bridges), against real PostgreSQL, Redis and
// RabbitMQ. Its account row sits in the edge's cache while its balance moves
// with every charge, so each new session must start from the balance in the
// database, not the cached row: here the periodic refresh is a minute away, so
// only the read at bind can see that the balance was spent.
import { SmppStatus } from '@smpp-gateway/contracts';
import { adjustCustomerCredit, createDatabase } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, submitInit, type Harness } from './edge.harness.js';

const password = 'pa55word';
let h: Harness;
let db: ReturnType<typeof createDatabase>;

beforeAll(async () => {
  h = await startHarness(
    {
      batch: {
        name: 'Batch sender',
        systemId: 'batch',
        password,
        throughput: 1_000,
        maxBinds: 5,
        creditMicros: 50_000,
        creditCurrency: 'USD',
      },
    },
    { EDGE_CREDIT_REFRESH_MS: '60000', AUTH_CACHE_TTL_MS: '3600000' },
  );
  db = createDatabase(h.env.db.url);
});

afterAll(async () => {
  await db?.destroy();
  await h?.destroy();
});

describe('prepaid credit across sessions', () => {
  it('starts each new session from the balance in the database, not the cached account row', async () => {
    const customerId = h.customers.batch!.id;
    const first = await h.connect('batch', password, 'transmitter');
    expect((await first.request(submitInit())).commandStatus).toBe(SmppStatus.ESME_ROK);
    await first.close();

    // Spent meanwhile (the CDR triggers' work), without any invalidation.
    await adjustCustomerCredit(db, customerId, -60_000);

    const second = await h.connect('batch', password, 'transmitter');
    expect((await second.request(submitInit())).commandStatus).toBe(SmppStatus.ESME_RSUBMITFAIL);
    await second.close();

    // Topped up: the next session may send again.
    await adjustCustomerCredit(db, customerId, 100_000);
    const third = await h.connect('batch', password, 'transmitter');
    expect((await third.request(submitInit())).commandStatus).toBe(SmppStatus.ESME_ROK);
    await third.close();
  });
});
