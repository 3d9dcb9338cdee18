// CustomerDelivery (from deliver.{customerId}) → the deliver_sm we send the
// customer. Receipts carry OUR message id three times over: in the text's id:,
// in receipted_message_id and implicitly in message_state's subject, so ESMEs
// that read only the text and ESMEs that read only the TLVs both match it.
// MO bytes are forwarded exactly as the vendor sent them.
import type { CustomerDelivery } from '@smpp-gateway/contracts';
import {
  encodeGsm7Lossy,
  formatReceiptText,
  MessageState,
  stateForStat,
  type NetworkErrorCode,
  type PduInit,
  type RawTlv,
} from '@smpp-gateway/smpp';

const ESM_CLASS_RECEIPT = 0x04;

/**
 * network_error_code travels as text: `type:code` in decimal (what the
 * vendor-connector writes, e.g. "3:1" for GSM cause 1) or the TLV's six hex
 * digits ("030001"). Anything else is left out rather than guessed.
 */
export function parseNetworkErrorText(text: string | undefined): NetworkErrorCode | undefined {
  if (text === undefined) return undefined;
  const decimal = /^(\d{1,3}):(\d{1,5})$/.exec(text.trim());
  let networkType: number;
  let errorCode: number;
  if (decimal?.[1] && decimal[2]) {
    networkType = Number(decimal[1]);
    errorCode = Number(decimal[2]);
  } else if (/^[0-9a-f]{6}$/i.test(text.trim())) {
    const value = Number.parseInt(text.trim(), 16);
    networkType = value >> 16;
    errorCode = value & 0xffff;
  } else {
    return undefined;
  }
  if (networkType > 0xff || errorCode > 0xffff) return undefined;
  return { networkType, errorCode };
}

/** Receipt text must be plain ASCII: parsers split on spaces and read it as IA5/GSM. */
function asciiPreview(text: string): string {
  return text.replace(/[^\x21-\x7e ]/g, '?');
}

function receiptErr(err: string): number | string {
  const trimmed = err.trim();
  if (trimmed === '') return 0;
  if (/^\d{1,3}$/.test(trimmed)) return Number(trimmed);
  return trimmed.replace(/\s+/g, '_');
}

export function buildDeliverSm(message: CustomerDelivery): PduInit<'deliver_sm'> {
  const delivery = message.delivery;
  switch (delivery.kind) {
    case 'receipt': {
      const text = formatReceiptText({
        id: delivery.receiptedMessageId,
        submitDate: new Date(delivery.submitDate),
        doneDate: new Date(delivery.doneDate),
        stat: delivery.stat,
        err: receiptErr(delivery.err),
        text: asciiPreview(delivery.textPreview),
      });
      const networkErrorCode = parseNetworkErrorText(delivery.networkErrorCode);
      return {
        command: 'deliver_sm',
        sourceAddrTon: delivery.source.ton,
        sourceAddrNpi: delivery.source.npi,
        sourceAddr: delivery.source.addr,
        destAddrTon: delivery.destination.ton,
        destAddrNpi: delivery.destination.npi,
        destinationAddr: delivery.destination.addr,
        esmClass: ESM_CLASS_RECEIPT,
        // data_coding 0 is GSM 03.38 in this gateway (and for our own
        // receipt parser): encode the text as such. The receipt's keywords,
        // digits and ids are the same bytes in GSM and ASCII.
        dataCoding: 0,
        shortMessage: encodeGsm7Lossy(text, '?'),
        tlvs: {
          receiptedMessageId: delivery.receiptedMessageId,
          messageState: stateForStat(delivery.stat) ?? MessageState.UNKNOWN,
          ...(networkErrorCode ? { networkErrorCode } : {}),
        },
      };
    }
    case 'mo': {
      const other: RawTlv[] = delivery.tlvs.map((tlv) => ({
        tag: tlv.tag,
        value: Buffer.from(tlv.value, 'base64'),
      }));
      return {
        command: 'deliver_sm',
        sourceAddrTon: delivery.source.ton,
        sourceAddrNpi: delivery.source.npi,
        sourceAddr: delivery.source.addr,
        destAddrTon: delivery.destination.ton,
        destAddrNpi: delivery.destination.npi,
        destinationAddr: delivery.destination.addr,
        // Message type bits cleared: an MO must never look like a receipt.
        esmClass: delivery.esmClass & ~0x3c,
        protocolId: delivery.protocolId,
        dataCoding: delivery.dataCoding,
        shortMessage:
          delivery.messagePayload === undefined
            ? Buffer.from(delivery.shortMessage, 'base64')
            : Buffer.alloc(0),
        tlvs: {
          ...(delivery.messagePayload !== undefined
            ? { messagePayload: Buffer.from(delivery.messagePayload, 'base64') }
            : {}),
          ...(other.length > 0 ? { other } : {}),
        },
      };
    }
  }
}

/** Label for metrics: receipts have no vendor in the contract, MO does. */
export function deliveryLabels(message: CustomerDelivery): {
  kind: 'receipt' | 'mo';
  vendorId: string;
} {
  return message.delivery.kind === 'mo'
    ? { kind: 'mo', vendorId: message.delivery.vendorId }
    : { kind: 'receipt', vendorId: 'none' };
}
