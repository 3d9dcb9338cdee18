// Human-readable output: the live progress line and the end-of-run summary.
import type { LoadProgress, LoadReport } from './load.runner.js';

const ms = (value: number): string => value.toFixed(value < 10 ? 2 : 1);

export function formatProgressLine(progress: LoadProgress): string {
  return (
    `${(progress.elapsedMs / 1000).toFixed(1)}s sent=${progress.sent} acked=${progress.acked} ` +
    `rate=${Math.round(progress.rate)}/s receipts=${progress.receipts} p95=${ms(progress.respP95Ms)}ms`
  );
}

export function formatReportTable(report: LoadReport): string {
  const { submits, receipts, respLatencyMs: resp, receiptLatencyMs: dlr } = report;
  const errors = Object.entries(submits.errors)
    .map(([code, n]) => `${code}=${n}`)
    .join(' ');
  const rows: [string, string][] = [
    [
      'binds × window',
      `${report.settings.binds} × ${report.settings.windowSize} (${report.settings.bindMode})`,
    ],
    [
      'messages sent',
      `${report.messages.sent} (gsm7 ${report.messages.byKind.gsm7}, ucs2 ${report.messages.byKind.ucs2}, long ${report.messages.byKind.long})`,
    ],
    ['submits sent', String(submits.sent)],
    [
      'responses',
      `${submits.responses} (ok ${submits.ok}, throttled ${submits.throttled}${errors ? `, errors ${errors}` : ''})`,
    ],
    [
      'timeouts / failed',
      `${submits.timeouts} / closed ${submits.failed.closed}, nack ${submits.failed.generic_nack}, other ${submits.failed.other}`,
    ],
    [
      'throughput',
      `${Math.round(report.throughput.overall)}/s overall, ${Math.round(report.throughput.steady)}/s steady`,
    ],
    [
      'resp latency ms',
      `p50 ${ms(resp.p50)}  p95 ${ms(resp.p95)}  p99 ${ms(resp.p99)}  max ${ms(resp.max)}`,
    ],
    [
      'receipt latency ms',
      `p50 ${ms(dlr.p50)}  p95 ${ms(dlr.p95)}  p99 ${ms(dlr.p99)}  max ${ms(dlr.max)}`,
    ],
    [
      'receipts',
      `requested ${receipts.requested}, received ${receipts.received}, matched ${receipts.matched}, ` +
        `unmatched ${receipts.unmatched}, duplicates ${receipts.duplicates}, outstanding ${receipts.outstanding}`,
    ],
    ['MO received', String(report.mo.received)],
    ['disconnects', String(report.binds.disconnects)],
    [
      'generator process',
      `cpu ${report.process.cpuPercent.toFixed(0)}% of a core, peak rss ${(report.process.peakRssBytes / 1048576).toFixed(0)} MiB`,
    ],
    [
      'duration',
      `${(report.durationMs / 1000).toFixed(2)}s (sending ${(report.sendingMs / 1000).toFixed(2)}s)`,
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
