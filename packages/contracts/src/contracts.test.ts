import { describe, expect, it } from 'vitest';
import {
  CONTRACT_NAMES,
  ControlCommand,
  CustomerDelivery,
  DEFAULT_TOPOLOGY_OPTIONS,
  EXCHANGES,
  MtSubmitted,
  QUEUES,
  receiptRetryQueue,
  catalog,
  controlQueue,
  deliveryQueue,
  isThrottleStatus,
  smppStatusName,
  SmppStatus,
  staticQueues,
  vendorLane,
  vendorQueue,
  vendorQueues,
  type MtSubmitted as MtSubmittedType,
} from './index.js';

const base = {
  v: 1 as const,
  messageId: '01900000-0000-7000-8000-000000000001',
  occurredAt: '2026-11-26T01:00:00.000Z',
};

const mt: MtSubmittedType = MtSubmitted.parse({
  ...base,
  customerId: 'c1',
  systemId: 'demo',
  source: { addr: '15550001000', ton: 1, npi: 1 },
  destination: { addr: '15559876543', ton: 1, npi: 1 },
  esmClass: 0,
  protocolId: 0,
  priority: 2,
  registeredDelivery: 1,
  dataCoding: 0,
  shortMessage: Buffer.from('hello').toString('base64'),
  segments: 1,
  acceptedAt: '2026-11-26T01:00:00.000Z',
});

describe('contracts', () => {
  it('fills defaults and keeps bytes as base64', () => {
    expect(mt.serviceType).toBe('');
    expect(mt.attempts).toEqual([]);
    expect(Buffer.from(mt.shortMessage, 'base64').toString()).toBe('hello');
  });

  it('rejects a wrong version, a non-base64 body and a missing envelope field', () => {
    const bad = MtSubmitted.safeParse({
      ...mt,
      v: 2,
      shortMessage: 'not base64!',
      occurredAt: undefined,
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['v', 'shortMessage', 'occurredAt']));
  });

  it('every catalog entry has a schema with the envelope fields', () => {
    for (const name of CONTRACT_NAMES) {
      const shape = (catalog[name].schema as unknown as { shape: Record<string, unknown> }).shape;
      expect(Object.keys(shape)).toEqual(expect.arrayContaining(['v', 'messageId', 'occurredAt']));
    }
  });

  it('routes MTs by priority and deliveries by customer', () => {
    expect(catalog.MtSubmitted.routingKey(mt)).toBe('mt.messages.2');
    expect(catalog.MtSubmitted.exchange).toBe('smpp.direct');
    const delivery = CustomerDelivery.parse({
      ...base,
      customerId: 'cust-9',
      delivery: {
        kind: 'receipt',
        receiptedMessageId: base.messageId,
        stat: 'DELIVRD',
        err: '000',
        submitDate: base.occurredAt,
        doneDate: base.occurredAt,
        textPreview: 'hello',
        source: mt.destination,
        destination: mt.source,
      },
    });
    expect(catalog.CustomerDelivery.routingKey(delivery)).toBe('deliver.cust-9');
    const control = ControlCommand.parse({ ...base, command: { type: 'reload-vendors' } });
    expect(catalog.ControlCommand.exchange).toBe(EXCHANGES.control);
    expect(control.issuedBy).toBe('system');
  });

  it('refuses ids that would break a queue name', () => {
    expect(() => QUEUES.vendor('a.b')).toThrow(/cannot be used in a queue name/);
    expect(() => QUEUES.delivery('x y')).toThrow();
  });
});

