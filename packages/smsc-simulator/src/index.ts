// Public surface of @smpp-gateway/smsc-simulator: a stand-in carrier for
// tests, demos and benchmarks.
export {
  startSimulator,
  type MoResult,
  type Simulator,
  type SimulatorAccountStatus,
  type SimulatorStats,
} from './smsc.simulator.js';
export {
  resolveSimulatorOptions,
  SIMULATOR_DEFAULTS,
  SimulatorOptionsError,
  type ResolvedSimulatorOptions,
  type SimulatorAccount,
  type SimulatorOptions,
} from './simulator.options.js';
export { SIM_MESSAGE_ID_FORMATS, type SimMessageIdFormat } from './message-id.generator.js';
export {
  DEFAULT_ERR,
  NO_RECEIPT,
  parseReceiptPercentages,
  parseReceiptRule,
  RECEIPT_OUTCOMES,
  SIM_RECEIPT_STATS,
  type ReceiptOutcome,
  type ReceiptPercentages,
  type ReceiptRule,
  type SimReceiptStat,
} from './receipt-outcome.rules.js';
export {
  NO_FAULTS,
  type FaultSettings,
  type FaultState,
  type FaultUpdate,
} from './fault.injector.js';
export type { MoMessage } from './mo.builder.js';
export type { PduRecord, PduRecordQuery, PduRecordRing, RecordedPdu } from './pdu-record.ring.js';
export { recordToJson } from './control.server.js';
export { parseSimulatorArgs, SIMULATOR_USAGE, type SimulatorCliConfig } from './simulator.args.js';
export { formatStatusLine } from './status-line.format.js';
