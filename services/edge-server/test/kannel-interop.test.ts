// Interop with a real third-party ESME: Kannel (Debian package) binds to the
// edge as a transceiver, submits through its sendsms HTTP interface, and must
// match the receipt we deliver to its own message: its dlr-url callback fires
// with %d = 1 (delivered).
import {
  CustomerDelivery,
  deliveryQueue,
  DEFAULT_TOPOLOGY_OPTIONS,
  MtSubmitted,
  PRIORITIES,
  QUEUES,
} from '@smpp-gateway/contracts';
import { locateBinary, startKannel, type KannelBox } from '@smpp-gateway/testkit';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, getOne, startHarness, type Harness } from './edge.harness.js';

const kannelMissing = !locateBinary('bearerbox') || !locateBinary('smsbox');
if (kannelMissing) {
  console.warn(
    '\n*** SKIPPING the Kannel interop test: bearerbox/smsbox not found on PATH or in /usr/sbin. ***\n' +
      '*** Install it with: apt-get install -y kannel (.ci/run does this). ***\n',
  );
}

const password = 'kannelpw';
let h: Harness;
let kannel: KannelBox;

describe.skipIf(kannelMissing)('Kannel as a customer ESME', () => {
  beforeAll(async () => {
    h = await startHarness({
      kannel: { name: 'Kannel', systemId: 'kannel', password, throughput: 100, maxBinds: 2 },
    });
    kannel = await startKannel({
      edgePort: h.edge.smppPort,
      systemId: 'kannel',
      password,
      smscId: 'edge',
    });
  }, 60_000);

  afterAll(async () => {
    await kannel?.stop();
    await h?.destroy();
  }, 60_000);

  it('submits via sendsms and matches our deliver_sm receipt to its message', async () => {
    // Kannel binds as a transceiver of the test customer.
    await eventually(
      async () => {
        const metric = await h.edge.registry.getSingleMetricAsString(
          'smpp_server_active_sessions_total',
        );
        return /bind_type="transceiver"[^}]*\} 1/.test(metric) ? true : undefined;
      },
      20_000,
      200,
    ).catch(async (error: unknown) => {
      throw new Error(`Kannel did not bind: ${String(error)}\n${await kannel.bearerboxLog()}`);
    });

    const sent = await kannel.sendsms({
      from: '14155550100',
      to: '447700900123',
      text: 'Hello from Kannel',
      'dlr-mask': '3',
      'dlr-url': kannel.dlrUrl('interop-1'),
    });
    expect(sent).toMatch(/Accepted for delivery|Sent/i);

    const submitted = await eventually(
      async () => {
        for (const p of PRIORITIES) {
          const raw = await getOne(h.env.amqp.url, QUEUES.mt(p));
          if (raw) return MtSubmitted.parse(JSON.parse(raw.content.toString()));
        }
        return undefined;
      },
      15_000,
      100,
    );
    expect(submitted).toMatchObject({
      customerId: h.customers.kannel!.id,
      destination: { addr: '447700900123' },
      source: { addr: '14155550100' },
    });
    expect(submitted.registeredDelivery & 0x03).toBe(1);
    expect(Buffer.from(submitted.shortMessage, 'base64').toString('latin1')).toBe(
      'Hello from Kannel',
    );

    // What the dlr-tracker would publish once the vendor reported delivery.
    const connection = await amqp.connect(h.env.amqp.url);
    try {
      const channel = await connection.createConfirmChannel();
      const spec = deliveryQueue(submitted.customerId, {
        ...DEFAULT_TOPOLOGY_OPTIONS,
        queueType: 'classic',
      });
      await channel.assertQueue(spec.name, { durable: true, arguments: { ...spec.arguments } });
      const receipt = CustomerDelivery.parse({
        v: 1,
        messageId: submitted.messageId,
        occurredAt: new Date().toISOString(),
        customerId: submitted.customerId,
        delivery: {
          kind: 'receipt',
          receiptedMessageId: submitted.messageId,
          stat: 'DELIVRD',
          err: '000',
          submitDate: submitted.acceptedAt,
          doneDate: new Date().toISOString(),
          textPreview: 'Hello from Kannel',
          source: submitted.destination,
          destination: submitted.source,
        },
      });
      channel.publish('smpp.dlr', spec.name, Buffer.from(JSON.stringify(receipt)), {
        persistent: true,
        mandatory: true,
        headers: { 'x-contract': 'CustomerDelivery' },
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }

    const callback = await eventually(
      () => kannel.callbacks.find((c) => c.get('tag') === 'interop-1' && c.get('type') === '1'),
      20_000,
      100,
    ).catch(async (error: unknown) => {
      throw new Error(
        `no delivered callback (got ${JSON.stringify(kannel.callbacks.map((c) => c.toString()))}): ${String(error)}\n${await kannel.bearerboxLog()}`,
      );
    });
    expect(callback.get('smsc')).toBe('edge');
  }, 90_000);
});
