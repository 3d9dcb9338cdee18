import { randomUUID } from 'node:crypto';
import type { ContractInput } from '@smpp-gateway/contracts';

/** A valid MtSubmitted for priority `priority`; `tag` lands in the text so tests can tell messages apart. */
export function mtSubmitted(tag: string | number, priority = 0): ContractInput<'MtSubmitted'> {
  const now = new Date().toISOString();
  return {
    v: 1,
    messageId: randomUUID(),
    occurredAt: now,
    customerId: 'cust-1',
    systemId: 'esme1',
    source: { addr: '15551234567', ton: 1, npi: 1 },
    destination: { addr: '15559876543', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    priority,
    registeredDelivery: 1,
    dataCoding: 0,
    shortMessage: Buffer.from(`hello ${tag}`).toString('base64'),
    segments: 1,
    acceptedAt: now,
  };
}

export function mtRouted(tag: string | number, vendorId: string): ContractInput<'MtRouted'> {
  return {
    ...mtSubmitted(tag),
    vendorId,
    routeId: 'route-1',
    pricing: {
      currency: 'USD',
      pricePerSegmentMicros: 5000,
      costPerSegmentMicros: 3000,
      costCurrency: 'USD',
    },
    routedAt: new Date().toISOString(),
  };
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs` with `what` in the message. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
