import type { z } from 'zod';
import {
  ControlCommand,
  CustomerDelivery,
  MoReceived,
  MtRouted,
  MtSubmitResult,
  MtSubmitted,
  VendorReceipt,
} from './messages/index.js';
import { safeParser } from './fast-parse.js';
import { EXCHANGES, QUEUES, vendorLane, type ExchangeName } from './topology.js';

interface CatalogEntry<S extends z.ZodType> {
  readonly schema: S;
  readonly exchange: ExchangeName;
  /** Routing key for one message; equals the destination queue's name. */
  readonly routingKey: (message: z.infer<S>) => string;
  readonly description: string;
}

function entry<S extends z.ZodType>(e: CatalogEntry<S>): CatalogEntry<S> {
  return e;
}

/**
 * Every contract, where it is published and which queue receives it. Adding a
 * message means adding it here; publishers and consumers are typed by these keys.
 */
export const catalog = {
  MtSubmitted: entry({
    schema: MtSubmitted,
    exchange: EXCHANGES.direct,
    routingKey: (m) => QUEUES.mt(m.priority),
    description: 'edge-server → router-worker: accepted customer submit_sm',
  }),
  MtRouted: entry({
    schema: MtRouted,
    exchange: EXCHANGES.direct,
    routingKey: (m) => vendorLane(m.vendorId, m.priority),
    description: 'router-worker → vendor-connector: MT with vendor and price',
  }),
  MtSubmitResult: entry({
    schema: MtSubmitResult,
    exchange: EXCHANGES.dlr,
    routingKey: () => QUEUES.events,
    description: 'vendor-connector/router-worker → dlr-tracker: submitted or failed',
  }),
  VendorReceipt: entry({
    schema: VendorReceipt,
    exchange: EXCHANGES.dlr,
    routingKey: () => QUEUES.receipts,
    description: 'vendor-connector → dlr-tracker: vendor delivery receipt',
  }),
  MoReceived: entry({
    schema: MoReceived,
    exchange: EXCHANGES.dlr,
    routingKey: () => QUEUES.mo,
    description: 'vendor-connector → router-worker: inbound message',
  }),
  CustomerDelivery: entry({
    schema: CustomerDelivery,
    exchange: EXCHANGES.dlr,
    routingKey: (m) => QUEUES.delivery(m.customerId),
    description: 'dlr-tracker/router-worker → edge-server: receipt or MO for a customer',
  }),
  ControlCommand: entry({
    schema: ControlCommand,
    exchange: EXCHANGES.control,
    routingKey: () => '',
    description: 'admin-api → every pod: reload/reconnect/invalidate',
  }),
} as const;

export type ContractName = keyof typeof catalog;
export type Contract<N extends ContractName> = z.infer<(typeof catalog)[N]['schema']>;
/** The parsed-input type (defaults may be omitted when publishing). */
export type ContractInput<N extends ContractName> = z.input<(typeof catalog)[N]['schema']>;
export const CONTRACT_NAMES = Object.keys(catalog) as ContractName[];

/** AMQP header naming the contract of a message body. */
export const CONTRACT_HEADER = 'x-contract';
/** AMQP header carrying the reason a message was dead-lettered by a consumer. */
export const DEAD_REASON_HEADER = 'x-dead-reason';

type AnySafeParse = (input: unknown) => z.ZodSafeParseResult<unknown>;
const parsers = new Map<ContractName, AnySafeParse>();

/**
 * `catalog[name].schema.safeParse(input)` with the allocation-free fast path
 * of fast-parse.ts: what publishers and consumers call on every message.
 */
export function safeParseContract<N extends ContractName>(
  name: N,
  input: unknown,
): z.ZodSafeParseResult<Contract<N>> {
  let parse = parsers.get(name);
  if (!parse) {
    parse = safeParser(catalog[name].schema);
    parsers.set(name, parse);
  }
  return parse(input) as z.ZodSafeParseResult<Contract<N>>;
}
