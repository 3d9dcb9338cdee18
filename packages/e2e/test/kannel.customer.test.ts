// Kannel as the customer ESME of a real gateway: messages submitted through
// Kannel's sendsms interface arrive at the carrier with the bytes Kannel was
// asked to send, and Kannel matches our receipts (our ids) to its own
// messages: its dlr-url fires with type 1 (delivered) or 2 (undelivered).
import { DataCoding, decodeText } from '@smpp-gateway/smpp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type GatewayStack } from '../src/index.js';
import { eventually, waitForCarrier } from './support/e2e.helpers.js';
import { encoded } from './support/gateway.cases.js';
import { locateBinary, startKannel, type KannelBox } from '@smpp-gateway/testkit';

const kannelMissing = !locateBinary('bearerbox') || !locateBinary('smsbox');
if (kannelMissing) {
  console.warn(
    '\n*** SKIPPING the Kannel end-to-end test: bearerbox/smsbox not found. ' +
      'Install it with: apt-get install -y kannel (.ci/run does this). ***\n',
  );
}

const UNDELIV_PREFIX = '4479009990';

describe.skipIf(kannelMissing)('Kannel as the customer ESME of the whole gateway', () => {
  let stack: GatewayStack;
  let kannel: KannelBox;

  beforeAll(async () => {
    stack = await startGateway({
      fixture: {
        vendors: [
          {
            key: 'carrier',
            simulator: { receiptRules: [{ prefix: UNDELIV_PREFIX, stat: 'UNDELIV', err: 1 }] },
          },
        ],
        customers: [{ key: 'kannel', systemId: 'kannel', password: 'kannelpw', maxBinds: 2 }],
        routes: [{ name: 'default', vendor: 'carrier' }],
      },
    });
    kannel = await startKannel({
      edgePort: stack.edgePort(),
      systemId: 'kannel',
      password: 'kannelpw',
    });
  }, 120_000);

  afterAll(async () => {
    await kannel?.stop();
    await stack?.stop();
  }, 60_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => {
      console.error(stack?.formatLogs(120) ?? '(no stack)');
      console.error(`bearerbox log:\n${(await kannel?.bearerboxLog()) ?? '(none)'}`);
    });
  });

  const callbackFor = (tag: string, type: string, timeoutMs = 30_000) =>
    eventually(
      () => kannel.callbacks.find((c) => c.get('tag') === tag && c.get('type') === type),
      timeoutMs,
      `Kannel dlr-url callback tag=${tag} type=${type} (got ${kannel.callbacks.map((c) => c.toString()).join(' | ')})`,
      100,
    );

  it('sends GSM7 text through the gateway and matches our DELIVRD receipt', async () => {
    const text = 'Hello from Kannel, e2e test 1';
    const answer = await kannel.sendsms({
      from: '447700900001',
      to: '447900900101',
      text,
      'dlr-mask': '3',
      'dlr-url': kannel.dlrUrl('gsm'),
    });
    expect(answer).toMatch(/Accepted for delivery|Sent/i);
    const [record] = await waitForCarrier(stack.simulator('carrier'), '447900900101', 1, 30_000);
    expect(record?.pdu.dataCoding).toBe(DataCoding.SMSC_DEFAULT);
    expect(record?.pdu.shortMessage.toString('hex')).toBe(encoded(text, 'gsm7').toString('hex'));
    const callback = await callbackFor('gsm', '1');
    expect(callback.get('smsc')).toBe('gateway');
  });

  it('sends UCS2 text byte-exact and matches our receipt', async () => {
    const text = 'Привет из Kannel ✓';
    await kannel.sendsms({
      from: '447700900001',
      to: '447900900102',
      text,
      coding: '2',
      charset: 'UTF-8',
      'dlr-mask': '3',
      'dlr-url': kannel.dlrUrl('ucs2'),
    });
    const [record] = await waitForCarrier(stack.simulator('carrier'), '447900900102', 1, 30_000);
    expect(record?.pdu.dataCoding).toBe(DataCoding.UCS2);
    expect(record?.pdu.shortMessage.toString('hex')).toBe(encoded(text, 'ucs2').toString('hex'));
    const decoded = decodeText(record?.pdu.shortMessage ?? Buffer.alloc(0), DataCoding.UCS2);
    expect(decoded.ok && decoded.text).toBe(text);
    await callbackFor('ucs2', '1');
  });

  it('reports an undeliverable message to Kannel as failed', async () => {
    await kannel.sendsms({
      from: '447700900001',
      to: `${UNDELIV_PREFIX}03`,
      text: 'Nobody home',
      'dlr-mask': '3',
      'dlr-url': kannel.dlrUrl('undeliv'),
    });
    await waitForCarrier(stack.simulator('carrier'), `${UNDELIV_PREFIX}03`, 1, 30_000);
    await callbackFor('undeliv', '2');
    // Delivered was never reported for it.
    expect(
      kannel.callbacks.filter((c) => c.get('tag') === 'undeliv' && c.get('type') === '1'),
    ).toEqual([]);
    expect(stack.simulator('carrier').stats().submits.failed).toBe(0);
  });
});
