// vitest globalSetup for every package: before a test run, remove databases
// and vhosts that crashed or killed runs left behind (only those older than
// two hours, so a concurrent run is never touched). A failure to sweep never
// fails the run.
import { sweepStaleTestResources } from './test-env.js';

export default async function sweepLeftovers(): Promise<void> {
  try {
    const swept = await sweepStaleTestResources();
    if (swept.databases + swept.vhosts > 0) {
      console.log(
        `testkit: removed ${swept.databases} stale databases, ${swept.vhosts} stale vhosts`,
      );
    }
  } catch (err) {
    console.warn(`testkit: could not sweep stale test resources: ${String(err)}`);
  }
}
