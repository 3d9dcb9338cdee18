// Pure validation of a customer's submit_sm / data_sm: addresses, flags, data
// coding, lengths, UDH / SAR / message_payload, segment count. Returns either
// the command_status to refuse with or everything needed to build MtSubmitted.
import {
  SmppStatus,
  type ConcatInfo as ContractConcat,
  type RawTlv as ContractTlv,
} from '@smpp-gateway/contracts';
import {
  concatInfoFromSar,
  countSegments,
  decodeDataCoding,
  parseSmppTime,
  parseUdh,
  segmentLimits,
  type ConcatInfo,
  type Tlvs,
} from '@smpp-gateway/smpp';
import { normalizeAddress, type Address, type AddressRules } from '../domain/address.normalizer.js';

/** The fields submit_sm and data_sm share; data_sm fills the ones it lacks with defaults. */
export interface SubmitInput {
  readonly serviceType: string;
  readonly sourceAddrTon: number;
  readonly sourceAddrNpi: number;
  readonly sourceAddr: string;
  readonly destAddrTon: number;
  readonly destAddrNpi: number;
  readonly destinationAddr: string;
  readonly esmClass: number;
  readonly protocolId: number;
  readonly priorityFlag: number;
  readonly scheduleDeliveryTime: string;
  readonly validityPeriod: string;
  readonly registeredDelivery: number;
  readonly replaceIfPresentFlag: number;
  readonly dataCoding: number;
  readonly shortMessage: Buffer;
  readonly tlvs: Tlvs;
}

export interface ValidSubmit {
  readonly source: Address;
  readonly destination: Address;
  readonly segments: number;
  readonly concat: ContractConcat | undefined;
  /** TLVs forwarded to the vendor unchanged (base64 values). */
  readonly tlvs: ContractTlv[];
}

export type ValidationResult =
  | ({ readonly ok: true } & ValidSubmit)
  | { readonly ok: false; readonly status: number; readonly reason: string };

const ESM_UDHI = 0x40;
/** esm_class message-type bits an ESME may submit: default, delivery ack, manual/user ack. */
const SUBMITTABLE_TYPES = new Set([0x00, 0x08, 0x10]);
const MAX_SEGMENTS = 255;

function refuse(status: number, reason: string): ValidationResult {
  return { ok: false, status, reason };
}

function concatOf(info: ConcatInfo, method: ContractConcat['method']): ContractConcat {
  return { reference: info.reference, total: info.total, sequence: info.sequence, method };
}

/**
 * TLVs we forward: the ones with meaning for the vendor. Receipt-only TLVs in a
 * submit (receipted_message_id, message_state, ...) are dropped; SAR and
 * message_payload travel in their own contract fields.
 */
function forwardedTlvs(tlvs: Tlvs): ContractTlv[] {
  const out: ContractTlv[] = [];
  const u16 = (tag: number, value: number | undefined) => {
    if (value === undefined) return;
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value);
    out.push({ tag, value: b.toString('base64') });
  };
  const u8 = (tag: number, value: number | undefined) => {
    if (value === undefined) return;
    out.push({ tag, value: Buffer.from([value]).toString('base64') });
  };
  u16(0x0204, tlvs.userMessageReference);
  u16(0x020a, tlvs.sourcePort);
  u16(0x020b, tlvs.destinationPort);
  u8(0x0019, tlvs.payloadType);
  u8(0x0426, tlvs.moreMessagesToSend);
  for (const raw of tlvs.other ?? [])
    out.push({ tag: raw.tag, value: raw.value.toString('base64') });
  return out;
}

