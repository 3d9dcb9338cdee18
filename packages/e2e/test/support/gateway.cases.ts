// The end-to-end cases of issue 10 §2, written once and run against a stack
// of one replica per service and against two replicas of every service. With
// two replicas every customer submits through edge replica 0 and receives on
// edge replica 1, so a receipt or MO only arrives if it found the replica
// that holds the customer's receiving bind.
import { QUEUES } from '@smpp-gateway/contracts';
import { createApiToken, createDatabase, getCdr, searchMoMessages } from '@smpp-gateway/db';
import {
  DataCoding,
  encodeText,
  splitMessage,
  SmppStatus,
  type PduInit,
  type PduOf,
  type SegmentUnit,
  type SplitMethod,
} from '@smpp-gateway/smpp';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  metricSum,
  metricValues,
  startGateway,
  type CustomerClient,
  type GatewayFixture,
  type GatewayStack,
} from '../../src/index.js';
import {
  carrierSubmits,
  eventually,
  queueDepth,
  sortedWireViews,
  UUID_V7,
  waitForCarrier,
  wireView,
} from './e2e.helpers.js';

type SubmitInit = Omit<PduInit<'submit_sm'>, 'command'>;

/** Destinations whose receipts the primary carrier reports UNDELIV (GSM cause 1). */
const UNDELIV_PREFIX = '4477009990';
/** Destinations the primary carrier accepts and never reports on. */
const SILENT_PREFIX = '4477009980';
/** Destinations an operator blocks through the admin API in one case. */
const BLOCKED_PREFIX = '4477009970';
/** dlr-tracker's RECEIPT_TIMEOUT_MS here: long enough that no other case's receipt comes later. */
const RECEIPT_TIMEOUT_MS = 15_000;
/** Destinations routed to the failover pair (fo-primary first, fo-backup second). */
const FAILOVER_PREFIX = '3361';
const MO_NUMBER = '447700900555';
/** Subscribers who reply STOP to MO_NUMBER, one per stack (the opt-out outlives a case). */
const OPTOUT_SUBSCRIBER = '4477009960';
/** Destinations routed to the carrier that answers hex and quotes receipts in decimal, 3 s later. */
const HEXDEC_PREFIX = '3399';
const TENDLC_NUMBER = '12025550100';
/** A 10DLC number under a campaign capped at one segment a minute. */
const TENDLC_CAPPED_NUMBER = '12025550111';

export function gatewayFixture(): GatewayFixture {
  return {
    vendors: [
      {
        key: 'primary',
        simulator: {
          receiptRules: [
            { prefix: UNDELIV_PREFIX, stat: 'UNDELIV', err: 1 },
            { prefix: SILENT_PREFIX, stat: 'NONE' },
          ],
        },
      },
      { key: 'fo-primary' },
      { key: 'fo-backup' },
      {
        key: 'hexdec',
        simulator: { messageIdFormat: 'hex', decimalInReceipt: true, receiptDelayMs: 3_000 },
        vendor: { messageIdFormat: 'hex', receiptMessageIdFormat: 'decimal' },
      },
    ],
    customers: [
      { key: 'acme', systemId: 'acme', password: 'acmepw' },
      { key: 'slow', systemId: 'slow', password: 'slowpw', throughput: 2 },
      { key: 'late', systemId: 'late', password: 'latepw' },
      // Registered for one alphanumeric sender only; no other case binds as it.
      { key: 'brand', systemId: 'brand', password: 'brandpw', allowedSources: ['ACME'] },
    ],
    routes: [
      { name: 'default', vendor: 'primary', priority: 100 },
      { name: 'fo-first', vendor: 'fo-primary', destinationPrefix: FAILOVER_PREFIX, priority: 10 },
      { name: 'fo-second', vendor: 'fo-backup', destinationPrefix: FAILOVER_PREFIX, priority: 20 },
      { name: 'hexdec', vendor: 'hexdec', destinationPrefix: HEXDEC_PREFIX, priority: 10 },
    ],
    campaigns: [
      { key: 'demo', campaignId: 'CE2E001', brandId: 'BE2E001' },
      { key: 'capped', campaignId: 'CE2E002', brandId: 'BE2E001', tpm: 1 },
    ],
    numbers: [
      { number: MO_NUMBER, numberType: 'intl', customer: 'acme' },
      { number: TENDLC_NUMBER, numberType: '10dlc', customer: 'acme', campaign: 'demo' },
      {
        number: TENDLC_CAPPED_NUMBER,
        numberType: '10dlc',
        customer: 'acme',
        campaign: 'capped',
      },
    ],
  };
}

