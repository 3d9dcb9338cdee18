import { afterEach, describe, expect, it } from 'vitest';
import { SmppStatus, SmppTimeoutError } from '@smpp-gateway/smpp';
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
  simulator = await startSimulator({ port: 0, controlPort: null, receiptDelayMs: 0, ...options });
  return simulator;
}

async function esme(sim: Simulator, overrides: Parameters<typeof bindEsme>[2] = {}) {
  const bound = await bindEsme(sim, 'transceiver', overrides);
  esmes.push(bound);
  return bound;
}

async function sendSequentially(
  client: TestEsme,
  count: number,
  registeredDelivery = 0,
): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    statuses.push((await client.session.request(submit('1555', registeredDelivery))).commandStatus);
  }
  return statuses;
}

describe('fault injection', () => {
  it('throttles exactly every Nth submit with ESME_RTHROTTLED and sends no receipt for it', async () => {
    const sim = await start();
    const client = await esme(sim);
    sim.setFaults({ throttleEveryN: 4 });
    const statuses = await sendSequentially(client, 12, 1);
    expect(statuses.map((s, i) => [i + 1, s]).filter(([, s]) => s !== 0)).toEqual([
      [4, SmppStatus.ESME_RTHROTTLED],
      [8, SmppStatus.ESME_RTHROTTLED],
      [12, SmppStatus.ESME_RTHROTTLED],
    ]);
    expect(sim.stats().submits).toMatchObject({ received: 12, ok: 9, throttled: 3 });
    await client.waitForDelivered(9);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.delivered).toHaveLength(9);
  });

  it('fails every Nth submit with the given status, throttling first where both hit', async () => {
    const sim = await start();
    const client = await esme(sim);
    sim.setFaults({ failEveryN: 3, failStatus: SmppStatus.ESME_RSYSERR, throttleEveryN: 6 });
    const statuses = await sendSequentially(client, 6);
    expect(statuses).toEqual([0, 0, SmppStatus.ESME_RSYSERR, 0, 0, SmppStatus.ESME_RTHROTTLED]);
    sim.clearFaults();
    expect(await sendSequentially(client, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(sim.stats().submits).toMatchObject({ ok: 10, failed: 1, throttled: 1 });
  });

  it('stops answering: the client times out; clearing it releases the held submits and traffic flows again', async () => {
    const sim = await start();
    const client = await esme(sim, { responseTimeoutMs: 300 });
    sim.setFaults({ stopAnswering: true });
    const held = client.session.request(submit('1555', 0));
    await expect(held).rejects.toBeInstanceOf(SmppTimeoutError);
    expect(sim.stats().submits.stalled).toBe(1);
    // enquire_link is answered by the session layer, so the link itself stays up.
    expect(client.session.state).toBe('bound');
    sim.setFaults({ stopAnswering: false });
    const response = await client.session.request(submit('1555', 0));
    expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
  });

  it('drops every connection on demand', async () => {
    const sim = await start();
    const a = await esme(sim);
    const b = await bindEsme(sim, 'receiver');
    esmes.push(b);
    expect(sim.dropConnections()).toBe(2);
    const [closedA, closedB] = await Promise.all([a.session.closed, b.session.closed]);
    expect(closedA.reason).toBe('peer_closed');
    expect(closedB.reason).toBe('peer_closed');
    await eventually(
      'binds released',
      () => sim.stats().binds.active === 0 && sim.accounts()[0]!.activeBinds === 0,
    );
    // The simulator keeps serving: a reconnect works.
    const again = await esme(sim);
    expect((await again.session.request(submit('1555', 0))).commandStatus).toBe(
      SmppStatus.ESME_ROK,
    );
  });

  it('rejects bad fault values with every problem', () => {
    return start().then((sim) => {
      expect(() => sim.setFaults({ throttleEveryN: -1, failStatus: 0 })).toThrow(
        /throttleEveryN.*failStatus/,
      );
      expect(sim.faults().throttleEveryN).toBe(0);
    });
  });

  it('starts with faults from the options', async () => {
    const sim = await start({ faults: { throttleEveryN: 2 } });
    const client = await esme(sim);
    expect(await sendSequentially(client, 4)).toEqual([
      0,
      SmppStatus.ESME_RTHROTTLED,
      0,
      SmppStatus.ESME_RTHROTTLED,
    ]);
  });
});
