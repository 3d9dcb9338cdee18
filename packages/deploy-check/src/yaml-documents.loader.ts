// YAML parsing that refuses what kubectl or compose would refuse, instead of
// quietly returning half a document: syntax errors, duplicate keys and
// unresolved aliases all throw, with the file name in the message.
import { readFile } from 'node:fs/promises';
import { parse, parseAllDocuments } from 'yaml';

export class DeployFileError extends Error {
  override readonly name = 'DeployFileError';
}

/** One document; `<<` merge keys resolved (compose files use them). */
export async function loadYamlFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return parse(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  } catch (error) {
    throw new DeployFileError(`${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Every non-empty document of a `---`-separated file. */
export async function loadYamlDocuments(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8');
  const documents = parseAllDocuments(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const values: unknown[] = [];
  for (const document of list) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) {
      throw new DeployFileError(`${path}: ${problems.map((p) => p.message).join('; ')}`);
    }
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}
