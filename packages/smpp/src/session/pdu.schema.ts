// The wire layout of every PDU we speak, as data. The codec walks these lists;
// the type helpers below make the compiler check each list against the body
// interface in pdu.types.ts (right names, right kinds, nothing missing), so a
// layout and its type cannot drift apart.
//
// Why not node-smpp's `defs`: its layout tables are fine, but its decoder runs
// filters that turn short_message/message_payload into text by data_coding and
// time fields into Dates (lossy, and relative times become absolute), and its
// C-string reader does not stop at the end of the PDU. Writing the tables
// from the specification costs less than working around that; a test checks
// the ids and field order against node-smpp's tables as an independent source.
import type { CommandName, PduBodies, Tlvs, TypedTlvKey } from './pdu.types.js';

/** command_id values, SMPP 3.4 section 5.1.2.1. */
export const CommandId = {
  generic_nack: 0x80000000,
  bind_receiver: 0x00000001,
  bind_receiver_resp: 0x80000001,
  bind_transmitter: 0x00000002,
  bind_transmitter_resp: 0x80000002,
  query_sm: 0x00000003,
  query_sm_resp: 0x80000003,
  submit_sm: 0x00000004,
  submit_sm_resp: 0x80000004,
  deliver_sm: 0x00000005,
  deliver_sm_resp: 0x80000005,
  unbind: 0x00000006,
  unbind_resp: 0x80000006,
  replace_sm: 0x00000007,
  replace_sm_resp: 0x80000007,
  cancel_sm: 0x00000008,
  cancel_sm_resp: 0x80000008,
  bind_transceiver: 0x00000009,
  bind_transceiver_resp: 0x80000009,
  outbind: 0x0000000b,
  enquire_link: 0x00000015,
  enquire_link_resp: 0x80000015,
  alert_notification: 0x00000102,
  data_sm: 0x00000103,
  data_sm_resp: 0x80000103,
} as const satisfies Record<CommandName, number>;

const COMMAND_BY_ID = new Map<number, CommandName>(
  (Object.entries(CommandId) as [CommandName, number][]).map(([name, id]) => [id, name]),
);

export function commandNameOf(commandId: number): CommandName | undefined {
  return COMMAND_BY_ID.get(commandId);
}

/** Bit 31 of command_id marks a response (section 5.1.2.1). */
export function isResponseId(commandId: number): boolean {
  return (commandId & 0x80000000) !== 0;
}

export const PDU_HEADER_SIZE = 16;

/**
 * u8: one octet. cstring: NUL-terminated octets, `max` counts the NUL as the
 * specification's size column does. shortMessage: sm_length octet, then that
 * many raw octets.
 */
export type FieldKind = 'u8' | 'cstring' | 'shortMessage';

type KindOf<T> = T extends Buffer ? 'shortMessage' : T extends string ? 'cstring' : 'u8';

type FieldFor<B> = {
  [K in keyof B & string]: { readonly key: K; readonly kind: KindOf<B[K]>; readonly max?: number };
}[keyof B & string];

export interface FieldSpec {
  readonly key: string;
  readonly kind: FieldKind;
  readonly max?: number;
}

/**
 * Identity at run time; at compile time rejects a layout with a wrong key or
 * kind, or one that leaves a field of B out.
 */
function layout<B>() {
  return <const L extends readonly FieldFor<B>[]>(
    fields: L & (Exclude<keyof B, L[number]['key']> extends never ? unknown : never),
  ): readonly FieldSpec[] => fields;
}

const BIND = layout<PduBodies['bind_transmitter']>()([
  { key: 'systemId', kind: 'cstring', max: 16 },
  { key: 'password', kind: 'cstring', max: 9 },
  { key: 'systemType', kind: 'cstring', max: 13 },
  { key: 'interfaceVersion', kind: 'u8' },
  { key: 'addrTon', kind: 'u8' },
  { key: 'addrNpi', kind: 'u8' },
  { key: 'addressRange', kind: 'cstring', max: 41 },
]);

const SYSTEM_ID = layout<PduBodies['bind_transmitter_resp']>()([
  { key: 'systemId', kind: 'cstring', max: 16 },
]);

const OUTBIND = layout<PduBodies['outbind']>()([
  { key: 'systemId', kind: 'cstring', max: 16 },
  { key: 'password', kind: 'cstring', max: 9 },
]);

