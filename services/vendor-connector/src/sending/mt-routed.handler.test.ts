import type { VendorIdKeys } from '@smpp-gateway/message-state';
import { describe, expect, it } from 'vitest';
import { SmppStatus, type ContractInput, type MtRouted } from '@smpp-gateway/contracts';
import {
  createLogger,
  RetryableError,
  type Logger,
  type MessageContext,
} from '@smpp-gateway/runtime';
import { Writable } from 'node:stream';
import { formatSmppAbsoluteTime } from '@smpp-gateway/smpp';
import {
  createMtRoutedHandler,
  VALIDITY_ENDED,
  type AcceptedRecord,
  type SendObserver,
  type SentStore,
} from './mt-routed.handler.js';
import { NoBindError, NotSentError, type SubmitSmResp } from './submit.dispatcher.js';

const logger = createLogger({
  service: 'test',
  level: 'error',
  stream: new Writable({ write: (_c, _e, cb) => cb() }),
});

const mt: MtRouted = {
  v: 1,
  messageId: 'm-1',
  occurredAt: '2025-11-26T10:00:00.000Z',
  customerId: 'c1',
  systemId: 'cust',
  source: { addr: '15550001', ton: 1, npi: 1 },
  destination: { addr: '15550002', ton: 1, npi: 1 },
  serviceType: '',
  esmClass: 0,
  protocolId: 0,
  priority: 2,
  registeredDelivery: 1,
  dataCoding: 0,
  scheduleDeliveryTime: '',
  validityPeriod: '',
  shortMessage: Buffer.from('Hello').toString('base64'),
  segments: 1,
  tlvs: [],
  acceptedAt: '2025-11-26T10:00:00.000Z',
  attempts: [{ vendorId: 'v0', error: 'earlier', at: '2025-11-26T10:00:00.000Z' }],
  roundStart: 0,
  vendorId: 'v1',
  routeId: 'r1',
  pricing: {
    currency: 'USD',
    pricePerSegmentMicros: 1,
    costPerSegmentMicros: 1,
    costCurrency: 'USD',
  },
  routedAt: '2025-11-26T10:00:00.000Z',
};

const ctx = (over: Partial<MessageContext> = {}): MessageContext => ({
  contract: 'MtRouted',
  queue: 'vendor.v1',
  redelivered: false,
  headers: {},
  batch: undefined,
  ...over,
});

const resp = (commandStatus: number, messageId = ''): SubmitSmResp => ({
  command: 'submit_sm_resp',
  commandStatus,
  sequenceNumber: 1,
  tlvs: {},
  messageId,
});

function setup(
  answers: (SubmitSmResp | Error)[],
  store: Partial<SentStore> = {},
  handlerLogger: Logger = logger,
) {
  const log: string[] = [];
  const submitted: ContractInput<'MtSubmitResult'>[] = [];
  const handedBack: ContractInput<'MtSubmitted'>[] = [];
  const mapped: { keys: VendorIdKeys; record: AcceptedRecord }[] = [];
  let submits = 0;
  const observer: SendObserver = {
    accepted: () => log.push('accepted'),
    attemptFailed: (_v, kind) => log.push(`failed:${kind}`),
    handedBack: () => log.push('handback'),
    converted: () => undefined,
    mappingFailed: () => log.push('mapping-failed'),
    duplicateSuppressed: () => log.push('duplicate'),
  };
  const handler = createMtRoutedHandler({
    vendor: () => ({
      id: 'v1',
      defaultAlphabet: 'gsm7',
      messageIdFormat: 'auto',
      receiptMessageIdFormat: 'auto',
    }),
    submitter: {
      submit: () => {
        const next = answers[submits++];
        if (!next) throw new Error('unexpected submit');
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      },
    },
    sent: {
      recordAccepted: (_v, _m, keys, record) => {
        log.push('mapped');
        mapped.push({ keys, record });
        return Promise.resolve();
      },
      findAccepted: () => Promise.resolve(undefined),
      ...store,
    },
    outcomes: {
      submitted: (r) => {
        log.push('result');
        submitted.push(r);
        return Promise.resolve();
      },
      handBack: (m) => {
        handedBack.push(m);
        return Promise.resolve();
      },
    },
    observer,
    logger: handlerLogger,
    retries: 3,
    retryDelayMs: 0,
    sleep: () => Promise.resolve(),
  });
  return { handler, log, submitted, handedBack, mapped, submits: () => submits };
}

