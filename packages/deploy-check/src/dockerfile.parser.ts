// A small Dockerfile reader: enough to check stages, ARGs, USER, CMD and
// EXPOSE. Handles comments, `\` continuations, parser directives and the
// JSON (exec) form; it does not evaluate RUN.

export interface DockerInstruction {
  readonly keyword: string;
  /** Arguments as written (continuations joined with a space). */
  readonly raw: string;
  /** The exec form's array, when the arguments are a JSON array of strings. */
  readonly exec?: readonly string[];
  readonly line: number;
}

export interface DockerStage {
  /** The stage's `AS` name, or its index when unnamed. */
  readonly name: string;
  /** The `FROM` image or stage reference, unexpanded (`cmd-${SERVICE}`). */
  readonly from: string;
  readonly instructions: readonly DockerInstruction[];
}

export interface ParsedDockerfile {
  /** ARGs before the first FROM, with their defaults. */
  readonly globalArgs: Record<string, string | undefined>;
  readonly stages: readonly DockerStage[];
}

function logicalLines(text: string): { text: string; line: number }[] {
  const lines = text.split(/\r?\n/u);
  const out: { text: string; line: number }[] = [];
  let current = '';
  let start = 0;
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    // Comment and empty lines inside a continuation are dropped by Docker as
    // well; outside one they carry nothing.
    if (trimmed.startsWith('#') || trimmed === '') return;
    if (current === '') start = index + 1;
    if (trimmed.endsWith('\\')) {
      current += `${trimmed.slice(0, -1).trim()} `;
      return;
    }
    current += trimmed;
    if (current.trim() !== '') out.push({ text: current.trim(), line: start });
    current = '';
  });
  if (current.trim() !== '') out.push({ text: current.trim(), line: start });
  return out;
}

function execForm(raw: string): string[] | undefined {
  if (!raw.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseArg(raw: string): [string, string | undefined] {
  const at = raw.indexOf('=');
  if (at < 0) return [raw.trim(), undefined];
  return [
    raw.slice(0, at).trim(),
    raw
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/u, '$1'),
  ];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const globalArgs: Record<string, string | undefined> = {};
  const stages: { name: string; from: string; instructions: DockerInstruction[] }[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const match = /^([A-Za-z]+)\s*(.*)$/su.exec(lineText);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const raw = (match[2] ?? '').trim();
    if (keyword === 'FROM') {
      const parts = raw.split(/\s+/u).filter((p) => !p.startsWith('--'));
      const asIndex = parts.findIndex((p) => p.toUpperCase() === 'AS');
      const from = parts[0] ?? '';
      const name = asIndex >= 0 ? (parts[asIndex + 1] ?? '') : String(stages.length);
      stages.push({ name, from, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage === undefined) {
      if (keyword === 'ARG') {
        const [name, value] = parseArg(raw);
        globalArgs[name] = value;
      }
      continue;
    }
    const exec = execForm(raw);
    stage.instructions.push({ keyword, raw, ...(exec ? { exec } : {}), line });
  }
  return { globalArgs, stages };
}

/** Replaces `${NAME}` / `$NAME` with the given values (unknown names stay). */
export function expandArgs(text: string, values: Record<string, string | undefined>): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/gu,
    (all, braced: string | undefined, bare: string | undefined) => {
      const value = values[braced ?? bare ?? ''];
      return value === undefined ? all : value;
    },
  );
}

/**
 * The stages a build goes through for the final (last) stage with these
 * build arguments: the last stage first, then the stage it is `FROM`, and so
 * on until an external image. Throws when a `FROM` names nothing that exists
 * and looks like a stage of this file (`cmd-…` with an unknown value).
 */
export function stageChain(
  dockerfile: ParsedDockerfile,
  buildArgs: Record<string, string>,
): DockerStage[] {
  const values = { ...dockerfile.globalArgs, ...buildArgs };
  const byName = new Map(dockerfile.stages.map((s) => [s.name, s]));
  const chain: DockerStage[] = [];
  let stage = dockerfile.stages[dockerfile.stages.length - 1];
  while (stage !== undefined) {
    if (chain.includes(stage)) throw new Error(`FROM cycle at stage ${stage.name}`);
    chain.push(stage);
    const from = expandArgs(stage.from, values);
    stage = byName.get(from);
  }
  return chain;
}

/**
 * The effective value of a per-stage setting (USER, CMD, ENTRYPOINT, WORKDIR,
 * STOPSIGNAL) of the final image: the last one along the chain.
 */
export function effectiveInstruction(
  chain: readonly DockerStage[],
  keyword: string,
): DockerInstruction | undefined {
  for (const stage of chain) {
    const found = stage.instructions.filter((i) => i.keyword === keyword);
    const last = found[found.length - 1];
    if (last !== undefined) return last;
  }
  return undefined;
}

/** Every EXPOSEd port along the chain (EXPOSE accumulates). */
export function exposedPorts(chain: readonly DockerStage[]): number[] {
  return chain
    .flatMap((s) => s.instructions.filter((i) => i.keyword === 'EXPOSE'))
    .flatMap((i) => i.raw.split(/\s+/u))
    .map((p) => Number(p.replace(/\/(tcp|udp)$/u, '')))
    .filter((p) => Number.isInteger(p));
}

/** The external image at the root of the chain, with build args expanded. */
export function baseImage(
  dockerfile: ParsedDockerfile,
  chain: readonly DockerStage[],
  buildArgs: Record<string, string>,
): string {
  const root = chain[chain.length - 1];
  return root === undefined
    ? ''
    : expandArgs(root.from, { ...dockerfile.globalArgs, ...buildArgs });
}
