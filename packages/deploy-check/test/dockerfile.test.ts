// The root Dockerfile: every SERVICE value builds an image that starts the
// right entry point as a non-root user behind tini, from a pruned workspace.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  baseImage,
  DEPLOY_PATHS,
  effectiveInstruction,
  exposedPorts,
  IMAGE_SERVICES,
  parseDockerfile,
  stageChain,
  WORKSPACE_ROOT,
  type ImageService,
  type ParsedDockerfile,
} from '../src/index.js';

const EXPECTED: Record<
  ImageService,
  { dir: string; source: string; cmd: string[]; ports: number[] }
> = {
  'edge-server': {
    dir: 'services/edge-server',
    source: 'src/main.ts',
    cmd: ['node', 'dist/main.js'],
    ports: [2775, 2776, 9090],
  },
  'router-worker': {
    dir: 'services/router-worker',
    source: 'src/main.ts',
    cmd: ['node', 'dist/main.js'],
    ports: [9090],
  },
  'vendor-connector': {
    dir: 'services/vendor-connector',
    source: 'src/main.ts',
    cmd: ['node', 'dist/main.js'],
    ports: [9090],
  },
  'dlr-tracker': {
    dir: 'services/dlr-tracker',
    source: 'src/main.ts',
    cmd: ['node', 'dist/main.js'],
    ports: [9090],
  },
  'admin-api': {
    dir: 'services/admin-api',
    source: 'src/main.ts',
    cmd: ['node', 'dist/main.js'],
    ports: [8080],
  },
  'smsc-simulator': {
    dir: 'packages/smsc-simulator',
    source: 'src/cli.ts',
    cmd: ['node', 'dist/cli.js'],
    ports: [2777, 2778],
  },
  db: {
    dir: 'packages/db',
    source: 'src/cli/migrate.ts',
    cmd: ['node', 'dist/cli/migrate.js', 'up'],
    ports: [],
  },
};

let text: string;
let dockerfile: ParsedDockerfile;
let rootPackage: { packageManager?: string; devDependencies?: Record<string, string> };

beforeAll(async () => {
  text = await readFile(DEPLOY_PATHS.dockerfile, 'utf8');
  dockerfile = parseDockerfile(text);
  rootPackage = JSON.parse(
    await readFile(join(WORKSPACE_ROOT, 'package.json'), 'utf8'),
  ) as typeof rootPackage;
});

