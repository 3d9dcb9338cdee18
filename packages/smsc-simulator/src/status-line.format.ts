// The one-line status the CLI prints every few seconds: rates since the last
// line, totals since start.
import type { SimulatorStats } from './smsc.simulator.js';

export function formatStatusLine(
  previous: SimulatorStats | undefined,
  current: SimulatorStats,
): string {
  const seconds =
    previous === undefined
      ? current.uptimeMs / 1000
      : (current.uptimeMs - previous.uptimeMs) / 1000;
  const rate = (now: number, before: number | undefined): string =>
    seconds > 0 ? Math.round((now - (before ?? 0)) / seconds).toString() : '0';
  return [
    `binds=${current.binds.active}`,
    `submits/s=${rate(current.submits.received, previous?.submits.received)}`,
    `receipts/s=${rate(current.receipts.acked, previous?.receipts.acked)}`,
    `submits=${current.submits.received}`,
    `ok=${current.submits.ok}`,
    `throttled=${current.submits.throttled}`,
    `failed=${current.submits.failed}`,
    `receipts=${current.receipts.acked}/${current.receipts.generated}`,
    `queued=${current.receipts.queued}`,
    // Receipts never sent on purpose (NONE), so a short receipts= count reads as intended.
    `withheld=${current.receipts.withheld}`,
    `mo=${current.mo.acked}`,
  ].join(' ');
}
