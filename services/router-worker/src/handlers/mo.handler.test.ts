import { MoReceived } from '@smpp-gateway/contracts';
import type { MoMessageWrite } from '@smpp-gateway/db';
import { RetryableError, silentLogger } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { FakeSnapshots, MemoryOutbox, snapshotOf, testMetrics } from './fakes.test-support.js';
import { createMoHandler, UnknownNumberError } from './mo.handler.js';
import { optActionOf, parseKeywordList, subscriberNumber } from '../mo/opt-out.js';

/** An MO from the subscriber with these bytes or this text (GSM 7-bit unless told). */
const single = (text: string | Buffer, extra: Partial<MoReceived> = {}) =>
  MoReceived.parse({
    v: 1,
    messageId: `mo-${Math.random()}`,
    occurredAt: '2025-01-01T00:00:00.000Z',
    vendorId: 'v1',
    source: { addr: '447700900123', ton: 1, npi: 1 },
    destination: { addr: '15125550100', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    dataCoding: 0,
    shortMessage: (typeof text === 'string' ? Buffer.from(text, 'latin1') : text).toString(
      'base64',
    ),
    receivedAt: '2025-01-01T00:00:00.000Z',
    ...extra,
  });

/** Part `seq` of a two-part MO (8-bit reference UDH). */
const part = (seq: number, text: string, id = `p${seq}`) =>
  single(Buffer.concat([Buffer.from([5, 0, 3, 9, 2, seq]), Buffer.from(text)]), {
    messageId: id,
    esmClass: 0x40,
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

/** Opt-outs as a set of customer/number pairs; `failing` as PostgreSQL down. */
class MemoryOptOuts {
  readonly blocked = new Set<string>();
  readonly calls: string[] = [];
  failing = false;
  apply(action: 'opt_out' | 'opt_in', customerId: string, number: string, keyword: string) {
    if (this.failing) return Promise.reject(new RetryableError('database down'));
    this.calls.push(`${action} ${customerId} ${number} ${keyword}`);
    const key = `${customerId}/${number}`;
    const had = this.blocked.has(key);
    if (action === 'opt_out') this.blocked.add(key);
    else this.blocked.delete(key);
    return Promise.resolve(action === 'opt_out' ? !had : had);
  }
}

const keywords = {
  optOut: new Set(parseKeywordList('STOP,STOPALL,UNSUBSCRIBE,CANCEL,END,QUIT')),
  optIn: new Set(parseKeywordList('START,UNSTOP')),
};

function setup(moReassembly = true) {
  let nowMs = 0;
  const outbox = new MemoryOutbox();
  const archive = new MemoryArchive();
  const optOuts = new MemoryOptOuts();
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
    optOut: { keywords, registry: optOuts },
  });
  return {
    handler,
    outbox,
    archive,
    snapshots,
    optOuts,
    advance: (ms: number) => (nowMs += ms),
  };
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

  it("records a subscriber's STOP for the number's customer before delivering it, and START lifts it", async () => {
    const { handler, outbox, optOuts } = setup();
    // The subscriber's number as the carrier wrote it, with a '+'.
    await handler.handle(single(' Stop. ', { source: { addr: '+447700900123', ton: 1, npi: 1 } }));
    expect(optOuts.calls).toEqual(['opt_out cust 447700900123 STOP']);
    expect(optOuts.blocked).toEqual(new Set(['cust/447700900123']));
    // The customer still gets the STOP: its application sends the confirmation.
    expect(outbox.deliveries).toHaveLength(1);
    await handler.handle(single('START'));
    expect(optOuts.blocked).toEqual(new Set());
    expect(outbox.deliveries).toHaveLength(2);
  });

  it('does not deliver a STOP it could not record: the MO is retried', async () => {
    const { handler, outbox, optOuts } = setup();
    optOuts.failing = true;
    await expect(handler.handle(single('STOP'))).rejects.toBeInstanceOf(RetryableError);
    expect(outbox.deliveries).toHaveLength(0);
    optOuts.failing = false;
    await handler.handle(single('STOP'));
    expect(outbox.deliveries).toHaveLength(1);
  });

  it('leaves sentences, long-message parts and other words alone', async () => {
    const { handler, outbox, optOuts } = setup(false);
    for (const text of ['Please stop texting me', 'STOPP', 'stop it', '', 'YES']) {
      await handler.handle(single(text));
    }
    await handler.handle(part(1, 'STOP'));
    // An alphanumeric sender cannot be messaged back: nothing to block.
    await handler.handle(single('STOP', { source: { addr: 'ACME', ton: 5, npi: 0 } }));
    expect(optOuts.calls).toEqual([]);
    expect(outbox.deliveries).toHaveLength(7);
  });
});

describe('opt-out keywords', () => {
  it('reads the keyword in UCS2 and Latin-1 too, and only whole messages', () => {
    const ucs2 = single(Buffer.from('\u0000s\u0000t\u0000o\u0000p', 'latin1'), { dataCoding: 8 });
    expect(optActionOf(ucs2, keywords)).toEqual({ action: 'opt_out', keyword: 'STOP' });
    expect(optActionOf(single('unstop!', { dataCoding: 3 }), keywords)).toEqual({
      action: 'opt_in',
      keyword: 'UNSTOP',
    });
    // In a message_payload as well as short_message.
    const payload = single('', { messagePayload: Buffer.from('END').toString('base64') });
    expect(optActionOf(payload, keywords)?.keyword).toBe('END');
    expect(optActionOf(single('STOP'), { optOut: new Set(), optIn: new Set() })).toBeUndefined();
  });

  it('blocks numbers as MT destinations are stored, and nothing for an alphanumeric source', () => {
    expect(subscriberNumber('+15125550177')).toBe('15125550177');
    expect(subscriberNumber('15125550177')).toBe('15125550177');
    expect(subscriberNumber('ACME')).toBeUndefined();
    expect(subscriberNumber('1234567890123456')).toBeUndefined();
  });
});
