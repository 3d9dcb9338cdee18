import { SmppStatus } from '@smpp-gateway/contracts';
import type { Customer } from '@smpp-gateway/db';
import { describe, expect, it } from 'vitest';
import { authorizeBind, type BindPorts } from './bind.authorizer.js';

const acme: Customer = {
  id: 'c1',
  name: 'Acme',
  systemId: 'acme',
  passwordHash: 'secret',
  allowedIps: ['10.0.0.0/8'],
  allowedSources: [],
  throughput: 10,
  maxBinds: 1,
  status: 'active',
  creditMicros: null,
  creditCurrency: 'USD',
  pricePlan: 'default',
  moReassembly: false,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function ports(overrides: Partial<BindPorts> = {}) {
  const failures: string[] = [];
  const p: BindPorts = {
    acceptingBinds: () => true,
    isLocked: () => Promise.resolve(false),
    recordFailure: (ip) => {
      failures.push(ip);
      return Promise.resolve(failures.length >= 3);
    },
    findAccount: (systemId) => Promise.resolve(systemId === 'acme' ? acme : undefined),
    checkPassword: (c, password) => Promise.resolve(c.passwordHash === password),
    acquireLease: () => Promise.resolve(true),
    ...overrides,
  };
  return { p, failures };
}

const request = {
  systemId: 'acme',
  password: 'secret',
  remoteAddress: '10.1.2.3',
  sessionId: 's1',
};

describe('authorizeBind', () => {
  it('accepts good credentials from an allowed address', async () => {
    const { p } = ports();
    expect(await authorizeBind(request, p)).toMatchObject({
      commandStatus: 0,
      outcome: 'ok',
      customer: acme,
    });
  });

  it.each([
    ['unknown system_id', { systemId: 'nobody' }, SmppStatus.ESME_RINVSYSID, 'invalid_system_id'],
    ['wrong password', { password: 'nope' }, SmppStatus.ESME_RINVPASWD, 'invalid_password'],
    [
      'address outside the allow-list',
      { remoteAddress: '192.0.2.1' },
      SmppStatus.ESME_RBINDFAIL,
      'ip_not_allowed',
    ],
  ])('refuses %s and counts it towards the lockout', async (_name, change, status, outcome) => {
    const { p, failures } = ports();
    expect(await authorizeBind({ ...request, ...change }, p)).toMatchObject({
      commandStatus: status,
      outcome,
    });
    expect(failures).toHaveLength(1);
  });

  it('does not check the password from a disallowed address', async () => {
    let checked = false;
    const { p } = ports({
      checkPassword: () => {
        checked = true;
        return Promise.resolve(true);
      },
    });
    await authorizeBind({ ...request, remoteAddress: '192.0.2.1' }, p);
    expect(checked).toBe(false);
  });

  it('refuses a locked-out IP without looking at credentials', async () => {
    let looked = false;
    const { p } = ports({
      isLocked: () => Promise.resolve(true),
      findAccount: () => {
        looked = true;
        return Promise.resolve(acme);
      },
    });
    expect(await authorizeBind(request, p)).toMatchObject({
      commandStatus: SmppStatus.ESME_RBINDFAIL,
      outcome: 'locked_out',
    });
    expect(looked).toBe(false);
  });

  it.each([
    [
      'a suspended account',
      { findAccount: () => Promise.resolve({ ...acme, status: 'suspended' as const }) },
      'account_inactive',
    ],
    ['max binds reached', { acquireLease: () => Promise.resolve(false) }, 'max_binds'],
    ['shutdown', { acceptingBinds: () => false }, 'shutting_down'],
  ])(
    'refuses %s with ESME_RBINDFAIL, not counted as a failure',
    async (_name, overrides, outcome) => {
      const { p, failures } = ports(overrides);
      expect(await authorizeBind(request, p)).toMatchObject({
        commandStatus: SmppStatus.ESME_RBINDFAIL,
        outcome,
      });
      expect(failures).toHaveLength(0);
    },
  );
});
