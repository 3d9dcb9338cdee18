import { afterEach, describe, expect, it } from 'vitest';
import { MessageState, receiptFromPdu, SmppStatus, type PduOf } from '@smpp-gateway/smpp';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';
import { bindEsme, eventually, receiptText, submit, type TestEsme } from './support/esme.client.js';

let simulator: Simulator | undefined;
const esmes: TestEsme[] = [];

afterEach(async () => {
  await Promise.all(esmes.splice(0).map((esme) => esme.close()));
  await simulator?.stop();
  simulator = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  simulator = await startSimulator({ port: 0, controlPort: null, receiptDelayMs: 0, ...options });
  return simulator;
}

async function esme(
  sim: Simulator,
  bindType: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver',
  systemId = 'gateway',
) {
  const bound = await bindEsme(sim, bindType, { systemId, password: 'gw-pass' });
  esmes.push(bound);
  return bound;
}

function parsed(pdu: PduOf<'deliver_sm'>) {
  const result = receiptFromPdu({
    esmClass: pdu.esmClass,
    dataCoding: pdu.dataCoding,
    shortMessage: pdu.shortMessage,
    ...(pdu.tlvs.receiptedMessageId !== undefined
      ? { receiptedMessageId: pdu.tlvs.receiptedMessageId }
      : {}),
    ...(pdu.tlvs.messageState !== undefined ? { messageState: pdu.tlvs.messageState } : {}),
    ...(pdu.tlvs.networkErrorCode !== undefined
      ? { networkErrorCode: pdu.tlvs.networkErrorCode }
      : {}),
  });
  if (!result.ok) throw new Error(result.detail);
  return result.receipt;
}

describe('submit_sm message ids', () => {
  it.each([
    ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/],
    ['decimal', /^\d+$/],
    ['hex', /^[0-9A-F]+$/],
  ] as const)('answers with %s ids, each one distinct', async (format, pattern) => {
    const sim = await start({ messageIdFormat: format });
    const client = await esme(sim, 'transmitter');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => client.session.request(submit('1555', 0))),
    );
    const ids = responses.map((response) => response.messageId);
    for (const response of responses) expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
    for (const id of ids) expect(id).toMatch(pattern);
    expect(new Set(ids).size).toBe(20);
    if (format === 'hex') expect(ids.some((id) => /[A-F]/.test(id))).toBe(true);
  });

  it('answers data_sm like submit_sm', async () => {
    const sim = await start();
    const client = await esme(sim);
    const response = await client.session.request({
      command: 'data_sm',
      sourceAddr: '1555',
      destinationAddr: '1666',
      registeredDelivery: 1,
      tlvs: { messagePayload: Buffer.from('payload text') },
    });
    expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
    const [receipt] = await client.waitForDelivered(1);
    expect(parsed(receipt!)).toMatchObject({ messageId: response.messageId, text: 'payload text' });
  });

  it('delays submit_sm_resp by the configured latency', async () => {
    const sim = await start({ responseLatencyMs: 150 });
    const client = await esme(sim, 'transmitter');
    const started = performance.now();
    await client.session.request(submit('1555', 0));
    // Generous lower bound only: this checks the delay exists, not its precision.
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('delivery receipts', () => {
  it('sends a receipt with text and TLVs on the same transceiver, id equal to the resp id', async () => {
    const sim = await start({ messageIdFormat: 'hex' });
    const client = await esme(sim);
    const response = await client.session.request(
      submit('15551230000', 1, 'Hello there, this is longer than twenty'),
    );
    const [receipt] = await client.waitForDelivered(1);
    expect(receipt).toMatchObject({
      esmClass: 0x04,
      sourceAddr: '15551230000',
      destinationAddr: '15550001111',
      tlvs: { receiptedMessageId: response.messageId, messageState: MessageState.DELIVERED },
    });
    expect(receipt!.tlvs.networkErrorCode).toBeUndefined();
    const text = receiptText(receipt!);
    expect(text).toMatch(
      new RegExp(
        `^id:${response.messageId} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:Hello there, this is$`,
      ),
    );
    expect(parsed(receipt!)).toMatchObject({
      messageId: response.messageId,
      textMessageId: response.messageId,
      stat: 'DELIVRD',
      final: true,
    });
  });

  it('hex in the resp, the same number in decimal in the receipt (text and TLV)', async () => {
    const sim = await start({ messageIdFormat: 'hex', decimalInReceipt: true });
    const client = await esme(sim);
    const response = await client.session.request(submit());
    const [receipt] = await client.waitForDelivered(1);
    const receiptId = receipt!.tlvs.receiptedMessageId!;
    expect(response.messageId).toMatch(/^[0-9A-F]+$/);
    expect(receiptId).toMatch(/^\d+$/);
    expect(BigInt(receiptId)).toBe(BigInt(`0x${response.messageId}`));
    expect(receiptText(receipt!)).toContain(`id:${receiptId} `);
  });

  it('decimal ids quote the same id in the receipt', async () => {
    const sim = await start({ messageIdFormat: 'decimal' });
    const client = await esme(sim);
    const response = await client.session.request(submit());
    const [receipt] = await client.waitForDelivered(1);
    expect(receipt!.tlvs.receiptedMessageId).toBe(response.messageId);
  });

  it('applies destination rules: prefix → UNDELIV with network_error_code, regex → REJECTD', async () => {
    const sim = await start({
      receiptRules: [
        { prefix: '1999', stat: 'UNDELIV', err: 34 },
        { regex: '^1888\\d+$', stat: 'REJECTD' },
        { prefix: '1777', stat: 'EXPIRED' },
      ],
    });
    const client = await esme(sim);
    const undeliv = await client.session.request(submit('19995550000'));
    const rejectd = await client.session.request(submit('18885550000'));
    const expired = await client.session.request(submit('17775550000'));
    const delivrd = await client.session.request(submit('12125550000'));
    const receipts = await client.waitForDelivered(4);
    const byId = new Map(receipts.map((pdu) => [pdu.tlvs.receiptedMessageId, pdu]));
    const u = byId.get(undeliv.messageId)!;
    expect(u.tlvs).toMatchObject({
      messageState: MessageState.UNDELIVERABLE,
      networkErrorCode: { networkType: 3, errorCode: 34 },
    });
    expect(receiptText(u)).toContain('stat:UNDELIV err:034');
    expect(receiptText(u)).toContain('dlvrd:000');
    expect(byId.get(rejectd.messageId)!.tlvs.messageState).toBe(MessageState.REJECTED);
    expect(receiptText(byId.get(rejectd.messageId)!)).toContain('stat:REJECTD err:011');
    expect(byId.get(expired.messageId)!.tlvs.messageState).toBe(MessageState.EXPIRED);
    expect(byId.get(delivrd.messageId)!.tlvs.messageState).toBe(MessageState.DELIVERED);
    expect(sim.stats().receipts.byStat).toEqual({ DELIVRD: 1, UNDELIV: 1, EXPIRED: 1, REJECTD: 1 });
  });

  it('deals percentages exactly', async () => {
    const sim = await start({ receiptPercentages: { DELIVRD: 70, UNDELIV: 20, EXPIRED: 10 } });
    const client = await esme(sim);
    await Promise.all(Array.from({ length: 100 }, () => client.session.request(submit())));
    const receipts = await client.waitForDelivered(100);
    const counts = new Map<number | undefined, number>();
    for (const pdu of receipts)
      counts.set(pdu.tlvs.messageState, (counts.get(pdu.tlvs.messageState) ?? 0) + 1);
    expect(counts.get(MessageState.DELIVERED)).toBe(70);
    expect(counts.get(MessageState.UNDELIVERABLE)).toBe(20);
    expect(counts.get(MessageState.EXPIRED)).toBe(10);
  });

  it('honours registered_delivery: none for 0, only failures for 2', async () => {
    const sim = await start({ receiptRules: [{ prefix: '1999', stat: 'UNDELIV' }] });
    const client = await esme(sim);
    await client.session.request(submit('12125550000', 0));
    await client.session.request(submit('12125550000', 2));
    const failed = await client.session.request(submit('19995550000', 2));
    const [receipt] = await client.waitForDelivered(1);
    expect(receipt!.tlvs.receiptedMessageId).toBe(failed.messageId);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.delivered).toHaveLength(1);
  });

  it('sends receipts to receiver binds of the same system_id, round-robin, never to a transmitter or another account', async () => {
    const sim = await start({
      accounts: [
        { systemId: 'gateway', password: 'gw-pass' },
        { systemId: 'other', password: 'gw-pass' },
      ],
    });
    const tx = await esme(sim, 'transmitter');
    const rx1 = await esme(sim, 'receiver');
    const rx2 = await esme(sim, 'receiver');
    const otherRx = await esme(sim, 'receiver', 'other');
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => tx.session.request(submit())),
    );
    await eventually('10 receipts', () => rx1.delivered.length + rx2.delivered.length >= 10);
    expect(rx1.delivered.length).toBe(5);
    expect(rx2.delivered.length).toBe(5);
    const ids = [...rx1.delivered, ...rx2.delivered]
      .map((pdu) => pdu.tlvs.receiptedMessageId)
      .sort();
    expect(ids).toEqual(responses.map((r) => r.messageId).sort());
    expect(tx.delivered).toHaveLength(0);
    expect(otherRx.delivered).toHaveLength(0);
  });

  it('queues receipts while no receiver is bound and delivers them when one binds', async () => {
    const sim = await start();
    const tx = await esme(sim, 'transmitter');
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => tx.session.request(submit())),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sim.stats().receipts.queued).toBe(5);
    const rx = await esme(sim, 'receiver');
    const receipts = await rx.waitForDelivered(5);
    expect(receipts.map((pdu) => pdu.tlvs.receiptedMessageId)).toEqual(
      responses.map((r) => r.messageId),
    );
    await eventually('receipt acks', () => sim.stats().receipts.acked === 5);
    expect(sim.stats().receipts).toMatchObject({ generated: 5, acked: 5, queued: 0 });
  });

  it('redelivers a receipt that was in flight when its receiver dropped', async () => {
    const sim = await start();
    const tx = await esme(sim, 'transmitter');
    // This receiver never answers deliver_sm, so the receipt stays in flight.
    const stuck = await esme(sim, 'receiver');
    stuck.session.handle('deliver_sm', () => new Promise(() => undefined));
    const response = await tx.session.request(submit());
    await new Promise((resolve) => setTimeout(resolve, 50));
    stuck.session.destroy();
    await stuck.session.closed;
    const rx = await esme(sim, 'receiver');
    const [receipt] = await rx.waitForDelivered(1);
    expect(receipt!.tlvs.receiptedMessageId).toBe(response.messageId);
  });

  it('respects the deliver_sm window per bind', async () => {
    const sim = await start({ windowSize: 3 });
    const tx = await esme(sim, 'transmitter');
    const releases: (() => void)[] = [];
    let maxOutstanding = 0;
    let outstanding = 0;
    const rx = await esme(sim, 'receiver');
    rx.session.handle('deliver_sm', () => {
      outstanding += 1;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      return new Promise((resolve) =>
        releases.push(() => {
          outstanding -= 1;
          resolve({});
        }),
      );
    });
    await Promise.all(Array.from({ length: 10 }, () => tx.session.request(submit())));
    let released = 0;
    while (released < 10) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const batch = releases.splice(0);
      released += batch.length;
      for (const release of batch) release();
    }
    expect(maxOutstanding).toBe(3);
    await eventually('receipt acks', () => sim.stats().receipts.acked === 10);
  });
});

