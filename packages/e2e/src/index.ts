// Public surface of @smpp-gateway/e2e: the whole-gateway harness and the fault runs.
export {
  startGateway,
  workspaceRoot,
  type ConnectOptions,
  type GatewayStack,
  type QueueType,
  type StackOptions,
} from './stack.js';
export {
  SERVICE_NAMES,
  ServiceProcess,
  type LogLine,
  type ProcessExit,
  type ServiceName,
  type ServicePorts,
} from './service.process.js';
export type {
  CampaignSpec,
  CustomerSpec,
  GatewayFixture,
  NumberSpec,
  RouteSpec,
  StackCustomer,
  StackData,
  StackVendor,
  VendorSpec,
} from './stack.data.js';
export { metricSum, metricValues } from './metrics.reader.js';
export { CustomerClient, type CustomerConnectOptions, type InboundPdu } from './customer.client.js';
export {
  BROKER_WARNING,
  formatFaultReport,
  runFaults,
  type FaultRunOptions,
  type FaultRunReport,
  type PhaseReport,
} from './faults.js';
export {
  SteadyLoad,
  type ReceiptSeen,
  type SentMessage,
  type SteadyLoadOptions,
  type SubmitOutcome,
} from './steady.load.js';