describe('Dockerfile', () => {
  describe.each(IMAGE_SERVICES)('SERVICE=%s', (service) => {
    const expected = EXPECTED[service];

    it('resolves to its own command stage', () => {
      const chain = stageChain(dockerfile, { SERVICE: service });
      expect(chain.map((s) => s.name)).toContain(`cmd-${service}`);
      expect(baseImage(dockerfile, chain, { SERVICE: service })).toBe('node:20-bookworm-slim');
    });

    it("starts the package's entry point, which exists in its sources and package", async () => {
      const chain = stageChain(dockerfile, { SERVICE: service });
      expect(effectiveInstruction(chain, 'CMD')?.exec).toEqual(expected.cmd);
      expect(existsSync(join(WORKSPACE_ROOT, expected.dir, expected.source))).toBe(true);
      const manifest = JSON.parse(
        await readFile(join(WORKSPACE_ROOT, expected.dir, 'package.json'), 'utf8'),
      ) as { name: string };
      expect(manifest.name).toBe(`@smpp-gateway/${service}`);
    });

    it('runs as a non-root user behind tini, with SIGTERM, in production mode', () => {
      const chain = stageChain(dockerfile, { SERVICE: service });
      const user = effectiveInstruction(chain, 'USER')?.raw;
      expect(user).toBeDefined();
      expect(user).not.toMatch(/^(root|0)(:|$)/u);
      expect(effectiveInstruction(chain, 'ENTRYPOINT')?.exec?.[0]).toMatch(/tini$/u);
      expect(effectiveInstruction(chain, 'STOPSIGNAL')?.raw).toBe('SIGTERM');
      const env = chain
        .flatMap((s) => s.instructions.filter((i) => i.keyword === 'ENV'))
        .map((i) => i.raw);
      expect(env.some((e) => /\bNODE_ENV=production\b/u.test(e))).toBe(true);
      // tini is installed in a stage of the image itself, not only in the builder.
      const runs = chain
        .flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN'))
        .map((i) => i.raw);
      expect(runs.some((r) => /apt-get install[^&]*\btini\b/u.test(r))).toBe(true);
    });

    it('exposes exactly its ports', () => {
      expect(exposedPorts(stageChain(dockerfile, { SERVICE: service })).sort()).toEqual(
        [...expected.ports].sort(),
      );
    });
  });

  it('refuses an unknown SERVICE in the pruner and has no stage for it', () => {
    const chain = stageChain(dockerfile, { SERVICE: 'bogus' });
    expect(chain.some((s) => s.name.startsWith('cmd-'))).toBe(false);
    const pruner = dockerfile.stages.find((s) => s.name === 'pruner');
    const guard = pruner?.instructions.find((i) => i.keyword === 'RUN' && i.raw.includes('case'));
    const listed = /case "\$\{SERVICE\}" in (\S+)\)/u.exec(guard?.raw ?? '')?.[1]?.split('|');
    expect(listed?.sort()).toEqual([...IMAGE_SERVICES].sort());
    expect(guard?.raw).toMatch(/exit 1/u);
  });

  it('prunes, installs from the frozen lockfile, builds and deploys with the pinned tools', () => {
    const pnpm = /^pnpm@(.+)$/u.exec(rootPackage.packageManager ?? '')?.[1];
    const turbo = rootPackage.devDependencies?.turbo;
    expect(pnpm).toBe('10.34.8');
    expect(text).toContain(`pnpm@${pnpm}`);
    expect(text).toContain(`turbo@${turbo}`);
    const runs = dockerfile.stages.flatMap((s) =>
      s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.raw),
    );
    expect(runs.some((r) => /turbo prune "@smpp-gateway\/\$\{SERVICE\}" --docker/u.test(r))).toBe(
      true,
    );
    expect(runs.some((r) => /pnpm install --frozen-lockfile/u.test(r))).toBe(true);
    expect(
      runs.some((r) => /turbo run build --filter="@smpp-gateway\/\$\{SERVICE\}\.\.\."/u.test(r)),
    ).toBe(true);
    // pnpm 10: deploy needs injected workspace packages (or --legacy).
    expect(
      runs.some(
        (r) => /deploy --prod/u.test(r) && /(inject-workspace-packages=true|--legacy)/u.test(r),
      ),
    ).toBe(true);
    // Every tsconfig extends the root base, which turbo prune does not copy.
    const builder = dockerfile.stages.find((s) => s.name === 'builder');
    expect(
      builder?.instructions.some(
        (i) => i.keyword === 'COPY' && i.raw.includes('tsconfig.base.json'),
      ),
    ).toBe(true);
    // The runtime takes only the deployed folder from the builder.
    const runtime = dockerfile.stages.find((s) => s.name === 'runtime');
    const copies =
      runtime?.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.raw) ?? [];
    expect(copies).toEqual([expect.stringMatching(/^--from=builder \/deploy\/ \.\/$/u)]);
  });

  it('labels images with OCI annotations', () => {
    const labels = dockerfile.stages
      .flatMap((s) => s.instructions.filter((i) => i.keyword === 'LABEL'))
      .map((i) => i.raw)
      .join(' ');
    for (const key of ['title', 'version', 'revision', 'source', 'licenses']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it('keeps build outputs, dependencies and local state out of the context', async () => {
    const ignored = (await readFile(DEPLOY_PATHS.dockerignore, 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const pattern of [
      '**/node_modules',
      '**/dist',
      '.git',
      '**/.turbo',
      'bench-results',
      '.run',
    ]) {
      expect(ignored).toContain(pattern);
    }
    // What the build needs must not be ignored.
    for (const needed of [
      'pnpm-lock.yaml',
      'tsconfig.base.json',
      'package.json',
      'pnpm-workspace.yaml',
    ]) {
      expect(ignored).not.toContain(needed);
    }
  });
});
