// Typed SMPP 3.4 PDUs. Field names are the specification's names in camelCase
// so a reader can map `destAddrTon` to section 4.4.1 without a lookup table.
// short_message and message_payload are always raw bytes: services forward
// them unchanged, and only the codec layer (segmentation, GSM 03.38, UCS2)
// ever turns them into text.

/** A TLV this package does not type, or a typed one whose length did not fit its type. */
export interface RawTlv {
  readonly tag: number;
  readonly value: Buffer;
}

/** network_error_code (0x0423): a network type octet and a 16-bit error code. */
export interface NetworkErrorCode {
  readonly networkType: number;
  readonly errorCode: number;
}

/**
 * Optional parameters. Typed ones get a field; every other TLV is carried in
 * `other` unchanged so a PDU can be forwarded without losing anything.
 * Encoding writes the typed ones in a fixed order, then `other` in order: the
 * specification lets TLVs appear in any order.
 */
export interface Tlvs {
  receiptedMessageId?: string;
  messageState?: number;
  networkErrorCode?: NetworkErrorCode;
  messagePayload?: Buffer;
  sarMsgRefNum?: number;
  sarTotalSegments?: number;
  sarSegmentSeqnum?: number;
  userMessageReference?: number;
  sourcePort?: number;
  destinationPort?: number;
  scInterfaceVersion?: number;
  payloadType?: number;
  additionalStatusInfoText?: string;
  msAvailabilityStatus?: number;
  deliveryFailureReason?: number;
  moreMessagesToSend?: number;
  other?: RawTlv[];
}
export type TypedTlvKey = Exclude<keyof Tlvs, 'other'>;

export interface BindBody {
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
  addrTon: number;
  addrNpi: number;
  addressRange: string;
}

export interface SystemIdBody {
  systemId: string;
}

export interface OutbindBody {
  systemId: string;
  password: string;
}

/** submit_sm and deliver_sm share one layout (sections 4.4.1 and 4.6.1). */
export interface ShortMessageBody {
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  protocolId: number;
  priorityFlag: number;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  replaceIfPresentFlag: number;
  dataCoding: number;
  smDefaultMsgId: number;
  /** Exactly the sm_length octets from the wire, UDH included when esm_class 0x40 is set. */
  shortMessage: Buffer;
}

export interface MessageIdBody {
  messageId: string;
}

export interface DataSmBody {
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
}

export interface QuerySmBody {
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
}

export interface QuerySmRespBody {
  messageId: string;
  finalDate: string;
  messageState: number;
  errorCode: number;
}

export interface CancelSmBody {
  serviceType: string;
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
}

export interface ReplaceSmBody {
  messageId: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  scheduleDeliveryTime: string;
  validityPeriod: string;
  registeredDelivery: number;
  smDefaultMsgId: number;
  shortMessage: Buffer;
}

export interface AlertNotificationBody {
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  esmeAddrTon: number;
  esmeAddrNpi: number;
  esmeAddr: string;
}

export type EmptyBody = Record<never, never>;

/** The mandatory body of every command this package speaks. */
export interface PduBodies {
  generic_nack: EmptyBody;
  bind_receiver: BindBody;
  bind_receiver_resp: SystemIdBody;
  bind_transmitter: BindBody;
  bind_transmitter_resp: SystemIdBody;
  bind_transceiver: BindBody;
  bind_transceiver_resp: SystemIdBody;
  outbind: OutbindBody;
  unbind: EmptyBody;
  unbind_resp: EmptyBody;
  submit_sm: ShortMessageBody;
  submit_sm_resp: MessageIdBody;
  deliver_sm: ShortMessageBody;
  deliver_sm_resp: MessageIdBody;
  data_sm: DataSmBody;
  data_sm_resp: MessageIdBody;
  query_sm: QuerySmBody;
  query_sm_resp: QuerySmRespBody;
  cancel_sm: CancelSmBody;
  cancel_sm_resp: EmptyBody;
  replace_sm: ReplaceSmBody;
  replace_sm_resp: EmptyBody;
  enquire_link: EmptyBody;
  enquire_link_resp: EmptyBody;
  alert_notification: AlertNotificationBody;
}
export type CommandName = keyof PduBodies;

/** Which response answers which request. outbind and alert_notification have none. */
export interface ResponseCommandFor {
  bind_receiver: 'bind_receiver_resp';
  bind_transmitter: 'bind_transmitter_resp';
  bind_transceiver: 'bind_transceiver_resp';
  unbind: 'unbind_resp';
  submit_sm: 'submit_sm_resp';
  deliver_sm: 'deliver_sm_resp';
  data_sm: 'data_sm_resp';
  query_sm: 'query_sm_resp';
  cancel_sm: 'cancel_sm_resp';
  replace_sm: 'replace_sm_resp';
  enquire_link: 'enquire_link_resp';
}
export type RequestCommand = keyof ResponseCommandFor;
export type ResponseCommand = ResponseCommandFor[RequestCommand];
/** Requests that expect no response at all (SMPP 3.4 sections 4.1.7 and 4.12). */
export type NotificationCommand = 'outbind' | 'alert_notification';
export type BindCommand = 'bind_receiver' | 'bind_transmitter' | 'bind_transceiver';

export interface PduHeaderFields {
  commandStatus: number;
  sequenceNumber: number;
  tlvs: Tlvs;
}

export type PduOf<C extends CommandName> = { command: C } & PduHeaderFields & PduBodies[C];

/** Any decoded PDU: narrow on `command`. */
export type Pdu = { [C in CommandName]: PduOf<C> }[CommandName];

/** What a caller supplies to build a PDU: every body field defaults (0, '' or empty bytes). */
export type PduInit<C extends CommandName> = { command: C } & Partial<PduHeaderFields> &
  Partial<PduBodies[C]>;

export type AnyPduInit = { [C in CommandName]: PduInit<C> }[CommandName];

/** The body of a response a handler returns; status defaults to ESME_ROK. */
export type ResponseInit<C extends ResponseCommand> = {
  commandStatus?: number;
  tlvs?: Tlvs;
} & Partial<PduBodies[C]>;
