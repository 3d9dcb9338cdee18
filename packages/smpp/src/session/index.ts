// Public surface of the SMPP session layer: typed PDUs and their codec,
// sessions with window/timeouts/liveness, and the client/server entry points.
export { SmppStatus, describeSmppStatus, type SmppStatusKey } from './smpp-status.js';
export type * from './pdu.types.js';
export { CommandId, commandNameOf, isResponseId } from './pdu.schema.js';
export {
  createPdu,
  decodePdu,
  encodePdu,
  SMPP_VERSION_34,
  type PduDecodeError,
  type PduDecodeErrorKind,
  type PduDecodeResult,
} from './pdu.codec.js';
export {
  SmppBindError,
  SmppConnectError,
  SmppConnectionClosedError,
  SmppEncodeError,
  SmppError,
  SmppGenericNackError,
  SmppOptionsError,
  SmppProtocolError,
  SmppQueueFullError,
  SmppTimeoutError,
  type CloseReason,
  type SmppErrorCode,
} from './session.errors.js';
export {
  resolveSessionOptions,
  SESSION_DEFAULTS,
  type RequestOutcome,
  type ResolvedSessionOptions,
  type SessionIssue,
  type SessionMetrics,
  type SmppSessionOptions,
} from './session.options.js';
export {
  SmppSession,
  type ApplicationRequest,
  type BindAuthorizer,
  type BindInfo,
  type BindType,
  type ClientBindParams,
  type CloseInfo,
  type HandledCommand,
  type RequestHandler,
  type RequestHandlers,
  type RequestOptions,
  type SessionRole,
  type SessionState,
  type SmppSessionEvents,
  type SmppSessionInit,
} from './smpp.session.js';
export { connectSmpp, type ConnectSmppOptions } from './smpp.client.js';
export {
  createSmppServer,
  type OnSmppSession,
  type SmppServer,
  type SmppServerOptions,
} from './smpp.server.js';