export function encoded(text: string, alphabet: 'gsm7' | 'ucs2'): Buffer {
  const result = encodeText(text, alphabet);
  if (!result.ok) throw new Error(`test text not encodable as ${alphabet}`);
  return result.bytes;
}

/** The submit_sm PDUs a customer sends for `bytes` split by `method`. */
function splitSubmits(
  bytes: Buffer,
  unit: SegmentUnit,
  method: SplitMethod,
  reference: number,
  base: SubmitInit,
): SubmitInit[] {
  const split = splitMessage(bytes, { unit, method, reference });
  if (!split.ok) throw new Error(`cannot split test message: ${split.detail}`);
  return split.parts.map((part): SubmitInit => {
    switch (part.kind) {
      case 'single':
        return { ...base, shortMessage: part.shortMessage };
      case 'udh':
        return { ...base, esmClass: (base.esmClass ?? 0) | 0x40, shortMessage: part.shortMessage };
      case 'sar':
        return {
          ...base,
          shortMessage: part.shortMessage,
          tlvs: {
            sarMsgRefNum: part.sar.sar_msg_ref_num,
            sarTotalSegments: part.sar.sar_total_segments,
            sarSegmentSeqnum: part.sar.sar_segment_seqnum,
          },
        };
      case 'payload':
        return {
          ...base,
          shortMessage: Buffer.alloc(0),
          tlvs: { messagePayload: part.messagePayload },
        };
    }
  });
}

function mt(destination: string, extra: SubmitInit = {}): SubmitInit {
  return {
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    sourceAddr: 'ACME',
    destAddrTon: 1,
    destAddrNpi: 1,
    destinationAddr: destination,
    registeredDelivery: 1,
    ...extra,
  };
}

async function submitAll(
  client: CustomerClient,
  parts: readonly SubmitInit[],
): Promise<PduOf<'submit_sm_resp'>[]> {
  const responses: PduOf<'submit_sm_resp'>[] = [];
  for (const part of parts) responses.push(await client.submit(part));
  return responses;
}

function deliverBytes(pdu: PduOf<'deliver_sm'> | PduOf<'data_sm'>): string {
  return (pdu.command === 'deliver_sm' ? pdu.shortMessage : Buffer.alloc(0)).toString('hex');
}

/**
 * A router logs each configuration it loads with its counts: waits until
 * every one has loaded one with this many destination blocks, not merely
 * reloaded (a timed reload could have read the table before the change).
 */
function everyRouterLoaded(stack: GatewayStack, blocks: number) {
  return eventually(
    () =>
      stack.replicas('router-worker').every(
        (p) =>
          p
            .logs()
            .filter((l) => l.json?.message === 'routing configuration loaded')
            .at(-1)?.json?.blocks === blocks,
      )
        ? true
        : undefined,
    15_000,
    `every router loaded ${blocks} destination block(s)`,
    100,
  );
}

