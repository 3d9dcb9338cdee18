import { afterEach, describe, expect, it } from 'vitest';
import { connectSmpp, SmppBindError, SmppStatus, type BindType } from '@smpp-gateway/smpp';
import { startSimulator, type Simulator } from '../src/index.js';
import { bindEsme, type TestEsme } from './support/esme.client.js';

let simulator: Simulator | undefined;
const esmes: TestEsme[] = [];

afterEach(async () => {
  await Promise.all(esmes.splice(0).map((esme) => esme.close()));
  await simulator?.stop();
  simulator = undefined;
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  simulator = await startSimulator({ port: 0, controlPort: null, ...options });
  return simulator;
}

async function bindStatus(
  sim: Simulator,
  systemId: string,
  password: string,
  bindType: BindType = 'transceiver',
) {
  try {
    esmes.push(await bindEsme(sim, bindType, { systemId, password }));
    return SmppStatus.ESME_ROK;
  } catch (error) {
    if (error instanceof SmppBindError) return error.commandStatus;
    throw error;
  }
}

describe('binds', () => {
  it('accepts transmitter, receiver and transceiver binds with the right credentials', async () => {
    const sim = await start();
    for (const bindType of ['transmitter', 'receiver', 'transceiver'] as const) {
      const esme = await bindEsme(sim, bindType);
      esmes.push(esme);
      expect(esme.session.state).toBe('bound');
    }
    expect(sim.stats().binds).toMatchObject({
      active: 3,
      accepted: 3,
      byType: { transmitter: 1, receiver: 1, transceiver: 1 },
    });
  });

  it('refuses a wrong password with ESME_RINVPASWD and an unknown system_id with ESME_RINVSYSID', async () => {
    const sim = await start();
    expect(await bindStatus(sim, 'gateway', 'nope')).toBe(SmppStatus.ESME_RINVPASWD);
    expect(await bindStatus(sim, 'stranger', 'gw-pass')).toBe(SmppStatus.ESME_RINVSYSID);
    expect(sim.stats().binds).toMatchObject({ active: 0, rejected: 2 });
  });

  it('enforces max binds per account and frees the slot when a bind closes', async () => {
    const sim = await start({
      accounts: [
        { systemId: 'small', password: 'pw', maxBinds: 2 },
        { systemId: 'other', password: 'pw' },
      ],
    });
    expect(await bindStatus(sim, 'small', 'pw', 'transmitter')).toBe(SmppStatus.ESME_ROK);
    expect(await bindStatus(sim, 'small', 'pw', 'receiver')).toBe(SmppStatus.ESME_ROK);
    expect(await bindStatus(sim, 'small', 'pw', 'transceiver')).toBe(SmppStatus.ESME_RBINDFAIL);
    // The limit is per account.
    expect(await bindStatus(sim, 'other', 'pw')).toBe(SmppStatus.ESME_ROK);
    await esmes.shift()?.close();
    expect(await bindStatus(sim, 'small', 'pw', 'transceiver')).toBe(SmppStatus.ESME_ROK);
    expect(sim.accounts().find((a) => a.systemId === 'small')).toMatchObject({
      activeBinds: 2,
      maxBinds: 2,
    });
  });

  it('refuses binds for the configured time, then accepts them again', async () => {
    const sim = await start();
    sim.setFaults({ refuseBindsMs: 400 });
    expect(await bindStatus(sim, 'gateway', 'gw-pass')).toBe(SmppStatus.ESME_RBINDFAIL);
    expect(sim.faults().refuseBindsRemainingMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await bindStatus(sim, 'gateway', 'gw-pass')).toBe(SmppStatus.ESME_ROK);
  });

  it('refused binds can be cleared before they expire', async () => {
    const sim = await start();
    sim.setFaults({ refuseBindsMs: 60_000 });
    expect(await bindStatus(sim, 'gateway', 'gw-pass')).toBe(SmppStatus.ESME_RBINDFAIL);
    sim.clearFaults();
    expect(await bindStatus(sim, 'gateway', 'gw-pass')).toBe(SmppStatus.ESME_ROK);
  });

  it('records binds without their password', async () => {
    const sim = await start();
    await bindStatus(sim, 'gateway', 'wrong', 'receiver');
    const [record] = sim.records.query({ command: 'bind_receiver' });
    expect(record).toMatchObject({
      systemId: 'gateway',
      bindType: 'receiver',
      commandStatus: SmppStatus.ESME_RINVPASWD,
    });
    expect(JSON.stringify(record)).not.toContain('wrong');
  });

  it('rejects invalid options with every problem listed', async () => {
    await expect(
      startSimulator({
        port: -1,
        controlPort: null,
        messageIdFormat: 'decimal',
        decimalInReceipt: true,
        windowSize: 0,
      }),
    ).rejects.toThrow(/port.*decimalInReceipt|decimalInReceipt.*port/s);
  });

  it('serves a client that uses connectSmpp directly (no test helper)', async () => {
    const sim = await start();
    const session = await connectSmpp({
      host: '127.0.0.1',
      port: sim.port,
      bindType: 'transmitter',
      systemId: 'gateway',
      password: 'gw-pass',
    });
    expect(session.state).toBe('bound');
    await session.close();
  });
});
