// Prepaid credit across the whole gateway, with real processes: a prepaid
// customer's balance goes down by segments × price once per message a
// carrier accepted (CDR triggers, dlr-tracker), the edge refuses its submits
// with ESME_RSUBMITFAIL once the balance is spent (re-read every
// EDGE_CREDIT_REFRESH_MS), a top-up through the admin API lets it submit
// again, and a postpaid customer in the same run is never refused or charged
// against a balance.
import { createApiToken, createDatabase, getCdr } from '@smpp-gateway/db';
import { encodeText, SmppStatus, type PduInit, type PduOf } from '@smpp-gateway/smpp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CustomerClient, metricSum, startGateway, type GatewayStack } from '../src/index.js';
import { carrierSubmits, eventually, UUID_V7 } from './support/e2e.helpers.js';

type SubmitInit = Omit<PduInit<'submit_sm'>, 'command'>;

/** The fixture's customer rate ('standard' plan, USD, every destination). */
const PRICE_MICROS = 5_000;
/** The prepaid balance covers exactly this many single-segment messages. */
const COVERED = 3;
const PREPAID = { systemId: 'prepaid', password: 'prepaid1' } as const;

let stack: GatewayStack;
let db: ReturnType<typeof createDatabase>;
let token: string;
let adminUrl: string;
let prepaidId: string;
let postpaidId: string;
let prepaid: CustomerClient;
let postpaid: CustomerClient;

/** Every prepaid message the edge accepted, in order (all must end up charged). */
const prepaidAccepted: string[] = [];
/** Destinations of the prepaid submits the edge refused (none may reach the carrier). */
const prepaidRefused: string[] = [];
/** Every postpaid message accepted. */
const postpaidAccepted: string[] = [];

let destinationCounter = 0;
function nextDestination(): string {
  destinationCounter += 1;
  return `4477009${String(destinationCounter).padStart(5, '0')}`;
}

function mt(destination: string, text: string): SubmitInit {
  const encoded = encodeText(text, 'gsm7');
  if (!encoded.ok) throw new Error('test text not encodable as GSM7');
  return {
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    sourceAddr: 'SHOP',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: destination,
    registeredDelivery: 1,
    shortMessage: encoded.bytes,
  };
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

interface CustomerBody {
  readonly id: string;
  readonly creditMicros: number | null;
  readonly creditCurrency: string;
}

async function getCustomer(id: string): Promise<CustomerBody> {
  const res = await api('GET', `/customers/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as CustomerBody;
}

interface UsageTotals {
  readonly currency: string | null;
  readonly messages: number;
  readonly segments: number;
  readonly priceMicros: number;
  readonly chargedMicros: number;
}

/** The customer's usage totals in USD over the default window (the last 7 days). */
async function usageUsd(id: string): Promise<UsageTotals | undefined> {
  const res = await api('GET', `/customers/${id}/usage`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { totals: UsageTotals[] };
  return body.totals.find((t) => t.currency === 'USD');
}

/** Submits one message and records the outcome; only ESME_ROK and ESME_RSUBMITFAIL are expected. */
async function submitPrepaid(text: string): Promise<PduOf<'submit_sm_resp'>> {
  const destination = nextDestination();
  const resp = await prepaid.submit(mt(destination, text));
  if (resp.commandStatus === SmppStatus.ESME_ROK) {
    expect(resp.messageId).toMatch(UUID_V7);
    prepaidAccepted.push(resp.messageId);
  } else if (resp.commandStatus === SmppStatus.ESME_RSUBMITFAIL) {
    prepaidRefused.push(destination);
  } else {
    throw new Error(
      `prepaid submit answered 0x${resp.commandStatus.toString(16)}, expected 0x0 or 0x45`,
    );
  }
  return resp;
}

async function submitPostpaid(text: string): Promise<string> {
  const resp = await postpaid.submit(mt(nextDestination(), text));
  // Never refused, whatever the prepaid customer's balance.
  expect(resp.commandStatus).toBe(SmppStatus.ESME_ROK);
  postpaidAccepted.push(resp.messageId);
  return resp.messageId;
}

/** Submits until the edge answers `status`, at most every 50 ms, failing at the deadline. */
async function submitPrepaidUntil(status: number, what: string, timeoutMs = 20_000) {
  let n = 0;
  return eventually(
    async () => {
      n += 1;
      const resp = await submitPrepaid(`${what} #${n}`);
      return resp.commandStatus === status ? resp : undefined;
    },
    timeoutMs,
    what,
  );
}