export function validateSubmit(input: SubmitInput, rules: AddressRules): ValidationResult {
  const source = normalizeAddress(
    { addr: input.sourceAddr, ton: input.sourceAddrTon, npi: input.sourceAddrNpi },
    rules,
    'source',
  );
  if (!source.ok) return refuse(SmppStatus.ESME_RINVSRCADR, source.reason);
  const destination = normalizeAddress(
    { addr: input.destinationAddr, ton: input.destAddrTon, npi: input.destAddrNpi },
    rules,
    'destination',
  );
  if (!destination.ok) return refuse(SmppStatus.ESME_RINVDSTADR, destination.reason);

  if (!SUBMITTABLE_TYPES.has(input.esmClass & 0x3c)) {
    return refuse(
      SmppStatus.ESME_RINVESMCLASS,
      `esm_class 0x${input.esmClass.toString(16)} is not submittable`,
    );
  }
  if (input.priorityFlag > 3)
    return refuse(SmppStatus.ESME_RINVPRTFLG, 'priority_flag must be 0-3');
  if (input.registeredDelivery > 0x1f || (input.registeredDelivery & 0x03) === 0x03) {
    return refuse(SmppStatus.ESME_RINVREGDLVFLG, 'registered_delivery has reserved bits set');
  }
  if (input.replaceIfPresentFlag > 1)
    return refuse(SmppStatus.ESME_RINVREPFLAG, 'replace_if_present_flag must be 0 or 1');
  if (input.scheduleDeliveryTime !== '' && !parseSmppTime(input.scheduleDeliveryTime)) {
    return refuse(SmppStatus.ESME_RINVSCHED, 'schedule_delivery_time is not an SMPP time');
  }
  if (input.validityPeriod !== '' && !parseSmppTime(input.validityPeriod)) {
    return refuse(SmppStatus.ESME_RINVEXPIRY, 'validity_period is not an SMPP time');
  }

  const coding = decodeDataCoding(input.dataCoding);
  if (coding.charset === 'reserved') {
    return refuse(
      SmppStatus.ESME_RSUBMITFAIL,
      `data_coding 0x${input.dataCoding.toString(16)} is reserved`,
    );
  }
  const payload = input.tlvs.messagePayload;
  if (payload !== undefined && input.shortMessage.length > 0) {
    return refuse(
      SmppStatus.ESME_RINVMSGLEN,
      'short_message must be empty when message_payload is present',
    );
  }
  const body = payload ?? input.shortMessage;
  const unit = coding.unit;

  let concat: ContractConcat | undefined;
  let segments: number;
  if ((input.esmClass & ESM_UDHI) !== 0) {
    const udh = parseUdh(body);
    if (!udh.ok) return refuse(SmppStatus.ESME_RINVESMCLASS, `UDHI set but ${udh.detail}`);
    if (unit === 'ucs2' && udh.payload.length % 2 !== 0) {
      return refuse(SmppStatus.ESME_RINVMSGLEN, 'UCS2 user data has an odd length');
    }
    // A message that carries its own UDH is one SMS on the air: the header
    // plus the user data must fit 140 octets (GSM: 160 septets, header padded).
    const fits =
      unit === 'gsm7'
        ? Math.ceil((udh.headerLength * 8) / 7) + udh.payload.length <= 160
        : body.length <= 140;
    if (!fits) return refuse(SmppStatus.ESME_RINVMSGLEN, 'UDH message does not fit one SMS');
    segments = 1;
    if (udh.concat)
      concat = concatOf(udh.concat, udh.concat.referenceBits === 16 ? 'udh16' : 'udh8');
  } else {
    if (unit === 'ucs2' && body.length % 2 !== 0) {
      return refuse(SmppStatus.ESME_RINVMSGLEN, 'UCS2 message has an odd length');
    }
    const sar = concatInfoFromSar(input.tlvs);
    if (!sar.ok) return refuse(SmppStatus.ESME_RINVOPTPARAMVAL, sar.detail);
    if (sar.concat) {
      if (body.length > segmentLimits(unit, 'sar').perPart) {
        return refuse(SmppStatus.ESME_RINVMSGLEN, 'SAR part does not fit one SMS');
      }
      segments = 1;
      concat = concatOf(sar.concat, 'sar');
    } else {
      segments = countSegments(body, unit);
      if (segments > MAX_SEGMENTS) {
        return refuse(
          SmppStatus.ESME_RINVMSGLEN,
          `message needs ${segments} segments (max ${MAX_SEGMENTS})`,
        );
      }
    }
  }
  return {
    ok: true,
    source: source.address,
    destination: destination.address,
    segments,
    concat,
    tlvs: forwardedTlvs(input.tlvs),
  };
}
