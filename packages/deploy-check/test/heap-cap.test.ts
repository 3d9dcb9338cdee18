// The V8 heap cap: V8 grows its heap lazily, so under a backlog a service's
// RSS goes far past the 256 MB target (vendor-connector ~600 MB, dlr-tracker
// ~390 MB) unless `--max-old-space-size` bounds it (≤ 241 MB RSS with 160).
// Every artifact must run every service with the cap, and every container
// limit must leave room above it: the checks resolve NODE_OPTIONS the way
// Docker, compose and the kubelet would (ENV along the stage chain,
// environment over env_file over the image, env over envFrom).
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  composeEnvironment,
  DEPLOY_PATHS,
  GATEWAY_SERVICES,
  IMAGE_SERVICES,
  loadComposeFile,
  loadManifests,
  objectsOfKind,
  parseDockerfile,
  stageChain,
  WORKSPACE_ROOT,
  type ComposeFile,
  type DockerStage,
  type K8sObject,
  type LoadedManifest,
  type ParsedDockerfile,
} from '../src/index.js';

/** The highest cap that still keeps RSS under the 256 MB target (measured: 160 → ≤ 241 MB). */
const MAX_HEAP_CAP_MIB = 192;
/**
 * The young generation's semi-space: 32 MiB cut vendor-connector's and
 * dlr-tracker's CPU by about a tenth under load (fewer scavenges, each
 * copying the same in-flight objects) for about 30 MB more RSS (peaks ≤ 208
 * MB). The others keep V8's default: edge-server and router-worker with 32
 * used ≈ 10 % less CPU under overload but were slower at 1 000 msg/s.
 */
const MAX_SEMI_SPACE_MIB = 32;
/** V8's own maximum semi-space on 64-bit when no flag sets it. */
const DEFAULT_SEMI_SPACE_MIB = 16;
/**
 * Each gateway service's heap flags, from the one file that `pnpm start`
 * (scripts/devstack.mjs) and the benchmark (scripts/bench-pipeline.mjs) also
 * read: the images, compose and the Deployments must run what they measured.
 */
const SERVICE_HEAP = (
  JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'scripts', 'service-heap.json'), 'utf8')) as {
    nodeOptions: Record<string, string>;
  }
).nodeOptions;
/** Room a container needs above the V8 heap (old space and young generation): code, buffers, native memory. */
const LIMIT_HEADROOM_MIB = 64;

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: {
    prefix?: string;
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }[];
  resources?: { limits?: Record<string, string> };
}
interface PodTemplate {
  spec: { containers: Container[] };
}

/**
 * A Dockerfile ENV's arguments as pairs: `KEY=value KEY2="a b"` (quotes and
 * backslash escapes as Docker reads them) or the legacy `KEY value`.
 */
function dockerEnvPairs(raw: string): [string, string][] {
  if (!/^[^\s=]+=/u.test(raw)) {
    const legacy = /^(\S+)\s+(.*)$/su.exec(raw);
    return legacy ? [[legacy[1]!, legacy[2]!]] : [];
  }
  const words: string[] = [];
  let word = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (ch === '\\' && i + 1 < raw.length) {
      i += 1;
      word += raw[i];
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (/\s/u.test(ch)) {
      if (word !== '') words.push(word);
      word = '';
    } else {
      word += ch;
    }
  }
  if (word !== '') words.push(word);
  return words.map((w) => {
    const at = w.indexOf('=');
    return at < 0 ? [w, ''] : [w.slice(0, at), w.slice(at + 1)];
  });
}

/** The environment an image built along this chain starts with (later ENVs win). */
function imageEnvironment(chain: readonly DockerStage[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const stage of [...chain].reverse()) {
    for (const i of stage.instructions) {
      if (i.keyword === 'ENV') for (const [k, v] of dockerEnvPairs(i.raw)) env[k] = v;
    }
  }
  return env;
}

/**
 * The old-space cap in MiB that node applies for this NODE_OPTIONS, or
 * undefined when it has none. Split as node splits it (spaces, double quotes
 * with backslash escapes); V8 takes the last occurrence and accepts `_` for `-`.
 */
function heapCapMiB(nodeOptions: string | undefined): number | undefined {
  return spaceFlagMiB(nodeOptions, 'old');
}

