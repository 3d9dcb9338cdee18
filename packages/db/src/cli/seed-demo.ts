#!/usr/bin/env node
// `seed:demo`: the demo customer, vendor, route, number, campaign and rates.
// Never prints the vendor password; the demo customer's credentials are
// documented demo values and are printed so the operator can bind.
import { createDatabase, describeDatabaseUrl } from '../database.js';
import { DEMO, seedDemo } from '../demo.seed.js';
import { resolveVendorSecretKey } from '../secrets.js';
import { loadCliConfig, runCli } from './cli-runner.js';

await runCli('seed:demo', async ({ setDatabaseUrl }) => {
  const config = loadCliConfig(process.env);
  setDatabaseUrl(config.databaseUrl);
  const { key, usingDevKey } = resolveVendorSecretKey({
    VENDOR_SECRET_KEY: config.vendorSecretKey,
    NODE_ENV: config.nodeEnv,
  });
  if (usingDevKey) {
    console.warn(
      'seed:demo: WARNING using the public development VENDOR_SECRET_KEY (local demo only)',
    );
  }
  const db = createDatabase(config.databaseUrl.toString(), {
    poolMax: 1,
    applicationName: 'smpp-gateway-seed-demo',
  });
  try {
    const result = await seedDemo(db, key);
    console.log(`seed:demo: ${describeDatabaseUrl(config.databaseUrl)}`);
    for (const item of result.items) {
      console.log(`  ${item.created ? 'created ' : 'present '} ${item.what} (${item.id})`);
    }
    console.log(
      `  bind as system_id=${DEMO.customer.systemId} password=${DEMO.customer.password}; ` +
        `vendor ${DEMO.vendor.instanceName} → ${DEMO.vendor.host}:${DEMO.vendor.port}`,
    );
  } finally {
    await db.destroy();
  }
});
