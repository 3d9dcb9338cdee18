import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ForeignKeyError,
  InvalidInputError,
  createApiToken,
  createCampaign,
  createCustomer,
  createNumber,
  createRate,
  createRoutingRule,
  createVendor,
  decryptVendorPassword,
  deleteCampaign,
  deleteCustomer,
  deleteNumber,
  deleteRate,
  deleteRoutingRule,
  deleteVendor,
  findApiToken,
  getCampaignByCampaignId,
  getCampaignById,
  getCampaignByNumber,
  getCustomerById,
  getCustomerBySystemId,
  getNumber,
  getNumberOwner,
  getRate,
  getRetiredVendor,
  getRoutingRule,
  getVendorById,
  listActiveRoutes,
  listActiveVendors,
  listApiTokens,
  listRetiredVendors,
  listCampaigns,
  listCustomers,
  listEffectiveRates,
  listNumbers,
  listRates,
  listRoutingRules,
  listVendors,
  revokeApiToken,
  setVendorStatus,
  updateCampaign,
  updateCustomer,
  updateNumber,
  updateRate,
  updateRoutingRule,
  updateVendor,
  verifyPassword,
  type Database,
  type NewVendor,
} from '../src/index.js';
import { useMigratedDatabase } from './support/migrated-database.js';

let db: Kysely<Database>;
const secretKey = randomBytes(32);

useMigratedDatabase((ready) => (db = ready));

