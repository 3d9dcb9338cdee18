import { afterEach, describe, expect, it } from 'vitest';
import {
  startSimulator,
  type Simulator,
  type SimulatorOptions,
} from '@smpp-gateway/smsc-simulator';
import { runLoad, type LoadOptions, type LoadReport } from '../src/index.js';

let simulator: Simulator | undefined;

afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  simulator = await startSimulator({
    port: 0,
    controlPort: null,
    receiptDelayMs: 5,
    recordLimit: 0,
    ...options,
  });
  return simulator;
}

function load(sim: Simulator, options: Partial<LoadOptions>): Promise<LoadReport> {
  return runLoad({
    port: sim.port,
    systemId: 'gateway',
    password: 'gw-pass',
    enquireLinkIntervalMs: 0,
    receiptTimeoutMs: 5_000,
    ...options,
  });
}

function expectAccountingHolds(report: LoadReport): void {
  const { submits } = report;
  const errors = Object.values(submits.errors).reduce((a, b) => a + b, 0);
  expect(submits.responses).toBe(submits.ok + submits.throttled + errors);
  expect(submits.sent).toBe(
    submits.responses +
      submits.timeouts +
      submits.failed.closed +
      submits.failed.generic_nack +
      submits.failed.other,
  );
  expect(report.respLatencyMs.count).toBe(submits.responses);
}