describe('MtRouted handler', () => {
  it('maps the vendor id (exact key + the readings of an auto vendor) BEFORE publishing the result', async () => {
    const t = setup([resp(0, '1A2B')]);
    await t.handler(mt, ctx());
    expect(t.log).toEqual(['accepted', 'mapped', 'result']);
    expect(t.mapped[0]!.keys).toEqual({ exact: '1a2b', candidates: ['1A2B'] });
    expect(t.submitted[0]).toMatchObject({
      outcome: 'submitted',
      messageId: 'm-1',
      vendorId: 'v1',
      vendorMessageId: '1A2B',
      vendorMessageKey: '1a2b',
      textPreview: 'Hello',
      attempts: [{ vendorId: 'v0', error: 'earlier' }],
    });
  });

  it("logs the seed's per-message flow line at debug, numbers masked", async () => {
    const lines: string[] = [];
    const debug = createLogger({
      service: 'test',
      level: 'debug',
      stream: new Writable({
        write: (chunk: Buffer, _e, cb) => {
          lines.push(chunk.toString());
          cb();
        },
      }),
    });
    const t = setup([resp(SmppStatus.ESME_RSYSERR), resp(0, 'abc')], {}, debug);
    await t.handler(mt, ctx());
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'message submitted');
    expect(line).toMatchObject({
      level: 'DEBUG',
      message_id: 'm-1',
      customer_id: 'c1',
      vendor_id: 'v1',
      vendor_message_id: 'abc',
      segments: 1,
      attempts: 3, // one earlier vendor, two here
    });
    expect(line?.latency_ms).toEqual(expect.any(Number));
    expect(line?.source).not.toBe('15550001');
    expect(line?.dest).not.toBe('15550002');
  });

  it('retries 3 times on failures, then hands back with this vendor in attempts', async () => {
    const t = setup([
      resp(SmppStatus.ESME_RSYSERR),
      new Error('timeout'),
      resp(SmppStatus.ESME_RSUBMITFAIL),
      resp(SmppStatus.ESME_RSUBMITFAIL),
    ]);
    await t.handler(mt, ctx());
    expect(t.submits()).toBe(4);
    expect(t.handedBack).toHaveLength(1);
    const back = t.handedBack[0]!;
    expect(back).not.toHaveProperty('vendorId');
    expect(back.attempts).toHaveLength(2);
    expect(back.attempts?.[1]).toMatchObject({
      vendorId: 'v1',
      commandStatus: SmppStatus.ESME_RSUBMITFAIL,
    });
    expect(back.priority).toBe(2);
  });

  it('hands back at once on a status the vendor will always refuse', async () => {
    const t = setup([resp(SmppStatus.ESME_RINVDSTADR)]);
    await t.handler(mt, ctx());
    expect(t.submits()).toBe(1);
    expect(t.handedBack[0]!.attempts?.[1]).toMatchObject({
      commandStatus: SmppStatus.ESME_RINVDSTADR,
    });
  });

  it('succeeds on a retry without handing back', async () => {
    const t = setup([resp(SmppStatus.ESME_RSYSERR), resp(0, 'abc')]);
    await t.handler(mt, ctx());
    expect(t.handedBack).toHaveLength(0);
    expect(t.submitted).toHaveLength(1);
  });

  it('fails over immediately when no bind exists', async () => {
    const t = setup([new NoBindError('none')]);
    await t.handler(mt, ctx());
    expect(t.submits()).toBe(1);
    expect(t.handedBack).toHaveLength(1);
  });

  it('requeues what was never sent on shutdown, hands it back on vendor removal', async () => {
    const shutdown = setup([new NotSentError('bye', 'requeue')]);
    await expect(shutdown.handler(mt, ctx())).rejects.toBeInstanceOf(RetryableError);
    const removed = setup([new NotSentError('gone', 'hand-back')]);
    await removed.handler(mt, ctx());
    expect(removed.handedBack).toHaveLength(1);
  });

  it('hands back, unsent, an MT whose validity ended while it waited in the queue', async () => {
    const t = setup([resp(0, 'abc')]);
    const ended = formatSmppAbsoluteTime(new Date(Date.now() - 1_000));
    await t.handler({ ...mt, validityPeriod: ended }, ctx());
    expect(t.submits()).toBe(0);
    expect(t.handedBack[0]!.attempts?.at(-1)).toMatchObject({
      vendorId: 'v1',
      error: VALIDITY_ENDED,
    });
    // Still valid (a relative validity counts from acceptance): sent.
    const fresh = setup([resp(0, 'abc')]);
    await fresh.handler(
      { ...mt, acceptedAt: new Date().toISOString(), validityPeriod: '000000010000000R' },
      ctx(),
    );
    expect(fresh.submits()).toBe(1);
    expect(fresh.handedBack).toHaveLength(0);
  });

  it('does not resend a redelivered message the vendor already accepted', async () => {
    const t = setup([], {
      findAccepted: () =>
        Promise.resolve({ vendorMessageId: 'FF', submittedAt: '2025-11-26T10:00:01.000Z' }),
    });
    await t.handler(mt, ctx({ redelivered: true }));
    expect(t.submits()).toBe(0);
    expect(t.log).toContain('duplicate');
    expect(t.submitted[0]).toMatchObject({ vendorMessageId: 'FF', vendorMessageKey: 'ff' });
  });

  it('checks the marker for a fresh delivery the router flagged as a possible repeat', async () => {
    const t = setup([], {
      findAccepted: () =>
        Promise.resolve({ vendorMessageId: 'FE', submittedAt: '2025-11-26T10:00:01.000Z' }),
    });
    await t.handler({ ...mt, possibleRepeat: true }, ctx());
    expect(t.submits()).toBe(0);
    expect(t.submitted[0]).toMatchObject({ vendorMessageId: 'FE' });
    // Without the flag a fresh delivery is sent without asking Redis.
    const fresh = setup([resp(0, 'A1')], {
      findAccepted: () => Promise.reject(new Error('must not be asked')),
    });
    await fresh.handler(mt, ctx());
    expect(fresh.submits()).toBe(1);
  });

  it('asks for a requeue when the result publish fails after acceptance', async () => {
    const failing = createMtRoutedHandler({
      vendor: () => ({
        id: 'v1',
        defaultAlphabet: 'gsm7',
        messageIdFormat: 'auto',
        receiptMessageIdFormat: 'auto',
      }),
      submitter: { submit: () => Promise.resolve(resp(0, '9')) },
      sent: {
        recordAccepted: () => Promise.resolve(),
        findAccepted: () => Promise.resolve(undefined),
      },
      outcomes: {
        submitted: () => Promise.reject(new Error('nacked')),
        handBack: () => Promise.resolve(),
      },
      observer: {
        accepted: () => undefined,
        attemptFailed: () => undefined,
        handedBack: () => undefined,
        converted: () => undefined,
        mappingFailed: () => undefined,
        duplicateSuppressed: () => undefined,
      },
      logger,
      retries: 3,
      retryDelayMs: 0,
    });
    await expect(failing(mt, ctx())).rejects.toBeInstanceOf(RetryableError);
  });

  it('publishes without the mapping when Redis keeps failing, never resending', async () => {
    const t = setup([resp(0, '77')], {
      recordAccepted: () => Promise.reject(new Error('redis down')),
    });
    await t.handler(mt, ctx());
    expect(t.submits()).toBe(1);
    expect(t.log).toEqual(['accepted', 'mapping-failed', 'result']);
  });

  it('dead-letters an MT addressed to another vendor', async () => {
    const t = setup([]);
    await expect(t.handler({ ...mt, vendorId: 'v9' }, ctx())).rejects.not.toBeInstanceOf(
      RetryableError,
    );
  });
});
