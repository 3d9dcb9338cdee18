import { MtSubmitted, SmppStatus, type ContractInput } from '@smpp-gateway/contracts';
import { describe, expect, it } from 'vitest';
import { createSourceAllowList } from '../domain/source.matcher.js';
import {
  handleSubmit,
  type AcceptedState,
  type PublishOutcome,
  type SubmitAccount,
} from './submit.handler.js';
import type { SubmitInput } from './submit.validator.js';

const account: SubmitAccount = {
  customerId: 'c0ffee00-0000-4000-8000-000000000001',
  systemId: 'acme',
  throughput: 100,
  addressRules: { defaultCountryCode: '1', nationalNumberLength: 10 },
  creditExhausted: false,
  allowedSources: createSourceAllowList([]),
};

function submit(overrides: Partial<SubmitInput> = {}): SubmitInput {
  return {
    serviceType: '',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    sourceAddr: '+14155550100',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: '447700900123',
    esmClass: 0,
    protocolId: 0,
    priorityFlag: 1,
    scheduleDeliveryTime: '',
    validityPeriod: '',
    registeredDelivery: 1,
    replaceIfPresentFlag: 0,
    dataCoding: 0,
    shortMessage: Buffer.from('hello world'),
    tlvs: {},
    ...overrides,
  };
}

function ports(outcome: PublishOutcome = 'confirmed', allowed = true) {
  const published: ContractInput<'MtSubmitted'>[] = [];
  const accepted: AcceptedState[] = [];
  const acquired: number[] = [];
  const refused: string[] = [];
  return {
    published,
    accepted,
    acquired,
    refused,
    ports: {
      acquire: (_c: string, _t: number, segments: number) => {
        acquired.push(segments);
        return Promise.resolve(allowed);
      },
      publish: (m: ContractInput<'MtSubmitted'>) => {
        published.push(m);
        return Promise.resolve(outcome);
      },
      recordAccepted: (s: AcceptedState) => void accepted.push(s),
      recordRefused: (id: string) => void refused.push(id),
      nextMessageId: () => '0190a4c1-2b3c-7d5e-8f60-123456789abc',
      now: () => new Date('2025-01-02T03:04:05.000Z'),
    },
  };
}

