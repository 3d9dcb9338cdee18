// Public surface of the SMPP codec: pure functions, no I/O. Text encodings,
// data_coding, segmentation/UDH, delivery receipts, vendor message ids.

export { TEXT_ALPHABETS, decodeDataCoding, unitForAlphabet } from './data-coding.decoder.js';
export type {
  Alphabet,
  DataCodingGroup,
  DataCodingInfo,
  DecodeDataCodingOptions,
  DefaultAlphabet,
  MessageClass,
  MessageWaitingIndication,
  SegmentUnit,
  TextAlphabet,
  UnsupportedCharset,
} from './data-coding.decoder.js';

export {
  GSM7_ESCAPE,
  GSM7_EXTENSION_CHARS,
  decodeGsm7,
  encodeGsm7,
  encodeGsm7Lossy,
  gsm7SeptetCount,
  gsm7Unencodable,
  isGsm7Encodable,
} from './gsm7.codec.js';
export type { EncodeResult, Gsm7DecodeResult, UnencodableChar } from './gsm7.codec.js';

export {
  decodeText,
  decodeTextAs,
  encodeText,
  isEncodable,
  unencodableChars,
} from './text.codec.js';
export type {
  DecodeFailureReason,
  DecodeTextOptions,
  DecodeTextResult,
  EncodeTextOptions,
} from './text.codec.js';

export { DataCoding, chooseEncoding } from './encoding.chooser.js';
export type {
  ChooseEncodingOptions,
  ChooseEncodingResult,
  ChosenEncoding,
} from './encoding.chooser.js';

export {
  MAX_MESSAGE_PAYLOAD,
  MAX_PARTS,
  countSegments,
  segmentLimits,
  splitMessage,
} from './segment.splitter.js';
export type {
  ConcatMethod,
  MessagePart,
  SegmentLimits,
  SplitFailureReason,
  SplitMethod,
  SplitOptions,
  SplitResult,
} from './segment.splitter.js';

export { UdhIei, concatInfoFromSar, parseUdh } from './udh.parser.js';
export type {
  ConcatInfo,
  InformationElement,
  PortAddressing,
  SarConcatResult,
  SarFields,
  SarTlvInput,
  UdhFailureReason,
  UdhParseResult,
} from './udh.parser.js';

export {
  MessageState,
  RECEIPT_STATS,
  isFinalState,
  stateForStat,
  statForState,
  toMessageState,
} from './message-state.js';
export type { MessageStateName, ReceiptStat } from './message-state.js';

export { formatReceiptDate, parseReceiptDate } from './receipt-date.codec.js';
export type { ReceiptDateDigits } from './receipt-date.codec.js';

export { RECEIPT_TEXT_CHARS, formatReceiptText, parseReceiptText } from './receipt-text.codec.js';
export type {
  FormatReceiptOptions,
  ParseReceiptResult,
  ParsedReceiptText,
  ReceiptTextFields,
} from './receipt-text.codec.js';

export {
  EsmClassMessageType,
  parseNetworkErrorCode,
  receiptFromPdu,
  receiptFromDeliverPdu,
  receiptKindOf,
} from './receipt-pdu.parser.js';
export type {
  DeliveryReceipt,
  NetworkErrorCodeFields,
  NetworkTypeName,
  ReceiptNetworkError,
  ReceiptFromPduOptions,
  ReceiptFromPduResult,
  ReceiptKind,
  ReceiptPduFields,
  DeliverPduLike,
} from './receipt-pdu.parser.js';

export {
  keysMeetingReadings,
  MESSAGE_ID_FORMATS,
  messageIdCandidates,
  messageIdKeys,
  normalizeMessageId,
} from './message-id.normalizer.js';
export type { MessageIdFormat } from './message-id.normalizer.js';

export { formatSmppAbsoluteTime, parseSmppTime, resolveSmppTime } from './smpp-time.codec.js';
export type { SmppTime } from './smpp-time.codec.js';
export {
  parseReceiptTimeZone,
  parseUtcOffsetMinutes,
  RECEIPT_CLOCK_TOLERANCE_MS,
  UTC_RECEIPT_TIME_ZONE,
} from './receipt-time-zone.js';
export type { ReceiptTimeZone, ReceiptTimeZoneResult } from './receipt-time-zone.js';
