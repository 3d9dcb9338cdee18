// Where the deployment files live, from this package's own location, so the
// checks read the checkout they belong to whatever the working directory.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The workspace root (three levels above `packages/deploy-check/src`). */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const DEPLOY_PATHS = {
  dockerfile: join(WORKSPACE_ROOT, 'Dockerfile'),
  dockerignore: join(WORKSPACE_ROOT, '.dockerignore'),
  compose: join(WORKSPACE_ROOT, 'docker-compose.yml'),
  k8sDir: join(WORKSPACE_ROOT, 'k8s'),
  dashboard: join(WORKSPACE_ROOT, 'k8s', 'grafana', 'smpp-gateway-dashboard.json'),
  /** Prometheus and Grafana for compose's `monitoring` profile. */
  monitoringDir: join(WORKSPACE_ROOT, 'deploy', 'monitoring'),
  prometheusConfig: join(WORKSPACE_ROOT, 'deploy', 'monitoring', 'prometheus.yml'),
  /** Generated from k8s/prometheus-rules.yaml by scripts/gen-compose-rules.mjs. */
  composeRules: join(WORKSPACE_ROOT, 'deploy', 'monitoring', 'alerts.rules.yml'),
  composeRulesGenerator: join(WORKSPACE_ROOT, 'scripts', 'gen-compose-rules.mjs'),
} as const;

/** The deployables: each is a SERVICE value of the Dockerfile. */
export const GATEWAY_SERVICES = [
  'edge-server',
  'router-worker',
  'vendor-connector',
  'dlr-tracker',
  'admin-api',
] as const;
export type GatewayService = (typeof GATEWAY_SERVICES)[number];

export const IMAGE_SERVICES = [...GATEWAY_SERVICES, 'smsc-simulator', 'db'] as const;
export type ImageService = (typeof IMAGE_SERVICES)[number];
