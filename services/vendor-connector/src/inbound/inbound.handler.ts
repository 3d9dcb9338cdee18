// A vendor's deliver_sm / data_sm: a delivery receipt → VendorReceipt on
// dlr.receipts, anything else → MoReceived on mo.messages. The response is
// written only after the broker confirmed the publish; if it did not, the
// vendor gets a transient error and sends the PDU again later, so a receipt
// is never acknowledged and then lost.
import type { ConcatInfo, ContractInput } from '@smpp-gateway/contracts';
import { SmppStatus } from '@smpp-gateway/contracts';
import {
  concatInfoFromSar,
  normalizeMessageId,
  parseUdh,
  RECEIPT_CLOCK_TOLERANCE_MS,
  receiptFromDeliverPdu,
  receiptKindOf,
  type MessageIdFormat,
  type PduOf,
  type ReceiptTimeZone,
  type Tlvs,
} from '@smpp-gateway/smpp';
import { ContractValidationError, type Logger } from '@smpp-gateway/runtime';
import type { VendorAlphabet } from '../sending/submit-pdu.builder.js';

export interface InboundVendor {
  readonly id: string;
  readonly defaultAlphabet: VendorAlphabet;
  /** Format of the id in this vendor's receipts. */
  readonly receiptMessageIdFormat: MessageIdFormat;
  /** The clock the vendor writes receipt dates in. */
  readonly receiptTimeZone: ReceiptTimeZone;
}

export interface InboundPublisher {
  receipt(receipt: ContractInput<'VendorReceipt'>): Promise<void>;
  mo(mo: ContractInput<'MoReceived'>): Promise<void>;
}

export interface InboundObserver {
  receipt(vendorId: string, stat: string): void;
  mo(vendorId: string): void;
  /** Answered with a transient error: the vendor will resend. */
  publishFailed(vendorId: string, kind: 'receipt' | 'mo'): void;
  /** A receipt without any message id: refused permanently. */
  unusable(vendorId: string): void;
  /**
   * A receipt whose done date lay more than RECEIPT_CLOCK_TOLERANCE_MS after
   * it arrived: beyond clock drift, the vendor's receipt time zone is wrong.
   */
  doneDateInFuture(vendorId: string): void;
}

export interface InboundHandlerDeps {
  readonly vendor: () => InboundVendor;
  readonly publisher: InboundPublisher;
  readonly observer: InboundObserver;
  readonly logger: Logger;
  readonly newId: () => string;
  readonly now?: () => Date;
}

export type InboundPdu = PduOf<'deliver_sm'> | PduOf<'data_sm'>;

const UDHI = 0x40;
const TAG = { userMessageReference: 0x0204, sourcePort: 0x020a, destinationPort: 0x020b } as const;
const MAX_VENDOR_ID = 64;
const MAX_KEY = 128;

function u16(value: number): string {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b.toString('base64');
}

/**
 * TLVs forwarded with an MO: every TLV the session did not type, plus the
 * typed ones that change what the message means to the handset application
 * (ports, user_message_reference). SAR becomes `concat`, message_payload its
 * own field; receipt-only TLVs do not occur on an MO.
 */
function forwardedTlvs(tlvs: Tlvs): { tag: number; value: string }[] {
  const out: { tag: number; value: string }[] = [];
  if (tlvs.userMessageReference !== undefined)
    out.push({ tag: TAG.userMessageReference, value: u16(tlvs.userMessageReference) });
  if (tlvs.sourcePort !== undefined) out.push({ tag: TAG.sourcePort, value: u16(tlvs.sourcePort) });
  if (tlvs.destinationPort !== undefined)
    out.push({ tag: TAG.destinationPort, value: u16(tlvs.destinationPort) });
  for (const t of tlvs.other ?? []) out.push({ tag: t.tag, value: t.value.toString('base64') });
  return out;
}

/** Concat info of an MO part: UDH first (it is what the handset used), SAR second. */
export function moConcat(
  esmClass: number,
  shortMessage: Buffer,
  tlvs: Tlvs,
): ConcatInfo | undefined {
  if ((esmClass & UDHI) !== 0) {
    const udh = parseUdh(shortMessage);
    if (udh.ok && udh.concat) {
      const c = udh.concat;
      return {
        reference: c.reference,
        total: c.total,
        sequence: c.sequence,
        method: c.referenceBits === 8 ? 'udh8' : 'udh16',
      };
    }
  }
  const sar = concatInfoFromSar(tlvs);
  if (sar.ok && sar.concat) {
    const c = sar.concat;
    return { reference: c.reference, total: c.total, sequence: c.sequence, method: 'sar' };
  }
  return undefined;
}

