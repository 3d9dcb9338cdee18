// Decides a customer's bind. Order matters:
// 1. shutting down / IP locked out: refuse before touching credentials, so a
//    locked-out brute-forcer learns nothing and costs no argon2 time;
// 2. system_id → account (ESME_RINVSYSID);
// 3. source IP allow-list before the password, so a leaked password is useless
//    from elsewhere and a wrong-IP attempt cannot probe it (ESME_RBINDFAIL);
// 4. password (ESME_RINVPASWD); 5. account status; 6. max binds across pods.
// Credential and IP failures count towards the per-IP lockout.
import { SmppStatus } from '@smpp-gateway/contracts';
import type { Customer } from '@smpp-gateway/db';
import { createAllowList } from '../domain/cidr.matcher.js';

export interface BindRequest {
  readonly systemId: string;
  readonly password: string;
  readonly remoteAddress: string | undefined;
  readonly sessionId: string;
}

export interface BindPorts {
  acceptingBinds(): boolean;
  isLocked(ip: string): Promise<boolean>;
  /** Resolves true when this failure locked the IP out. */
  recordFailure(ip: string): Promise<boolean>;
  findAccount(systemId: string): Promise<Customer | undefined>;
  checkPassword(customer: Customer, password: string): Promise<boolean>;
  acquireLease(customerId: string, sessionId: string, maxBinds: number): Promise<boolean>;
}

/** Bounded label for smpp_server_bind_requests_total{status}. */
export type BindOutcome =
  | 'ok'
  | 'invalid_system_id'
  | 'invalid_password'
  | 'ip_not_allowed'
  | 'account_inactive'
  | 'max_binds'
  | 'locked_out'
  | 'shutting_down'
  | 'error';

export interface BindDecision {
  readonly commandStatus: number;
  readonly outcome: BindOutcome;
  readonly customer?: Customer;
  /** This failure pushed the IP over the lockout threshold. */
  readonly lockedNow?: boolean;
}

export async function authorizeBind(request: BindRequest, ports: BindPorts): Promise<BindDecision> {
  const ip = request.remoteAddress ?? 'unknown';
  if (!ports.acceptingBinds()) {
    return { commandStatus: SmppStatus.ESME_RBINDFAIL, outcome: 'shutting_down' };
  }
  if (await ports.isLocked(ip)) {
    return { commandStatus: SmppStatus.ESME_RBINDFAIL, outcome: 'locked_out' };
  }
  const failed = async (commandStatus: number, outcome: BindOutcome): Promise<BindDecision> => {
    const lockedNow = await ports.recordFailure(ip);
    return { commandStatus, outcome, lockedNow };
  };
  const customer = await ports.findAccount(request.systemId);
  if (!customer) return failed(SmppStatus.ESME_RINVSYSID, 'invalid_system_id');
  if (!createAllowList(customer.allowedIps).allows(request.remoteAddress)) {
    return failed(SmppStatus.ESME_RBINDFAIL, 'ip_not_allowed');
  }
  if (!(await ports.checkPassword(customer, request.password))) {
    return failed(SmppStatus.ESME_RINVPASWD, 'invalid_password');
  }
  if (customer.status !== 'active') {
    return { commandStatus: SmppStatus.ESME_RBINDFAIL, outcome: 'account_inactive' };
  }
  if (!(await ports.acquireLease(customer.id, request.sessionId, customer.maxBinds))) {
    return { commandStatus: SmppStatus.ESME_RBINDFAIL, outcome: 'max_binds' };
  }
  return { commandStatus: SmppStatus.ESME_ROK, outcome: 'ok', customer };
}
