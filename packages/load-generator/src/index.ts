// Public surface of @smpp-gateway/load-generator: runLoad and its report.
export {
  runLoad,
  steadyRate,
  type LoadProgress,
  type LoadReport,
  type RunLoadHooks,
} from './load.runner.js';
export {
  BIND_MODES,
  LoadOptionsError,
  resolveLoadOptions,
  type BindMode,
  type LoadOptions,
  type ResolvedLoadOptions,
} from './load.options.js';
export { MESSAGE_KINDS, type MessageKind, type MessageMix } from './message.mix.js';
export {
  ADDRESS_ORDERS,
  parseAddressPattern,
  type AddressOrder,
  type AddressPattern,
} from './address.pattern.js';
export { LatencyHistogram, type LatencySummary } from './latency.histogram.js';
export type { ReceiptCounts } from './receipt.matcher.js';
export { formatProgressLine, formatReportTable } from './report.format.js';