let counter = 0;
function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}`;
}

function vendorInput(overrides: Partial<NewVendor> = {}): NewVendor {
  return {
    instanceName: unique('vendor-'),
    displayName: 'Test vendor',
    host: '127.0.0.1',
    port: 2777,
    bindType: 'transceiver',
    systemId: 'gateway',
    password: 'gw-pass',
    throughput: 100,
    ...overrides,
  };
}

async function newCustomer(overrides: Partial<Parameters<typeof createCustomer>[1]> = {}) {
  return createCustomer(db, {
    name: 'Customer',
    systemId: unique('cust'),
    password: 'secret',
    throughput: 50,
    maxBinds: 2,
    ...overrides,
  });
}

describe('vendors', () => {
  it('creates with defaults and an encrypted password, reads back by id', async () => {
    const vendor = await createVendor(
      db,
      vendorInput({ instanceName: 'Sinch_Chicago' }),
      secretKey,
    );
    expect(vendor).toMatchObject({
      instanceName: 'Sinch_Chicago',
      useTls: false,
      systemType: '',
      priority: 100,
      isPrimary: false,
      isActive: true,
      status: 'unknown',
      statusDetail: null,
      maxBinds: 1,
      windowSize: 10,
      enquireLinkIntervalMs: 30_000,
      responseTimeoutMs: 10_000,
      defaultAlphabet: 'gsm7',
      messageIdFormat: 'auto',
      receiptMessageIdFormat: null,
      receiptTimeZone: null,
      currency: 'USD',
      version: 1,
    });
    expect(vendor.passwordEncrypted).toMatch(/^v1:/);
    expect(vendor.passwordEncrypted).not.toContain('gw-pass');
    expect(decryptVendorPassword(vendor, secretKey)).toBe('gw-pass');
    expect(() => decryptVendorPassword(vendor, randomBytes(32))).toThrow(/tampered/);
    expect(await getVendorById(db, vendor.id)).toEqual(vendor);
    expect(await getVendorById(db, randomUUID())).toBeUndefined();
    expect(await getVendorById(db, 'not-a-uuid')).toBeUndefined();
  });

  it('keeps a separate receipt message-id format, null meaning the resp format', async () => {
    const vendor = await createVendor(
      db,
      vendorInput({
        instanceName: 'HexResp_DecimalReceipt',
        messageIdFormat: 'hex',
        receiptMessageIdFormat: 'decimal',
      }),
      secretKey,
    );
    expect(vendor).toMatchObject({ messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' });
    const cleared = await updateVendor(db, vendor.id, { receiptMessageIdFormat: null });
    expect(cleared?.receiptMessageIdFormat).toBeNull();
    await expect(
      updateVendor(db, vendor.id, {
        receiptMessageIdFormat: 'octal' as unknown as 'hex',
      }),
    ).rejects.toThrow();
  });

  it('keeps the receipt time zone, null meaning UTC, and refuses characters no zone has', async () => {
    const vendor = await createVendor(
      db,
      vendorInput({ instanceName: 'BerlinClock', receiptTimeZone: 'Europe/Berlin' }),
      secretKey,
    );
    expect(vendor.receiptTimeZone).toBe('Europe/Berlin');
    expect(
      (await updateVendor(db, vendor.id, { receiptTimeZone: '+05:30' }))?.receiptTimeZone,
    ).toBe('+05:30');
    expect(
      (await updateVendor(db, vendor.id, { receiptTimeZone: null }))?.receiptTimeZone,
    ).toBeNull();
    for (const bad of ['', 'Europe/Berlin; DROP', 'x'.repeat(65), 'Europe/Berlin\n']) {
      await expect(updateVendor(db, vendor.id, { receiptTimeZone: bad })).rejects.toMatchObject({
        name: 'InvalidInputError',
        constraint: 'service_providers_receipt_time_zone_check',
      });
    }
  });

  it('maps a duplicate instance name to ConflictError and bad values to InvalidInputError', async () => {
    const input = vendorInput();
    await createVendor(db, input, secretKey);
    const duplicate = await createVendor(db, input, secretKey).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(ConflictError);
    expect((duplicate as ConflictError).constraint).toBe('service_providers_instance_name_key');

    await expect(createVendor(db, vendorInput({ port: 70_000 }), secretKey)).rejects.toMatchObject({
      name: 'InvalidInputError',
      constraint: 'service_providers_port_check',
    });
    await expect(
      createVendor(db, vendorInput({ bindType: 'tx_rx', maxBinds: 1 }), secretKey),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await expect(
      createVendor(db, vendorInput({ systemId: 'sixteen-chars-xx' }), secretKey),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('bumps version on configuration updates only, with an optional version check', async () => {
    const vendor = await createVendor(db, vendorInput(), secretKey);
    const updated = await updateVendor(db, vendor.id, { throughput: 250, windowSize: 50 });
    expect(updated).toMatchObject({ throughput: 250, windowSize: 50, version: 2 });
    expect(updated!.updatedAt.getTime()).toBeGreaterThanOrEqual(vendor.updatedAt.getTime());

    expect(await updateVendor(db, vendor.id, {})).toMatchObject({ version: 2 });

    expect(await setVendorStatus(db, vendor.id, 'error', 'bind refused: 0x0E')).toBe(true);
    const afterStatus = await getVendorById(db, vendor.id);
    expect(afterStatus).toMatchObject({
      status: 'error',
      statusDetail: 'bind refused: 0x0E',
      version: 2,
    });
    expect(afterStatus!.statusUpdatedAt).toBeInstanceOf(Date);
    expect(await setVendorStatus(db, randomUUID(), 'connected')).toBe(false);

    await expect(updateVendor(db, vendor.id, { password: 'x' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const rotated = await updateVendor(
      db,
      vendor.id,
      { password: 'new-pass' },
      { secretKey, expectedVersion: 2 },
    );
    expect(rotated?.version).toBe(3);
    expect(decryptVendorPassword(rotated!, secretKey)).toBe('new-pass');

    await expect(
      updateVendor(db, vendor.id, { priority: 1 }, { expectedVersion: 2 }),
    ).rejects.toThrow(/version is 3, expected 2/);
    expect(
      await updateVendor(db, randomUUID(), { priority: 1 }, { expectedVersion: 1 }),
    ).toBeUndefined();
    expect(await updateVendor(db, randomUUID(), { priority: 1 })).toBeUndefined();
  });

  it('lists active vendors by priority and pages with filters', async () => {
    const tag = unique('pagetest');
    const created = [];
    for (const [i, priority] of [30, 10, 20].entries()) {
      created.push(
        await createVendor(
          db,
          vendorInput({
            instanceName: `${tag}-${i}`,
            displayName: `Page ${tag}`,
            priority,
            isActive: i !== 2,
          }),
          secretKey,
        ),
      );
    }
    const active = await listActiveVendors(db);
    expect(active.every((v) => v.isActive)).toBe(true);
    const mine = active.filter((v) => v.instanceName.startsWith(tag)).map((v) => v.instanceName);
    expect(mine).toEqual([`${tag}-1`, `${tag}-0`]);
    const priorities = active.map((v) => v.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));

    const page = await listVendors(db, { search: tag, limit: 2 });
    expect(page.total).toBe(3);
    expect(page.items.map((v) => v.instanceName)).toEqual([`${tag}-1`, `${tag}-2`]);
    const next = await listVendors(db, { search: tag, limit: 2, offset: 2 });
    expect(next.items.map((v) => v.instanceName)).toEqual([`${tag}-0`]);
    expect((await listVendors(db, { search: tag, isActive: false })).total).toBe(1);
    expect((await listVendors(db, { search: '%' })).total).toBe(0);
  });

  it('deletes, cascading to routing rules and vendor rates', async () => {
    const vendor = await createVendor(db, vendorInput(), secretKey);
    const rule = await createRoutingRule(db, { name: 'to-be-cascaded', vendorId: vendor.id });
    const rate = await createRate(db, {
      kind: 'vendor',
      vendorId: vendor.id,
      pricePerSegmentMicros: 100,
      currency: 'USD',
    });
    expect(await deleteVendor(db, vendor.id)).toBe(true);
    expect(await deleteVendor(db, vendor.id)).toBe(false);
    expect(await getRoutingRule(db, rule.id)).toBeUndefined();
    expect(await getRate(db, rate.id)).toBeUndefined();
  });

  it('leaves a tombstone of a deleted vendor for the connectors that did not see it go', async () => {
    const kept = await createVendor(db, vendorInput(), secretKey);
    const vendor = await createVendor(
      db,
      vendorInput({
        defaultAlphabet: 'latin1',
        messageIdFormat: 'hex',
        receiptMessageIdFormat: 'decimal',
      }),
      secretKey,
    );
    await updateVendor(db, kept.id, { isActive: false });
    const retiredBefore = (await listRetiredVendors(db)).map((v) => v.id);
    expect(retiredBefore).not.toContain(vendor.id);

    expect(await deleteVendor(db, vendor.id)).toBe(true);
    const retired = (await listRetiredVendors(db)).find((v) => v.id === vendor.id);
    expect(retired).toMatchObject({
      instanceName: vendor.instanceName,
      defaultAlphabet: 'latin1',
      messageIdFormat: 'hex',
      receiptMessageIdFormat: 'decimal',
    });
    expect(retired?.retiredAt).toBeInstanceOf(Date);
    // Deactivated is not deleted: that vendor is still in service_providers.
    expect((await listRetiredVendors(db)).map((v) => v.id)).not.toContain(kept.id);
  });

  it("reads one deleted vendor's tombstone by id, and none for a vendor that still exists", async () => {
    const kept = await createVendor(db, vendorInput(), secretKey);
    const vendor = await createVendor(
      db,
      vendorInput({ messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' }),
      secretKey,
    );
    expect(await getRetiredVendor(db, vendor.id)).toBeUndefined();

    expect(await deleteVendor(db, vendor.id)).toBe(true);
    const retired = await getRetiredVendor(db, vendor.id);
    expect(retired).toEqual({
      id: vendor.id,
      instanceName: vendor.instanceName,
      defaultAlphabet: 'gsm7',
      messageIdFormat: 'hex',
      receiptMessageIdFormat: 'decimal',
      retiredAt: expect.any(Date),
    });
    // The same row as the list shows: one mapping behind both.
    expect((await listRetiredVendors(db)).find((v) => v.id === vendor.id)).toEqual(retired);
    expect(await getRetiredVendor(db, kept.id)).toBeUndefined();
    expect(await getRetiredVendor(db, randomUUID())).toBeUndefined();
    // Not a uuid: no query that PostgreSQL would refuse.
    expect(await getRetiredVendor(db, 'not-a-uuid')).toBeUndefined();
  });
});

describe('customers', () => {
  it('creates with a password hash and finds by system_id', async () => {
    const customer = await newCustomer({
      systemId: 'acme',
      allowedIps: ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'],
      creditMicros: 9_000_000_000_000,
    });
    expect(customer).toMatchObject({
      systemId: 'acme',
      status: 'active',
      pricePlan: 'standard',
      moReassembly: false,
      creditMicros: 9_000_000_000_000,
      allowedIps: ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32'],
    });
    expect(await verifyPassword(customer.passwordHash, 'secret')).toBe(true);
    expect(await verifyPassword(customer.passwordHash, 'Secret')).toBe(false);
    expect(await getCustomerBySystemId(db, 'acme')).toEqual(customer);
    expect(await getCustomerById(db, customer.id)).toEqual(customer);
    expect(await getCustomerBySystemId(db, 'ACME')).toBeUndefined();
    expect(await getCustomerById(db, 'x')).toBeUndefined();
  });

  it('refuses duplicates, bad CIDRs and over-long system ids', async () => {
    await newCustomer({ systemId: 'dupe' });
    await expect(newCustomer({ systemId: 'dupe' })).rejects.toBeInstanceOf(ConflictError);
    await expect(newCustomer({ allowedIps: ['10.0.0.0/33'] })).rejects.toThrow(
      /not an IP address or CIDR: 10.0.0.0\/33/,
    );
    await expect(newCustomer({ systemId: 'x'.repeat(16) })).rejects.toMatchObject({
      constraint: 'accounts_system_id_check',
    });
    await expect(newCustomer({ throughput: 0 })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('keeps allowed sources (numbers, ranges, alphanumerics; empty = any), refusing malformed entries with the reason', async () => {
    const open = await newCustomer();
    expect(open.allowedSources).toEqual([]);
    const sources = ['15125550100', '1512555*', 'ACME', 'Acme Bank', '12345', '0044*'];
    const fenced = await newCustomer({ allowedSources: sources });
    expect(fenced.allowedSources).toEqual(sources);
    expect(await getCustomerById(db, fenced.id)).toMatchObject({ allowedSources: sources });

    const refused: [string, RegExp][] = [
      ['', /"" is empty/],
      ['+1512', /"\+1512" has a leading '\+'/],
      ['12*34', /"12\*34" '\*' may only end a prefix of digits/],
      ['ACME*', /'\*' may only end a prefix of digits/],
      ['*', /'\*' may only end a prefix of digits/],
      ['1234567890123456*', /at most 15 digits before its '\*'/],
      ['1234567890123456', /a number has at most 15 digits/],
      ['ABCDEFGHIJKL', /"ABCDEFGHIJKL" an alphanumeric sender has at most 11 characters/],
      [' ACME', /leading or trailing space/],
      ['ACMÉ', /printable ASCII only/],
    ];
    for (const [entry, reason] of refused) {
      const attempt = updateCustomer(db, fenced.id, { allowedSources: ['ACME', entry] });
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toThrow(reason);
    }
    await expect(newCustomer({ allowedSources: ['12*34', '+1'] })).rejects.toThrow(
      /^allowed_sources: "12\*34" .*; "\+1" has a leading/,
    );
    // Nothing above was written.
    expect((await getCustomerById(db, fenced.id))?.allowedSources).toEqual(sources);

    const cleared = await updateCustomer(db, fenced.id, { allowedSources: [] });
    expect(cleared?.allowedSources).toEqual([]);
    // An unrelated patch leaves the list alone.
    await updateCustomer(db, fenced.id, { allowedSources: ['ACME'] });
    expect((await updateCustomer(db, fenced.id, { throughput: 70 }))?.allowedSources).toEqual([
      'ACME',
    ]);

    // The CHECK holds the same grammar for writes that bypass the repository.
    const write = (value: (string | null)[]) =>
      sql`UPDATE customer_mgmt.accounts SET allowed_sources = ${value}::text[]
          WHERE id = ${fenced.id}`.execute(db);
    for (const bad of [
      [''],
      ['+1512'],
      ['12*34'],
      ['ACME*'],
      ['ABCDEFGHIJKL'],
      ['1234567890123456'],
      ['ACME '],
      ['ACME', 'A\nB'],
      ['ACME\nB'],
      [null],
      ['ACME', null],
    ]) {
      await expect(write(bad)).rejects.toMatchObject({
        constraint: 'accounts_allowed_sources_check',
      });
    }
    await write(sources);
    await write([]);
  });

  it('updates (rehashing a new password), lists and deletes', async () => {
    const customer = await newCustomer({ name: 'Listable' });
    const updated = await updateCustomer(db, customer.id, {
      password: 'rotated',
      status: 'suspended',
      creditMicros: null,
      moReassembly: true,
    });
    expect(updated).toMatchObject({ status: 'suspended', creditMicros: null, moReassembly: true });
    expect(await verifyPassword(updated!.passwordHash, 'rotated')).toBe(true);
    expect(await verifyPassword(updated!.passwordHash, 'secret')).toBe(false);
    expect(await updateCustomer(db, randomUUID(), { name: 'x' })).toBeUndefined();
    await expect(updateCustomer(db, customer.id, { allowedIps: ['nope'] })).rejects.toBeInstanceOf(
      InvalidInputError,
    );

    const suspended = await listCustomers(db, { status: 'suspended' });
    expect(suspended.items.map((c) => c.id)).toContain(customer.id);
    expect(suspended.items.every((c) => c.status === 'suspended')).toBe(true);
    expect((await listCustomers(db, { search: customer.systemId })).items).toHaveLength(1);

    expect(await deleteCustomer(db, customer.id)).toBe(true);
    expect(await getCustomerById(db, customer.id)).toBeUndefined();
  });

  it('refuses to delete a customer who still owns numbers (ForeignKeyError)', async () => {
    const customer = await newCustomer();
    await createNumber(db, {
      number: '15550009999',
      customerId: customer.id,
      numberType: 'tollfree',
    });
    await expect(deleteCustomer(db, customer.id)).rejects.toBeInstanceOf(ForeignKeyError);
    expect(await deleteNumber(db, '15550009999')).toBe(true);
    expect(await deleteCustomer(db, customer.id)).toBe(true);
  });
});

describe('routing rules', () => {
  it('CRUD, FK errors, and listActiveRoutes joined with vendor activity', async () => {
    const primary = await createVendor(db, vendorInput({ priority: 1 }), secretKey);
    const inactive = await createVendor(db, vendorInput({ isActive: false }), secretKey);
    const customer = await newCustomer();

    const catchAll = await createRoutingRule(db, {
      name: unique('any-'),
      vendorId: primary.id,
      priority: 100,
    });
    expect(catchAll).toMatchObject({
      destinationPrefix: '',
      sourceType: 'any',
      customerId: null,
      countryCode: null,
      active: true,
    });
    const usRule = await createRoutingRule(db, {
      name: unique('us-'),
      vendorId: primary.id,
      destinationPrefix: '1',
      countryCode: '1',
      sourceType: '10dlc',
      customerId: customer.id,
      priority: 100,
    });
    const deadVendorRule = await createRoutingRule(db, {
      name: unique('dead-'),
      vendorId: inactive.id,
      priority: 1,
    });
    const disabledRule = await createRoutingRule(db, {
      name: unique('off-'),
      vendorId: primary.id,
      priority: 1,
      active: false,
    });

    await expect(
      createRoutingRule(db, { name: 'x', vendorId: randomUUID() }),
    ).rejects.toBeInstanceOf(ForeignKeyError);
    await expect(
      createRoutingRule(db, { name: 'x', vendorId: primary.id, customerId: randomUUID() }),
    ).rejects.toBeInstanceOf(ForeignKeyError);
    await expect(
      createRoutingRule(db, { name: 'x', vendorId: primary.id, destinationPrefix: '+1' }),
    ).rejects.toBeInstanceOf(InvalidInputError);

    const routes = await listActiveRoutes(db);
    const ids = routes.map((r) => r.id);
    expect(ids).not.toContain(deadVendorRule.id);
    expect(ids).not.toContain(disabledRule.id);
    // Same rule priority: the longer (more specific) prefix comes first.
    expect(ids.indexOf(usRule.id)).toBeLessThan(ids.indexOf(catchAll.id));
    expect(routes.find((r) => r.id === usRule.id)).toMatchObject({
      customerId: customer.id,
      vendor: { instanceName: primary.instanceName, priority: 1, status: 'unknown', version: 1 },
    });

    const updated = await updateRoutingRule(db, catchAll.id, { priority: 5, active: false });
    expect(updated).toMatchObject({ priority: 5, active: false });
    expect((await listActiveRoutes(db)).map((r) => r.id)).not.toContain(catchAll.id);
    await expect(
      updateRoutingRule(db, catchAll.id, { vendorId: randomUUID() }),
    ).rejects.toBeInstanceOf(ForeignKeyError);

    const byVendor = await listRoutingRules(db, { vendorId: primary.id });
    expect(byVendor.total).toBe(3);
    expect(
      (await listRoutingRules(db, { customerId: customer.id })).items.map((r) => r.id),
    ).toEqual([usRule.id]);
    expect((await listRoutingRules(db, { vendorId: 'bogus' })).total).toBe(0);

    expect(await deleteRoutingRule(db, usRule.id)).toBe(true);
    expect(await deleteRoutingRule(db, usRule.id)).toBe(false);
  });
});

describe('numbers and 10DLC campaigns', () => {
  it('resolve the owner and the campaign of a number', async () => {
    const customer = await newCustomer({ moReassembly: true });
    const campaign = await createCampaign(db, {
      campaignId: 'CTEST01',
      brandId: 'BTEST',
      brandName: 'Test Brand',
      status: 'ACTIVE',
      tpm: 600,
      brandDailyCap: 2000,
    });
    expect(campaign).toMatchObject({
      campaignId: 'CTEST01',
      status: 'ACTIVE',
      tpm: 600,
      brandDailyCap: 2000,
    });
    await expect(
      createCampaign(db, {
        campaignId: 'CTEST01',
        brandId: 'B',
        brandName: 'B',
        tpm: 1,
        brandDailyCap: 1,
      }),
    ).rejects.toBeInstanceOf(ConflictError);

    const number = await createNumber(db, {
      number: '15557770001',
      customerId: customer.id,
      tendlcCampaignId: campaign.id,
      numberType: '10dlc',
    });
    expect(number).toMatchObject({ customerId: customer.id, tendlcCampaignId: campaign.id });
    await expect(
      createNumber(db, { number: '15557770001', numberType: 'intl' }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      createNumber(db, { number: '15557770002', customerId: randomUUID(), numberType: 'intl' }),
    ).rejects.toBeInstanceOf(ForeignKeyError);
    await expect(
      createNumber(db, {
        number: '15557770003',
        tendlcCampaignId: campaign.id,
        numberType: 'tollfree',
      }),
    ).rejects.toMatchObject({ constraint: 'numbers_campaign_check' });
    await expect(
      createNumber(db, { number: '+15557770004', numberType: 'intl' }),
    ).rejects.toBeInstanceOf(InvalidInputError);

    expect(await getNumberOwner(db, '15557770001')).toEqual({
      number: '15557770001',
      customerId: customer.id,
      systemId: customer.systemId,
      customerStatus: 'active',
      moReassembly: true,
    });
    expect(await getNumberOwner(db, '19999999999')).toBeUndefined();
    expect(await getCampaignByNumber(db, '15557770001')).toEqual(campaign);
    expect(await getCampaignByNumber(db, '19999999999')).toBeUndefined();

    await createNumber(db, { number: '15557770005', numberType: '10dlc' });
    expect(await getNumberOwner(db, '15557770005')).toBeUndefined();
    expect(await getCampaignByNumber(db, '15557770005')).toBeUndefined();

    expect((await listNumbers(db, { customerId: customer.id })).items.map((n) => n.number)).toEqual(
      ['15557770001'],
    );
    expect((await listNumbers(db, { tendlcCampaignId: campaign.id })).total).toBe(1);
    expect(await updateNumber(db, '15557770005', { customerId: customer.id })).toMatchObject({
      customerId: customer.id,
    });
    expect(await updateNumber(db, '10000000000', { customerId: customer.id })).toBeUndefined();
    expect(await getNumber(db, '15557770005')).toMatchObject({ customerId: customer.id });

    const suspended = await updateCampaign(db, campaign.id, { status: 'SUSPENDED' });
    expect(suspended?.status).toBe('SUSPENDED');
    expect(await getCampaignById(db, campaign.id)).toEqual(suspended);
    expect(await getCampaignByCampaignId(db, 'CTEST01')).toEqual(suspended);
    expect((await listCampaigns(db, { status: 'SUSPENDED' })).items.map((c) => c.id)).toContain(
      campaign.id,
    );

    // Deleting the campaign leaves the number owned but without a campaign.
    expect(await deleteCampaign(db, campaign.id)).toBe(true);
    expect(await getNumber(db, '15557770001')).toMatchObject({
      customerId: customer.id,
      tendlcCampaignId: null,
    });
    expect(await getCampaignByNumber(db, '15557770001')).toBeUndefined();
  });
});

describe('rates', () => {
  it('resolve the effective rate per key, ignoring superseded and scheduled rows', async () => {
    const vendor = await createVendor(db, vendorInput(), secretKey);
    const plan = unique('plan-');
    const at = (iso: string) => new Date(iso);
    const old = await createRate(db, {
      kind: 'customer',
      pricePlan: plan,
      pricePerSegmentMicros: 4000,
      currency: 'USD',
      effectiveFrom: at('2025-01-01T00:00:00Z'),
    });
    const current = await createRate(db, {
      kind: 'customer',
      pricePlan: plan,
      pricePerSegmentMicros: 5000,
      currency: 'USD',
      effectiveFrom: at('2026-01-01T00:00:00Z'),
    });
    const scheduled = await createRate(db, {
      kind: 'customer',
      pricePlan: plan,
      pricePerSegmentMicros: 6000,
      currency: 'USD',
      effectiveFrom: new Date(Date.now() + 86_400_000),
    });
    const uk = await createRate(db, {
      kind: 'customer',
      pricePlan: plan,
      destinationPrefix: '44',
      pricePerSegmentMicros: 9000,
      currency: 'EUR',
      effectiveFrom: at('2025-06-01T00:00:00Z'),
    });
    const vendorRate = await createRate(db, {
      kind: 'vendor',
      vendorId: vendor.id,
      pricePerSegmentMicros: 3000,
      currency: 'USD',
    });
    expect(vendorRate).toMatchObject({
      pricePlan: null,
      vendorId: vendor.id,
      destinationPrefix: '',
    });

    const customerRates = (await listEffectiveRates(db, 'customer')).filter(
      (r) => r.pricePlan === plan,
    );
    expect(customerRates.map((r) => r.id).sort()).toEqual([current.id, uk.id].sort());
    expect(
      (await listEffectiveRates(db, 'customer', at('2025-07-01T00:00:00Z'))).map((r) => r.id),
    ).toContain(old.id);
    const vendorRates = await listEffectiveRates(db, 'vendor');
    expect(vendorRates.find((r) => r.vendorId === vendor.id)).toEqual(vendorRate);
    expect(customerRates.map((r) => r.id)).not.toContain(scheduled.id);

    await expect(
      createRate(db, {
        kind: 'customer',
        pricePlan: plan,
        pricePerSegmentMicros: 1,
        currency: 'USD',
        effectiveFrom: at('2026-01-01T00:00:00Z'),
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      createRate(db, {
        kind: 'vendor',
        vendorId: randomUUID(),
        pricePerSegmentMicros: 1,
        currency: 'USD',
      }),
    ).rejects.toBeInstanceOf(ForeignKeyError);
    await expect(
      createRate(db, {
        kind: 'customer',
        pricePlan: plan,
        pricePerSegmentMicros: -1,
        currency: 'USD',
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    // The kind/target coupling holds even for SQL written by hand.
    await expect(
      sql`INSERT INTO billing.rates (kind, price_plan, vendor_id, price_per_segment_micros, currency)
          VALUES ('customer', ${plan}, ${vendor.id}, 1, 'USD')`.execute(db),
    ).rejects.toMatchObject({ constraint: 'rates_kind_target_check' });

    expect(await updateRate(db, uk.id, { pricePerSegmentMicros: 9500 })).toMatchObject({
      pricePerSegmentMicros: 9500,
    });
    expect((await listRates(db, { pricePlan: plan })).total).toBe(4);
    expect(await deleteRate(db, old.id)).toBe(true);
    expect((await listRates(db, { pricePlan: plan })).total).toBe(3);
  });
});

describe('API tokens', () => {
  it('create, find (stamping last_used_at), list, revoke', async () => {
    const { token, apiToken } = await createApiToken(db, { name: 'ops', scope: 'write' });
    expect(token).toMatch(/^sgw_/);
    expect(apiToken).toMatchObject({
      name: 'ops',
      scope: 'write',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(apiToken).not.toHaveProperty('tokenHash');

    const stored = await db
      .selectFrom('admin.api_tokens')
      .select('token_hash')
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);

    const found = await findApiToken(db, token);
    expect(found).toMatchObject({ id: apiToken.id, scope: 'write' });
    expect(found!.lastUsedAt).toBeInstanceOf(Date);
    expect(await findApiToken(db, `${token}x`)).toBeUndefined();

    await expect(createApiToken(db, { name: 'ops', scope: 'read' })).rejects.toBeInstanceOf(
      ConflictError,
    );
    const reader = await createApiToken(db, { name: 'dashboards', scope: 'read' });
    expect((await listApiTokens(db)).map((t) => t.name)).toEqual(['dashboards', 'ops']);

    expect(await revokeApiToken(db, apiToken.id)).toBe(true);
    expect(await revokeApiToken(db, apiToken.id)).toBe(false);
    expect(await findApiToken(db, token)).toBeUndefined();
    expect(await findApiToken(db, reader.token)).toMatchObject({ name: 'dashboards' });
    expect((await listApiTokens(db)).map((t) => t.name)).toEqual(['dashboards']);
    expect((await listApiTokens(db, { includeRevoked: true })).map((t) => t.name)).toEqual([
      'dashboards',
      'ops',
    ]);
  });
});
