// GET /api/v1/vendors/:id/messages/:vendorMessageId: a carrier's dispute
// quotes its own message id. The CDRs are written the way the tracker writes
// them (upsertCdrs, with the key the vendor-connector derived from the resp
// id under the vendor's resp format), as in messages.int.test.ts.
import { upsertCdrs, type CdrWrite } from '@smpp-gateway/db';
import { MessageStateStore } from '@smpp-gateway/message-state';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleVendor, startHarness, type Harness } from './harness.js';

let h: Harness;
let redis: Redis;
let store: MessageStateStore;
const customerId = '00000000-0000-4000-8000-0000000000c2';

beforeAll(async () => {
  h = await startHarness();
  redis = new Redis(h.env.redis.url, { keyPrefix: h.env.redis.keyPrefix, db: 0 });
  store = new MessageStateStore({ redis });
});

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

let vendorCount = 0;
/** A vendor created over the API, with the id formats of the test. */
async function addVendor(formats: Record<string, unknown>): Promise<string> {
  vendorCount += 1;
  const res = await h.request('POST', '/api/v1/vendors', {
    body: sampleVendor({ instanceName: `disputes-${vendorCount}`, ...formats }),
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The CDR of a message the vendor accepted with `vendorMessageId` (its key as the connector derived it). */
function submitted(
  messageId: string,
  vendorId: string,
  vendorMessageId: string,
  vendorMessageKey: string,
  acceptedAt: string,
): CdrWrite {
  return {
    messageId,
    customerId,
    systemId: 'acme',
    vendorId,
    vendorMessageId,
    vendorMessageKey,
    sourceAddr: '15551230001',
    destinationAddr: '447700900123',
    segments: 1,
    submitStatus: 'submitted',
    deliveryStatus: 'DELIVRD',
    acceptedAt: new Date(acceptedAt),
    submittedAt: new Date(new Date(acceptedAt).getTime() + 40),
    doneAt: new Date(new Date(acceptedAt).getTime() + 2_000),
  };
}

const byVendorId = (vendorId: string, vendorMessageId: string) =>
  h.request('GET', `/api/v1/vendors/${vendorId}/messages/${vendorMessageId}`, {
    token: h.readToken,
  });

describe('a vendor with hex ids in the resp and decimal ones in the receipts', () => {
  let vendor: string;
  const id = '01935f6e-7a00-7000-8000-0000000000d1';

  beforeAll(async () => {
    vendor = await addVendor({ messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' });
    // The resp said "BC614E"; under 'hex' its key is "bc614e". Its receipt
    // quotes the same id in decimal: 0xBC614E = 12345678.
    await upsertCdrs(h.db, [submitted(id, vendor, 'BC614E', 'bc614e', '2026-11-02T10:00:00.000Z')]);
  });

  it("finds the message by the resp's id in any case or padding, and by the receipt's decimal", async () => {
    const ours = await h.request('GET', `/api/v1/messages/${id}`, { token: h.readToken });
    expect(ours.status).toBe(200);
    expect(ours.body).toMatchObject({ messageId: id, from: 'postgres', vendorMessageId: 'BC614E' });
    for (const quoted of ['BC614E', 'bc614e', '00bc614e', '12345678']) {
      const res = await byVendorId(vendor, quoted);
      expect({ quoted, status: res.status }).toEqual({ quoted, status: 200 });
      expect(res.body.messageId).toBe(id);
      // Exactly GET /messages/:id's answer for our id.
      expect(res.body).toEqual(ours.body);
    }
  });

  it('answers the live record while Redis holds it, as GET /messages/:id does', async () => {
    const live = '01935f6e-7a00-7000-8000-0000000000d2';
    await upsertCdrs(h.db, [
      submitted(live, vendor, 'FACE01', 'face01', '2026-11-26T01:00:00.000Z'),
    ]);
    await store.merge(live, {
      status: 'DELIVRD',
      customerId,
      vendorId: vendor,
      vendorMessageId: 'FACE01',
      customerReceipt: 'sent',
    });
    const ours = await h.request('GET', `/api/v1/messages/${live}`);
    expect(ours.body).toMatchObject({ from: 'redis', customerReceipt: 'sent' });
    const res = await byVendorId(vendor, 'face01');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ours.body);
  });

  it('answers the newest of the messages a recycled id names', async () => {
    const older = '01935f6e-7a00-7000-8000-0000000000d3';
    const newer = '01935f6e-7a00-7000-8000-0000000000d4';
    // The newer one written first: the answer does not follow insertion order.
    await upsertCdrs(h.db, [
      submitted(newer, vendor, 'ABCDEF', 'abcdef', '2026-11-20T10:00:00.000Z'),
      submitted(older, vendor, 'ABCDEF', 'abcdef', '2026-10-20T10:00:00.000Z'),
    ]);
    const res = await byVendorId(vendor, 'ABCDEF');
    expect(res.status).toBe(200);
    expect(res.body.messageId).toBe(newer);
  });

  it("never answers another vendor's message with the same id", async () => {
    const other = await addVendor({ messageIdFormat: 'hex' });
    const theirs = '01935f6e-7a00-7000-8000-0000000000d5';
    // Newer than ours: a search that ignored the vendor would answer it.
    await upsertCdrs(h.db, [
      submitted(theirs, other, 'BC614E', 'bc614e', '2026-11-25T10:00:00.000Z'),
      submitted(
        '01935f6e-7a00-7000-8000-0000000000d6',
        other,
        'C0FFEE',
        'c0ffee',
        '2026-11-25T10:00:00.000Z',
      ),
    ]);
    expect((await byVendorId(vendor, 'BC614E')).body.messageId).toBe(id);
    expect((await byVendorId(other, 'BC614E')).body.messageId).toBe(theirs);
    const notOurs = await byVendorId(vendor, 'C0FFEE');
    expect(notOurs.status).toBe(404);
    expect(notOurs.body.error.message).toBe('message not found');
  });

  it('404 message for an id the vendor never gave', async () => {
    const res = await byVendorId(vendor, '0A1B2C3D');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: 'message not found' });
  });
});

describe('vendors', () => {
  it('404 vendor for a vendor that never existed', async () => {
    const res = await byVendorId('00000000-0000-4000-8000-00000000dead', 'BC614E');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: 'vendor not found' });
  });

  it("still finds a deleted vendor's messages, under the formats its tombstone kept", async () => {
    const gone = await addVendor({ messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' });
    const id = '01935f6e-7a00-7000-8000-0000000000d7';
    await upsertCdrs(h.db, [
      submitted(id, gone, 'DEADBEEF', 'deadbeef', '2026-11-03T10:00:00.000Z'),
    ]);
    expect((await h.request('DELETE', `/api/v1/vendors/${gone}`)).status).toBe(204);
    expect((await h.request('GET', `/api/v1/vendors/${gone}`)).status).toBe(404);

    const ours = await h.request('GET', `/api/v1/messages/${id}`);
    // 0xDEADBEEF = 3735928559: the receipt format came from the tombstone.
    for (const quoted of ['DEADBEEF', '3735928559']) {
      const res = await byVendorId(gone, quoted);
      expect({ quoted, status: res.status }).toEqual({ quoted, status: 200 });
      expect(res.body).toEqual(ours.body);
    }
    const unknown = await byVendorId(gone, 'FEEDFACE');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('message not found');
  });
});

describe('validation', () => {
  it('400 validation_failed on params for an id SMPP cannot carry, or a vendor that is not a uuid', async () => {
    const vendor = '00000000-0000-4000-8000-00000000beef';
    for (const quoted of ['x'.repeat(200), 'x'.repeat(65), 'BC%01614E', 'BC%20614E']) {
      const res = await byVendorId(vendor, quoted);
      expect({ quoted, status: res.status }).toEqual({ quoted, status: 400 });
      expect(res.body.error).toMatchObject({
        code: 'validation_failed',
        details: [{ location: 'params', path: 'vendorMessageId' }],
      });
    }
    // 64 characters is SMPP's longest message_id: valid, just unknown.
    expect((await byVendorId(vendor, 'x'.repeat(64))).status).toBe(404);
    const notUuid = await byVendorId('sinch-chicago', 'BC614E');
    expect(notUuid.status).toBe(400);
    expect(notUuid.body.error.details).toEqual([
      expect.objectContaining({ location: 'params', path: 'id' }),
    ]);
  });

  it('needs a token', async () => {
    const res = await h.request(
      'GET',
      '/api/v1/vendors/00000000-0000-4000-8000-00000000beef/messages/BC614E',
      {
        token: null,
      },
    );
    expect(res.status).toBe(401);
  });
});
