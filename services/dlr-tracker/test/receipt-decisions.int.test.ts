// The merge script decides customer receipts from RECEIPT_DECISIONS, a table
// computed from wantsFinalReceipt. This checks, in real Redis, that the
// script's decisions equal the policy's for every status and every
// registered_delivery byte (the script reduces it with % 4, the policy with
// & 0x03), and that it never decides without the receipt context.
import {
  isFinalStatus,
  MESSAGE_STATUSES,
  MessageStateStore,
  type MessageStatus,
} from '@smpp-gateway/message-state';
import { createTestRedis, type TestRedis } from '@smpp-gateway/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECEIPT_CONTEXT_FIELDS } from '../src/handlers/message-context.js';
import { RECEIPT_DECISIONS, wantsFinalReceipt } from '../src/handlers/receipt-policy.js';

let redisEnv: TestRedis;
let redis: Redis;
let store: MessageStateStore;

beforeAll(() => {
  redisEnv = createTestRedis();
  redis = new Redis(redisEnv.url, { keyPrefix: redisEnv.keyPrefix, db: 0 });
  store = new MessageStateStore({ redis });
});

afterAll(async () => {
  redis.disconnect();
  await redisEnv.cleanup();
});

const context = {
  customerId: '00000000-0000-4000-8000-000000000001',
  source: { addr: '15550001000', ton: 1, npi: 1 },
  destination: { addr: '15125550100', ton: 1, npi: 1 },
  acceptedAt: '2026-11-26T00:00:00.000Z',
};
const options = (owner: string) => ({
  decisions: RECEIPT_DECISIONS,
  contextFields: RECEIPT_CONTEXT_FIELDS,
  owner,
  leaseMs: 5_000,
});

describe('receipt decisions inside the merge script', () => {
  it('match wantsFinalReceipt for every status and registered_delivery value', async () => {
    const mismatches: string[] = [];
    const work: Promise<void>[] = [];
    for (let rd = 0; rd <= 0xff; rd += 1) {
      for (const status of MESSAGE_STATUSES) {
        const id = `rd-${rd}-${status}`;
        work.push(
          store
            .mergeAndClaim(id, { ...context, registeredDelivery: rd, status }, options(id))
            .then(({ record, claim }) => {
              const expected = !isFinalStatus(status)
                ? undefined
                : wantsFinalReceipt(rd, status)
                  ? 'pending'
                  : 'not_requested';
              const expectedClaim = expected === 'pending' ? 'claimed' : undefined;
              if (record.customerReceipt !== expected || claim !== expectedClaim) {
                mismatches.push(
                  `rd=${rd} ${status}: got ${record.customerReceipt}/${claim}, want ${expected}/${expectedClaim}`,
                );
              }
            }),
        );
      }
    }
    await Promise.all(work);
    expect(mismatches).toEqual([]);
  });

  it('leaves the receipt undecided while any context field is missing', async () => {
    const final: MessageStatus = 'DELIVRD';
    for (const missing of RECEIPT_CONTEXT_FIELDS) {
      const patch: Record<string, unknown> = { ...context, registeredDelivery: 1, status: final };
      delete patch[missing];
      const { record, claim } = await store.mergeAndClaim(
        `missing-${missing}`,
        patch as Parameters<MessageStateStore['merge']>[1],
        options('o'),
      );
      expect({ missing, receipt: record.customerReceipt, claim }).toEqual({
        missing,
        receipt: undefined,
        claim: undefined,
      });
    }
  });
});
