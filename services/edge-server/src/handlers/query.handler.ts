// query_sm: the state the tracker keeps in Redis (then the CDR), reported as
// SMPP message_state. A customer only ever sees its own messages: someone
// else's id is answered exactly like an unknown one.
import { SmppStatus } from '@smpp-gateway/contracts';
import { formatSmppAbsoluteTime } from '@smpp-gateway/smpp';
import type { MessageStateRecord, MessageStatus } from '@smpp-gateway/message-state';
import { isMessageId } from '../domain/message-id.generator.js';

export interface QueryPorts {
  lookup(messageId: string): Promise<MessageStateRecord | undefined>;
}

export interface QueryAnswer {
  readonly commandStatus: number;
  readonly messageId: string;
  readonly finalDate: string;
  readonly messageState: number;
  readonly errorCode: number;
}

const STATE_OF: Readonly<Record<MessageStatus, number>> = {
  accepted: 1,
  routed: 1,
  submitted: 1,
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
  // Our own final failure (no route, 10DLC, vendors exhausted): never delivered.
  failed: 5,
};
/** Our failure because the validity period ended before it was sent. */
const EXPIRED_STATE = 3;

export async function handleQuery(
  messageId: string,
  customerId: string,
  ports: QueryPorts,
): Promise<QueryAnswer> {
  const none = { messageId, finalDate: '', messageState: 0, errorCode: 0 };
  if (!isMessageId(messageId)) return { ...none, commandStatus: SmppStatus.ESME_RINVMSGID };
  const record = await ports.lookup(messageId);
  if (!record || record.customerId !== customerId)
    return { ...none, commandStatus: SmppStatus.ESME_RQUERYFAIL };
  const messageState =
    record.status === 'failed' && record.failureReason === 'expired'
      ? EXPIRED_STATE
      : STATE_OF[record.status];
  const final = messageState !== 1;
  const err = record.err !== undefined && /^\d{1,3}$/.test(record.err) ? Number(record.err) : 0;
  return {
    commandStatus: SmppStatus.ESME_ROK,
    messageId,
    finalDate: final && record.doneAt ? formatSmppAbsoluteTime(new Date(record.doneAt)) : '',
    messageState,
    errorCode: err > 255 ? 0 : err,
  };
}
