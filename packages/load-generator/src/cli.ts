#!/usr/bin/env node
// smpp-load command: run, show a live progress line, print the summary,
// optionally write the JSON report. Ctrl-C stops sending and still reports.
import { writeFileSync } from 'node:fs';
import { LoadArgsError, LOAD_USAGE, parseLoadArgs } from './load.args.js';
import { LoadOptionsError } from './load.options.js';
import { runLoad } from './load.runner.js';
import { formatProgressLine, formatReportTable } from './report.format.js';

async function main(): Promise<number> {
  let config;
  try {
    config = parseLoadArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof LoadArgsError) {
      process.stderr.write(`${error.message}\n\n${LOAD_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(LOAD_USAGE);
    return 0;
  }
  const showProgress = config.progress || process.stderr.isTTY;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  let report;
  try {
    report = await runLoad(
      { ...config.options, signal: abort.signal },
      showProgress
        ? {
            onProgress: (progress) =>
              process.stderr.write(`\r${formatProgressLine(progress)}\x1b[K`),
          }
        : {},
    );
  } catch (error) {
    if (error instanceof LoadOptionsError) {
      process.stderr.write(`${error.problems.join('\n')}\n`);
      return 2;
    }
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    if (showProgress) process.stderr.write('\n');
  }
  if (config.out !== undefined) writeFileSync(config.out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    config.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReportTable(report)}\n`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `smpp-load failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