const SHORT_MESSAGE = layout<PduBodies['submit_sm']>()([
  { key: 'serviceType', kind: 'cstring', max: 6 },
  { key: 'sourceAddrTon', kind: 'u8' },
  { key: 'sourceAddrNpi', kind: 'u8' },
  { key: 'sourceAddr', kind: 'cstring', max: 21 },
  { key: 'destAddrTon', kind: 'u8' },
  { key: 'destAddrNpi', kind: 'u8' },
  { key: 'destinationAddr', kind: 'cstring', max: 21 },
  { key: 'esmClass', kind: 'u8' },
  { key: 'protocolId', kind: 'u8' },
  { key: 'priorityFlag', kind: 'u8' },
  { key: 'scheduleDeliveryTime', kind: 'cstring', max: 17 },
  { key: 'validityPeriod', kind: 'cstring', max: 17 },
  { key: 'registeredDelivery', kind: 'u8' },
  { key: 'replaceIfPresentFlag', kind: 'u8' },
  { key: 'dataCoding', kind: 'u8' },
  { key: 'smDefaultMsgId', kind: 'u8' },
  { key: 'shortMessage', kind: 'shortMessage' },
]);

const MESSAGE_ID = layout<PduBodies['submit_sm_resp']>()([
  { key: 'messageId', kind: 'cstring', max: 65 },
]);

const DATA_SM = layout<PduBodies['data_sm']>()([
  { key: 'serviceType', kind: 'cstring', max: 6 },
  { key: 'sourceAddrTon', kind: 'u8' },
  { key: 'sourceAddrNpi', kind: 'u8' },
  { key: 'sourceAddr', kind: 'cstring', max: 65 },
  { key: 'destAddrTon', kind: 'u8' },
  { key: 'destAddrNpi', kind: 'u8' },
  { key: 'destinationAddr', kind: 'cstring', max: 65 },
  { key: 'esmClass', kind: 'u8' },
  { key: 'registeredDelivery', kind: 'u8' },
  { key: 'dataCoding', kind: 'u8' },
]);

const QUERY_SM = layout<PduBodies['query_sm']>()([
  { key: 'messageId', kind: 'cstring', max: 65 },
  { key: 'sourceAddrTon', kind: 'u8' },
  { key: 'sourceAddrNpi', kind: 'u8' },
  { key: 'sourceAddr', kind: 'cstring', max: 21 },
]);

const QUERY_SM_RESP = layout<PduBodies['query_sm_resp']>()([
  { key: 'messageId', kind: 'cstring', max: 65 },
  { key: 'finalDate', kind: 'cstring', max: 17 },
  { key: 'messageState', kind: 'u8' },
  { key: 'errorCode', kind: 'u8' },
]);

const CANCEL_SM = layout<PduBodies['cancel_sm']>()([
  { key: 'serviceType', kind: 'cstring', max: 6 },
  { key: 'messageId', kind: 'cstring', max: 65 },
  { key: 'sourceAddrTon', kind: 'u8' },
  { key: 'sourceAddrNpi', kind: 'u8' },
  { key: 'sourceAddr', kind: 'cstring', max: 21 },
  { key: 'destAddrTon', kind: 'u8' },
  { key: 'destAddrNpi', kind: 'u8' },
  { key: 'destinationAddr', kind: 'cstring', max: 21 },
]);

const REPLACE_SM = layout<PduBodies['replace_sm']>()([
  { key: 'messageId', kind: 'cstring', max: 65 },
  { key: 'sourceAddrTon', kind: 'u8' },
  { key: 'sourceAddrNpi', kind: 'u8' },
  { key: 'sourceAddr', kind: 'cstring', max: 21 },
  { key: 'scheduleDeliveryTime', kind: 'cstring', max: 17 },
  { key: 'validityPeriod', kind: 'cstring', max: 17 },
  { key: 'registeredDelivery', kind: 'u8' },
  { key: 'smDefaultMsgId', kind: 'u8' },
  { key: 'shortMessage', kind: 'shortMessage' },
]);

