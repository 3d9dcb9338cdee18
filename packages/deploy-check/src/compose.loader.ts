// docker-compose.yml as data: the subset of the Compose specification the
// checks look at, typed loosely (a missing field is a finding, not a crash).
import { DeployFileError, loadYamlFile } from './yaml-documents.loader.js';

export interface ComposeHealthcheck {
  readonly test?: string | readonly string[];
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly start_period?: string;
}

export interface ComposeDependency {
  readonly condition?: string;
}

export interface ComposeService {
  readonly image?: string;
  readonly build?: { readonly context?: string; readonly args?: Record<string, string> };
  readonly command?: string | readonly string[];
  readonly environment?: Record<string, string | number | boolean | null> | readonly string[];
  readonly healthcheck?: ComposeHealthcheck;
  readonly depends_on?: Record<string, ComposeDependency> | readonly string[];
  readonly ports?: readonly (
    string | { readonly published?: string | number; readonly target?: number }
  )[];
  readonly volumes?: readonly unknown[];
  readonly stop_grace_period?: string;
  readonly restart?: string;
}

export interface ComposeFile {
  readonly name?: string;
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

export async function loadComposeFile(path: string): Promise<ComposeFile> {
  const value = await loadYamlFile(path);
  if (typeof value !== 'object' || value === null || !('services' in value)) {
    throw new DeployFileError(`${path}: no top-level services`);
  }
  return value as ComposeFile;
}

/** `environment` as a map whether written as a map or as `KEY=value` lines. */
export function composeEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      (env as readonly string[]).map((line) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(env as Record<string, unknown>).map(([k, v]) => [
      k,
      v === null || v === undefined ? '' : String(v as string | number | boolean),
    ]),
  );
}

/** `depends_on` as service → condition (the short list form means service_started). */
export function composeDependencies(service: ComposeService): Record<string, string> {
  const deps = service.depends_on;
  if (deps === undefined) return {};
  if (Array.isArray(deps)) {
    return Object.fromEntries((deps as readonly string[]).map((d) => [d, 'service_started']));
  }
  return Object.fromEntries(
    Object.entries(deps as Record<string, ComposeDependency>).map(([k, v]) => [
      k,
      v.condition ?? 'service_started',
    ]),
  );
}

/** Host ports a service publishes (`[ip:]host:container[/proto]` or the long form). */
export function publishedPorts(service: ComposeService): number[] {
  return (service.ports ?? []).flatMap((port) => {
    if (typeof port === 'object') {
      return port.published === undefined ? [] : [Number(port.published)];
    }
    const parts = String(port)
      .replace(/\/(tcp|udp)$/u, '')
      .split(':');
    if (parts.length < 2) return [];
    return [Number(parts[parts.length - 2])];
  });
}

/**
 * Compose durations (`40s`, `1m30s`, `500ms`, `1h`) in milliseconds;
 * undefined when the text is not one.
 */
export function parseComposeDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  const pattern = /(\d+(?:\.\d+)?)(ms|us|h|m|s)/gu;
  let total = 0;
  let consumed = '';
  for (const match of text.trim().matchAll(pattern)) {
    const [all, amount, unit] = match;
    total += Number(amount) * (units[unit ?? ''] ?? Number.NaN);
    consumed += all;
  }
  return consumed.length > 0 && consumed === text.trim() && Number.isFinite(total)
    ? total
    : undefined;
}
