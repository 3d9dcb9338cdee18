// Prepaid credit at the edge, against real PostgreSQL, Redis and RabbitMQ: a
// prepaid customer whose balance is spent (≤ 0) gets ESME_RSUBMITFAIL for
// submit_sm and data_sm, before anything reaches the broker; a top-up is
// picked up by the periodic refresh (EDGE_CREDIT_REFRESH_MS, 100 ms here); a
// postpaid customer is never refused.
import { SmppStatus, type ContractInput } from '@smpp-gateway/contracts';
import { adjustCustomerCredit, createDatabase, updateCustomer } from '@smpp-gateway/db';
import type { SmppSession } from '@smpp-gateway/smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  control as publishControl,
  eventually,
  type Harness,
  mtQueued,
  startHarness,
  submitCount,
  submitInit,
} from './edge.harness.js';

const password = 'pa55word';
let h: Harness;
let db: ReturnType<typeof createDatabase>;

beforeAll(async () => {
  h = await startHarness(
    {
      prepaid: {
        name: 'Prepaid',
        systemId: 'prepaid',
        password,
        throughput: 1_000,
        maxBinds: 5,
        creditMicros: 0,
        creditCurrency: 'USD',
      },
      convert: {
        name: 'Convert',
        systemId: 'convert',
        password,
        throughput: 1_000,
        maxBinds: 5,
        creditMicros: 0,
        creditCurrency: 'EUR',
      },
      postpaid: {
        name: 'Postpaid',
        systemId: 'postpaid',
        password,
        throughput: 1_000,
        maxBinds: 5,
      },
    },
    { EDGE_CREDIT_REFRESH_MS: '100' },
  );
  db = createDatabase(h.env.db.url);
});

afterAll(async () => {
  await db?.destroy();
  await h?.destroy();
});

async function submitStatus(session: SmppSession): Promise<number> {
  return (await session.request(submitInit())).commandStatus;
}

async function dataSmStatus(session: SmppSession): Promise<number> {
  const resp = await session.request({
    command: 'data_sm',
    sourceAddrTon: 1,
    sourceAddr: '14155550100',
    destAddrTon: 1,
    destinationAddr: '447700900123',
    tlvs: { messagePayload: Buffer.from('hello') },
  });
  return resp.commandStatus;
}

/** Submits until one is answered `status` (the refresh runs in the background), or fails at the deadline. */
function untilAnswered(session: SmppSession, status: number): Promise<true> {
  return eventually(async () => ((await submitStatus(session)) === status ? true : undefined));
}

function control(command: ContractInput<'ControlCommand'>['command']): Promise<void> {
  return publishControl(h.env.amqp.url, command);
}

describe('prepaid credit', () => {
  it('refuses a spent balance with ESME_RSUBMITFAIL, accepts after a top-up, refuses again once spent; postpaid never', async () => {
    const prepaidId = h.customers.prepaid!.id;
    const postpaidId = h.customers.postpaid!.id;
    const prepaid = await h.connect('prepaid', password, 'transceiver');
    const postpaid = await h.connect('postpaid', password, 'transmitter');

    // Balance 0: refused, and nothing reached the broker.
    expect(await submitStatus(prepaid)).toBe(SmppStatus.ESME_RSUBMITFAIL);
    expect(await dataSmStatus(prepaid)).toBe(SmppStatus.ESME_RSUBMITFAIL);
    expect(await mtQueued(h)).toBe(0);
    expect(await submitCount(h, prepaidId, 'no_credit')).toBe(2);
    expect(await submitStatus(postpaid)).toBe(SmppStatus.ESME_ROK);

    // Top-up: picked up by the refresh.
    await adjustCustomerCredit(db, prepaidId, 50_000);
    await untilAnswered(prepaid, SmppStatus.ESME_ROK);
    expect(await submitStatus(prepaid)).toBe(SmppStatus.ESME_ROK);
    expect(await dataSmStatus(prepaid)).toBe(SmppStatus.ESME_ROK);

    // Spent (here by hand; in production the CDR triggers charge it).
    await adjustCustomerCredit(db, prepaidId, -60_000);
    await untilAnswered(prepaid, SmppStatus.ESME_RSUBMITFAIL);
    expect(await dataSmStatus(prepaid)).toBe(SmppStatus.ESME_RSUBMITFAIL);

    // The postpaid customer was checked across all those refreshes and never refused.
    for (let i = 0; i < 5; i++) expect(await submitStatus(postpaid)).toBe(SmppStatus.ESME_ROK);
    expect(await submitCount(h, postpaidId, 'no_credit')).toBe(0);
    expect(await submitCount(h, postpaidId, 'ok')).toBe(6);

    await prepaid.close();
    await postpaid.close();
  });

  it('seeds a new bind from the account row and stops checking a customer turned postpaid', async () => {
    const convertId = h.customers.convert!.id;
    const session = await h.connect('convert', password, 'transmitter');
    expect(await submitStatus(session)).toBe(SmppStatus.ESME_RSUBMITFAIL);

    await updateCustomer(db, convertId, { creditMicros: null });
    await control({ type: 'invalidate-customer', customerId: convertId });
    await untilAnswered(session, SmppStatus.ESME_ROK);
    for (let i = 0; i < 3; i++) expect(await submitStatus(session)).toBe(SmppStatus.ESME_ROK);
    await session.close();
  });
});