describe('runLoad against the simulator', () => {
  it('N submitted → N responses, every receipt matched one-to-one (transceivers)', async () => {
    const sim = await start();
    const report = await load(sim, { binds: 2, windowSize: 20, count: 2_000 });
    expectAccountingHolds(report);
    expect(report.messages.sent).toBe(2_000);
    expect(report.submits).toMatchObject({
      sent: 2_000,
      responses: 2_000,
      ok: 2_000,
      throttled: 0,
      timeouts: 0,
    });
    expect(report.receipts).toEqual({
      requested: 2_000,
      received: 2_000,
      matched: 2_000,
      unmatched: 0,
      duplicates: 0,
      outstanding: 0,
      idMismatches: 0,
      duplicateResponseIds: 0,
    });
    expect(report.receiptLatencyMs.count).toBe(2_000);
    expect(report.receiptLatencyMs.p50).toBeGreaterThanOrEqual(4);
    expect(sim.stats().submits.received).toBe(2_000);
    expect(sim.stats().receipts.acked).toBe(2_000);
    expect(report.binds).toEqual({ sessions: 2, disconnects: 0 });
  });

  it('counts exactly with a 3-part long mix, UCS2, partial receipts and transmitter + receiver binds', async () => {
    const sim = await start({ messageIdFormat: 'decimal' });
    const report = await load(sim, {
      binds: 2,
      bindMode: 'transmitter-receiver',
      windowSize: 10,
      count: 600,
      mix: { gsm7: 1, ucs2: 1, long: 1 },
      receiptRatio: 0.5,
      addressOrder: 'random',
    });
    expectAccountingHolds(report);
    expect(report.messages.byKind).toEqual({ gsm7: 200, ucs2: 200, long: 200 });
    // 200 long messages are 600 parts.
    expect(report.submits).toMatchObject({ sent: 1_000, responses: 1_000, ok: 1_000 });
    // Every odd message asks for receipts (exact fraction 0.5), on each of its parts:
    // 100 long messages × 3 parts + 200 short ones.
    expect(report.receipts.requested).toBe(500);
    expect(sim.stats().receipts.generated).toBe(500);
    expect(report.receipts).toMatchObject({
      received: report.receipts.requested,
      matched: report.receipts.requested,
      unmatched: 0,
      duplicates: 0,
      outstanding: 0,
    });
    expect(report.binds.sessions).toBe(4);

    // What the simulator received is exactly what was sent: 3-part UDH messages with one reference each.
    expect(sim.stats().submits.received).toBe(1_000);
  });

  it('records long messages as three UDH parts sharing a reference', async () => {
    const sim = await start({ recordLimit: 100 });
    await load(sim, { count: 2, mix: { long: 1 }, receiptRatio: 0 });
    const parts = sim.records.ofCommand('submit_sm');
    expect(parts).toHaveLength(6);
    for (const record of parts) expect(record.pdu.esmClass & 0x40).toBe(0x40);
    const udh = parts.map((record) => [...record.pdu.shortMessage.subarray(0, 6)]);
    expect(udh.map((h) => h[5])).toEqual([1, 2, 3, 1, 2, 3]);
    expect(udh.map((h) => h[4])).toEqual([3, 3, 3, 3, 3, 3]);
    expect(udh[0]![3]).toBe(udh[2]![3]);
    expect(udh[0]![3]).not.toBe(udh[3]![3]);
  });

  it('matches hex-in-resp / decimal-in-receipt ids when told the formats', async () => {
    const sim = await start({ messageIdFormat: 'hex', decimalInReceipt: true });
    const report = await load(sim, {
      count: 300,
      windowSize: 10,
      respIdFormat: 'hex',
      receiptIdFormat: 'decimal',
    });
    expect(report.receipts).toMatchObject({
      requested: 300,
      matched: 300,
      unmatched: 0,
      duplicates: 0,
    });
  });

  it('reports receipts it cannot match as unmatched (formats not configured)', async () => {
    const sim = await start({ messageIdFormat: 'hex', decimalInReceipt: true });
    const report = await load(sim, {
      count: 50,
      respIdFormat: 'hex',
      receiptIdFormat: 'hex',
      receiptTimeoutMs: 300,
    });
    expect(report.receipts).toMatchObject({
      requested: 50,
      received: 50,
      matched: 0,
      unmatched: 50,
      outstanding: 50,
    });
  });

  it('throttled counts equal what the simulator injected', async () => {
    const sim = await start({ faults: { throttleEveryN: 7 } });
    const report = await load(sim, { binds: 3, windowSize: 15, count: 1_400 });
    expectAccountingHolds(report);
    const injected = sim.stats().submits.throttled;
    expect(injected).toBe(200);
    expect(report.submits).toMatchObject({
      sent: 1_400,
      responses: 1_400,
      throttled: injected,
      ok: 1_400 - injected,
    });
    expect(report.receipts).toMatchObject({
      requested: 1_200,
      matched: 1_200,
      unmatched: 0,
      duplicates: 0,
    });
  });

  it('counts other error statuses by code', async () => {
    const sim = await start({ faults: { failEveryN: 10, failStatus: 0x45 } });
    const report = await load(sim, { count: 100 });
    expect(report.submits.errors).toEqual({ '0x00000045': 10 });
    expect(report.submits.ok).toBe(90);
  });

  it('counts timeouts when the simulator stops answering', async () => {
    const sim = await start({ faults: { stopAnswering: true } });
    const report = await load(sim, {
      count: 5,
      windowSize: 5,
      responseTimeoutMs: 200,
      receiptTimeoutMs: 0,
    });
    expectAccountingHolds(report);
    expect(report.submits).toMatchObject({ sent: 5, responses: 0, timeouts: 5 });
  });

  it('paces to the target rate over the binds and stops at the duration', async () => {
    const sim = await start();
    const report = await load(sim, { binds: 2, rate: 400, durationMs: 1_000, receiptRatio: 0 });
    // Generous bounds: pacing is checked for shape, not timer precision.
    expect(report.submits.sent).toBeGreaterThan(300);
    expect(report.submits.sent).toBeLessThanOrEqual(402);
    expect(report.submits.responses).toBe(report.submits.sent);
  });

  it('counts MO received during the run and reports progress', async () => {
    const sim = await start();
    const progress: number[] = [];
    const run = runLoad(
      {
        port: sim.port,
        systemId: 'gateway',
        password: 'gw-pass',
        rate: 200,
        durationMs: 600,
        progressIntervalMs: 50,
        enquireLinkIntervalMs: 0,
      },
      { onProgress: (p) => progress.push(p.sent) },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sim.injectMo({ source: '15550001234', destination: '12345', text: 'hello' });
    const report = await run;
    expect(report.mo.received).toBe(1);
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBeGreaterThan(0);
  });

  it('fails fast with the bind error when credentials are wrong', async () => {
    const sim = await start();
    await expect(load(sim, { password: 'nope', count: 1 })).rejects.toThrow(/bind/i);
    expect(sim.stats().binds.active).toBe(0);
  });
});
