// Types for the parts of node-smpp 0.5.1 (CommonJS, untyped) this package
// touches. Production code does not import it (see pdu.schema.ts for why);
// the tests use it as an independent implementation: its command/TLV tables
// are checked against ours, and its client and server talk to our sessions.
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer } from 'node:net';

  export interface NodeSmppParamDef {
    readonly type: unknown;
    readonly default?: unknown;
  }

  export interface NodeSmppCommandDef {
    readonly id: number;
    readonly params?: Readonly<Record<string, NodeSmppParamDef>>;
  }

  export interface NodeSmppTlvDef {
    readonly id: number;
    readonly type: unknown;
    readonly multiple?: boolean;
  }

  /** A PDU as node-smpp represents it: header fields plus one property per parameter. */
  export interface NodeSmppPdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [parameter: string]: unknown;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): NodeSmppPdu;
    toBuffer(): Buffer;
  }

  export interface NodeSmppPduConstructor {
    new (command: string, options?: Record<string, unknown>): NodeSmppPdu;
    new (buffer: Buffer): NodeSmppPdu;
    maxLength: number;
  }

  type ResponseCallback = (pdu: NodeSmppPdu) => void;

  export interface NodeSmppSession extends EventEmitter {
    send(pdu: NodeSmppPdu, responseCallback?: ResponseCallback): boolean;
    bind_transceiver(
      options: Record<string, unknown>,
      responseCallback?: ResponseCallback,
    ): boolean;
    submit_sm(options: Record<string, unknown>, responseCallback?: ResponseCallback): boolean;
    deliver_sm(options: Record<string, unknown>, responseCallback?: ResponseCallback): boolean;
    enquire_link(options?: Record<string, unknown>, responseCallback?: ResponseCallback): boolean;
    unbind(options?: Record<string, unknown>, responseCallback?: ResponseCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface NodeSmppServer extends NetServer {
    sessions: NodeSmppSession[];
  }

  /**
   * Only a default import works: node-smpp fills module.exports in a loop, so
   * Node's CommonJS named-export detection finds nothing.
   */
  interface NodeSmpp {
    readonly commands: Readonly<Record<string, NodeSmppCommandDef>>;
    readonly tlvs: Readonly<Record<string, NodeSmppTlvDef>>;
    readonly PDU: NodeSmppPduConstructor;
    connect(options: { host: string; port: number }, listener?: () => void): NodeSmppSession;
    createServer(listener: (session: NodeSmppSession) => void): NodeSmppServer;
  }
  const smpp: NodeSmpp;
  export default smpp;
}
