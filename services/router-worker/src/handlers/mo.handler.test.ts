import { MoReceived } from '@smpp-gateway/contracts';
import type { MoMessageWrite } from '@smpp-gateway/db';
import { RetryableError, silentLogger } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { FakeSnapshots, MemoryOutbox, snapshotOf, testMetrics } from './fakes.test-support.js';
import { createMoHandler, UnknownNumberError } from './mo.handler.js';

const part = (seq: number, text: string, id = `p${seq}`) =>
  MoReceived.parse({
    v: 1,
    messageId: id,
    occurredAt: '2025-01-01T00:00:00.000Z',
    vendorId: 'v1',
    source: { addr: '447700900123', ton: 1, npi: 1 },
    destination: { addr: '15125550100', ton: 1, npi: 1 },
    esmClass: 0x40,
    protocolId: 0,
    dataCoding: 0,
    shortMessage: Buffer.concat([Buffer.from([5, 0, 3, 9, 2, seq]), Buffer.from(text)]).toString(
      'base64',
    ),
    receivedAt: '2025-01-01T00:00:00.000Z',
  });

/** The archive as a list; `failing` makes the next writes throw as PostgreSQL down would. */
class MemoryArchive {
  readonly records: MoMessageWrite[] = [];
  failing = false;
  archive(records: readonly MoMessageWrite[]): Promise<void> {
    if (this.failing) return Promise.reject(new RetryableError('archive down'));
    this.records.push(...records);
    return Promise.resolve();
  }
}

function setup(moReassembly = true) {
  let nowMs = 0;
  const outbox = new MemoryOutbox();
  const archive = new MemoryArchive();
  const snapshots = new FakeSnapshots(
    snapshotOf({
      customers: [{ id: 'cust', pricePlan: 'std', moReassembly }],
      numbers: [{ number: '15125550100', customerId: 'cust' }],
    }),
  );
  const handler = createMoHandler({
    snapshots,
    outbox,
    archive,
    metrics: testMetrics(),
    logger: silentLogger,
    clock: () => new Date(nowMs),
    reassemblyTimeoutMs: 1_000,
  });
  return { handler, outbox, archive, snapshots, advance: (ms: number) => (nowMs += ms) };
}

/** Lets pending promise callbacks run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MO handler', () => {
  it('archives every part, sharing the joined delivery id, before the delivery is published', async () => {
    const { handler, outbox, archive } = setup();
    const first = handler.handle(part(1, 'ab'));
    await tick();
    expect(archive.records).toHaveLength(0);
    await handler.handle(part(2, 'cd'));
    await first;
    expect(outbox.deliveries).toHaveLength(1);
    expect(archive.records).toEqual([
      expect.objectContaining({
        messageId: 'p1',
        customerId: 'cust',
        vendorId: 'v1',
        source: '447700900123',
        destination: '15125550100',
        octets: 8, // UDH 6 + 2
        concat: { reference: 9, total: 2, sequence: 1 },
        deliveryMessageId: outbox.deliveries[0]!.messageId,
      }),
      expect.objectContaining({ messageId: 'p2', concat: { reference: 9, total: 2, sequence: 2 } }),
    ]);
  });

  it('an archive that cannot write retries the MO and publishes nothing', async () => {
    const { handler, outbox, archive } = setup(false);
    archive.failing = true;
    await expect(handler.handle(part(1, 'ab'))).rejects.toBeInstanceOf(RetryableError);
    expect(outbox.deliveries).toHaveLength(0);
    archive.failing = false;
    await handler.handle(part(1, 'ab'));
    expect(outbox.deliveries).toHaveLength(1);
    expect(archive.records.map((r) => [r.messageId, r.deliveryMessageId])).toEqual([['p1', 'p1']]);
  });

  it('holds the first part unacked and settles both parts once the joined message is published', async () => {
    const { handler, outbox } = setup();
    let firstDone = false;
    const first = handler.handle(part(1, 'ab')).then(() => (firstDone = true));
    await tick();
    expect(firstDone).toBe(false);
    expect(handler.held).toBe(1);
    await handler.handle(part(2, 'cd'));
    await first;
    expect(outbox.deliveries).toHaveLength(1);
    expect(handler.held).toBe(0);
  });

  it('when publishing the joined message fails, every part is retried (nothing acked, nothing lost)', async () => {
    const { handler, outbox } = setup();
    outbox.failNext = 1;
    const results = await Promise.allSettled([
      handler.handle(part(1, 'ab')),
      handler.handle(part(2, 'cd')),
    ]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RetryableError);
    }
  });

  it('a timed-out group is delivered part by part on the sweep', async () => {
    const { handler, outbox, advance } = setup();
    const pending = handler.handle(part(1, 'ab'));
    advance(999);
    await handler.sweep();
    expect(outbox.deliveries).toHaveLength(0);
    advance(1);
    await handler.sweep();
    await pending;
    expect(outbox.deliveries.map((d) => d.messageId)).toEqual(['p1']);
  });

  it('a redelivered copy of a held part replaces it and releases the earlier copy', async () => {
    const { handler, outbox } = setup();
    const original = handler.handle(part(1, 'ab', 'copy-a'));
    const copy = handler.handle(part(1, 'ab', 'copy-b'));
    await original; // released without a publish: its content lives on in the copy
    expect(handler.held).toBe(1);
    await handler.handle(part(2, 'cd'));
    await copy;
    expect(outbox.deliveries.map((d) => d.messageId)).toEqual(['copy-b']);
  });

  it('releaseAll hands every held part back for a retry', async () => {
    const { handler } = setup();
    const pending = handler.handle(part(1, 'ab'));
    await tick();
    handler.releaseAll();
    await expect(pending).rejects.toBeInstanceOf(RetryableError);
  });

  it('an account without reassembly gets each part at once', async () => {
    const { handler, outbox } = setup(false);
    await handler.handle(part(1, 'ab'));
    expect(outbox.deliveries).toHaveLength(1);
  });

  it('an unknown number reloads once, then fails with a non-retryable, masked reason', async () => {
    const { handler, snapshots } = setup();
    const mo = MoReceived.parse({
      ...part(1, 'x'),
      destination: { addr: '15125559999', ton: 1, npi: 1 },
    });
    const error = await handler.handle(mo).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownNumberError);
    expect((error as Error).message).toContain('*******9999');
    expect(snapshots.refreshes).toBe(1);
  });
});
