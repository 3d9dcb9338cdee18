// What the benchmark scripts read about other processes from /proc (Linux),
// and where they write their results. Shared by bench.mjs, bench-pipeline.mjs,
// bench-broker.mjs and bench-cdr.mjs.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat reports ticks of 1/100 s.

/** User + system CPU of a process so far, in ms; undefined once it is gone. */
export function processCpuMs(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** Peak (VmHWM) and current (VmRSS) resident memory in bytes; undefined once it is gone. */
export function processMemory(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { hwmBytes: kb('VmHWM') * 1024, rssBytes: kb('VmRSS') * 1024 };
  } catch {
    return undefined;
  }
}

/** Every running process as { pid, comm, cmdline } (processes that end meanwhile are skipped). */
export function listProcesses() {
  const out = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      out.push({ pid: Number(entry), comm, cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Writes bench-results/<kind>-<at>.json at the workspace root; returns its path. */
export function writeBenchResults(kind, data, at = new Date()) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${kind}-${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