describe('topology', () => {
  it('declares every static queue with dead-lettering and the chosen queue type', () => {
    const queues = staticQueues({ ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' });
    const names = queues.map((q) => q.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'mt.messages.0',
        'mt.messages.3',
        'mt.deferred.1',
        'mo.messages',
        'dlr.receipts',
        'dlr.events',
        'dead.letters',
      ]),
    );
    for (const q of queues) {
      expect(q.arguments['x-queue-type']).toBe('classic');
      if (q.name !== 'dead.letters') expect(q.arguments['x-dead-letter-exchange']).toBeDefined();
    }
    expect(
      queues.find((q) => q.name === 'dead.letters')?.arguments['x-dead-letter-exchange'],
    ).toBeUndefined();
  });

  it('deferral queues expire back into the live MT queue', () => {
    const deferred = staticQueues(DEFAULT_TOPOLOGY_OPTIONS).find((q) => q.name === 'mt.deferred.2');
    expect(deferred?.arguments).toMatchObject({
      'x-message-ttl': DEFAULT_TOPOLOGY_OPTIONS.deferDelayMs,
      'x-dead-letter-exchange': 'smpp.direct',
      'x-dead-letter-routing-key': 'mt.messages.2',
    });
  });

  it('the receipt retry queue expires back into dlr.receipts, at-least-once on quorum', () => {
    const quorum = receiptRetryQueue(DEFAULT_TOPOLOGY_OPTIONS, 1_000);
    expect(quorum).toMatchObject({
      name: 'dlr.receipts.deferred',
      bindings: [{ exchange: 'smpp.dlr' }],
    });
    expect(quorum.arguments).toMatchObject({
      'x-message-ttl': 1_000,
      'x-dead-letter-exchange': 'smpp.dlr',
      'x-dead-letter-routing-key': 'dlr.receipts',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    const classic = receiptRetryQueue({ ...DEFAULT_TOPOLOGY_OPTIONS, queueType: 'classic' }, 500);
    expect(classic.arguments['x-dead-letter-strategy']).toBeUndefined();
  });

  it('a routed MT takes its vendor priority lane from priority_flag 1; both lanes are alike', () => {
    expect(vendorLane('v1', 0)).toBe('vendor.v1');
    for (const p of [1, 2, 3]) expect(vendorLane('v1', p)).toBe('vendor.v1.priority');
    const lanes = vendorQueues('v1', DEFAULT_TOPOLOGY_OPTIONS);
    expect(lanes.map((q) => q.name)).toEqual(['vendor.v1.priority', 'vendor.v1']);
    expect(lanes[0]?.arguments).toEqual(lanes[1]?.arguments);
    expect(lanes[0]?.bindings).toEqual([
      { exchange: 'smpp.direct', routingKey: 'vendor.v1.priority' },
    ]);
    const routed = { vendorId: 'v1', priority: 3 } as Parameters<
      typeof catalog.MtRouted.routingKey
    >[0];
    expect(catalog.MtRouted.routingKey(routed)).toBe('vendor.v1.priority');
  });

  it('quorum queues carry a delivery limit; control queues are exclusive classic', () => {
    expect(vendorQueue('v1', DEFAULT_TOPOLOGY_OPTIONS).arguments['x-delivery-limit']).toBe(20);
    const deferred = staticQueues(DEFAULT_TOPOLOGY_OPTIONS).find((q) => q.name === 'mt.deferred.0');
    expect(deferred?.arguments['x-dead-letter-strategy']).toBe('at-least-once');
    expect(
      deliveryQueue('c1', DEFAULT_TOPOLOGY_OPTIONS).arguments['x-message-ttl'],
    ).toBeGreaterThan(0);
    const control = controlQueue('edge-server', 'pod-1');
    expect(control).toMatchObject({
      exclusive: true,
      durable: false,
      name: 'control.edge-server.pod-1',
    });
  });
});

describe('smpp status', () => {
  it('names codes and recognises throttling', () => {
    expect(smppStatusName(0x58)).toBe('ESME_RTHROTTLED');
    expect(smppStatusName(0x401)).toBe('0x00000401');
    expect(isThrottleStatus(SmppStatus.ESME_RMSGQFUL)).toBe(true);
    expect(isThrottleStatus(SmppStatus.ESME_RSYSERR)).toBe(false);
  });
});
