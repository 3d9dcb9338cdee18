import { QUEUES, type CustomerDelivery } from '@smpp-gateway/contracts';
import { createNumber, getMoMessage, type Customer } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouterWorker } from '../src/app.js';
import {
  addCustomer,
  counterReaches,
  counterValue,
  createHarness,
  moReceived,
  waitFor,
  type Harness,
} from './support/harness.js';

const REASSEMBLY_TIMEOUT_MS = 1_500;
const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');

/** One UDH part (8-bit reference) of a long MO. */
function udhPart(
  destination: string,
  reference: number,
  total: number,
  sequence: number,
  text: string,
) {
  return moReceived({
    destination: { addr: destination, ton: 1, npi: 1 },
    esmClass: 0x40,
    shortMessage: b64(
      Buffer.concat([Buffer.from([5, 0, 3, reference, total, sequence]), Buffer.from(text)]),
    ),
  });
}

describe('MO routing against real PostgreSQL, Redis and RabbitMQ', () => {
  let h: Harness;
  let router: RouterWorker;
  let plain: Customer;
  let whole: Customer;

  beforeAll(async () => {
    h = await createHarness();
    plain = await addCustomer(h.db, { moReassembly: false });
    whole = await addCustomer(h.db, { moReassembly: true });
    await createNumber(h.db, { number: '15125550100', numberType: '10dlc', customerId: plain.id });
    await createNumber(h.db, { number: '15125550200', numberType: '10dlc', customerId: whole.id });
    router = await h.startRouter({ MO_REASSEMBLY_TIMEOUT_MS: String(REASSEMBLY_TIMEOUT_MS) });
  });

  afterAll(async () => {
    await h?.destroy();
  });

  it('delivers an MO to the queue of the customer owning the destination number, bytes unchanged', async () => {
    const mo = moReceived({
      destination: { addr: '15125550100', ton: 1, npi: 1 },
      shortMessage: b64('STOP'),
    });
    await h.publish('MoReceived', mo);
    const delivery = (await h.take(QUEUES.delivery(plain.id))).body as CustomerDelivery;
    expect(delivery).toMatchObject({
      messageId: mo.messageId,
      customerId: plain.id,
      delivery: {
        kind: 'mo',
        shortMessage: b64('STOP'),
        source: mo.source,
        destination: mo.destination,
        vendorId: 'vendor-x',
      },
    });
    // Archived before it was published: the record is there already.
    expect(await getMoMessage(h.db, mo.messageId)).toMatchObject({
      customerId: plain.id,
      vendorId: null, // 'vendor-x' is not one of our vendor ids
      source: mo.source.addr,
      destination: '15125550100',
      octets: 4,
      concat: null,
      receivedAt: new Date(mo.receivedAt),
      deliveryMessageId: mo.messageId,
    });
  });

  it('dead-letters an MO for a number nobody owns, with the reason, and counts it', async () => {
    const mo = moReceived({ destination: { addr: '15125559999', ton: 1, npi: 1 } });
    await h.publish('MoReceived', mo);
    const { body, message } = await h.take(QUEUES.dead);
    expect((body as { messageId: string }).messageId).toBe(mo.messageId);
    const reason = String(message.properties.headers?.['x-dead-reason']);
    expect(reason).toMatch(/no customer owns destination number/);
    expect(reason).not.toContain('15125559999');
    expect(await counterReaches(router, 'router_mo_total', { outcome: 'unknown_number' }, 1)).toBe(
      1,
    );
  });

  it('reassembles UDH parts arriving out of order into one delivery for an account that asks for it', async () => {
    const parts = [
      udhPart('15125550200', 77, 3, 3, 'world!'),
      udhPart('15125550200', 77, 3, 1, 'Hello '),
      udhPart('15125550200', 77, 3, 2, 'long '),
    ];
    for (const part of parts) await h.publish('MoReceived', part);
    const deliveries = await h.drainQueue(QUEUES.delivery(whole.id), 1_000);
    expect(deliveries).toHaveLength(1);
    const joined = deliveries[0] as CustomerDelivery;
    expect(joined.messageId).toBe(parts[1]!.messageId);
    expect(joined.delivery).toMatchObject({ kind: 'mo', esmClass: 0, shortMessage: '' });
    const payload = (joined.delivery as { messagePayload: string }).messagePayload;
    expect(Buffer.from(payload, 'base64').toString()).toBe('Hello long world!');
    // Every part was acked once the joined message was confirmed.
    await waitFor(async () => (await h.depth(QUEUES.mo)) === 0, 'mo.messages to empty');
    expect(await counterReaches(router, 'router_mo_total', { outcome: 'reassembled' }, 1)).toBe(1);
    // Three records, one per part, all pointing at the one delivery.
    for (const [i, part] of parts.entries()) {
      expect(await getMoMessage(h.db, part.messageId)).toMatchObject({
        customerId: whole.id,
        deliveryMessageId: joined.messageId,
        concat: { reference: 77, total: 3, sequence: [3, 1, 2][i] },
      });
    }
  });

  it('delivers the parts one by one when the rest never arrives (never drops them)', async () => {
    const parts = [
      udhPart('15125550200', 91, 3, 1, 'first '),
      udhPart('15125550200', 91, 3, 2, 'second '),
    ];
    for (const part of parts) await h.publish('MoReceived', part);
    // Held, not delivered, until the timeout.
    expect(await h.depth(QUEUES.delivery(whole.id))).toBe(0);
    await waitFor(
      async () => (await h.depth(QUEUES.delivery(whole.id))) === 2,
      'the parts after the timeout',
      REASSEMBLY_TIMEOUT_MS + 5_000,
    );
    const deliveries = (await h.drainQueue(QUEUES.delivery(whole.id), 200)) as CustomerDelivery[];
    expect(deliveries.map((d) => d.messageId).sort()).toEqual(parts.map((p) => p.messageId).sort());
    for (const d of deliveries) expect(d.delivery).toMatchObject({ esmClass: 0x40 });
    expect(await counterReaches(router, 'router_mo_total', { outcome: 'timed_out' }, 2)).toBe(2);
  });

  it('passes parts through untouched for an account that wants them as they come', async () => {
    const parts = [udhPart('15125550100', 5, 2, 1, 'a'), udhPart('15125550100', 5, 2, 2, 'b')];
    for (const part of parts) await h.publish('MoReceived', part);
    const deliveries = (await h.drainQueue(QUEUES.delivery(plain.id), 500)) as CustomerDelivery[];
    expect(deliveries.map((d) => d.messageId).sort()).toEqual(parts.map((p) => p.messageId).sort());
  });

  it('hands held parts back to the queue on shutdown instead of waiting for the timeout', async () => {
    const part = udhPart('15125550200', 12, 2, 1, 'held ');
    await h.publish('MoReceived', part);
    await waitFor(
      async () => (await counterValue(router, 'router_mo_parts_held')) === 1,
      'the part to be held',
    );
    const stopped = await router.stop();
    expect(stopped.timedOut).toBe(false);
    // Back in mo.messages for another replica; nothing delivered, nothing dead-lettered.
    await waitFor(
      async () => (await h.depth(QUEUES.mo)) === 1,
      'the part back in mo.messages',
      5_000,
    );
    expect(await h.depth(QUEUES.delivery(whole.id))).toBe(0);
    expect(await h.depth(QUEUES.dead)).toBe(0);
  });
});
