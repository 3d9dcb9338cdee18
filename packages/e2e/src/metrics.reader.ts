// Reads one series off the services' /metrics endpoints, for the tests and
// the fault runs (what a service did, as an operator's Prometheus sees it).
import type { ServiceProcess } from './service.process.js';

/**
 * The value of the first series named `name` whose labels contain `label`
 * (e.g. `vendor_id="…"`) on each process, 0 where it is not exported (yet)
 * or the process has no ops port.
 */
export async function metricValues(
  processes: readonly ServiceProcess[],
  name: string,
  label: string,
): Promise<number[]> {
  return Promise.all(
    processes.map(async (process) => {
      const port = process.ports?.ops;
      if (port === undefined) return 0;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    }),
  );
}

/** `metricValues` summed over the processes. */
export async function metricSum(
  processes: readonly ServiceProcess[],
  name: string,
  label: string,
): Promise<number> {
  return (await metricValues(processes, name, label)).reduce((a, b) => a + b, 0);
}
