import { describe, expect, it } from 'vitest';
import {
  effectiveInstruction,
  expandArgs,
  exposedPorts,
  parseDockerfile,
  stageChain,
} from './dockerfile.parser.js';

const SAMPLE = `# syntax=docker/dockerfile:1.7
ARG BASE=node:20-bookworm-slim
ARG SERVICE=a

FROM \${BASE} AS runtime
RUN apt-get update \\
 # a comment inside a continuation
 && apt-get install -y tini

USER node
ENTRYPOINT ["/usr/bin/tini", "--"]

FROM runtime AS cmd-a
EXPOSE 1000 2000/tcp
CMD ["node", "a.js"]

FROM runtime AS cmd-b
USER root
CMD node b.js

FROM cmd-\${SERVICE} AS final
`;

describe('parseDockerfile', () => {
  const parsed = parseDockerfile(SAMPLE);

  it('reads global ARGs with defaults and every stage', () => {
    expect(parsed.globalArgs).toEqual({ BASE: 'node:20-bookworm-slim', SERVICE: 'a' });
    expect(parsed.stages.map((s) => [s.name, s.from])).toEqual([
      ['runtime', '${BASE}'],
      ['cmd-a', 'runtime'],
      ['cmd-b', 'runtime'],
      ['final', 'cmd-${SERVICE}'],
    ]);
  });

  it('joins continuations and drops comments inside them', () => {
    const run = parsed.stages[0]?.instructions.find((i) => i.keyword === 'RUN');
    expect(run?.raw).toBe('apt-get update && apt-get install -y tini');
  });

  it('follows FROM through stages chosen by a build argument', () => {
    const chainA = stageChain(parsed, {});
    expect(chainA.map((s) => s.name)).toEqual(['final', 'cmd-a', 'runtime']);
    expect(effectiveInstruction(chainA, 'CMD')?.exec).toEqual(['node', 'a.js']);
    expect(effectiveInstruction(chainA, 'USER')?.raw).toBe('node');
    expect(exposedPorts(chainA)).toEqual([1000, 2000]);

    const chainB = stageChain(parsed, { SERVICE: 'b' });
    expect(effectiveInstruction(chainB, 'USER')?.raw).toBe('root');
    expect(effectiveInstruction(chainB, 'CMD')?.exec).toBeUndefined();
  });

  it('stops at an external image when the argument names no stage', () => {
    const chain = stageChain(parsed, { SERVICE: 'missing' });
    expect(chain.map((s) => s.name)).toEqual(['final']);
  });

  it('expands ${X} and $X, leaving unknown names', () => {
    expect(expandArgs('cmd-${S}-$T-${U}', { S: 'x', T: 'y' })).toBe('cmd-x-y-${U}');
  });
});