const ALERT_NOTIFICATION = layout<PduBodies['alert_notification']>()([
  { key: 'sourceAddrTon', kind: 'u8' },
  { key: 'sourceAddrNpi', kind: 'u8' },
  { key: 'sourceAddr', kind: 'cstring', max: 65 },
  { key: 'esmeAddrTon', kind: 'u8' },
  { key: 'esmeAddrNpi', kind: 'u8' },
  { key: 'esmeAddr', kind: 'cstring', max: 65 },
]);

const NONE: readonly FieldSpec[] = [];

export const PDU_LAYOUT: Readonly<Record<CommandName, readonly FieldSpec[]>> = {
  generic_nack: NONE,
  bind_receiver: BIND,
  bind_receiver_resp: SYSTEM_ID,
  bind_transmitter: BIND,
  bind_transmitter_resp: SYSTEM_ID,
  bind_transceiver: BIND,
  bind_transceiver_resp: SYSTEM_ID,
  outbind: OUTBIND,
  unbind: NONE,
  unbind_resp: NONE,
  submit_sm: SHORT_MESSAGE,
  submit_sm_resp: MESSAGE_ID,
  deliver_sm: SHORT_MESSAGE,
  deliver_sm_resp: MESSAGE_ID,
  data_sm: DATA_SM,
  data_sm_resp: MESSAGE_ID,
  query_sm: QUERY_SM,
  query_sm_resp: QUERY_SM_RESP,
  cancel_sm: CANCEL_SM,
  cancel_sm_resp: NONE,
  replace_sm: REPLACE_SM,
  replace_sm_resp: NONE,
  enquire_link: NONE,
  enquire_link_resp: NONE,
  alert_notification: ALERT_NOTIFICATION,
};

/** Value shapes of typed TLVs. `networkErrorCode` is 3 octets (section 5.3.2.31). */
export type TlvKind = 'u8' | 'u16' | 'u32' | 'cstring' | 'octets' | 'networkErrorCode';

type TlvKindOf<T> = T extends Buffer
  ? 'octets'
  : T extends string
    ? 'cstring'
    : T extends number
      ? 'u8' | 'u16' | 'u32'
      : 'networkErrorCode';

export interface TlvSpec {
  readonly key: TypedTlvKey;
  readonly tag: number;
  readonly kind: TlvKind;
}

/** Tags from SMPP 3.4 section 5.3.2; order here is the order encodePdu writes them in. */
export const TLV_SPECS = [
  { key: 'userMessageReference', tag: 0x0204, kind: 'u16' },
  { key: 'sourcePort', tag: 0x020a, kind: 'u16' },
  { key: 'destinationPort', tag: 0x020b, kind: 'u16' },
  { key: 'sarMsgRefNum', tag: 0x020c, kind: 'u16' },
  { key: 'sarTotalSegments', tag: 0x020e, kind: 'u8' },
  { key: 'sarSegmentSeqnum', tag: 0x020f, kind: 'u8' },
  { key: 'scInterfaceVersion', tag: 0x0210, kind: 'u8' },
  { key: 'payloadType', tag: 0x0019, kind: 'u8' },
  { key: 'receiptedMessageId', tag: 0x001e, kind: 'cstring' },
  { key: 'messageState', tag: 0x0427, kind: 'u8' },
  { key: 'networkErrorCode', tag: 0x0423, kind: 'networkErrorCode' },
  { key: 'additionalStatusInfoText', tag: 0x001d, kind: 'cstring' },
  { key: 'deliveryFailureReason', tag: 0x0425, kind: 'u8' },
  { key: 'moreMessagesToSend', tag: 0x0426, kind: 'u8' },
  { key: 'msAvailabilityStatus', tag: 0x0422, kind: 'u8' },
  { key: 'messagePayload', tag: 0x0424, kind: 'octets' },
] as const satisfies readonly {
  [K in TypedTlvKey]: { key: K; tag: number; kind: TlvKindOf<NonNullable<Tlvs[K]>> };
}[TypedTlvKey][];

// Every typed key must have exactly one spec; a new Tlvs field without one fails here.
type MissingTlvSpec = Exclude<TypedTlvKey, (typeof TLV_SPECS)[number]['key']>;
const _everyTlvHasSpec: MissingTlvSpec extends never ? true : never = true;
void _everyTlvHasSpec;

export const TLV_SPEC_BY_TAG = new Map<number, TlvSpec>(TLV_SPECS.map((spec) => [spec.tag, spec]));