/**
 * Waits until every message's CDR carries its charge. The charge and the
 * balance change are written in one statement (CDR triggers), so once they
 * are all charged the balance is final: it is then read once, not polled
 * until it happens to match.
 */
async function waitUntilCharged(messageIds: readonly string[]): Promise<void> {
  await eventually(
    async () => {
      for (const id of messageIds) {
        const cdr = await getCdr(db, id);
        if (cdr?.chargedMicros === null || cdr?.chargedMicros === undefined) return undefined;
      }
      return true;
    },
    30_000,
    `the charges of ${messageIds.length} message(s) on their CDRs`,
    200,
  );
  for (const id of messageIds) {
    const cdr = await getCdr(db, id);
    expect(cdr).toMatchObject({
      segments: 1,
      pricePerSegmentMicros: PRICE_MICROS,
      currency: 'USD',
      submitStatus: 'submitted',
      chargedMicros: PRICE_MICROS,
    });
  }
}

async function waitForReceipts(client: CustomerClient, messageIds: readonly string[]) {
  const receipts = await Promise.all(messageIds.map((id) => client.waitForReceipt(id, 30_000)));
  for (const receipt of receipts) expect(receipt.stat).toBe('DELIVRD');
}

beforeAll(async () => {
  stack = await startGateway({
    fixture: {
      vendors: [{ key: 'primary' }],
      customers: [{ key: 'postpaid', systemId: 'postpaid', password: 'postpd1' }],
      routes: [{ name: 'default', vendor: 'primary' }],
      customerRates: { standard: PRICE_MICROS },
    },
    // Balances re-read every 200 ms instead of every second.
    serviceEnv: { 'edge-server': { EDGE_CREDIT_REFRESH_MS: '200' } },
  });
  db = createDatabase(stack.env.db.url, { poolMax: 2 });
  token = (await createApiToken(db, { name: 'e2e-billing', scope: 'write' })).token;
  const admin = stack.process('admin-api').ports;
  if (!admin) throw new Error('admin-api has no port');
  adminUrl = `http://127.0.0.1:${admin.ops}/api/v1`;
  postpaidId = stack.customer('postpaid').customer.id;

  // The prepaid customer is created as an operator would: through the API.
  const created = await api('POST', '/customers', {
    name: 'e2e prepaid',
    systemId: PREPAID.systemId,
    password: PREPAID.password,
    throughput: 1_000,
    maxBinds: 10,
    pricePlan: 'standard',
    creditMicros: COVERED * PRICE_MICROS,
    creditCurrency: 'USD',
  });
  expect(created.status).toBe(201);
  const body = (await created.json()) as CustomerBody;
  prepaidId = body.id;
  expect(body).toMatchObject({ creditMicros: COVERED * PRICE_MICROS, creditCurrency: 'USD' });
  // The creation announces reload-routing: wait until the router has loaded
  // the new customer (as prepaid), so its first message is priced for the
  // balance rather than racing the reload.
  await eventually(
    () =>
      stack
        .process('router-worker')
        .logs()
        .some(
          (line) =>
            line.json?.message === 'routing configuration loaded' && line.json.customers === 2,
        )
        ? true
        : undefined,
    20_000,
    'the router to load the new prepaid customer',
    100,
  );

  prepaid = await CustomerClient.connect({
    port: stack.edgePort(),
    systemId: PREPAID.systemId,
    password: PREPAID.password,
    bindType: 'transceiver',
  });
  postpaid = await stack.connect('postpaid', { bindType: 'transceiver' });
}, 180_000);

afterAll(async () => {
  await prepaid?.close();
  await db?.destroy();
  await stack?.stop();
}, 60_000);

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    console.error(stack?.formatLogs(120) ?? '(no stack)');
  });
});

