import { afterEach, describe, expect, it } from 'vitest';
import { decodeText, parseUdh, SmppStatus } from '@smpp-gateway/smpp';
import { startSimulator, type Simulator, type SimulatorOptions } from '../src/index.js';
import { bindEsme, eventually, submit, type TestEsme } from './support/esme.client.js';

let simulator: Simulator | undefined;
const esmes: TestEsme[] = [];

afterEach(async () => {
  await Promise.all(esmes.splice(0).map((esme) => esme.close()));
  await simulator?.stop();
  simulator = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  simulator = await startSimulator({ port: 0, controlPort: 0, receiptDelayMs: 0, ...options });
  return simulator;
}

async function esme(
  sim: Simulator,
  bindType: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver',
) {
  const bound = await bindEsme(sim, bindType);
  esmes.push(bound);
  return bound;
}

async function http(sim: Simulator, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sim.controlUrl}${path}`, {
    method,
    ...(body !== undefined
      ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') ? JSON.parse(text) : text };
}

const LONG_TEXT =
  'This MO is deliberately longer than one hundred and sixty GSM characters so that the simulator has to split it ' +
  'into several concatenated parts with a user data header, exactly as a handset would send it to us.';

describe('MO injection', () => {
  it('delivers a short MO from the library as deliver_sm with esm_class 0', async () => {
    const sim = await start();
    const client = await esme(sim, 'receiver');
    const result = await sim.injectMo({
      systemId: 'gateway',
      source: '15557654321',
      destination: '12345',
      text: 'STOP',
    });
    expect(result).toEqual({ systemId: 'gateway', parts: 1, statuses: [SmppStatus.ESME_ROK] });
    const [mo] = client.delivered;
    expect(mo).toMatchObject({
      esmClass: 0,
      dataCoding: 0,
      sourceAddr: '15557654321',
      destinationAddr: '12345',
    });
    expect(mo!.shortMessage.toString('latin1')).toBe('STOP');
    expect(sim.stats().mo).toEqual({ injected: 1, sent: 1, acked: 1, failed: 0 });
  });

  it('splits a long MO into UDH parts that reassemble to the text', async () => {
    const sim = await start();
    const client = await esme(sim);
    const result = await sim.injectMo({
      source: '15557654321',
      destination: '12345',
      text: LONG_TEXT,
    });
    expect(result.parts).toBe(2);
    const parts = client.delivered.map((pdu) => {
      expect(pdu.esmClass & 0x40).toBe(0x40);
      const udh = parseUdh(pdu.shortMessage);
      if (!udh.ok || !udh.concat) throw new Error('no concat UDH');
      return udh;
    });
    expect(parts.map((p) => p.concat!.sequence)).toEqual([1, 2]);
    expect(new Set(parts.map((p) => p.concat!.reference)).size).toBe(1);
    const text = parts
      .map((p) => {
        const decoded = decodeText(Buffer.from(p.payload), 0);
        if (!decoded.ok) throw new Error('undecodable');
        return decoded.text;
      })
      .join('');
    expect(text).toBe(LONG_TEXT);
  });

  it('encodes non-GSM text as UCS2', async () => {
    const sim = await start();
    const client = await esme(sim);
    await sim.injectMo({ source: '1555', destination: '1666', text: 'Привет 👋' });
    const [mo] = client.delivered;
    expect(mo!.dataCoding).toBe(8);
    const decoded = decodeText(mo!.shortMessage, 8);
    expect(decoded.ok && decoded.text).toBe('Привет 👋');
  });

  it('queues an MO for an account until its receiver binds', async () => {
    const sim = await start();
    const delivery = sim.injectMo({
      systemId: 'gateway',
      source: '1555',
      destination: '1666',
      text: 'later',
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const client = await esme(sim, 'receiver');
    await expect(delivery).resolves.toMatchObject({ parts: 1 });
    expect(client.delivered).toHaveLength(1);
  });

  it('refuses an MO nobody can receive, or with neither text nor bytes', async () => {
    const sim = await start();
    await expect(sim.injectMo({ source: '1555', destination: '1666', text: 'x' })).rejects.toThrow(
      /no receiver/,
    );
    await esme(sim, 'transmitter');
    await expect(sim.injectMo({ source: '1555', destination: '1666', text: 'x' })).rejects.toThrow(
      /no receiver/,
    );
    await expect(
      sim.injectMo({ systemId: 'gateway', source: '1555', destination: '1666' }),
    ).rejects.toThrow(/text or bytes/);
  });

  it('injects MO over HTTP, as text (long) and as hex bytes', async () => {
    const sim = await start();
    const client = await esme(sim);
    const long = await http(sim, 'POST', '/mo', {
      systemId: 'gateway',
      source: '15550009999',
      destination: '12345',
      text: LONG_TEXT,
    });
    expect(long).toMatchObject({
      status: 200,
      body: { delivered: true, parts: 2, statuses: [0, 0] },
    });
    const raw = await http(sim, 'POST', '/mo', {
      source: '15550009999',
      destination: '12345',
      hex: '0102ff',
      dataCoding: 4,
    });
    expect(raw).toMatchObject({ status: 200, body: { parts: 1 } });
    expect(client.delivered).toHaveLength(3);
    expect(client.delivered[2]!.shortMessage.toString('hex')).toBe('0102ff');
    expect(client.delivered[2]!.dataCoding).toBe(4);
    const bad = await http(sim, 'POST', '/mo', { source: '1555', destination: '1', hex: 'zz' });
    expect(bad.status).toBe(400);
    const unreadable = await http(sim, 'POST', '/mo', {
      source: '1555',
      destination: '1',
      text: 'x',
      systemId: 'nobody',
    });
    expect(unreadable).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/unknown systemId/) },
    });
  });
});

describe('records and the control endpoint', () => {
  it('records every submit with raw bytes, coding, esm_class, TLVs, system_id and time; queryable by library and HTTP', async () => {
    const sim = await start();
    const client = await esme(sim);
    const before = Date.now();
    await client.session.request({
      ...submit('15551112222', 1, 'first'),
      dataCoding: 3,
      esmClass: 0,
      tlvs: { userMessageReference: 42 },
    });
    await client.session.request(submit('15551113333', 0, 'second'));
    await client.waitForDelivered(1);
    await eventually(
      'deliver_sm_resp recorded',
      () => sim.records.query({ command: 'deliver_sm_resp' }).length === 1,
    );

    const submits = sim.records.ofCommand('submit_sm');
    expect(submits).toHaveLength(2);
    expect(submits[0]).toMatchObject({ systemId: 'gateway', bindType: 'transceiver' });
    expect(submits[0]!.pdu).toMatchObject({
      dataCoding: 3,
      destinationAddr: '15551112222',
      tlvs: { userMessageReference: 42 },
    });
    expect(submits[0]!.pdu.shortMessage.toString('latin1')).toBe('first');
    expect(submits[0]!.receivedAt).toBeGreaterThanOrEqual(before - 5);
    expect(submits[1]!.id).toBeGreaterThan(submits[0]!.id);
    expect(sim.records.query({ command: 'submit_sm', limit: 1 })[0]!.id).toBe(submits[1]!.id);

    const viaHttp = await http(sim, 'GET', '/pdus?command=submit_sm&limit=10');
    expect(viaHttp.status).toBe(200);
    expect(viaHttp.body.records).toHaveLength(2);
    expect(viaHttp.body.records[0]).toMatchObject({
      command: 'submit_sm',
      systemId: 'gateway',
      shortMessage: Buffer.from('first').toString('hex'),
      dataCoding: 3,
      esmClass: 0,
      destinationAddr: '15551112222',
      tlvs: { userMessageReference: 42 },
    });
    const since = await http(sim, 'GET', `/pdus?command=submit_sm&sinceId=${submits[0]!.id}`);
    expect(since.body.records.map((r: { id: number }) => r.id)).toEqual([submits[1]!.id]);
    expect((await http(sim, 'GET', '/pdus?command=nonsense')).status).toBe(400);
  });

  it('keeps only the last recordLimit PDUs', async () => {
    const sim = await start({ recordLimit: 5 });
    const client = await esme(sim, 'transmitter');
    for (let i = 0; i < 8; i++) await client.session.request(submit('1555', 0, `m${i}`));
    const kept = sim.records.ofCommand('submit_sm');
    expect(kept.map((r) => r.pdu.shortMessage.toString())).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    // The bind record fell out of the ring too: 9 received, 5 kept.
    expect(sim.records.total).toBe(9);
  });

  it('serves /metrics and /status', async () => {
    const sim = await start();
    const client = await esme(sim);
    sim.setFaults({ throttleEveryN: 3 });
    for (let i = 0; i < 6; i++) await client.session.request(submit('1555', 1));
    await client.waitForDelivered(4);
    await sim.injectMo({ source: '1', destination: '2', text: 'hi' });
    await eventually('acks', () => sim.stats().receipts.acked === 4);

    const metrics = await http(sim, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/smsc_sim_submit_total\{status="ESME_ROK"\} 4/);
    expect(metrics.body).toMatch(/smsc_sim_submit_total\{status="ESME_RTHROTTLED"\} 2/);
    expect(metrics.body).toMatch(/smsc_sim_receipts_sent_total\{stat="DELIVRD"\} 4/);
    expect(metrics.body).toMatch(/smsc_sim_active_binds\{bind_type="transceiver"\} 1/);
    expect(metrics.body).toMatch(/smsc_sim_mo_sent_total 1/);
    // A second scrape does not double-count.
    expect((await http(sim, 'GET', '/metrics')).body).toMatch(
      /smsc_sim_submit_total\{status="ESME_ROK"\} 4/,
    );

    const status = await http(sim, 'GET', '/status');
    expect(status.body).toMatchObject({
      smpp: { port: sim.port },
      stats: {
        binds: { active: 1 },
        submits: { received: 6, ok: 4, throttled: 2 },
        receipts: { acked: 4 },
        mo: { acked: 1 },
      },
      faults: { throttleEveryN: 3 },
      accounts: [{ systemId: 'gateway', activeBinds: 1 }],
    });
  });

  it('publishes receipts withheld by NONE in /metrics and /status, apart from receipts sent', async () => {
    const sim = await start({ receiptRules: [{ prefix: '1999', stat: 'NONE' }] });
    const client = await esme(sim);
    await client.session.request(submit('19995550000', 1));
    await client.session.request(submit('19995550001', 1));
    await client.session.request(submit('12125550000', 1));
    await client.waitForDelivered(1);
    await eventually('ack', () => sim.stats().receipts.acked === 1);

    const metrics = await http(sim, 'GET', '/metrics');
    expect(metrics.body).toMatch(/^smsc_sim_receipts_withheld_total 2$/m);
    expect(metrics.body).toMatch(/smsc_sim_receipts_sent_total\{stat="DELIVRD"\} 1/);
    expect(metrics.body).not.toMatch(/stat="NONE"/);
    // A second scrape does not double-count.
    expect((await http(sim, 'GET', '/metrics')).body).toMatch(
      /^smsc_sim_receipts_withheld_total 2$/m,
    );
    const status = await http(sim, 'GET', '/status');
    expect(status.body.stats.receipts).toMatchObject({ withheld: 2, generated: 1, dropped: 0 });
  });

  it('switches faults over HTTP', async () => {
    const sim = await start();
    const client = await esme(sim);
    expect(await http(sim, 'POST', '/faults', { throttleEveryN: 2 })).toMatchObject({
      status: 200,
      body: { throttleEveryN: 2 },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await client.session.request(submit('1', 0))).commandStatus);
    expect(statuses).toEqual([0, 0x58, 0, 0x58]);
    expect((await http(sim, 'POST', '/faults', { throttleEveryN: 'x' })).status).toBe(400);
    expect((await http(sim, 'POST', '/faults', { nonsense: 1 })).status).toBe(400);
    expect(await http(sim, 'DELETE', '/faults')).toMatchObject({
      status: 200,
      body: { throttleEveryN: 0 },
    });
    expect(await http(sim, 'POST', '/faults', { dropConnections: true })).toMatchObject({
      status: 200,
    });
    await client.session.closed;
    expect((await http(sim, 'GET', '/nowhere')).status).toBe(404);
  });
});