export function defineGatewayCases(replicas: 1 | 2): void {
  const sendReplica = 0;
  const receiveReplica = replicas - 1;
  let stack: GatewayStack;
  let sender: CustomerClient;
  let receiver: CustomerClient;
  let silent: PduOf<'submit_sm_resp'>;
  let silentSentAt: number;

  describe(`the gateway with ${replicas} replica(s) of every service`, () => {
    beforeAll(async () => {
      stack = await startGateway({
        fixture: gatewayFixture(),
        replicas,
        serviceEnv: {
          // One quick retry on the failing carrier, then the hand-back to the router.
          'vendor-connector': { SUBMIT_RETRIES: '1', SUBMIT_RETRY_DELAY_MS: '100' },
          'edge-server': { DELIVERY_RETRY_DELAY_MS: '300' },
          'dlr-tracker': {
            RECEIPT_TIMEOUT_MS: String(RECEIPT_TIMEOUT_MS),
            RECEIPT_TIMEOUT_SWEEP_MS: '500',
          },
        },
      });
      sender = await stack.connect('acme', { bindType: 'transmitter', replica: sendReplica });
      receiver = await stack.connect('acme', { bindType: 'receiver', replica: receiveReplica });
      // Sent first, checked by a later case: the timeout runs while the
      // other cases do.
      silentSentAt = Date.now();
      silent = await sender.submit(
        mt(`${SILENT_PREFIX}01`, { shortMessage: encoded('Nobody will report on this', 'gsm7') }),
      );
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
    }, 60_000);

    beforeEach(({ onTestFailed }) => {
      onTestFailed(() => {
        console.error(stack?.formatLogs(120) ?? '(no stack)');
      });
    });

    /** Sends, waits for every part at the carrier and every receipt; returns both sides. */
    async function roundTrip(parts: readonly SubmitInit[], vendor = 'primary') {
      const responses = await submitAll(sender, parts);
      for (const response of responses) {
        expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
        expect(response.messageId).toMatch(UUID_V7);
      }
      const destination = parts[0]?.destinationAddr ?? '';
      const atCarrier = await waitForCarrier(stack.simulator(vendor), destination, parts.length);
      const receipts = await Promise.all(
        responses.map((response) => receiver.waitForReceipt(response.messageId, 20_000)),
      );
      return { responses, atCarrier, receipts };
    }

    it('delivers GSM7 text with escape characters byte-exact; DELIVRD receipt carries our id', async () => {
      const parts = [
        mt('447700900101', {
          dataCoding: DataCoding.SMSC_DEFAULT,
          shortMessage: encoded('Price: 10€ [promo] {code} ~ ^ | \\ ÆØÅ', 'gsm7'),
        }),
      ];
      const { responses, atCarrier, receipts } = await roundTrip(parts);
      expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
      const [receipt] = receipts;
      expect(receipt?.stat).toBe('DELIVRD');
      expect(receipt?.messageId).toBe(responses[0]?.messageId);
      expect(receipt?.textMessageId).toBe(responses[0]?.messageId);
      expect(receipt?.err).toBe('000');
    });

    it('delivers UCS2 text with surrogate pairs byte-exact', async () => {
      const parts = [
        mt('447700900102', {
          dataCoding: DataCoding.UCS2,
          shortMessage: encoded('Привет 👋 你好 — ✓', 'ucs2'),
        }),
      ];
      const { atCarrier, receipts } = await roundTrip(parts);
      expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
      expect(receipts.map((r) => r.stat)).toEqual(['DELIVRD']);
    });

    it('delivers 8-bit binary data (NULs included) byte-exact', async () => {
      const bytes = Buffer.from([0x00, 0x01, 0xff, 0x00, 0x7f, 0x80, 0x1b, 0x00, 0x42]);
      const parts = [mt('447700900103', { dataCoding: DataCoding.BINARY, shortMessage: bytes })];
      const { atCarrier } = await roundTrip(parts);
      expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
    });

    it('delivers a long GSM7 message in UDH parts byte-exact, one receipt with our id per part', async () => {
      const text = 'Long message {part} with € escapes that cannot fit one segment. '.repeat(6);
      const parts = splitSubmits(
        encoded(text, 'gsm7'),
        'gsm7',
        'udh8',
        0xa7,
        mt('447700900104', { dataCoding: DataCoding.SMSC_DEFAULT }),
      );
      expect(parts.length).toBeGreaterThanOrEqual(3);
      const { responses, atCarrier, receipts } = await roundTrip(parts);
      expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
      for (const record of atCarrier) expect(record.pdu.esmClass & 0x40).toBe(0x40);
      expect(new Set(responses.map((r) => r.messageId)).size).toBe(parts.length);
      expect(receipts.map((r) => r.messageId)).toEqual(responses.map((r) => r.messageId));
    });

    it('delivers a long UCS2 message with a 16-bit reference UDH byte-exact', async () => {
      const parts = splitSubmits(
        encoded('Длинное сообщение 👍 в нескольких частях. '.repeat(4), 'ucs2'),
        'ucs2',
        'udh16',
        0x1234,
        mt('447700900105', { dataCoding: DataCoding.UCS2 }),
      );
      expect(parts.length).toBeGreaterThanOrEqual(2);
      const { atCarrier } = await roundTrip(parts);
      expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
    });

    it('keeps SAR concatenation TLVs and message_payload intact', async () => {
      const sar = splitSubmits(
        encoded('SAR concatenated message, parts carry TLVs instead of a UDH. '.repeat(4), 'gsm7'),
        'gsm7',
        'sar',
        0x0321,
        mt('447700900106', { dataCoding: DataCoding.SMSC_DEFAULT }),
      );
      expect(sar.length).toBeGreaterThanOrEqual(2);
      const payload = splitSubmits(
        encoded('One PDU, long text in message_payload. '.repeat(12), 'gsm7'),
        'gsm7',
        'payload',
        0,
        mt('447700900107', { dataCoding: DataCoding.SMSC_DEFAULT }),
      );
      expect(payload).toHaveLength(1);
      const [sarTrip, payloadTrip] = await Promise.all([roundTrip(sar), roundTrip(payload)]);
      expect(sortedWireViews(sarTrip.atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(sar));
      expect(sortedWireViews(payloadTrip.atCarrier.map((r) => r.pdu))).toEqual(
        sortedWireViews(payload),
      );
    });

    it('returns UNDELIV receipts with our id and the carrier error', async () => {
      const parts = [
        mt(`${UNDELIV_PREFIX}01`, {
          dataCoding: DataCoding.SMSC_DEFAULT,
          shortMessage: encoded('This one will not be delivered', 'gsm7'),
        }),
      ];
      const { responses, atCarrier, receipts } = await roundTrip(parts);
      expect(atCarrier).toHaveLength(1);
      const [receipt] = receipts;
      expect(receipt?.stat).toBe('UNDELIV');
      expect(receipt?.messageId).toBe(responses[0]?.messageId);
      expect(receipt?.err).toBe('001');
      expect(receipt?.final).toBe(true);
    });

    it('routes a 10DLC number with an active campaign; a US long code without one gets UNDELIV 903', async () => {
      const allowed = mt('12125550101', {
        sourceAddrTon: 1,
        sourceAddrNpi: 1,
        sourceAddr: TENDLC_NUMBER,
        shortMessage: encoded('Registered campaign traffic', 'gsm7'),
      });
      const allowedTrip = await roundTrip([allowed]);
      expect(allowedTrip.receipts[0]?.stat).toBe('DELIVRD');

      const unregistered = mt('12125550102', {
        sourceAddrTon: 1,
        sourceAddrNpi: 1,
        sourceAddr: '12025550199',
        shortMessage: encoded('No campaign behind this number', 'gsm7'),
      });
      const [response] = await submitAll(sender, [unregistered]);
      // Accepted at the edge (the decision is the router's), then failed with a receipt.
      expect(response?.commandStatus).toBe(SmppStatus.ESME_ROK);
      const receipt = await receiver.waitForReceipt(response?.messageId ?? '', 20_000);
      expect(receipt.stat).toBe('UNDELIV');
      expect(receipt.err).toBe('903');
      for (const key of ['primary', 'fo-primary', 'fo-backup']) {
        expect(carrierSubmits(stack.simulator(key), '12125550102')).toHaveLength(0);
      }
    });

    it('a message whose validity period ends while it waits under a 10DLC cap gets EXPIRED (907), and never reaches the carrier', async () => {
      // Two seconds of validity each; the campaign lets one segment a minute
      // through, so the other waits out the deferral delay (5 s) and comes
      // back after its validity ended.
      const parts = ['12125550111', '12125550112'].map((destination, i) =>
        mt(destination, {
          sourceAddrTon: 1,
          sourceAddrNpi: 1,
          sourceAddr: TENDLC_CAPPED_NUMBER,
          validityPeriod: '000000000002000R',
          shortMessage: encoded(`Capped campaign ${i}`, 'gsm7'),
        }),
      );
      const responses = await submitAll(sender, parts);
      const receipts = await Promise.all(
        responses.map((response) => {
          expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
          return receiver.waitForReceipt(response.messageId, 30_000);
        }),
      );
      const stats = receipts.map((r) => r.stat).sort();
      expect(stats).toEqual(['DELIVRD', 'EXPIRED']);
      const expired = receipts.find((r) => r.stat === 'EXPIRED');
      expect(expired?.err).toBe('907');
      const atCarrier = ['12125550111', '12125550112'].flatMap((d) =>
        carrierSubmits(stack.simulator('primary'), d),
      );
      expect(atCarrier).toHaveLength(1);
      // The vendor got the absolute instant, not the relative period.
      expect(atCarrier[0]?.pdu.validityPeriod).toMatch(/^\d{13}00\+$/);
    }, 60_000);

    it('fails over to the second vendor when the primary vendor fails every submit', async () => {
      const primary = stack.simulator('fo-primary');
      const backup = stack.simulator('fo-backup');
      const before = mt(`${FAILOVER_PREFIX}600000001`, {
        shortMessage: encoded('Before the fault: first choice', 'gsm7'),
      });
      const beforeTrip = await roundTrip([before], 'fo-primary');
      expect(beforeTrip.receipts[0]?.stat).toBe('DELIVRD');
      expect(carrierSubmits(backup, before.destinationAddr ?? '')).toHaveLength(0);

      primary.setFaults({ failEveryN: 1, failStatus: SmppStatus.ESME_RSUBMITFAIL });
      try {
        const parts = [
          mt(`${FAILOVER_PREFIX}600000002`, {
            dataCoding: DataCoding.UCS2,
            shortMessage: encoded('Після збою: резерв ✓', 'ucs2'),
          }),
        ];
        const { responses, atCarrier, receipts } = await roundTrip(parts, 'fo-backup');
        expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
        expect(receipts[0]?.stat).toBe('DELIVRD');
        expect(receipts[0]?.messageId).toBe(responses[0]?.messageId);
        // The first vendor saw and refused it before the hand-back: one try plus one retry.
        expect(
          carrierSubmits(primary, parts[0]?.destinationAddr ?? '').length,
        ).toBeGreaterThanOrEqual(2);
      } finally {
        primary.clearFaults();
      }
    });

    it('fails over to the second vendor while the primary has no bind at all, and returns to it once it binds again', async () => {
      const primary = stack.simulator('fo-primary');
      const primaryId = stack.vendor('fo-primary').vendor.id;
      const routers = () => stack.replicas('router-worker');
      const routersSee = (vendorId: string, down: 0 | 1) =>
        eventually(
          async () => {
            const values = await metricValues(
              routers(),
              'router_vendor_down',
              `vendor_id="${vendorId}"`,
            );
            return values.every((v) => v === down) ? values : undefined;
          },
          10_000,
          `router_vendor_down ${down} on every router`,
        );
      const routedTo = (vendorId: string) =>
        metricSum(routers(), 'router_routed_total', `vendor_id="${vendorId}"`);
      // Long enough that the test, not the simulator, ends the outage.
      primary.setFaults({ refuseBindsMs: 120_000, dropConnections: true });
      try {
        await vi.waitFor(() => expect(primary.stats().binds.active).toBe(0), { timeout: 10_000 });
        const parts = [
          mt(`${FAILOVER_PREFIX}600000003`, {
            shortMessage: encoded('No bind at the first choice', 'gsm7'),
          }),
        ];
        // The connectors wait BIND_WAIT_MS for a bind, then hand it back to the router.
        const { responses, atCarrier, receipts } = await roundTrip(parts, 'fo-backup');
        expect(sortedWireViews(atCarrier.map((r) => r.pdu))).toEqual(sortedWireViews(parts));
        expect(receipts[0]?.stat).toBe('DELIVRD');
        expect(receipts[0]?.messageId).toBe(responses[0]?.messageId);
        expect(carrierSubmits(primary, parts[0]?.destinationAddr ?? '')).toHaveLength(0);

        // That wait opened the connectors' outage breaker, which they report at
        // once: every router now ranks the primary last and routes straight to
        // the backup, no detour through the primary's queue.
        await routersSee(primaryId, 1);
        const routedBefore = await routedTo(primaryId);
        const direct = [
          mt(`${FAILOVER_PREFIX}600000005`, {
            shortMessage: encoded('Known down: straight to the backup', 'gsm7'),
          }),
        ];
        const directTrip = await roundTrip(direct, 'fo-backup');
        expect(directTrip.receipts[0]?.stat).toBe('DELIVRD');
        expect(await routedTo(primaryId)).toBe(routedBefore);
      } finally {
        primary.clearFaults();
      }
      await stack.waitForVendorBinds('fo-primary', undefined, 60_000);
      // Bound again: the breaker closes, is reported, and the routers rank it first again.
      await routersSee(primaryId, 0);
      const back = mt(`${FAILOVER_PREFIX}600000004`, {
        shortMessage: encoded('Bound again: first choice', 'gsm7'),
      });
      const backTrip = await roundTrip([back], 'fo-primary');
      expect(backTrip.receipts[0]?.stat).toBe('DELIVRD');
      expect(carrierSubmits(stack.simulator('fo-backup'), back.destinationAddr ?? '')).toHaveLength(
        0,
      );
    }, 120_000);

    it('throttles a customer over its throughput with ESME_RTHROTTLED and delivers exactly what it accepted', async () => {
      const slow = await stack.connect('slow', { bindType: 'transceiver', replica: sendReplica });
      const destination = '447700900301';
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          slow.submit(
            mt(destination, { registeredDelivery: 0, shortMessage: encoded(`burst ${i}`, 'gsm7') }),
          ),
        ),
      );
      const ok = responses.filter((r) => r.commandStatus === SmppStatus.ESME_ROK);
      const throttled = responses.filter((r) => r.commandStatus === SmppStatus.ESME_RTHROTTLED);
      expect(ok.length + throttled.length).toBe(30);
      expect(throttled.length).toBeGreaterThanOrEqual(20);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      await waitForCarrier(stack.simulator('primary'), destination, ok.length);
      // Nothing refused may show up later.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(carrierSubmits(stack.simulator('primary'), destination)).toHaveLength(ok.length);
      // No receipt was asked for, yet the carrier was asked for one: every
      // accepted message reaches its final status in its CDR, and the
      // customer, who asked for none, gets none.
      expect(
        carrierSubmits(stack.simulator('primary'), destination).map(
          (r) => r.pdu.registeredDelivery,
        ),
      ).toEqual(ok.map(() => 1));
      const db = createDatabase(stack.env.db.url, { poolMax: 2 });
      try {
        await eventually(
          async () => {
            for (const response of ok) {
              const cdr = await getCdr(db, response.messageId);
              if (cdr?.deliveryStatus !== 'DELIVRD') return undefined;
            }
            return true;
          },
          30_000,
          `DELIVRD on the CDRs of ${ok.length} message(s) sent without a receipt request`,
          250,
        );
      } finally {
        await db.destroy();
      }
      expect(slow.receipts()).toHaveLength(0);
      await slow.close();
    });

    it("refuses a customer's submit from a sender ID outside its allowed sources with ESME_RINVSRCADR, and delivers the one it is allowed", async () => {
      const brand = await stack.connect('brand', { bindType: 'transmitter', replica: sendReplica });
      const refusedBefore = await metricSum(
        stack.replicas('edge-server'),
        'smpp_server_submit_sm_total',
        'status="source_not_allowed"',
      );
      const spoofed = await brand.submit(
        mt('447700900501', {
          sourceAddr: 'BANK',
          registeredDelivery: 0,
          shortMessage: encoded('Not my sender ID', 'gsm7'),
        }),
      );
      expect(spoofed.commandStatus).toBe(SmppStatus.ESME_RINVSRCADR);
      // A number another customer (acme) owns: not on brand's list either.
      const borrowed = await brand.submit(
        mt('447700900501', {
          sourceAddrTon: 1,
          sourceAddrNpi: 1,
          sourceAddr: TENDLC_NUMBER,
          registeredDelivery: 0,
          shortMessage: encoded('Not my number', 'gsm7'),
        }),
      );
      expect(borrowed.commandStatus).toBe(SmppStatus.ESME_RINVSRCADR);
      expect(
        await metricSum(
          stack.replicas('edge-server'),
          'smpp_server_submit_sm_total',
          'status="source_not_allowed"',
        ),
      ).toBe(refusedBefore + 2);

      const destination = '447700900502';
      const allowed = await brand.submit(
        mt(destination, { registeredDelivery: 0, shortMessage: encoded('My sender ID', 'gsm7') }),
      );
      expect(allowed.commandStatus).toBe(SmppStatus.ESME_ROK);
      const [atCarrier] = await waitForCarrier(stack.simulator('primary'), destination, 1);
      expect(atCarrier?.pdu.sourceAddr).toBe('ACME');
      // The refused ones never left the edge.
      expect(carrierSubmits(stack.simulator('primary'), '447700900501')).toHaveLength(0);
      await brand.close();
    });

    it('delivers MO from the carrier to the owning customer, bytes as sent', async () => {
      const simulator = stack.simulator('primary');
      const gsm = await simulator.injectMo({
        source: '447700900777',
        destination: MO_NUMBER,
        text: 'STOP [all] €',
        dataCoding: DataCoding.SMSC_DEFAULT,
      });
      expect(gsm.statuses).toEqual([SmppStatus.ESME_ROK]);
      const ucs2 = await simulator.injectMo({
        source: '447700900778',
        destination: MO_NUMBER,
        text: 'Да, согласен 👍',
        dataCoding: DataCoding.UCS2,
      });
      expect(ucs2.statuses).toEqual([SmppStatus.ESME_ROK]);

      const from = (source: string) =>
        receiver.waitFor(
          () => receiver.mobileOriginated().find((item) => item.pdu.sourceAddr === source),
          20_000,
          `MO from ${source}`,
        );
      const [first, second] = await Promise.all([from('447700900777'), from('447700900778')]);
      expect(first.pdu.destinationAddr).toBe(MO_NUMBER);
      expect(first.pdu.dataCoding).toBe(DataCoding.SMSC_DEFAULT);
      expect(deliverBytes(first.pdu)).toBe(encoded('STOP [all] €', 'gsm7').toString('hex'));
      expect(first.pdu.esmClass & 0x3c).toBe(0);
      expect(second.pdu.dataCoding).toBe(DataCoding.UCS2);
      expect(deliverBytes(second.pdu)).toBe(encoded('Да, согласен 👍', 'ucs2').toString('hex'));

      // Both are in the MO archive, under the owning customer, without their text.
      const db = createDatabase(stack.env.db.url, { poolMax: 2 });
      try {
        const { items } = await searchMoMessages(db, {
          customerId: stack.customer('acme').customer.id,
          from: new Date(Date.now() - 600_000),
          to: new Date(Date.now() + 60_000),
          destination: MO_NUMBER,
          limit: 10,
        });
        expect(items.map((m) => [m.source, m.dataCoding]).sort()).toEqual([
          ['447700900777', DataCoding.SMSC_DEFAULT],
          ['447700900778', DataCoding.UCS2],
        ]);
        expect(items.every((m) => m.vendorId === stack.vendor('primary').vendor.id)).toBe(true);
      } finally {
        await db.destroy();
      }
    });

    it('keeps the receipt of a customer who binds a receiver only later', async () => {
      const late = stack.customer('late');
      const transmitter = await stack.connect('late', {
        bindType: 'transmitter',
        replica: sendReplica,
      });
      const response = await transmitter.submit(
        mt('447700900401', { shortMessage: encoded('Receipt waits for me', 'gsm7') }),
      );
      expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
      await transmitter.close();

      // Parked in the customer's durable delivery queue while nobody can take it.
      const queue = QUEUES.delivery(late.customer.id);
      await eventually(
        async () => ((await queueDepth(stack.env.amqp.vhost, queue)) >= 1 ? true : undefined),
        30_000,
        `the receipt parked in ${queue}`,
        250,
      );
      expect(transmitter.receipts()).toHaveLength(0);

      const lateReceiver = await stack.connect('late', {
        bindType: 'receiver',
        replica: receiveReplica,
      });
      const receipt = await lateReceiver.waitForReceipt(response.messageId, 20_000);
      expect(receipt.stat).toBe('DELIVRD');
      expect(receipt.messageId).toBe(response.messageId);
      await lateReceiver.close();
    });

    it('still delivers the receipt when Redis lost the message and its mapping (vendor id hex in the resp, decimal in the receipt)', async () => {
      const hexdec = stack.vendor('hexdec');
      const destination = `${HEXDEC_PREFIX}612345678`;
      const response = await sender.submit(
        mt(destination, { shortMessage: encoded('Redis forgot me', 'gsm7') }),
      );
      expect(response.commandStatus).toBe(SmppStatus.ESME_ROK);
      const id = response.messageId;
      await waitForCarrier(hexdec.simulator, destination, 1);
      const redis = new Redis(stack.env.redis.url, {
        keyPrefix: stack.env.redis.keyPrefix,
        lazyConnect: true,
      });
      try {
        await redis.connect();
        // The tracker has the submit result (the record says so, and the CDR
        // commits before the receipt's 1 s in-process hold is over).
        await eventually(
          async () => {
            const raw = await redis.get(`dlr:msg:${id}`);
            return raw !== null && (JSON.parse(raw) as { status?: string }).status === 'submitted'
              ? true
              : undefined;
          },
          10_000,
          `the submit result of ${id} in Redis`,
          50,
        );
        // Lose everything Redis knew about it: the record, the receipt lease
        // and every vendor-id mapping of the carrier (this test's only message there).
        const prefix = stack.env.redis.keyPrefix;
        const mappings: string[] = [];
        for (const pattern of [
          `dlr:vmap:${hexdec.vendor.id}:*`,
          `dlr:vmapc:${hexdec.vendor.id}:*`,
        ]) {
          mappings.push(
            ...(await redis.keys(`${prefix}${pattern}`)).map((k) => k.slice(prefix.length)),
          );
        }
        expect(mappings.length).toBeGreaterThan(0);
        await redis.del(`dlr:msg:${id}`, `dlr:rlease:${id}`, ...mappings);
      } finally {
        redis.disconnect();
      }
      // The loss came before the carrier's receipt, or this test proves nothing.
      expect(hexdec.simulator.records.ofCommand('deliver_sm')).toHaveLength(0);

      const receipt = await receiver.waitForReceipt(id, 20_000);
      expect(receipt).toMatchObject({ messageId: id, stat: 'DELIVRD' });
      const pdu = receiver.receipts().find((item) => item.receipt.messageId === id)?.pdu;
      // The addresses come back from the CDR with their TON/NPI, swapped.
      expect(pdu).toMatchObject({
        sourceAddr: destination,
        sourceAddrTon: 1,
        sourceAddrNpi: 1,
        destinationAddr: 'ACME',
        destAddrTon: 5,
        destAddrNpi: 0,
      });
    });

    it('gives a message its carrier never reports on UNKNOWN, err 908, with our id once the receipt timeout passed', async () => {
      expect(silent.commandStatus).toBe(SmppStatus.ESME_ROK);
      const destination = `${SILENT_PREFIX}01`;
      expect(await waitForCarrier(stack.simulator('primary'), destination, 1)).toHaveLength(1);
      const receipt = await receiver.waitForReceipt(silent.messageId, RECEIPT_TIMEOUT_MS + 30_000);
      expect(receipt).toMatchObject({ messageId: silent.messageId, stat: 'UNKNOWN', err: '908' });
      // The timeout's, not anything sooner.
      expect(Date.now() - silentSentAt).toBeGreaterThanOrEqual(RECEIPT_TIMEOUT_MS);
      expect(stack.simulator('primary').stats().receipts.withheld).toBeGreaterThanOrEqual(1);
      const db = createDatabase(stack.env.db.url, { poolMax: 2 });
      try {
        const cdr = await eventually(
          async () => {
            const row = await getCdr(db, silent.messageId);
            return row?.deliveryStatus ? row : undefined;
          },
          10_000,
          'the CDR of the unreported message closed',
          250,
        );
        expect(cdr.deliveryStatus).toBe('UNKNOWN');
      } finally {
        await db.destroy();
      }
      expect(
        await metricSum(stack.replicas('dlr-tracker'), 'dlr_receipt_timeouts_total'),
      ).toBeGreaterThanOrEqual(1);
    });

    it('refuses a destination an operator blocked through the admin API (UNDELIV 909, never at a carrier), and sends to it again once unblocked', async () => {
      const db = createDatabase(stack.env.db.url, { poolMax: 2 });
      const token = (await createApiToken(db, { name: `e2e-blocks-${replicas}`, scope: 'write' }))
        .token;
      await db.destroy();
      const admin = stack.process('admin-api').ports;
      if (!admin) throw new Error('admin-api has no port');
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`http://127.0.0.1:${admin.ops}/api/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const everyRouterHas = (blocks: number) => everyRouterLoaded(stack, blocks);

      const created = await api('POST', '/blocked-destinations', {
        prefix: BLOCKED_PREFIX,
        reason: 'e2e: pumping range',
      });
      expect(created.status).toBe(201);
      const block = (await created.json()) as { id: string };
      await everyRouterHas(1);

      const destination = `${BLOCKED_PREFIX}1`;
      const [refused] = await submitAll(sender, [mt(destination)]);
      expect(refused?.commandStatus).toBe(SmppStatus.ESME_ROK);
      const receipt = await receiver.waitForReceipt(refused?.messageId ?? '', 20_000);
      expect(receipt).toMatchObject({ stat: 'UNDELIV', err: '909' });
      expect(carrierSubmits(stack.simulator('primary'), destination)).toHaveLength(0);

      expect((await api('DELETE', `/blocked-destinations/${block.id}`)).status).toBe(204);
      await everyRouterHas(0);
      const again = await roundTrip([mt(destination)]);
      expect(again.receipts.map((r) => r.stat)).toEqual(['DELIVRD']);
    });

    it("stops a customer's messages to a subscriber who replied STOP (UNDELIV 909, never at a carrier), and sends again after START", async () => {
      const simulator = stack.simulator('primary');
      const subscriber = `${OPTOUT_SUBSCRIBER}${replicas}`;
      // No operator block is left by the case before.
      const everyRouterHas = (blocks: number) => everyRouterLoaded(stack, blocks);
      const reply = async (text: string) => {
        const sent = await simulator.injectMo({
          source: subscriber,
          destination: MO_NUMBER,
          text,
          dataCoding: DataCoding.SMSC_DEFAULT,
        });
        expect(sent.statuses).toEqual([SmppStatus.ESME_ROK]);
        // The customer gets the keyword itself: its application confirms it.
        await receiver.waitFor(
          () =>
            receiver
              .mobileOriginated()
              .find(
                (item) =>
                  item.pdu.sourceAddr === subscriber &&
                  deliverBytes(item.pdu) === encoded(text, 'gsm7').toString('hex'),
              ),
          20_000,
          `the subscriber's ${text}`,
        );
      };

      await reply('Stop');
      await everyRouterHas(1);
      const [refused] = await submitAll(sender, [mt(subscriber)]);
      expect(refused?.commandStatus).toBe(SmppStatus.ESME_ROK);
      const receipt = await receiver.waitForReceipt(refused?.messageId ?? '', 20_000);
      expect(receipt).toMatchObject({ stat: 'UNDELIV', err: '909' });
      expect(carrierSubmits(simulator, subscriber)).toHaveLength(0);

      await reply('START');
      await everyRouterHas(0);
      const again = await roundTrip([mt(subscriber)]);
      expect(again.receipts.map((r) => r.stat)).toEqual(['DELIVRD']);
    });

    it('sent nothing twice to the carriers and nothing twice or stray to the customer', () => {
      // Retries against the failing carrier are expected there; the others saw each PDU once.
      for (const key of ['primary', 'fo-backup']) {
        const views = stack
          .simulator(key)
          .records.ofCommand('submit_sm')
          .map((r) => JSON.stringify(wireView(r.pdu)));
        expect(views.length).toBeGreaterThan(0);
        expect(views.length - new Set(views).size).toBe(0);
      }
      const seen = new Map<string, number>();
      for (const item of receiver.receipts()) {
        expect(item.receipt.messageId).toMatch(UUID_V7);
        seen.set(item.receipt.messageId, (seen.get(item.receipt.messageId) ?? 0) + 1);
      }
      expect(seen.size).toBeGreaterThan(0);
      expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([]);
    });
  });
}