describe('prepaid credit through the whole gateway', () => {
  it(`charges ${COVERED} messages exactly once each and brings the balance to exactly 0`, async () => {
    const first = await submitPostpaid('postpaid before');
    const responses: PduOf<'submit_sm_resp'>[] = [];
    for (let i = 0; i < COVERED; i++) responses.push(await submitPrepaid(`prepaid ${i}`));
    expect(responses.map((r) => r.commandStatus)).toEqual(
      Array.from({ length: COVERED }, () => SmppStatus.ESME_ROK),
    );
    await waitForReceipts(
      prepaid,
      responses.map((r) => r.messageId),
    );
    await waitForReceipts(postpaid, [first]);
    // The admin API counts the real edge's bind lease: the key, prefix and
    // Redis DB agree between the two services.
    const status = await api('GET', `/customers/${prepaidId}/status`);
    expect(
      ((await status.json()) as { binds: { live: number } | null }).binds?.live,
    ).toBeGreaterThanOrEqual(1);

    await waitUntilCharged(prepaidAccepted);
    const after = await getCustomer(prepaidId);
    expect(after).toMatchObject({ creditMicros: 0, creditCurrency: 'USD' });
    expect(await usageUsd(prepaidId)).toMatchObject({
      messages: COVERED,
      segments: COVERED,
      chargedMicros: COVERED * PRICE_MICROS,
    });
  });

  it('refuses the spent customer with ESME_RSUBMITFAIL; whatever it accepted before the refresh is charged too', async () => {
    const refusal = await submitPrepaidUntil(
      SmppStatus.ESME_RSUBMITFAIL,
      'the edge to refuse the spent prepaid customer',
    );
    expect(refusal.commandStatus).toBe(SmppStatus.ESME_RSUBMITFAIL);
    // Refused for good, not by chance: the next one is refused too.
    expect((await submitPrepaid('still spent')).commandStatus).toBe(SmppStatus.ESME_RSUBMITFAIL);

    // The postpaid customer is unaffected meanwhile.
    const postpaidIds = [await submitPostpaid('postpaid during'), await submitPostpaid('again')];

    // A soft limit: submits accepted before the edge re-read the balance go
    // out and are charged, taking it below zero by exactly their price.
    await waitForReceipts(prepaid, prepaidAccepted);
    await waitForReceipts(postpaid, postpaidIds);
    await waitUntilCharged(prepaidAccepted);
    const expected = COVERED * PRICE_MICROS - PRICE_MICROS * prepaidAccepted.length;
    expect((await getCustomer(prepaidId)).creditMicros).toBe(expected);
    expect((await usageUsd(prepaidId))?.chargedMicros).toBe(PRICE_MICROS * prepaidAccepted.length);
    expect(
      await metricSum(
        stack.replicas('edge-server'),
        'smpp_server_submit_sm_total',
        'status="no_credit"',
      ),
    ).toBe(prepaidRefused.length);
  });

  it('accepts the customer again after a top-up through the admin API and charges the next message', async () => {
    const before = (await getCustomer(prepaidId)).creditMicros;
    expect(before).not.toBeNull();
    // Enough for exactly one more message, whatever the overdraft was.
    const amountMicros = PRICE_MICROS - (before ?? 0);
    const res = await api('POST', `/customers/${prepaidId}/credit`, { amountMicros });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      customerId: prepaidId,
      creditMicros: PRICE_MICROS,
      creditCurrency: 'USD',
    });

    const acceptedBefore = prepaidAccepted.length;
    const accepted = await submitPrepaidUntil(
      SmppStatus.ESME_ROK,
      'the edge to accept the topped-up customer',
    );
    expect(prepaidAccepted.length).toBe(acceptedBefore + 1);
    await waitForReceipts(prepaid, [accepted.messageId]);
    await waitUntilCharged([accepted.messageId]);
    expect((await getCustomer(prepaidId)).creditMicros).toBe(0);
    expect((await usageUsd(prepaidId))?.chargedMicros).toBe(PRICE_MICROS * prepaidAccepted.length);
  });

  it('sent nothing refused to the carrier, every accepted message once', () => {
    const carrier = stack.simulator('primary');
    for (const destination of prepaidRefused) {
      expect(carrierSubmits(carrier, destination)).toHaveLength(0);
    }
    expect(carrier.records.ofCommand('submit_sm')).toHaveLength(
      prepaidAccepted.length + postpaidAccepted.length,
    );
  });

  it('leaves the postpaid customer postpaid: never refused, no balance, its messages priced all the same', async () => {
    await waitUntilCharged(postpaidAccepted);
    expect(await getCustomer(postpaidId)).toMatchObject({ creditMicros: null });
    expect(await usageUsd(postpaidId)).toMatchObject({
      messages: postpaidAccepted.length,
      chargedMicros: PRICE_MICROS * postpaidAccepted.length,
    });
    // A postpaid customer has no balance to top up.
    const res = await api('POST', `/customers/${postpaidId}/credit`, { amountMicros: 1_000 });
    expect(res.status).toBe(409);
    expect((await getCustomer(postpaidId)).creditMicros).toBeNull();
  });
});