describe('outcome NONE: the carrier accepts and never reports', () => {
  /** Longer than any receipt here could take with receiptDelayMs 0. */
  const SILENCE_MS = 300;
  const quiet = () => new Promise((resolve) => setTimeout(resolve, SILENCE_MS));

  it('answers a NONE destination ESME_ROK with an id and sends no receipt; another destination still gets its receipt', async () => {
    const sim = await start({ receiptRules: [{ prefix: '1999', stat: 'NONE' }] });
    const client = await esme(sim);
    // Asked for "always" (1) and "on failure" (2): neither gets a receipt.
    const silent = await client.session.request(submit('19995550000', 1));
    const silentOnFailure = await client.session.request(submit('19995550001', 2));
    const reported = await client.session.request(submit('12125550000', 1));
    for (const response of [silent, silentOnFailure, reported]) {
      expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
      expect(response.messageId).toMatch(/^[0-9A-F]+$/);
    }
    // Accepted and recorded like any other submit.
    expect(sim.records.ofCommand('submit_sm').map((record) => record.pdu.destinationAddr)).toEqual([
      '19995550000',
      '19995550001',
      '12125550000',
    ]);

    const [receipt] = await client.waitForDelivered(1);
    expect(receipt!.tlvs.receiptedMessageId).toBe(reported.messageId);
    await quiet();
    expect(client.delivered.map((pdu) => pdu.tlvs.receiptedMessageId)).toEqual([
      reported.messageId,
    ]);
    expect(sim.stats().receipts).toMatchObject({
      generated: 1,
      withheld: 2,
      dropped: 0,
      queued: 0,
      byStat: { DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, REJECTD: 0 },
    });
    // Nothing asked for, nothing withheld.
    await client.session.request(submit('19995550002', 0));
    expect(sim.stats().receipts.withheld).toBe(2);
  });

  it('deals NONE from the percentages exactly: 1 in every 4 gets no receipt', async () => {
    const sim = await start({ receiptPercentages: { DELIVRD: 3, NONE: 1 } });
    const client = await esme(sim);
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => client.session.request(submit())),
    );
    await client.waitForDelivered(9);
    await quiet();
    const receipted = new Set(client.delivered.map((pdu) => pdu.tlvs.receiptedMessageId));
    expect(client.delivered).toHaveLength(9);
    // Submits are decided in the order they arrive: one silent message per cycle of 4.
    for (let cycle = 0; cycle < 3; cycle++) {
      const ids = responses.slice(cycle * 4, cycle * 4 + 4).map((r) => r.messageId);
      expect(ids.filter((id) => !receipted.has(id))).toHaveLength(1);
    }
    expect(sim.stats().receipts).toMatchObject({ generated: 9, withheld: 3 });
  });

  it('counts withheld apart from dropped (outbound queue full)', async () => {
    // outboundQueueLimit 0: every receipt built is dropped for lack of room.
    const sim = await start({
      receiptRules: [{ prefix: '1999', stat: 'NONE' }],
      outboundQueueLimit: 0,
    });
    const client = await esme(sim);
    await client.session.request(submit('19995550000'));
    await client.session.request(submit('12125550000'));
    await eventually('the other receipt dropped', () => sim.stats().receipts.dropped === 1);
    expect(sim.stats().receipts).toMatchObject({ generated: 1, dropped: 1, withheld: 1 });
  });
});

describe('receipts an ESME cannot take yet', () => {
  it('are offered again after ESME_RX_T_APPN (temporary error), as a carrier retries', async () => {
    const sim = await start();
    let answered = 0;
    const client = await bindEsme(sim, 'transceiver', {
      systemId: 'gateway',
      password: 'gw-pass',
      handlers: {
        // The first deliver_sm gets "temporary application error" (e.g. the
        // gateway's broker is down); the retry is accepted.
        deliver_sm: () => (answered++ === 0 ? { commandStatus: 0x64 } : {}),
      },
    });
    esmes.push(client);
    const response = await client.session.request(submit('15550001234', 1));
    expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
    await eventually('the receipt accepted on its second offer', () => answered === 2, 5_000);
    await eventually('the receipt counted as acked once', () => sim.stats().receipts.acked === 1);
    expect(sim.stats().receipts).toMatchObject({ sent: 2, acked: 1, failed: 0 });
  });
});
