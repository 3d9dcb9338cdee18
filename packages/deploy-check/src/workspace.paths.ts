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
