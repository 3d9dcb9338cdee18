// The queues admin-api declares must carry the arguments every other service
// declares them with: DEFER_DELAY_MS and DELIVERY_TTL_MS are queue arguments
// (x-message-ttl), and RabbitMQ refuses a declaration whose arguments differ
// from the existing queue's. With non-default values (one ConfigMap for all
// services), admin-api declaring the defaults would fail its topology set-up
// against queues the others made, or make theirs fail against its own.
import {
  AmqpConnection,
  assertTopology,
  createLogger,
  staticTopology,
  topologyOptionsFrom,
} from '@smpp-gateway/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleVendor, startHarness, type Harness } from './harness.js';

const SHARED = { DEFER_DELAY_MS: '7000', DELIVERY_TTL_MS: '600000' } as const;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ ...SHARED });
});

afterAll(async () => {
  await h?.close();
});

describe('queue arguments shared with the other services', () => {
  it('declares the static queues as another service with the same settings does', async () => {
    // What router-worker, vendor-connector, dlr-tracker and edge-server assert
    // on every connect, with the same environment.
    const other = new AmqpConnection({
      url: h.env.amqp.url,
      name: 'another-service',
      logger: createLogger({ service: 'test', level: 'error' }),
    });
    await other.start();
    try {
      const options = topologyOptionsFrom({
        AMQP_QUEUE_TYPE: 'classic',
        DELIVERY_TTL_MS: Number(SHARED.DELIVERY_TTL_MS),
        DEFER_DELAY_MS: Number(SHARED.DEFER_DELAY_MS),
      });
      await expect(
        other.withChannel((channel) => assertTopology(channel, staticTopology(options))),
      ).resolves.toBeUndefined();
    } finally {
      await other.close();
    }
    expect((await h.request('GET', '/ready', { token: null })).status).toBe(200);
    // And its changes are announced (the control publish needs its set-up).
    expect((await h.request('POST', '/api/v1/vendors', { body: sampleVendor() })).status).toBe(201);
  });
});