describe('handleSubmit', () => {
  it('publishes a valid MtSubmitted with the bytes as received and answers our id after the confirm', async () => {
    const p = ports();
    const bytes = Buffer.from([0x48, 0x1b, 0x65, 0x00, 0xff]);
    const result = await handleSubmit(
      submit({ shortMessage: bytes, tlvs: { userMessageReference: 7 } }),
      account,
      p.ports,
    );
    expect(result).toMatchObject({
      commandStatus: 0,
      messageId: '0190a4c1-2b3c-7d5e-8f60-123456789abc',
      segments: 1,
    });
    expect(p.published).toHaveLength(1);
    const message = MtSubmitted.parse(p.published[0]);
    expect(Buffer.from(message.shortMessage, 'base64')).toEqual(bytes);
    expect(message).toMatchObject({
      customerId: account.customerId,
      source: { addr: '14155550100', ton: 1, npi: 1 },
      destination: { addr: '447700900123', ton: 1, npi: 1 },
      priority: 1,
      segments: 1,
      tlvs: [{ tag: 0x0204, value: Buffer.from([0, 7]).toString('base64') }],
    });
    expect(p.accepted).toHaveLength(1);
  });

  it.each([
    ['unavailable', SmppStatus.ESME_RMSGQFUL],
    ['failed', SmppStatus.ESME_RSYSERR],
  ] as const)('never answers OK when the publish is %s', async (outcome, status) => {
    const p = ports(outcome);
    const result = await handleSubmit(submit(), account, p.ports);
    expect(result.commandStatus).toBe(status);
    expect(result.messageId).toBeUndefined();
    expect(p.accepted).toHaveLength(0);
    // Only an unconfirmed publish may have reached the broker: its id is
    // recorded so the router drops the MT; unavailable means nothing was sent.
    expect(p.refused).toEqual(outcome === 'failed' ? ['0190a4c1-2b3c-7d5e-8f60-123456789abc'] : []);
  });

  it('throttles in segments before publishing', async () => {
    const p = ports('confirmed', false);
    const long = Buffer.alloc(161, 0x41);
    const result = await handleSubmit(submit({ shortMessage: long }), account, p.ports);
    expect(result.commandStatus).toBe(SmppStatus.ESME_RTHROTTLED);
    expect(p.acquired).toEqual([2]);
    expect(p.published).toHaveLength(0);
  });

  it('refuses a prepaid customer without credit before the rate limit or the broker', async () => {
    const p = ports();
    const result = await handleSubmit(submit(), { ...account, creditExhausted: true }, p.ports);
    expect(result).toMatchObject({
      commandStatus: SmppStatus.ESME_RSUBMITFAIL,
      label: 'no_credit',
      segments: 0,
    });
    expect(result.messageId).toBeUndefined();
    expect(p.acquired).toEqual([]);
    expect(p.published).toHaveLength(0);
    expect(p.accepted).toHaveLength(0);
    expect(p.refused).toHaveLength(0);
  });

  describe('allowed sources', () => {
    const fenced: SubmitAccount = {
      ...account,
      allowedSources: createSourceAllowList(['ACME', '1512555*', '14155550100']),
    };

    it.each([
      [
        'an alphanumeric sender not on the list',
        { sourceAddrTon: 5, sourceAddrNpi: 0, sourceAddr: 'EVILBANK' },
      ],
      [
        'another casing of a listed sender',
        { sourceAddrTon: 5, sourceAddrNpi: 0, sourceAddr: 'Acme' },
      ],
      ['a number outside the ranges', { sourceAddr: '+15125560100' }],
      ['a number one digit short of a listed one', { sourceAddr: '+1415555010' }],
    ])(
      'refuses %s with ESME_RINVSRCADR before the rate limit or the broker',
      async (_what, source) => {
        const p = ports();
        const result = await handleSubmit(submit(source), fenced, p.ports);
        expect(result).toMatchObject({
          commandStatus: SmppStatus.ESME_RINVSRCADR,
          label: 'source_not_allowed',
          segments: 0,
          reason: "source address is not among the account's allowed sources",
        });
        expect(result.messageId).toBeUndefined();
        expect(p.acquired).toEqual([]);
        expect(p.published).toHaveLength(0);
        expect(p.accepted).toHaveLength(0);
        expect(p.refused).toHaveLength(0);
      },
    );

    it.each([
      ['an exact alphanumeric sender', { sourceAddrTon: 5, sourceAddrNpi: 0, sourceAddr: 'ACME' }],
      [
        'an alphanumeric sender sent with TON 0',
        { sourceAddrTon: 0, sourceAddrNpi: 0, sourceAddr: 'ACME' },
      ],
      ['an exact number', { sourceAddr: '+14155550100' }],
      // National form: normalised to 14155550100 before the check.
      ['an exact number in national form', { sourceAddrTon: 0, sourceAddr: '4155550100' }],
      ['a number in a range', { sourceAddr: '15125550199' }],
      ['a number in a range in national form', { sourceAddrTon: 2, sourceAddr: '5125550123' }],
    ])('accepts %s', async (_what, source) => {
      const p = ports();
      const result = await handleSubmit(submit(source), fenced, p.ports);
      expect(result).toMatchObject({ commandStatus: 0, label: 'ok' });
      expect(p.published).toHaveLength(1);
    });

    it('keeps the source of a refusal for the (masked) log line', async () => {
      const result = await handleSubmit(
        submit({ sourceAddr: '+15125560100' }),
        fenced,
        ports().ports,
      );
      expect(result.source).toBe('15125560100');
    });

    it('accepts any source when the list is empty', async () => {
      const p = ports();
      const result = await handleSubmit(
        submit({ sourceAddrTon: 5, sourceAddrNpi: 0, sourceAddr: 'ANYONE' }),
        account,
        p.ports,
      );
      expect(result).toMatchObject({ commandStatus: 0, label: 'ok' });
      expect(p.published).toHaveLength(1);
    });

    it('answers a malformed source as invalid, not as a source outside the list', async () => {
      const result = await handleSubmit(
        submit({ sourceAddrTon: 5, sourceAddrNpi: 0, sourceAddr: 'TWELVECHARSX' }),
        fenced,
        ports().ports,
      );
      expect(result).toMatchObject({ commandStatus: SmppStatus.ESME_RINVSRCADR, label: 'invalid' });
    });
  });

  it('counts segments of message_payload and carries it separately', async () => {
    const p = ports();
    const payload = Buffer.alloc(300, 0x41);
    const result = await handleSubmit(
      submit({ shortMessage: Buffer.alloc(0), tlvs: { messagePayload: payload } }),
      account,
      p.ports,
    );
    expect(result).toMatchObject({ commandStatus: 0, segments: 2 });
    expect(p.published[0]?.messagePayload).toBe(payload.toString('base64'));
  });

  it('takes concatenation from a UDH part', async () => {
    const p = ports();
    const part = Buffer.concat([
      Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 0x02]),
      Buffer.alloc(153, 0x41),
    ]);
    const result = await handleSubmit(
      submit({ esmClass: 0x40, shortMessage: part }),
      account,
      p.ports,
    );
    expect(result).toMatchObject({ commandStatus: 0, segments: 1 });
    expect(p.published[0]?.concat).toEqual({
      reference: 0x2a,
      total: 3,
      sequence: 2,
      method: 'udh8',
    });
  });

  it('takes concatenation from SAR TLVs', async () => {
    const p = ports();
    const result = await handleSubmit(
      submit({ tlvs: { sarMsgRefNum: 513, sarTotalSegments: 2, sarSegmentSeqnum: 1 } }),
      account,
      p.ports,
    );
    expect(result.commandStatus).toBe(0);
    expect(p.published[0]?.concat).toEqual({
      reference: 513,
      total: 2,
      sequence: 1,
      method: 'sar',
    });
  });

  it.each([
    ['bad destination', submit({ destinationAddr: 'abc' }), SmppStatus.ESME_RINVDSTADR],
    [
      'bad source',
      submit({ sourceAddrTon: 5, sourceAddr: 'waytoolongsender' }),
      SmppStatus.ESME_RINVSRCADR,
    ],
    [
      'short_message and message_payload',
      submit({ tlvs: { messagePayload: Buffer.from('x') } }),
      SmppStatus.ESME_RINVMSGLEN,
    ],
    [
      'odd UCS2',
      submit({ dataCoding: 8, shortMessage: Buffer.from([0, 0x41, 0]) }),
      SmppStatus.ESME_RINVMSGLEN,
    ],
    [
      'UDHI without a valid header',
      submit({ esmClass: 0x40, shortMessage: Buffer.from([0x09, 0x00]) }),
      SmppStatus.ESME_RINVESMCLASS,
    ],
    [
      'UDH part too long',
      submit({
        esmClass: 0x40,
        dataCoding: 4,
        shortMessage: Buffer.concat([Buffer.from([5, 0, 3, 1, 2, 1]), Buffer.alloc(135)]),
      }),
      SmppStatus.ESME_RINVMSGLEN,
    ],
    ['incomplete SAR', submit({ tlvs: { sarMsgRefNum: 1 } }), SmppStatus.ESME_RINVOPTPARAMVAL],
    ['receipt esm_class', submit({ esmClass: 0x04 }), SmppStatus.ESME_RINVESMCLASS],
    ['priority 4', submit({ priorityFlag: 4 }), SmppStatus.ESME_RINVPRTFLG],
    ['registered_delivery 3', submit({ registeredDelivery: 3 }), SmppStatus.ESME_RINVREGDLVFLG],
    ['bad schedule time', submit({ scheduleDeliveryTime: 'tomorrow' }), SmppStatus.ESME_RINVSCHED],
    ['bad validity', submit({ validityPeriod: '2501020304050' }), SmppStatus.ESME_RINVEXPIRY],
    [
      'validity in month 13',
      submit({ validityPeriod: '251302030405000+' }),
      SmppStatus.ESME_RINVEXPIRY,
    ],
    [
      'schedule on 30 February',
      submit({ scheduleDeliveryTime: '250230030405000+' }),
      SmppStatus.ESME_RINVSCHED,
    ],
    // The ports' clock says 2025-01-02T03:04:05Z.
    [
      'validity already passed',
      submit({ validityPeriod: '250102030404000+' }),
      SmppStatus.ESME_RINVEXPIRY,
    ],
    ['reserved data_coding', submit({ dataCoding: 0x90 }), SmppStatus.ESME_RSUBMITFAIL],
    [
      'more than 255 segments',
      submit({
        shortMessage: Buffer.alloc(0),
        tlvs: { messagePayload: Buffer.alloc(153 * 256, 0x41) },
      }),
      SmppStatus.ESME_RINVMSGLEN,
    ],
  ])('refuses %s', async (_name, input, status) => {
    const p = ports();
    const result = await handleSubmit(input, account, p.ports);
    expect(result.commandStatus).toBe(status);
    expect(p.published).toHaveLength(0);
    expect(p.acquired).toHaveLength(0);
  });

  it('accepts valid SMPP times; a relative validity travels as the absolute instant from acceptance', async () => {
    const p = ports();
    const result = await handleSubmit(
      submit({ scheduleDeliveryTime: '250102030405000+', validityPeriod: '000001000000000R' }),
      account,
      p.ports,
    );
    expect(result.commandStatus).toBe(0);
    // Accepted 2025-01-02T03:04:05Z, valid one day.
    expect(p.published[0]).toMatchObject({
      validityPeriod: '250103030405000+',
      scheduleDeliveryTime: '250102030405000+',
    });
  });

  it('passes an absolute validity on in UTC', async () => {
    const p = ports();
    // 05:04:05 at UTC+02:00 is 03:04:05 UTC; one hour later.
    await handleSubmit(submit({ validityPeriod: '250102060405008+' }), account, p.ports);
    expect(p.published[0]).toMatchObject({ validityPeriod: '250102040405000+' });
  });
});