export function createInboundHandler(deps: InboundHandlerDeps) {
  const now = deps.now ?? (() => new Date());

  async function onReceipt(pdu: InboundPdu, vendor: InboundVendor): Promise<number> {
    const parsed = receiptFromDeliverPdu(pdu, { defaultAlphabet: vendor.defaultAlphabet });
    if (!parsed.ok) {
      deps.observer.unusable(vendor.id);
      deps.logger.warn('receipt without a message id refused', {
        vendor_id: vendor.id,
        detail: parsed.detail,
      });
      return SmppStatus.ESME_RX_P_APPN;
    }
    const r = parsed.receipt;
    const vendorMessageId = r.messageId.slice(0, MAX_VENDOR_ID);
    const stat = r.stat ?? 'UNKNOWN';
    const arrival = now();
    const receivedAt = arrival.toISOString();
    // The receipt's digits are the vendor's wall clock: the instant they mean.
    const submitDate = r.submitDate && vendor.receiptTimeZone.toInstant(r.submitDate);
    let doneDate = r.doneDate && vendor.receiptTimeZone.toInstant(r.doneDate);
    // Nothing is done after we heard it was: capped at the arrival.
    if (doneDate && doneDate.getTime() > arrival.getTime()) {
      if (doneDate.getTime() - arrival.getTime() > RECEIPT_CLOCK_TOLERANCE_MS) {
        deps.observer.doneDateInFuture(vendor.id);
      }
      doneDate = arrival;
    }
    const message: ContractInput<'VendorReceipt'> = {
      v: 1,
      messageId: deps.newId(),
      occurredAt: receivedAt,
      vendorId: vendor.id,
      vendorMessageId,
      vendorMessageKey: normalizeMessageId(vendorMessageId, vendor.receiptMessageIdFormat).slice(
        0,
        MAX_KEY,
      ),
      stat,
      ...(pdu.tlvs.messageState !== undefined && r.stateSource === 'tlv'
        ? { messageState: pdu.tlvs.messageState }
        : {}),
      err: (r.err ?? '000').slice(0, 16),
      ...(r.networkError
        ? { networkErrorCode: `${r.networkError.networkType}:${r.networkError.errorCode}` }
        : {}),
      ...(submitDate ? { submitDate: submitDate.toISOString() } : {}),
      ...(doneDate ? { doneDate: doneDate.toISOString() } : {}),
      receivedAt,
      source: { addr: pdu.sourceAddr, ton: pdu.sourceAddrTon, npi: pdu.sourceAddrNpi },
      destination: { addr: pdu.destinationAddr, ton: pdu.destAddrTon, npi: pdu.destAddrNpi },
    };
    try {
      await deps.publisher.receipt(message);
    } catch (err) {
      if (err instanceof ContractValidationError) throw err;
      deps.observer.publishFailed(vendor.id, 'receipt');
      deps.logger.warn('receipt not confirmed by the broker, asking the vendor to resend', {
        vendor_id: vendor.id,
        err,
      });
      return SmppStatus.ESME_RX_T_APPN;
    }
    deps.observer.receipt(vendor.id, stat);
    return SmppStatus.ESME_ROK;
  }

  async function onMo(pdu: InboundPdu, vendor: InboundVendor): Promise<number> {
    const shortMessage = pdu.command === 'deliver_sm' ? pdu.shortMessage : Buffer.alloc(0);
    const concat = moConcat(pdu.esmClass, shortMessage, pdu.tlvs);
    const receivedAt = now().toISOString();
    const message: ContractInput<'MoReceived'> = {
      v: 1,
      messageId: deps.newId(),
      occurredAt: receivedAt,
      vendorId: vendor.id,
      source: { addr: pdu.sourceAddr, ton: pdu.sourceAddrTon, npi: pdu.sourceAddrNpi },
      destination: { addr: pdu.destinationAddr, ton: pdu.destAddrTon, npi: pdu.destAddrNpi },
      esmClass: pdu.esmClass,
      protocolId: pdu.command === 'deliver_sm' ? pdu.protocolId : 0,
      dataCoding: pdu.dataCoding,
      shortMessage: shortMessage.toString('base64'),
      ...(pdu.tlvs.messagePayload
        ? { messagePayload: pdu.tlvs.messagePayload.toString('base64') }
        : {}),
      ...(concat ? { concat } : {}),
      tlvs: forwardedTlvs(pdu.tlvs),
      receivedAt,
    };
    try {
      await deps.publisher.mo(message);
    } catch (err) {
      if (err instanceof ContractValidationError) throw err;
      deps.observer.publishFailed(vendor.id, 'mo');
      deps.logger.warn('MO not confirmed by the broker, asking the vendor to resend', {
        vendor_id: vendor.id,
        err,
      });
      return SmppStatus.ESME_RX_T_APPN;
    }
    deps.observer.mo(vendor.id);
    return SmppStatus.ESME_ROK;
  }

  /** Returns the command_status to answer the PDU with. Never throws. */
  return async function handleInbound(pdu: InboundPdu): Promise<number> {
    const vendor = deps.vendor();
    try {
      return receiptKindOf(pdu.esmClass) !== undefined
        ? await onReceipt(pdu, vendor)
        : await onMo(pdu, vendor);
    } catch (err) {
      // A contract violation (an address longer than the schema allows…) is
      // permanent for this PDU; resending would not change it.
      deps.logger.error('inbound PDU could not be turned into a message', {
        vendor_id: vendor.id,
        err,
      });
      deps.observer.unusable(vendor.id);
      return SmppStatus.ESME_RX_P_APPN;
    }
  };
}
