import { MtSubmitted } from '@smpp-gateway/contracts';
import { RetryableError, silentLogger } from '@smpp-gateway/runtime';
import { formatSmppAbsoluteTime } from '@smpp-gateway/smpp';
import { describe, expect, it } from 'vitest';
import type { Rate } from '../routing/pricing.js';
import type { RouteRule } from '../routing/route-selection.js';
import type { Campaign } from '../routing/tendlc.js';
import {
  FakeCampaigns,
  FakeLimiter,
  FakeSnapshots,
  MemoryOutbox,
  snapshotOf,
  testMetrics,
} from './fakes.test-support.js';
import { createMtHandler } from './mt.handler.js';

const now = new Date('2025-05-05T10:00:00.000Z');
const rule = (id: string, vendorId: string, priority: number): RouteRule => ({
  id,
  name: id,
  destinationPrefix: '1',
  countryCode: null,
  sourceType: 'any',
  customerId: null,
  vendorId,
  priority,
  active: true,
  vendorActive: true,
  vendorPriority: 100,
  vendorPrimary: false,
});
const rates: Rate[] = [
  {
    kind: 'customer',
    pricePlan: 'std',
    vendorId: null,
    destinationPrefix: '',
    pricePerSegmentMicros: 5000,
    currency: 'USD',
  },
  {
    kind: 'vendor',
    pricePlan: null,
    vendorId: 'v1',
    destinationPrefix: '1',
    pricePerSegmentMicros: 3000,
    currency: 'USD',
  },
  {
    kind: 'vendor',
    pricePlan: null,
    vendorId: 'v2',
    destinationPrefix: '1',
    pricePerSegmentMicros: 3500,
    currency: 'USD',
  },
];
const baseInput = () => ({
  rules: [rule('r1', 'v1', 1), rule('r2', 'v2', 2)],
  rates,
  customers: [{ id: 'cust', pricePlan: 'std', moReassembly: false }],
});
const baseSnapshot = () => snapshotOf(baseInput());
const campaign: Campaign = {
  id: 'camp',
  campaignId: 'C1',
  brandId: 'B1',
  status: 'ACTIVE',
  tpm: 5,
  brandDailyCap: 100,
};

function mt(over: Partial<MtSubmitted> = {}): MtSubmitted {
  return MtSubmitted.parse({
    v: 1,
    messageId: 'm-1',
    occurredAt: now.toISOString(),
    customerId: 'cust',
    systemId: 'esme',
    source: { addr: '15125550001', ton: 1, npi: 1 },
    destination: { addr: '12125550100', ton: 1, npi: 1 },
    esmClass: 0,
    protocolId: 0,
    priority: 1,
    registeredDelivery: 1,
    dataCoding: 0,
    shortMessage: Buffer.from('hello').toString('base64'),
    segments: 2,
    acceptedAt: now.toISOString(),
    ...over,
  });
}

function setup(
  options: {
    campaigns?: Map<string, Campaign>;
    limiter?: FakeLimiter;
    transientRetryMaxAgeMs?: number;
    refused?: ReadonlySet<string>;
    downVendors?: ReadonlySet<string>;
  } = {},
) {
  const snapshots = new FakeSnapshots(baseSnapshot());
  const outbox = new MemoryOutbox();
  const limiter = options.limiter ?? new FakeLimiter();
  const metrics = testMetrics();
  const handler = createMtHandler({
    snapshots,
    campaigns: new FakeCampaigns(options.campaigns ?? new Map([['15125550001', campaign]])),
    limiter,
    outbox,
    metrics,
    logger: silentLogger,
    clock: () => now,
    ...(options.transientRetryMaxAgeMs !== undefined
      ? { transientRetryMaxAgeMs: options.transientRetryMaxAgeMs }
      : {}),
    ...(options.refused !== undefined ? { refused: options.refused } : {}),
    ...(options.downVendors !== undefined
      ? { vendors: { isDown: (id: string) => options.downVendors?.has(id) ?? false } }
      : {}),
  });
  return { handler, snapshots, outbox, limiter, metrics };
}

