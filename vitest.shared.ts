// Shared vitest settings for every workspace package. The custom export
// condition makes workspace packages resolve to their TypeScript sources, so
// tests never need a prior build.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export const SOURCE_CONDITION = '@smpp-gateway/source';

/** Removes test databases/vhosts left by crashed runs (older than two hours). */
const SWEEP_SETUP = fileURLToPath(
  new URL('./packages/testkit/src/global-setup.ts', import.meta.url),
);

export function packageTestConfig(options: { globalSetup?: string[]; testTimeout?: number } = {}) {
  return defineConfig({
    // Vite replaces its default conditions when this is set, so restate them.
    resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
    ssr: {
      resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
    },
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      // Generous: CI shares two cores between the brokers and the tests; a
      // hung test still fails, just later.
      testTimeout: options.testTimeout ?? 60_000,
      hookTimeout: 60_000,
      globalSetup: [SWEEP_SETUP, ...(options.globalSetup ?? [])],
      // Integration files each create their own database/vhost; two workers
      // match the two cores without oversubscribing the shared brokers.
      pool: 'forks',
      maxWorkers: 2,
    },
  });
}
