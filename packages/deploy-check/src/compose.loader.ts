// docker-compose.yml as data: the subset of the Compose specification the
// checks look at, typed loosely (a missing field is a finding, not a crash).
import { posix, resolve } from 'node:path';
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
    | string
    | {
        readonly host_ip?: string;
        readonly published?: string | number;
        readonly target?: number;
      }
  )[];
  readonly volumes?: readonly unknown[];
  readonly stop_grace_period?: string;
  readonly restart?: string;
  readonly profiles?: readonly string[];
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

/** The named service; throws (a failed check) when the file has none of that name. */
export function composeService(compose: ComposeFile, name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new DeployFileError(`compose service ${name} missing`);
  return found;
}

/** A healthcheck's `test` as one line, whether written as a string or a list. */
export function healthcheckCommand(service: ComposeService): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : String(test ?? '');
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

export interface PortBinding {
  /** The host address it is published on; undefined means every address. */
  readonly hostIp?: string;
  /** The host port; undefined when the container port is not published. */
  readonly published?: number;
  readonly target: number;
}

/** A service's `ports`, short (`[ip:]host:container[/proto]`) or long form. */
export function portBindings(service: ComposeService): PortBinding[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') {
      return {
        hostIp: port.host_ip,
        published: port.published === undefined ? undefined : Number(port.published),
        target: Number(port.target),
      };
    }
    const parts = String(port)
      .replace(/\/(tcp|udp)$/u, '')
      .split(':');
    const target = Number(parts[parts.length - 1]);
    if (parts.length < 2) return { target };
    return {
      hostIp: parts.length > 2 ? parts.slice(0, -2).join(':') : undefined,
      published: Number(parts[parts.length - 2]),
      target,
    };
  });
}

/** Host ports a service publishes (`[ip:]host:container[/proto]` or the long form). */
export function publishedPorts(service: ComposeService): number[] {
  return portBindings(service).flatMap((b) => (b.published === undefined ? [] : [b.published]));
}

export interface ComposeMount {
  /** A named volume, or a host path as written (relative to the compose file). */
  readonly source: string;
  readonly target: string;
  /** True for a host path (starts with `.`, `/` or `~`), false for a named volume. */
  readonly bind: boolean;
  readonly readOnly: boolean;
}

/** A service's `volumes`, short (`source:target[:mode]`) or long form; anonymous volumes skipped. */
export function composeMounts(service: ComposeService): ComposeMount[] {
  return (service.volumes ?? []).flatMap((volume): ComposeMount[] => {
    if (typeof volume === 'object' && volume !== null) {
      const long = volume as {
        type?: string;
        source?: string;
        target?: string;
        read_only?: boolean;
      };
      if (long.source === undefined || long.target === undefined) return [];
      return [
        {
          source: long.source,
          target: long.target,
          bind: long.type === 'bind',
          readOnly: long.read_only === true,
        },
      ];
    }
    const [source, target, mode] = String(volume).split(':');
    if (source === undefined || target === undefined) return [];
    return [
      {
        source,
        target,
        bind: /^[./~]/u.test(source),
        readOnly: (mode ?? '').split(',').includes('ro'),
      },
    ];
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

/**
 * Where `containerPath` comes from on the host: through the bind mount with
 * the longest target that is it or one of its parents, resolved against the
 * compose file's directory. Undefined when no bind mount covers it (a named
 * volume or the image's own file system).
 */
export function mountedHostPath(
  service: ComposeService,
  containerPath: string,
  composeDir: string,
): { path: string; readOnly: boolean } | undefined {
  const covering = composeMounts(service)
    .filter((m) => containerPath === m.target || containerPath.startsWith(`${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (covering === undefined || !covering.bind) return undefined;
  return {
    path: resolve(composeDir, covering.source, posix.relative(covering.target, containerPath)),
    readOnly: covering.readOnly,
  };
}
