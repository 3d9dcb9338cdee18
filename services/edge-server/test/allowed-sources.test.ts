// Allowed sources (sender IDs) at the edge, against real PostgreSQL, Redis
// and RabbitMQ: an account with a non-empty customer_mgmt.accounts
// .allowed_sources gets ESME_RINVSRCADR for submit_sm and data_sm from any
// other (normalised) source, before anything reaches the broker, counted as
// smpp_server_submit_sm_total{status="source_not_allowed"} and logged at
// debug with the source masked; a change reaches bound sessions with
// invalidate-customer; an empty list allows any source.
import { Writable } from 'node:stream';
import { SmppStatus } from '@smpp-gateway/contracts';
import { createDatabase, updateCustomer } from '@smpp-gateway/db';
import { createLogger } from '@smpp-gateway/runtime';
import type { PduOf, SmppSession } from '@smpp-gateway/smpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  control,
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
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const logger = createLogger({
    service: 'edge-server',
    level: 'debug',
    stream: new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        callback();
      },
    }),
  });
  h = await startHarness(
    {
      branded: {
        name: 'Branded',
        systemId: 'branded',
        password,
        throughput: 1_000,
        maxBinds: 5,
        allowedSources: ['ACME', '1415555*', '12345'],
      },
      open: { name: 'Open', systemId: 'open', password, throughput: 1_000, maxBinds: 5 },
    },
    {},
    logger,
  );
  db = createDatabase(h.env.db.url);
});

afterAll(async () => {
  await db?.destroy();
  await h?.destroy();
});

type Source = Pick<PduOf<'submit_sm'>, 'sourceAddrTon' | 'sourceAddrNpi' | 'sourceAddr'>;
const alpha = (sourceAddr: string): Source => ({ sourceAddrTon: 5, sourceAddrNpi: 0, sourceAddr });
const intl = (sourceAddr: string): Source => ({ sourceAddrTon: 1, sourceAddrNpi: 1, sourceAddr });

async function submitStatus(session: SmppSession, source: Source): Promise<number> {
  return (await session.request(submitInit(source))).commandStatus;
}

async function dataSmStatus(session: SmppSession, source: Source): Promise<number> {
  const resp = await session.request({
    command: 'data_sm',
    ...source,
    destAddrTon: 1,
    destinationAddr: '447700900123',
    tlvs: { messagePayload: Buffer.from('hello') },
  });
  return resp.commandStatus;
}

describe('allowed sources', () => {
  it('refuses a source outside the list with ESME_RINVSRCADR before the broker; accepts listed senders, numbers and ranges', async () => {
    const brandedId = h.customers.branded!.id;
    const session = await h.connect('branded', password, 'transmitter');
    const queuedBefore = await mtQueued(h);

    expect(await submitStatus(session, alpha('EVILBANK'))).toBe(SmppStatus.ESME_RINVSRCADR);
    expect(await submitStatus(session, alpha('acme'))).toBe(SmppStatus.ESME_RINVSRCADR);
    expect(await submitStatus(session, intl('14165550100'))).toBe(SmppStatus.ESME_RINVSRCADR);
    expect(await dataSmStatus(session, intl('+14165550100'))).toBe(SmppStatus.ESME_RINVSRCADR);
    expect(await mtQueued(h)).toBe(queuedBefore);
    expect(await submitCount(h, brandedId, 'source_not_allowed')).toBe(4);

    expect(await submitStatus(session, alpha('ACME'))).toBe(SmppStatus.ESME_ROK);
    expect(await submitStatus(session, intl('+14155550100'))).toBe(SmppStatus.ESME_ROK);
    // National form (TON 0, NPI 1) is normalised to 14155550123 first.
    expect(
      await submitStatus(session, { sourceAddrTon: 0, sourceAddrNpi: 1, sourceAddr: '4155550123' }),
    ).toBe(SmppStatus.ESME_ROK);
    // A short code sent with TON 3.
    expect(
      await submitStatus(session, { sourceAddrTon: 3, sourceAddrNpi: 0, sourceAddr: '12345' }),
    ).toBe(SmppStatus.ESME_ROK);
    expect(await dataSmStatus(session, alpha('ACME'))).toBe(SmppStatus.ESME_ROK);
    expect(await submitCount(h, brandedId, 'ok')).toBe(5);
    expect(await mtQueued(h)).toBe(queuedBefore + 5);
    await session.close();

    // One debug line per refusal, the source masked (never the full number).
    const refusals = lines.filter(
      (l) => l.message === 'submit refused' && l.customer_id === brandedId,
    );
    expect(refusals).toHaveLength(4);
    expect(refusals[0]).toMatchObject({
      level: 'DEBUG',
      status: SmppStatus.ESME_RINVSRCADR,
      reason: "source address is not among the account's allowed sources",
    });
    expect(refusals.map((l) => l.source)).toEqual([
      'EVIL**NK',
      '**me',
      '1416*****00',
      '1416*****00',
    ]);
    expect(JSON.stringify(lines)).not.toContain('14165550100');
  });

  it('follows a change announced by invalidate-customer on a bound session; an empty list allows any source', async () => {
    const brandedId = h.customers.branded!.id;
    const openId = h.customers.open!.id;
    const session = await h.connect('branded', password, 'transmitter');
    const open = await h.connect('open', password, 'transmitter');
    expect(await submitStatus(session, alpha('NEWBRAND'))).toBe(SmppStatus.ESME_RINVSRCADR);
    expect(await submitStatus(open, alpha('NEWBRAND'))).toBe(SmppStatus.ESME_ROK);
    expect(await submitStatus(open, intl('14165550100'))).toBe(SmppStatus.ESME_ROK);

    await updateCustomer(db, brandedId, { allowedSources: ['NEWBRAND'] });
    await control(h.env.amqp.url, { type: 'invalidate-customer', customerId: brandedId });
    await eventually(async () =>
      (await submitStatus(session, alpha('NEWBRAND'))) === SmppStatus.ESME_ROK ? true : undefined,
    );
    // The old list is gone with the old row.
    expect(await submitStatus(session, alpha('ACME'))).toBe(SmppStatus.ESME_RINVSRCADR);

    await updateCustomer(db, brandedId, { allowedSources: [] });
    await control(h.env.amqp.url, { type: 'invalidate-customer', customerId: brandedId });
    await eventually(async () =>
      (await submitStatus(session, alpha('ACME'))) === SmppStatus.ESME_ROK ? true : undefined,
    );
    expect(await submitStatus(session, intl('14165550100'))).toBe(SmppStatus.ESME_ROK);
    expect(await submitCount(h, openId, 'source_not_allowed')).toBe(0);
    await session.close();
    await open.close();
  });
});
