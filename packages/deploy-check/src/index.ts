// Loaders and parsers for the deployment files (Dockerfile, compose,
// Kubernetes manifests, Grafana dashboard), used by this package's checks.
export {
  DEPLOY_PATHS,
  GATEWAY_SERVICES,
  IMAGE_SERVICES,
  WORKSPACE_ROOT,
} from './workspace.paths.js';
export type { GatewayService, ImageService } from './workspace.paths.js';
export { DeployFileError, loadYamlDocuments, loadYamlFile } from './yaml-documents.loader.js';
export {
  composeDependencies,
  composeEnvironment,
  composeMounts,
  composeService,
  healthcheckCommand,
  loadComposeFile,
  mountedHostPath,
  parseComposeDuration,
  portBindings,
  publishedPorts,
} from './compose.loader.js';
export type {
  ComposeFile,
  ComposeHealthcheck,
  ComposeMount,
  ComposeService,
  PortBinding,
} from './compose.loader.js';
export {
  loadManifests,
  manifestFiles,
  objectsOfKind,
  selectorMatches,
} from './k8s-manifest.loader.js';
export type { K8sObject, LoadedManifest } from './k8s-manifest.loader.js';
export {
  baseImage,
  effectiveInstruction,
  expandArgs,
  exposedPorts,
  parseDockerfile,
  stageChain,
} from './dockerfile.parser.js';
export type { DockerInstruction, DockerStage, ParsedDockerfile } from './dockerfile.parser.js';
export { groupingLabelsInExpr, metricNamesInExpr, selectorLabelsInExpr } from './promql.metrics.js';
export {
  promClientDefaultMetricNames,
  scanExportedMetrics,
  scanRegisteredMetrics,
  seriesIsRegistered,
} from './metric-registry.scan.js';
export type { ExportedMetric, MetricType, RegisteredMetric } from './metric-registry.scan.js';
export {
  dashboardExpressions,
  dashboardPanels,
  loadDashboard,
} from './grafana-dashboard.loader.js';
export type { Dashboard, DashboardPanel, DashboardTarget } from './grafana-dashboard.loader.js';
