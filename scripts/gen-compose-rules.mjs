// Writes deploy/monitoring/alerts.rules.yml, the rule file docker compose's
// Prometheus loads (profile `monitoring`), from k8s/prometheus-rules.yaml.
// The PrometheusRule stays the one place the alerts are written: its
// `spec.groups` is already a plain Prometheus rule file, so this copies that
// node as it is (comments and quoting included) under a top-level `groups`.
// The deploy-check tests fail when the committed file is not what this would
// write.
//
//   pnpm gen:compose-rules            # (re)write the file
//   pnpm gen:compose-rules --check    # exit 1 if the file is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// yaml is a dependency of packages/deploy-check, not of the workspace root.
const requireFromDeployCheck = createRequire(join(root, 'packages/deploy-check/package.json'));
const { Document, parseDocument } = requireFromDeployCheck('yaml');

const SOURCE = 'k8s/prometheus-rules.yaml';
const TARGET = 'deploy/monitoring/alerts.rules.yml';
const HEADER = [
  ` generated from ${SOURCE} by scripts/gen-compose-rules.mjs; do not edit.`,
  ' Change the PrometheusRule, then run `pnpm gen:compose-rules`.',
].join('\n');

/** The rule file's text for the PrometheusRule manifest `text`. */
function renderRuleFile(text) {
  const source = parseDocument(text, { uniqueKeys: true });
  const problems = [...source.errors, ...source.warnings];
  if (problems.length > 0) {
    throw new Error(`${SOURCE}: ${problems.map((p) => p.message).join('; ')}`);
  }
  if (source.get('kind') !== 'PrometheusRule') {
    throw new Error(`${SOURCE}: not a PrometheusRule (kind ${String(source.get('kind'))})`);
  }
  const groups = source.getIn(['spec', 'groups'], true);
  if (groups === undefined) throw new Error(`${SOURCE}: no spec.groups`);
  const out = new Document({});
  out.set('groups', groups);
  out.commentBefore = HEADER;
  // lineWidth 0: long expressions and descriptions stay on one line.
  return out.toString({ lineWidth: 0 });
}

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
const expected = renderRuleFile(readFileSync(join(root, SOURCE), 'utf8'));

if (values.check) {
  let current = '';
  try {
    current = readFileSync(join(root, TARGET), 'utf8');
  } catch {
    // A missing file is out of date too.
  }
  if (current !== expected) {
    console.error(`${TARGET} is not what ${SOURCE} generates: run \`pnpm gen:compose-rules\`.`);
    process.exit(1);
  }
  console.log(`${TARGET} is up to date`);
} else {
  writeFileSync(join(root, TARGET), expected);
  console.log(`wrote ${TARGET} from ${SOURCE}`);
}