/** The young generation's semi-space size in MiB (`--max-semi-space-size`), as heapCapMiB reads the cap. */
function semiSpaceMiB(nodeOptions: string | undefined): number | undefined {
  return spaceFlagMiB(nodeOptions, 'semi');
}

function spaceFlagMiB(nodeOptions: string | undefined, space: 'old' | 'semi'): number | undefined {
  if (nodeOptions === undefined) return undefined;
  const args: string[] = [];
  let arg = '';
  let quoted = false;
  for (let i = 0; i < nodeOptions.length; i += 1) {
    const ch = nodeOptions[i]!;
    if (quoted && ch === '\\' && i + 1 < nodeOptions.length) {
      i += 1;
      arg += nodeOptions[i];
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === ' ') {
      if (arg !== '') args.push(arg);
      arg = '';
    } else {
      arg += ch;
    }
  }
  if (arg !== '') args.push(arg);
  const caps = args
    .map((a) => new RegExp(`^--max[-_]${space}[-_]space[-_]size=(\\d+)$`, 'u').exec(a)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  return caps[caps.length - 1];
}

/**
 * Checks the heap flags of one NODE_OPTIONS and returns the most memory V8
 * may then hold in its heap, in MiB: the old-space cap plus the young
 * generation (three semi-spaces: two for copying, one's worth for new large
 * objects).
 */
const expectCap = (nodeOptions: string | undefined, where: string): number => {
  const cap = heapCapMiB(nodeOptions);
  expect(
    cap,
    `${where}: NODE_OPTIONS=${nodeOptions ?? '(unset)'} has --max-old-space-size=`,
  ).toBeDefined();
  expect(cap!, `${where}: heap cap`).toBeGreaterThan(0);
  expect(cap!, `${where}: heap cap`).toBeLessThanOrEqual(MAX_HEAP_CAP_MIB);
  const semi = semiSpaceMiB(nodeOptions) ?? DEFAULT_SEMI_SPACE_MIB;
  expect(semi, `${where}: semi-space`).toBeGreaterThan(0);
  expect(semi, `${where}: semi-space`).toBeLessThanOrEqual(MAX_SEMI_SPACE_MIB);
  return cap! + 3 * semi;
};

/**
 * A gateway service runs with the heap cap and semi-space of
 * scripts/service-heap.json (vendor-connector and dlr-tracker: 32 MiB); the
 * other images with V8's default semi-space.
 */
const expectServiceHeap = (
  service: string,
  nodeOptions: string | null | undefined,
  where: string,
) => {
  const deployed = SERVICE_HEAP[service];
  expect(semiSpaceMiB(nodeOptions ?? undefined), `${where}: --max-semi-space-size`).toBe(
    deployed === undefined ? undefined : semiSpaceMiB(deployed),
  );
  if (deployed !== undefined) {
    expect(heapCapMiB(nodeOptions ?? undefined), `${where}: --max-old-space-size`).toBe(
      heapCapMiB(deployed),
    );
  }
};

/** A Kubernetes memory quantity (`256Mi`, `2Gi`, `512M`, `1e9`, bytes) in MiB. */
function quantityMiB(quantity: string | undefined): number | undefined {
  const match = /^(\d+(?:\.\d+)?(?:[eE]\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/u.exec(
    quantity?.trim() ?? '',
  );
  if (!match) return undefined;
  const factor: Record<string, number> = {
    '': 1,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
  };
  return (Number(match[1]) * factor[match[2] ?? '']!) / 2 ** 20;
}

/** compose `${VAR:-default}` → the default (what runs when .env does not set it). */
function withDefaults(text: string): string {
  return text.replace(/\$\{(\w+):?-([^}]*)\}/gu, '$2');
}

let dockerfile: ParsedDockerfile;
let compose: ComposeFile;
let manifests: LoadedManifest[];

/** The cap an image of this SERVICE starts with, before any runtime environment. */
const imageNodeOptions = (service: string): string | undefined =>
  imageEnvironment(stageChain(dockerfile, { SERVICE: service })).NODE_OPTIONS;

const podContainers = (o: K8sObject): Container[] =>
  (o.spec as { template: PodTemplate }).template.spec.containers;

/**
 * NODE_OPTIONS as the kubelet sets it for a container: envFrom sources in
 * order (with their prefix), then env entries over them. `null` when it comes
 * from somewhere these files cannot show (a Secret, the downward API).
 */
function containerNodeOptions(c: Container): string | null | undefined {
  const configMap = (name: string): Record<string, string> | undefined =>
    objectsOfKind(manifests, 'ConfigMap').find((m) => m.metadata.name === name)?.data;
  let value: string | null | undefined;
  for (const source of c.envFrom ?? []) {
    const prefix = source.prefix ?? '';
    if (source.configMapRef) {
      const data = configMap(source.configMapRef.name);
      if (data === undefined && source.configMapRef.optional !== true) {
        throw new Error(`${c.name}: envFrom ConfigMap ${source.configMapRef.name} missing`);
      }
      for (const [k, v] of Object.entries(data ?? {})) if (prefix + k === 'NODE_OPTIONS') value = v;
    }
    if (source.secretRef) {
      const secret = objectsOfKind(manifests, 'Secret').find(
        (s) => s.metadata.name === source.secretRef?.name,
      );
      const keys = Object.keys({ ...secret?.data, ...secret?.stringData });
      if (keys.some((k) => prefix + k === 'NODE_OPTIONS')) value = null;
    }
  }
  for (const e of c.env ?? []) {
    if (e.name !== 'NODE_OPTIONS') continue;
    const ref = e.valueFrom?.configMapKeyRef;
    if (e.value !== undefined) value = e.value;
    else if (ref) value = configMap(ref.name)?.[ref.key];
    else value = e.valueFrom === undefined ? '' : null;
  }
  return value;
}

beforeAll(async () => {
  dockerfile = parseDockerfile(await readFile(DEPLOY_PATHS.dockerfile, 'utf8'));
  compose = await loadComposeFile(DEPLOY_PATHS.compose);
  ({ manifests } = await loadManifests(DEPLOY_PATHS.k8sDir));
});

describe('V8 heap cap', () => {
  describe('Dockerfile', () => {
    it('sets NODE_OPTIONS with a heap cap of at most 192 MB in the runtime stage', () => {
      const runtime = dockerfile.stages.find((s) => s.name === 'runtime');
      expect(runtime, 'runtime stage').toBeDefined();
      expectCap(imageEnvironment([runtime!]).NODE_OPTIONS, 'runtime stage');
    });

    it.each(IMAGE_SERVICES)(
      'SERVICE=%s: the image starts with that cap (and its semi-space)',
      (service) => {
        expectCap(imageNodeOptions(service), `image ${service}`);
        expectServiceHeap(service, imageNodeOptions(service), `image ${service}`);
      },
    );
  });

  describe('k8s', () => {
    describe.each(GATEWAY_SERVICES)('%s', (name) => {
      it('gets the heap flags explicitly and a memory limit at least 64 MiB above the heap they allow', () => {
        const d = objectsOfKind(manifests, 'Deployment').find((o) => o.metadata.name === name);
        expect(d, `Deployment ${name}`).toBeDefined();
        for (const c of podContainers(d!)) {
          const where = `${name}/${c.name}`;
          const nodeOptions = containerNodeOptions(c);
          expect(
            nodeOptions,
            `${where}: NODE_OPTIONS resolvable from the manifests`,
          ).not.toBeNull();
          const heap = expectCap(nodeOptions ?? undefined, where);
          expectServiceHeap(name, nodeOptions, where);
          const limit = quantityMiB(c.resources?.limits?.memory);
          expect(limit, `${where}: memory limit ${c.resources?.limits?.memory}`).toBeDefined();
          expect(limit!, `${where}: memory limit (MiB)`).toBeGreaterThanOrEqual(256);
          expect(limit!, `${where}: memory limit (MiB)`).toBeGreaterThanOrEqual(
            heap + LIMIT_HEADROOM_MIB,
          );
        }
      });
    });

    it("gives the migration Job (the image's cap) a memory limit above it", () => {
      for (const job of objectsOfKind(manifests, 'Job')) {
        for (const c of podContainers(job)) {
          const where = `${job.metadata.name}/${c.name}`;
          const nodeOptions = containerNodeOptions(c);
          expect(nodeOptions, where).not.toBeNull();
          const heap = expectCap(nodeOptions ?? imageNodeOptions('db'), where);
          const limit = quantityMiB(c.resources?.limits?.memory);
          expect(limit, `${where}: memory limit`).toBeDefined();
          expect(limit!, where).toBeGreaterThanOrEqual(heap + LIMIT_HEADROOM_MIB);
        }
      }
    });
  });

  describe('docker-compose.yml', () => {
    it('runs every built service with the cap (no NODE_OPTIONS override without it)', async () => {
      const built = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
      expect(built.map(([name]) => name)).toEqual(expect.arrayContaining([...GATEWAY_SERVICES]));
      for (const [name, s] of built) {
        // environment wins over env_file, which wins over the image's ENV.
        let nodeOptions = imageNodeOptions(s.build?.args?.SERVICE ?? '');
        const envFile = (s as { env_file?: string | (string | { path: string })[] }).env_file;
        for (const file of [envFile ?? []].flat()) {
          const path = join(WORKSPACE_ROOT, typeof file === 'string' ? file : file.path);
          if (!existsSync(path)) continue;
          for (const line of (await readFile(path, 'utf8')).split('\n')) {
            const match = /^\s*NODE_OPTIONS\s*=\s*(.*?)\s*$/u.exec(line);
            if (match) nodeOptions = match[1]!.replace(/^(["'])(.*)\1$/u, '$2');
          }
        }
        const env = composeEnvironment(s);
        if ('NODE_OPTIONS' in env) nodeOptions = withDefaults(env.NODE_OPTIONS ?? '');
        expectCap(nodeOptions, `compose ${name}`);
        expectServiceHeap(s.build?.args?.SERVICE ?? name, nodeOptions, `compose ${name}`);
      }
    });
  });

  describe('scripts/service-heap.json', () => {
    it('names every gateway service, each within the bounds above', () => {
      expect(Object.keys(SERVICE_HEAP).sort()).toEqual([...GATEWAY_SERVICES].sort());
      for (const [service, nodeOptions] of Object.entries(SERVICE_HEAP)) {
        expectCap(nodeOptions, `service-heap.json ${service}`);
      }
    });
  });

  describe('the parsers these checks rely on', () => {
    it('reads NODE_OPTIONS as node does', () => {
      expect(heapCapMiB('--max-old-space-size=160')).toBe(160);
      expect(heapCapMiB('--enable-source-maps  --max_old_space_size=128')).toBe(128);
      expect(heapCapMiB('--max-old-space-size=512 --max-old-space-size=160')).toBe(160);
      expect(heapCapMiB('"--max-old-space-size=96"')).toBe(96);
      expect(heapCapMiB('--max-semi-space-size=16')).toBeUndefined();
      expect(heapCapMiB('--max-old-space-size')).toBeUndefined();
      expect(semiSpaceMiB('--max-old-space-size=160 --max_semi_space_size=32')).toBe(32);
      expect(semiSpaceMiB('--max-old-space-size=160')).toBeUndefined();
      expect(heapCapMiB('')).toBeUndefined();
      expect(heapCapMiB(undefined)).toBeUndefined();
    });

    it('reads Dockerfile ENV forms', () => {
      expect(dockerEnvPairs('NODE_OPTIONS="--a=1 --b=2" X=y')).toEqual([
        ['NODE_OPTIONS', '--a=1 --b=2'],
        ['X', 'y'],
      ]);
      expect(dockerEnvPairs("A='x y' B=z\\ w")).toEqual([
        ['A', 'x y'],
        ['B', 'z w'],
      ]);
      expect(dockerEnvPairs('NODE_OPTIONS --max-old-space-size=160')).toEqual([
        ['NODE_OPTIONS', '--max-old-space-size=160'],
      ]);
    });

    it('reads memory quantities in MiB', () => {
      expect(quantityMiB('256Mi')).toBe(256);
      expect(quantityMiB('2Gi')).toBe(2048);
      expect(quantityMiB('262144Ki')).toBe(256);
      expect(quantityMiB('268435456')).toBe(256);
      expect(quantityMiB('1e9')).toBeCloseTo(953.67, 1);
      expect(quantityMiB('500M')).toBeCloseTo(476.84, 1);
      expect(quantityMiB('lots')).toBeUndefined();
      expect(quantityMiB(undefined)).toBeUndefined();
    });
  });
});
