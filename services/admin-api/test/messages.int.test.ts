// The real pipeline (edge → router → connector → tracker) is not running
// here: the message's life is written the way those services write it, with
// message-state in Redis and a CDR in PostgreSQL, and read back over HTTP.
import { upsertCdrs } from '@smpp-gateway/db';
import { MessageStateStore } from '@smpp-gateway/message-state';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let redis: Redis;
let store: MessageStateStore;
const customerId = '00000000-0000-4000-8000-0000000000c1';
const vendorId = '00000000-0000-4000-8000-0000000000a1';

beforeAll(async () => {
  h = await startHarness();
  redis = new Redis(h.env.redis.url, { keyPrefix: h.env.redis.keyPrefix, db: 0 });
  store = new MessageStateStore({ redis });
});

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe('a message that went through (live state in Redis)', () => {
  const id = '01935f6e-7a00-7000-8000-000000000001';

  beforeAll(async () => {
    await store.recordAccepted(id, {
      status: 'accepted',
      customerId,
      systemId: 'acme',
      source: { addr: '15551230001', ton: 1, npi: 1 },
      destination: { addr: '447700900123', ton: 1, npi: 1 },
      registeredDelivery: 1,
      segments: 1,
      textPreview: 'your code is 123456',
      acceptedAt: '2026-11-26T01:00:00.000Z',
    });
    await store.merge(id, {
      status: 'submitted',
      vendorId,
      vendorMessageId: '0A1B2C',
      submittedAt: '2026-11-26T01:00:00.050Z',
    });
    await store.merge(id, {
      status: 'DELIVRD',
      err: '000',
      networkErrorCode: '03:0',
      doneAt: '2026-11-26T01:00:02.000Z',
      customerReceipt: 'sent',
    });
  });

  it('GET /messages/:id: status and history, without the text preview', async () => {
    const res = await h.request('GET', `/api/v1/messages/${id}`, { token: h.readToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      messageId: id,
      status: 'DELIVRD',
      final: true,
      from: 'redis',
      customerId,
      vendorId,
      vendorMessageId: '0A1B2C',
      segments: 1,
      acceptedAt: '2026-11-26T01:00:00.000Z',
      submittedAt: '2026-11-26T01:00:00.050Z',
      doneAt: '2026-11-26T01:00:02.000Z',
    });
    expect(res.body).not.toHaveProperty('textPreview');
    expect(res.text).not.toContain('123456');
  });

  it('GET /messages/:id/dlr: the receipt details', async () => {
    const res = await h.request('GET', `/api/v1/messages/${id}/dlr`, { token: h.readToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      messageId: id,
      status: 'DELIVRD',
      final: true,
      from: 'redis',
      receipt: {
        stat: 'DELIVRD',
        err: '000',
        networkErrorCode: '03:0',
        doneAt: '2026-11-26T01:00:02.000Z',
      },
      vendorId,
      vendorMessageId: '0A1B2C',
      submittedAt: '2026-11-26T01:00:00.050Z',
      customerReceipt: 'sent',
      failureReason: null,
      error: null,
    });
  });
});

describe('a receipt dated to the minute', () => {
  it('shows the message done at its submit, not before it, in both views', async () => {
    const id = '01935f6e-7a00-7000-8000-0000000000d1';
    await store.merge(id, {
      status: 'submitted',
      customerId,
      vendorId,
      acceptedAt: '2026-11-26T01:00:40.000Z',
      submittedAt: '2026-11-26T01:00:40.050Z',
    });
    // YYMMDDhhmm: the vendor's 01:00 is within the minute of the submit.
    await store.merge(id, { status: 'DELIVRD', err: '000', doneAt: '2026-11-26T01:00:00.000Z' });
    const status = await h.request('GET', `/api/v1/messages/${id}`);
    expect(status.body).toMatchObject({ doneAt: '2026-11-26T01:00:40.050Z' });
    const dlr = await h.request('GET', `/api/v1/messages/${id}/dlr`);
    expect(dlr.body).toMatchObject({ receipt: { doneAt: '2026-11-26T01:00:40.050Z' } });
  });
});

describe('a message still in flight', () => {
  it('has no receipt yet: receipt null, not final', async () => {
    const id = '01935f6e-7a00-7000-8000-000000000002';
    await store.merge(id, { status: 'submitted', customerId, vendorId });
    const status = await h.request('GET', `/api/v1/messages/${id}`);
    expect(status.body).toMatchObject({ status: 'submitted', final: false });
    const dlr = await h.request('GET', `/api/v1/messages/${id}/dlr`);
    expect(dlr.status).toBe(200);
    expect(dlr.body).toMatchObject({ status: 'submitted', final: false, receipt: null });
  });
});

describe('an old message (Redis record expired, CDR in PostgreSQL)', () => {
  const id = '01935f6e-7a00-7000-8000-000000000003';

  beforeAll(async () => {
    await upsertCdrs(h.db, [
      {
        messageId: id,
        customerId,
        systemId: 'acme',
        vendorId,
        vendorMessageId: '99887766',
        sourceAddr: '15551230001',
        destinationAddr: '447700900456',
        segments: 2,
        submitStatus: 'submitted',
        deliveryStatus: 'UNDELIV',
        error: '001',
        acceptedAt: new Date('2026-11-01T10:00:00.000Z'),
        submittedAt: new Date('2026-11-01T10:00:00.040Z'),
        doneAt: new Date('2026-11-01T10:05:00.000Z'),
      },
    ]);
  });

  it('GET /messages/:id falls back to the CDR', async () => {
    const res = await h.request('GET', `/api/v1/messages/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      messageId: id,
      status: 'UNDELIV',
      final: true,
      from: 'postgres',
      segments: 2,
      vendorMessageId: '99887766',
    });
  });

  it('GET /messages/:id/dlr reads the receipt from the CDR', async () => {
    const res = await h.request('GET', `/api/v1/messages/${id}/dlr`);
    expect(res.body).toMatchObject({
      from: 'postgres',
      receipt: {
        stat: 'UNDELIV',
        err: '001',
        doneAt: '2026-11-01T10:05:00.000Z',
        networkErrorCode: null,
      },
      submittedAt: '2026-11-01T10:00:00.040Z',
    });
  });
});

describe('errors', () => {
  it('404 for an unknown id, 400 for an impossible one, 401 without a token', async () => {
    const missing = await h.request('GET', '/api/v1/messages/never-seen');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('message not found');
    expect((await h.request('GET', '/api/v1/messages/never-seen/dlr')).status).toBe(404);
    const tooLong = await h.request('GET', `/api/v1/messages/${'x'.repeat(65)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details[0]).toMatchObject({ location: 'params', path: 'id' });
    expect((await h.request('GET', '/api/v1/messages/never-seen', { token: null })).status).toBe(
      401,
    );
  });
});