describe('MT handler', () => {
  it('routes to the best vendor with the price and cost attached, counting 10DLC segments once', async () => {
    const { handler, outbox, limiter } = setup();
    expect(await handler(mt())).toBe('routed');
    expect(outbox.routedMessages).toEqual([
      expect.objectContaining({
        messageId: 'm-1',
        vendorId: 'v1',
        routeId: 'r1',
        pricing: {
          currency: 'USD',
          pricePerSegmentMicros: 5000,
          costPerSegmentMicros: 3000,
          costCurrency: 'USD',
        },
        routedAt: now.toISOString(),
      }),
    ]);
    expect(limiter.calls).toEqual([{ campaignId: 'camp', segments: 2 }]);
  });

  it('drops an MT whose submit edge-server refused: nothing routed, no result, no cap used', async () => {
    const { handler, outbox, limiter, metrics } = setup({ refused: new Set(['m-1']) });
    expect(await handler(mt())).toBe('dropped');
    expect(outbox.routedMessages).toEqual([]);
    expect(outbox.failedResults).toEqual([]);
    expect(outbox.deferredMessages).toEqual([]);
    expect(limiter.calls).toEqual([]);
    expect((await metrics.refusedDropped.get()).values[0]?.value).toBe(1);
    // Any other id is routed as usual.
    expect(await handler(mt({ messageId: 'm-2' }))).toBe('routed');
  });

  it('fails an MT whose validity ended before it could be routed as expired, without using a cap', async () => {
    const { handler, outbox, limiter } = setup();
    const ended = new Date(now.getTime() - 1_000);
    const late = mt({
      validityPeriod: formatSmppAbsoluteTime(ended),
      attempts: [{ vendorId: 'v1', error: 'submit_sm_resp 0x00000058', at: now.toISOString() }],
    });
    expect(await handler(late)).toBe('failed');
    expect(outbox.routedMessages).toEqual([]);
    expect(outbox.failedResults).toEqual([
      expect.objectContaining({ messageId: 'm-1', failureReason: 'expired', vendorId: 'v1' }),
    ]);
    expect(limiter.calls).toEqual([]);
  });

  it("fails a blocked destination before anything is spent on it; another customer's block does not apply", async () => {
    const { handler, outbox, limiter, snapshots, metrics } = setup();
    snapshots.snapshot = snapshotOf({
      ...baseInput(),
      blocks: [
        { prefix: '1212555', reason: 'pumping' },
        { prefix: '1646', customerId: 'other', reason: '' },
      ],
    });
    expect(await handler(mt())).toBe('failed');
    expect(outbox.routedMessages).toEqual([]);
    expect(outbox.failedResults).toEqual([
      expect.objectContaining({
        messageId: 'm-1',
        failureReason: 'blocked',
        error: 'destination blocked by prefix 1212*55: pumping',
      }),
    ]);
    // No 10DLC slot taken for a message that will not be sent.
    expect(limiter.calls).toEqual([]);
    expect(
      (await metrics.rejections.get()).values.find((v) => v.labels.reason === 'blocked')?.value,
    ).toBe(1);
    expect(
      await handler(mt({ messageId: 'm-2', destination: { addr: '16465550100', ton: 1, npi: 1 } })),
    ).toBe('routed');
  });

  it('routes an MT still within its validity, absolute or relative to its acceptance', async () => {
    const { handler, outbox } = setup();
    const later = formatSmppAbsoluteTime(new Date(now.getTime() + 60_000));
    expect(await handler(mt({ validityPeriod: later }))).toBe('routed');
    // Accepted 30 s ago, valid for a minute: 30 s left.
    const acceptedAt = new Date(now.getTime() - 30_000).toISOString();
    expect(
      await handler(mt({ messageId: 'm-2', validityPeriod: '000000000100000R', acceptedAt })),
    ).toBe('routed');
    // Accepted two minutes ago, valid for a minute: over.
    expect(
      await handler(
        mt({
          messageId: 'm-3',
          validityPeriod: '000000000100000R',
          acceptedAt: new Date(now.getTime() - 120_000).toISOString(),
        }),
      ),
    ).toBe('failed');
    expect(outbox.routedMessages.map((m) => m.messageId)).toEqual(['m-1', 'm-2']);
  });

  it('a failover hand-back skips tried vendors and is not counted against the caps again', async () => {
    const { handler, outbox, limiter } = setup();
    await handler(
      mt({ attempts: [{ vendorId: 'v1', error: 'bind down', at: now.toISOString() }] }),
    );
    expect(outbox.routedMessages[0]?.vendorId).toBe('v2');
    expect(limiter.calls).toEqual([]);
  });

  it('a vendor no connector can reach is passed over on first routing, priced as the vendor used', async () => {
    const { handler, outbox } = setup({ downVendors: new Set(['v1']) });
    expect(await handler(mt())).toBe('routed');
    expect(outbox.routedMessages).toEqual([
      expect.objectContaining({
        vendorId: 'v2',
        routeId: 'r2',
        attempts: [],
        pricing: expect.objectContaining({ costPerSegmentMicros: 3500 }),
      }),
    ]);
    // Once v2 was tried too, the down vendor is still the last resort.
    await handler(
      mt({
        messageId: 'm-2',
        attempts: [{ vendorId: 'v2', error: 'submit failed', at: now.toISOString() }],
      }),
    );
    expect(outbox.routedMessages[1]?.vendorId).toBe('v1');
  });

  it('all vendors tried → failed vendors_exhausted naming the last vendor', async () => {
    const { handler, outbox } = setup();
    const attempts = ['v1', 'v2'].map((vendorId) => ({
      vendorId,
      error: 'x',
      at: now.toISOString(),
    }));
    expect(await handler(mt({ attempts }))).toBe('failed');
    expect(outbox.failedResults).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        failureReason: 'vendors_exhausted',
        vendorId: 'v2',
        textPreview: 'hello',
        attempts: [
          { vendorId: 'v1', error: 'x' },
          { vendorId: 'v2', error: 'x' },
        ],
      }),
    ]);
  });

  it('every vendor down for a transient reason → deferred for a new round, then the primary again', async () => {
    const { handler, outbox, limiter } = setup({ transientRetryMaxAgeMs: 600_000 });
    const attempts = [
      { vendorId: 'v1', error: 'no bind for 5000 ms', at: now.toISOString() },
      { vendorId: 'v2', error: 'vendor busy', commandStatus: 0x58, at: now.toISOString() },
    ];
    expect(await handler(mt({ attempts }))).toBe('deferred');
    expect(outbox.failedResults).toEqual([]);
    const deferred = outbox.deferredMessages[0]!;
    expect(deferred.roundStart).toBe(2);
    // The deferred MT comes back: the new round starts with the best vendor,
    // and the 10DLC caps are not counted a second time.
    expect(await handler(deferred)).toBe('routed');
    expect(outbox.routedMessages[0]?.vendorId).toBe('v1');
    expect(limiter.calls).toEqual([]);
  });

  it('a permanent vendor refusal, or an MT past the retry age, still fails vendors_exhausted', async () => {
    const permanent = setup({ transientRetryMaxAgeMs: 600_000 });
    const refused = [
      { vendorId: 'v1', error: 'timeout', at: now.toISOString() },
      { vendorId: 'v2', error: 'invalid destination', commandStatus: 0x0b, at: now.toISOString() },
    ];
    expect(await permanent.handler(mt({ attempts: refused }))).toBe('failed');
    const old = setup({ transientRetryMaxAgeMs: 600_000 });
    const transient = refused.map((a) => ({ vendorId: a.vendorId, error: 'timeout', at: a.at }));
    const acceptedAt = new Date(now.getTime() - 600_001).toISOString();
    expect(await old.handler(mt({ attempts: transient, acceptedAt }))).toBe('failed');
    expect(old.outbox.failedResults[0]?.failureReason).toBe('vendors_exhausted');
  });

  it('flags a routed MT from a redelivered input as a possible repeat', async () => {
    const { handler, outbox } = setup();
    await handler(mt(), { redelivered: true });
    await handler(mt({ messageId: 'm-2' }), { redelivered: false });
    expect(outbox.routedMessages.map((m) => m.possibleRepeat)).toEqual([true, undefined]);
  });

  it('over a cap → the same MT is deferred, nothing routed or failed', async () => {
    const limiter = new FakeLimiter(() => ({ allow: false, cap: 'campaign_tpm' }));
    const { handler, outbox } = setup({ limiter });
    const message = mt();
    expect(await handler(message)).toBe('deferred');
    expect(outbox.deferredMessages).toEqual([message]);
    expect(outbox.routedMessages).toEqual([]);
    expect(outbox.failedResults).toEqual([]);
  });

  it.each([
    ['no campaign', new Map<string, Campaign>(), 2, /no_campaign/],
    [
      'suspended campaign',
      new Map([['15125550001', { ...campaign, status: 'SUSPENDED' as const }]]),
      2,
      /campaign_not_active/,
    ],
    [
      'message bigger than the per-minute cap',
      new Map([['15125550001', campaign]]),
      6,
      /campaign_tpm/,
    ],
  ])('10DLC %s → tendlc_rejected', async (_label, campaigns, segments, error) => {
    const { handler, outbox, limiter } = setup({ campaigns });
    expect(await handler(mt({ segments }))).toBe('failed');
    expect(outbox.failedResults[0]).toMatchObject({
      failureReason: 'tendlc_rejected',
      error: expect.stringMatching(error),
    });
    expect(limiter.calls).toEqual([]);
  });

  it('no 10DLC check for an international destination', async () => {
    const { handler, outbox } = setup({ campaigns: new Map() });
    const result = await handler(mt({ destination: { addr: '14165550100', ton: 1, npi: 1 } })); // Canada
    expect(result).toBe('routed');
    expect(outbox.routedMessages).toHaveLength(1);
  });

  it('an unknown customer triggers one reload; still unknown → failed no_rate', async () => {
    const { handler, outbox, snapshots } = setup();
    expect(await handler(mt({ customerId: 'ghost' }))).toBe('failed');
    expect(snapshots.refreshes).toBe(1);
    expect(outbox.failedResults[0]).toMatchObject({ failureReason: 'no_rate' });
  });

  it('a customer created since the last load is found after the reload', async () => {
    const { handler, outbox, snapshots } = setup();
    snapshots.next = snapshotOf({
      rules: baseSnapshot().rules,
      rates,
      customers: [{ id: 'new', pricePlan: 'std', moReassembly: false }],
    });
    expect(await handler(mt({ customerId: 'new' }))).toBe('routed');
    expect(outbox.routedMessages).toHaveLength(1);
  });

  it("routes a prepaid customer's message only at a price in its balance's currency", async () => {
    const outbox = new MemoryOutbox();
    const handlerFor = (prepaidCurrency: string) =>
      createMtHandler({
        snapshots: new FakeSnapshots(
          snapshotOf({
            rules: baseSnapshot().rules,
            rates,
            customers: [{ id: 'cust', pricePlan: 'std', moReassembly: false, prepaidCurrency }],
          }),
        ),
        campaigns: new FakeCampaigns(new Map([['15125550001', campaign]])),
        limiter: new FakeLimiter(),
        outbox,
        metrics: testMetrics(),
        logger: silentLogger,
        clock: () => now,
      });
    expect(await handlerFor('USD')(mt({ messageId: 'usd' }))).toBe('routed');
    expect(await handlerFor('EUR')(mt({ messageId: 'eur' }))).toBe('failed');
    expect(outbox.routedMessages.map((m) => m.messageId)).toEqual(['usd']);
    // Marked, so its CDR write takes the charge off the balance.
    expect(outbox.routedMessages[0]?.pricing).toMatchObject({ currency: 'USD', prepaid: true });
    expect(outbox.failedResults).toEqual([
      expect.objectContaining({
        messageId: 'eur',
        failureReason: 'no_rate',
        error: 'priced in USD, but the prepaid balance is in EUR',
      }),
    ]);
  });

  it('an unknown customer while the database is unreachable is retried, not failed', async () => {
    const { handler, outbox, snapshots } = setup();
    snapshots.refreshFails = true;
    await expect(handler(mt({ customerId: 'ghost' }))).rejects.toBeInstanceOf(RetryableError);
    expect(outbox.failedResults).toEqual([]);
  });

  it('a limiter that cannot count defers the message: never uncapped, never failed', async () => {
    const limiter = new FakeLimiter(() => {
      throw new RetryableError('redis down');
    });
    const { handler, outbox } = setup({ limiter });
    const message = mt();
    expect(await handler(message)).toBe('deferred');
    expect(outbox.deferredMessages).toEqual([message]);
    expect(outbox.routedMessages).toEqual([]);
    expect(outbox.failedResults).toEqual([]);
  });

  it('a campaign lookup that cannot answer defers too; other errors are not swallowed', async () => {
    const { handler, outbox } = setup();
    const campaigns = new FakeCampaigns();
    campaigns.campaignFor = () => Promise.reject(new RetryableError('pg and redis down'));
    const deferring = createMtHandler({
      snapshots: new FakeSnapshots(baseSnapshot()),
      campaigns,
      limiter: new FakeLimiter(),
      outbox,
      metrics: testMetrics(),
      logger: silentLogger,
      clock: () => now,
    });
    expect(await deferring(mt())).toBe('deferred');
    expect(outbox.deferredMessages).toHaveLength(1);
    // A bug is not an outage: it must surface (dead-letter), not loop through deferral.
    campaigns.campaignFor = () => Promise.reject(new TypeError('bug'));
    await expect(deferring(mt())).rejects.toBeInstanceOf(TypeError);
    expect(await handler(mt())).toBe('routed');
  });
});
