import { ControlCommand, type ControlCommandType } from '@smpp-gateway/contracts';
import { RetryableError, silentLogger } from '@smpp-gateway/runtime';
import { describe, expect, it } from 'vitest';
import { createControlHandler } from './control.handler.js';
import { FakeCampaigns } from './fakes.test-support.js';

const command = (c: ControlCommand['command']) =>
  ControlCommand.parse({
    v: 1,
    messageId: 'c',
    occurredAt: '2025-01-01T00:00:00.000Z',
    command: c,
  });

function setup(invalidate: () => Promise<void> = () => Promise.resolve()) {
  const reloads: string[] = [];
  let invalidations = 0;
  const campaigns = new FakeCampaigns();
  campaigns.invalidateAll = () => {
    invalidations += 1;
    return invalidate();
  };
  const handler = createControlHandler({
    reload: (reason) => {
      reloads.push(reason);
      return Promise.resolve(true);
    },
    campaigns,
    logger: silentLogger,
  });
  return { handler, reloads, invalidations: () => invalidations };
}

describe('control handler', () => {
  it.each<ControlCommandType>(['reload-routing', 'reload-rates', 'reload-vendors'])(
    '%s reloads the snapshot',
    async (type) => {
      const { handler, reloads, invalidations } = setup();
      await handler(command({ type } as ControlCommand['command']));
      expect(reloads).toEqual([type]);
      expect(invalidations()).toBe(0);
    },
  );

  it("skips its own opt-out announcement (it reloaded before announcing), not another router's", async () => {
    const reloads: string[] = [];
    const handler = createControlHandler({
      reload: (reason) => (reloads.push(reason), Promise.resolve(true)),
      campaigns: new FakeCampaigns(),
      logger: silentLogger,
      ownIssuer: 'router-worker:opt-out:r1',
    });
    const announced = (issuedBy: string) =>
      ControlCommand.parse({ ...command({ type: 'reload-routing' }), issuedBy });
    await handler(announced('router-worker:opt-out:r1'));
    await handler(announced('router-worker:opt-out:r2'));
    expect(reloads).toEqual(['reload-routing']);
  });

  it('invalidate-customer reloads; reconnect-vendor is not ours', async () => {
    const { handler, reloads } = setup();
    await handler(command({ type: 'invalidate-customer', customerId: 'x' }));
    await handler(command({ type: 'reconnect-vendor', vendorId: 'v' }));
    expect(reloads).toEqual(['invalidate-customer']);
  });

  it('reload-tendlc clears the campaign cache, and is retried when Redis fails', async () => {
    const ok = setup();
    await ok.handler(command({ type: 'reload-tendlc' }));
    expect(ok.invalidations()).toBe(1);
    const failing = setup(() => Promise.reject(new Error('redis down')));
    await expect(failing.handler(command({ type: 'reload-tendlc' }))).rejects.toBeInstanceOf(
      RetryableError,
    );
  });
});
