#!/usr/bin/env node
// smsc-simulator command: start, print where it listens, print a status line
// every few seconds, stop cleanly on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parseSimulatorArgs, SIMULATOR_USAGE, SimulatorArgsError } from './simulator.args.js';
import { startSimulator, type SimulatorStats } from './smsc.simulator.js';
import { formatStatusLine } from './status-line.format.js';

async function main(): Promise<number> {
  let config;
  try {
    config = parseSimulatorArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof SimulatorArgsError) {
      process.stderr.write(`${error.message}\n\n${SIMULATOR_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    process.stdout.write(SIMULATOR_USAGE);
    return 0;
  }
  const tls =
    config.tlsCertPath !== undefined && config.tlsKeyPath !== undefined
      ? { cert: readFileSync(config.tlsCertPath), key: readFileSync(config.tlsKeyPath) }
      : undefined;
  const simulator = await startSimulator({ ...config.options, ...(tls ? { tls } : {}) });
  // One parseable line: scripts (the root bench) read the ports back from it.
  process.stdout.write(
    `smsc-simulator listening smpp=${simulator.address}:${simulator.port} control=${
      simulator.controlPort === null ? 'off' : `${simulator.address}:${simulator.controlPort}`
    } accounts=${simulator.options.accounts.map((a) => a.systemId).join(',')}\n`,
  );

  let previous: SimulatorStats | undefined;
  const timer =
    config.statusIntervalS > 0
      ? setInterval(() => {
          const current = simulator.stats();
          process.stdout.write(
            `${new Date().toISOString()} ${formatStatusLine(previous, current)}\n`,
          );
          previous = current;
        }, config.statusIntervalS * 1000)
      : undefined;

  await new Promise<void>((resolve) => {
    const onSignal = (): void => resolve();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  clearInterval(timer);
  await simulator.stop();
  process.stdout.write(
    `smsc-simulator stopped ${formatStatusLine(undefined, simulator.stats())}\n`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `smsc-simulator failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
