// Reads one series off the services' /metrics endpoints, for the tests and
// the fault runs (what a service did, as an operator's Prometheus sees it).
import type { ServiceProcess } from './service.process.js';

/**
 * The value of the first series named `name` whose labels contain `label`
 * (e.g. `vendor_id="…"`; any series of that name without one) on each
 * process; 0 where it is not exported (yet), or the process is not running
 * or cannot answer (a replica being killed contributes nothing).
 */
export async function metricValues(
  processes: readonly ServiceProcess[],
  name: string,
  label = '',
): Promise<number[]> {
  return Promise.all(
    processes.map(async (process) => {
      const port = process.ports?.ops;
      if (port === undefined || !process.running) return 0;
      let text: string;
      try {
        text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      } catch {
        return 0;
      }
      // `name{service="…",…} 12` (every series carries the service label) or `name 12`.
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith(name) &&
            (l[name.length] === '{' || l[name.length] === ' ') &&
            l.includes(label),
        );
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    }),
  );
}

/** `metricValues` summed over the processes. */
export async function metricSum(
  processes: readonly ServiceProcess[],
  name: string,
  label = '',
): Promise<number> {
  return (await metricValues(processes, name, label)).reduce((a, b) => a + b, 0);
}
