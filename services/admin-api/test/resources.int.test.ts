import { getCustomerById, verifyPassword } from '@smpp-gateway/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ControlListener,
  sampleCustomer,
  sampleVendor,
  startHarness,
  type Harness,
  type HttpResult,
} from './harness.js';

let h: Harness;
let pod: ControlListener;
let vendorId: string;
const UNKNOWN = '5d1f6a2e-1c1e-4b8a-9a57-0d3c9f6f1a11';

beforeAll(async () => {
  h = await startHarness();
  pod = await ControlListener.open(h.env.amqp.url, 'router-pod');
  vendorId = (await h.request('POST', '/api/v1/vendors', { body: sampleVendor() })).body.id;
});

afterAll(async () => {
  await pod?.close();
  await h?.close();
});

/** Runs `action` and returns the command types announced meanwhile (sorted). */
async function announced(count: number, action: () => Promise<unknown>): Promise<string[]> {
  const from = pod.received.length;
  await action();
  return (await pod.waitFor(count, from)).map((c) => c.command.type).sort();
}

describe('customers', () => {
  let customerId: string;

  it('creates: password hashed (argon2id), never returned; invalidate-customer + reload-routing', async () => {
    let res: HttpResult | undefined;
    const types = await announced(2, async () => {
      res = await h.request('POST', '/api/v1/customers', { body: sampleCustomer() });
    });
    expect(res?.status).toBe(201);
    customerId = res?.body.id;
    expect(res?.body).toMatchObject({
      systemId: 'acme',
      allowedIps: ['10.0.0.0/8', '192.0.2.10'],
      status: 'active',
      creditMicros: null,
      pricePlan: 'standard',
    });
    expect(res?.text).not.toMatch(/password|acmepw12|argon/i);
    expect(types).toEqual(['invalidate-customer', 'reload-routing']);
    const invalidate = pod.received.find((c) => c.command.type === 'invalidate-customer');
    expect(invalidate?.command).toEqual({ type: 'invalidate-customer', customerId });

    const stored = await getCustomerById(h.db, customerId);
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(stored!.passwordHash, 'acmepw12')).toBe(true);
  });

  it('400: field-level problems (systemId, password length, bad CIDR, negative credit)', async () => {
    const res = await h.request('POST', '/api/v1/customers', {
      body: sampleCustomer({
        systemId: 'has space',
        password: '123',
        allowedIps: ['10.0.0.0/8', 'not-an-ip'],
        creditMicros: -5,
      }),
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['systemId', 'password', 'allowedIps.1', 'creditMicros']),
    );
  });

  it('409 for a taken systemId', async () => {
    const res = await h.request('POST', '/api/v1/customers', {
      body: sampleCustomer({ name: 'Other' }),
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe('a customer with this systemId already exists');
  });

  it('filters, patches (status, throughput, new password) and 404s', async () => {
    await h.request('POST', '/api/v1/customers', {
      body: sampleCustomer({ name: 'Beta', systemId: 'beta', status: 'suspended' }),
    });
    const suspended = await h.request('GET', '/api/v1/customers?status=suspended');
    expect(suspended.body.items.map((c: { systemId: string }) => c.systemId)).toEqual(['beta']);
    expect((await h.request('GET', '/api/v1/customers?search=acm')).body.total).toBe(1);

    const types = await announced(2, async () => {
      const res = await h.request('PATCH', `/api/v1/customers/${customerId}`, {
        body: { throughput: 500, password: 'changed1', allowedIps: [] },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ throughput: 500, allowedIps: [] });
    });
    expect(types).toEqual(['invalidate-customer', 'reload-routing']);
    const stored = await getCustomerById(h.db, customerId);
    expect(await verifyPassword(stored!.passwordHash, 'changed1')).toBe(true);

    expect((await h.request('GET', `/api/v1/customers/${UNKNOWN}`)).status).toBe(404);
    expect(
      (await h.request('PATCH', `/api/v1/customers/${UNKNOWN}`, { body: { throughput: 1 } }))
        .status,
    ).toBe(404);
    expect((await h.request('DELETE', `/api/v1/customers/${UNKNOWN}`)).status).toBe(404);
  });

  describe('allowed sources', () => {
    let brandId: string;
    const invalidated = () =>
      pod.received.filter(
        (c) => c.command.type === 'invalidate-customer' && c.command.customerId === brandId,
      ).length;

    it('creates with allowedSources, shows them, and an empty list by default', async () => {
      const sources = ['ACME', 'Acme Bank', '15125550100', '1512555*', '12345'];
      let res: HttpResult | undefined;
      const types = await announced(2, async () => {
        res = await h.request('POST', '/api/v1/customers', {
          body: sampleCustomer({ name: 'Brand', systemId: 'brand', allowedSources: sources }),
        });
      });
      expect(res?.status).toBe(201);
      brandId = res?.body.id;
      expect(res?.body.allowedSources).toEqual(sources);
      expect(types).toEqual(['invalidate-customer', 'reload-routing']);
      expect((await h.request('GET', `/api/v1/customers/${brandId}`)).body.allowedSources).toEqual(
        sources,
      );
      expect((await getCustomerById(h.db, brandId))?.allowedSources).toEqual(sources);
      const listed = await h.request('GET', '/api/v1/customers?search=brand');
      expect(listed.body.items[0]?.allowedSources).toEqual(sources);
      expect(
        (await h.request('GET', `/api/v1/customers/${customerId}`)).body.allowedSources,
      ).toEqual([]);
    });

    it("patches them and invalidates the customer's cached account at the edge", async () => {
      const before = invalidated();
      const types = await announced(2, async () => {
        const res = await h.request('PATCH', `/api/v1/customers/${brandId}`, {
          body: { allowedSources: ['NEWBRAND', '44*'] },
        });
        expect(res.status).toBe(200);
        expect(res.body.allowedSources).toEqual(['NEWBRAND', '44*']);
      });
      expect(types).toEqual(['invalidate-customer', 'reload-routing']);
      expect(invalidated()).toBe(before + 1);
      expect((await getCustomerById(h.db, brandId))?.allowedSources).toEqual(['NEWBRAND', '44*']);

      // Cleared: any source again, announced the same way.
      await announced(2, async () => {
        const res = await h.request('PATCH', `/api/v1/customers/${brandId}`, {
          body: { allowedSources: [] },
        });
        expect(res.body.allowedSources).toEqual([]);
      });
      expect(invalidated()).toBe(before + 2);
    });

    it.each([
      ['+1512', /leading '\+'.*E\.164 digits without it/],
      ['12*34', /'\*' may only end a prefix of digits/],
      ['ACME*', /'\*' may only end a prefix of digits/],
      ['ABCDEFGHIJKL', /alphanumeric sender has at most 11 characters/],
      ['', /is empty/],
      ['1234567890123456', /a number has at most 15 digits/],
      [' ACME', /leading or trailing space/],
      ['ACMÉ', /printable ASCII only/],
    ])(
      '400 for %j on create and patch, saying why; nothing stored or announced',
      async (entry, reason) => {
        const created = await h.request('POST', '/api/v1/customers', {
          body: sampleCustomer({
            name: 'Bad',
            systemId: 'bad-sources',
            allowedSources: ['OK', entry],
          }),
        });
        expect(created.status).toBe(400);
        expect(created.body.error.code).toBe('validation_failed');
        expect(created.body.error.details).toEqual([
          { location: 'body', path: 'allowedSources.1', message: expect.stringMatching(reason) },
        ]);

        const from = pod.received.length;
        const patched = await h.request('PATCH', `/api/v1/customers/${brandId}`, {
          body: { allowedSources: [entry] },
        });
        expect(patched.status).toBe(400);
        expect(patched.body.error.details).toEqual([
          { location: 'body', path: 'allowedSources.0', message: expect.stringMatching(reason) },
        ]);
        // Commands arrive in publishing order: a marker first means nothing else was announced.
        expect((await h.request('POST', '/api/v1/admin/reload-rates')).status).toBe(202);
        expect((await pod.waitFor(1, from))[0]?.command).toEqual({ type: 'reload-rates' });
        expect((await getCustomerById(h.db, brandId))?.allowedSources).toEqual([]);
      },
    );

    it('400 for more than 100 entries or a non-string', async () => {
      const many = Array.from({ length: 101 }, (_, i) => `1512555${String(i).padStart(3, '0')}`);
      const tooMany = await h.request('PATCH', `/api/v1/customers/${brandId}`, {
        body: { allowedSources: many },
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.details).toEqual([
        { location: 'body', path: 'allowedSources', message: expect.stringMatching(/at most 100/) },
      ]);
      const hundred = await h.request('PATCH', `/api/v1/customers/${brandId}`, {
        body: { allowedSources: many.slice(0, 100) },
      });
      expect(hundred.status).toBe(200);
      const notString = await h.request('PATCH', `/api/v1/customers/${brandId}`, {
        body: { allowedSources: [15125550100] },
      });
      expect(notString.status).toBe(400);
      expect(notString.body.error.details[0]?.path).toBe('allowedSources.0');
    });
  });

  describe('routing rules', () => {
    let ruleId: string;

    it('creates (201, reload-routing); 400 invalid_reference for an unknown vendor', async () => {
      const types = await announced(1, async () => {
        const res = await h.request('POST', '/api/v1/routing-rules', {
          body: {
            name: 'US via Chicago',
            destinationPrefix: '1',
            sourceType: '10dlc',
            vendorId,
            customerId,
          },
        });
        expect(res.status).toBe(201);
        ruleId = res.body.id;
        expect(res.body).toMatchObject({
          priority: 100,
          active: true,
          countryCode: null,
          customerId,
          vendorId,
        });
      });
      expect(types).toEqual(['reload-routing']);

      const unknownVendor = await h.request('POST', '/api/v1/routing-rules', {
        body: { name: 'dangling', vendorId: UNKNOWN },
      });
      expect(unknownVendor.status).toBe(400);
      expect(unknownVendor.body.error).toMatchObject({
        code: 'invalid_reference',
        message: 'vendorId does not name an existing vendor',
      });
    });

    it('validates prefixes and enums; filters by vendor and activity; patches; deletes', async () => {
      const bad = await h.request('POST', '/api/v1/routing-rules', {
        body: {
          name: 'x',
          vendorId,
          destinationPrefix: '+44',
          sourceType: 'pigeon',
          countryCode: '0',
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'countryCode',
        'destinationPrefix',
        'sourceType',
      ]);

      expect(
        (await h.request('GET', `/api/v1/routing-rules?vendorId=${vendorId}`)).body.total,
      ).toBe(1);
      expect((await h.request('GET', '/api/v1/routing-rules?active=false')).body.total).toBe(0);
      const patched = await h.request('PATCH', `/api/v1/routing-rules/${ruleId}`, {
        body: { active: false, priority: 5 },
      });
      expect(patched.body).toMatchObject({ active: false, priority: 5 });
      expect((await h.request('GET', `/api/v1/routing-rules/${ruleId}`)).body.priority).toBe(5);
      expect((await h.request('DELETE', `/api/v1/routing-rules/${ruleId}`)).status).toBe(204);
      expect((await h.request('GET', `/api/v1/routing-rules/${ruleId}`)).status).toBe(404);
    });
  });

  describe('campaigns and numbers', () => {
    let campaignId: string;

    it('creates a campaign (reload-tendlc); 409 on a duplicate campaignId; 400 on bad caps', async () => {
      const types = await announced(1, async () => {
        const res = await h.request('POST', '/api/v1/campaigns', {
          body: {
            campaignId: 'CABC123',
            brandId: 'B1',
            brandName: 'Acme',
            tpm: 4500,
            brandDailyCap: 200000,
            status: 'ACTIVE',
          },
        });
        expect(res.status).toBe(201);
        campaignId = res.body.id;
      });
      expect(types).toEqual(['reload-tendlc']);
      const dup = await h.request('POST', '/api/v1/campaigns', {
        body: {
          campaignId: 'CABC123',
          brandId: 'B2',
          brandName: 'Other',
          tpm: 1,
          brandDailyCap: 1,
        },
      });
      expect(dup.status).toBe(409);
      const bad = await h.request('POST', '/api/v1/campaigns', {
        body: { campaignId: 'C 1', brandId: 'B', brandName: 'X', tpm: 0, brandDailyCap: 1.5 },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'brandDailyCap',
        'campaignId',
        'tpm',
      ]);
      expect((await h.request('GET', '/api/v1/campaigns?status=ACTIVE')).body.total).toBe(1);
      const patched = await h.request('PATCH', `/api/v1/campaigns/${campaignId}`, {
        body: { status: 'SUSPENDED' },
      });
      expect(patched.body.status).toBe('SUSPENDED');
    });

    it('registers numbers (reload-routing + reload-tendlc) with owner and campaign', async () => {
      const types = await announced(2, async () => {
        const res = await h.request('POST', '/api/v1/numbers', {
          body: {
            number: '15551230001',
            numberType: '10dlc',
            customerId,
            tendlcCampaignId: campaignId,
          },
        });
        expect(res.status).toBe(201);
        expect(res.headers.get('location')).toBe('/api/v1/numbers/15551230001');
      });
      expect(types).toEqual(['reload-routing', 'reload-tendlc']);
      expect((await h.request('GET', '/api/v1/numbers/15551230001')).body).toMatchObject({
        customerId,
        tendlcCampaignId: campaignId,
      });
      expect((await h.request('GET', `/api/v1/numbers?customerId=${customerId}`)).body.total).toBe(
        1,
      );
    });

    it('400 for a campaign on a non-10DLC number, bad digits, unknown owner; 409 for a duplicate', async () => {
      const tollfree = await h.request('POST', '/api/v1/numbers', {
        body: { number: '18005550100', numberType: 'tollfree', tendlcCampaignId: campaignId },
      });
      expect(tollfree.status).toBe(400);
      expect(tollfree.body.error.details[0].path).toBe('tendlcCampaignId');
      expect(
        (
          await h.request('POST', '/api/v1/numbers', {
            body: { number: '+1555', numberType: 'intl' },
          })
        ).status,
      ).toBe(400);
      const orphan = await h.request('POST', '/api/v1/numbers', {
        body: { number: '15551230002', numberType: 'intl', customerId: UNKNOWN },
      });
      expect(orphan.status).toBe(400);
      expect(orphan.body.error.code).toBe('invalid_reference');
      const dup = await h.request('POST', '/api/v1/numbers', {
        body: { number: '15551230001', numberType: 'intl' },
      });
      expect(dup.status).toBe(409);
      // Patch that the stored row makes invalid: the database check answers.
      const toTollfree = await h.request('PATCH', '/api/v1/numbers/15551230001', {
        body: { numberType: 'tollfree' },
      });
      expect(toTollfree.status).toBe(400);
      expect(toTollfree.body.error.code).toBe('invalid_value');
      expect((await h.request('GET', '/api/v1/numbers/999999')).status).toBe(404);
    });

    it('refuses to delete a customer that still owns numbers (409 still_referenced), then allows it', async () => {
      const refused = await h.request('DELETE', `/api/v1/customers/${customerId}`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('still_referenced');
      expect((await h.request('GET', `/api/v1/customers/${customerId}`)).status).toBe(200);

      const moved = await h.request('PATCH', '/api/v1/numbers/15551230001', {
        body: { customerId: null },
      });
      expect(moved.body.customerId).toBeNull();
      expect((await h.request('DELETE', `/api/v1/customers/${customerId}`)).status).toBe(204);
      expect((await h.request('DELETE', '/api/v1/numbers/15551230001')).status).toBe(204);
      expect((await h.request('DELETE', `/api/v1/campaigns/${campaignId}`)).status).toBe(204);
      expect((await h.request('GET', `/api/v1/campaigns/${campaignId}`)).status).toBe(404);
    });
  });
});

describe('rates', () => {
  let rateId: string;

  it('creates customer and vendor rates (reload-rates); the kind decides the required target', async () => {
    const types = await announced(1, async () => {
      const res = await h.request('POST', '/api/v1/rates', {
        body: {
          kind: 'customer',
          pricePlan: 'standard',
          destinationPrefix: '1',
          pricePerSegmentMicros: 7500,
          currency: 'USD',
        },
      });
      expect(res.status).toBe(201);
      rateId = res.body.id;
      expect(res.body).toMatchObject({
        kind: 'customer',
        pricePlan: 'standard',
        vendorId: null,
        pricePerSegmentMicros: 7500,
      });
    });
    expect(types).toEqual(['reload-rates']);

    const vendorRate = await h.request('POST', '/api/v1/rates', {
      body: {
        kind: 'vendor',
        vendorId,
        pricePerSegmentMicros: 4000,
        currency: 'USD',
        effectiveFrom: '2030-01-01T00:00:00Z',
      },
    });
    expect(vendorRate.status).toBe(201);
    expect(vendorRate.body.effectiveFrom).toBe('2030-01-01T00:00:00.000Z');

    const mixed = await h.request('POST', '/api/v1/rates', {
      body: { kind: 'vendor', pricePlan: 'standard', pricePerSegmentMicros: 1, currency: 'usd' },
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details.map((d: { path: string }) => d.path)).toEqual(
      expect.arrayContaining(['vendorId', 'currency']),
    );
    const unknownVendor = await h.request('POST', '/api/v1/rates', {
      body: { kind: 'vendor', vendorId: UNKNOWN, pricePerSegmentMicros: 1, currency: 'USD' },
    });
    expect(unknownVendor.status).toBe(400);
    expect(unknownVendor.body.error.code).toBe('invalid_reference');
  });

  it('409 for the same key and effective time; filters; patch; delete', async () => {
    const at = '2031-06-01T00:00:00Z';
    const body = {
      kind: 'customer',
      pricePlan: 'gold',
      pricePerSegmentMicros: 1,
      currency: 'EUR',
      effectiveFrom: at,
    };
    expect((await h.request('POST', '/api/v1/rates', { body })).status).toBe(201);
    const dup = await h.request('POST', '/api/v1/rates', { body });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details).toEqual({ constraint: 'rates_key_unique' });

    expect((await h.request('GET', '/api/v1/rates?kind=vendor')).body.total).toBe(1);
    expect((await h.request('GET', '/api/v1/rates?pricePlan=gold')).body.total).toBe(1);
    const patched = await h.request('PATCH', `/api/v1/rates/${rateId}`, {
      body: { pricePerSegmentMicros: 8000 },
    });
    expect(patched.body.pricePerSegmentMicros).toBe(8000);
    const identity = await h.request('PATCH', `/api/v1/rates/${rateId}`, {
      body: { kind: 'vendor' },
    });
    expect(identity.status).toBe(400);
    expect((await h.request('DELETE', `/api/v1/rates/${rateId}`)).status).toBe(204);
    expect((await h.request('GET', `/api/v1/rates/${rateId}`)).status).toBe(404);
  });

  it('deleting the vendor takes its rates and rules with it', async () => {
    expect((await h.request('DELETE', `/api/v1/vendors/${vendorId}`)).status).toBe(204);
    expect((await h.request('GET', '/api/v1/rates?kind=vendor')).body.total).toBe(0);
  });
});
