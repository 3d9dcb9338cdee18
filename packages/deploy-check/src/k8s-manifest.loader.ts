// Kubernetes manifests as data: every document of every *.yaml under k8s/
// (not the Grafana folder), with the file it came from, plus typed lookups.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployFileError, loadYamlDocuments } from './yaml-documents.loader.js';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
  };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  readonly stringData?: Record<string, string>;
  readonly [key: string]: unknown;
}

export interface LoadedManifest {
  /** File name relative to the k8s directory. */
  readonly file: string;
  readonly object: K8sObject;
}

function isK8sObject(value: unknown): value is K8sObject {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const metadata = v.metadata as Record<string, unknown> | undefined;
  return (
    typeof v.apiVersion === 'string' &&
    typeof v.kind === 'string' &&
    typeof metadata === 'object' &&
    metadata !== null &&
    typeof metadata.name === 'string'
  );
}

/** The *.yaml / *.yml files directly in `dir`, sorted. */
export async function manifestFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/u.test(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Every object in the directory's YAML files. `kustomization.yaml` is the
 * kustomize configuration, not an object, and is returned separately.
 */
export async function loadManifests(
  dir: string,
): Promise<{ manifests: LoadedManifest[]; kustomization: Record<string, unknown> | undefined }> {
  const manifests: LoadedManifest[] = [];
  let kustomization: Record<string, unknown> | undefined;
  for (const file of await manifestFiles(dir)) {
    const documents = await loadYamlDocuments(join(dir, file));
    if (file === 'kustomization.yaml' || file === 'kustomization.yml') {
      kustomization = documents[0] as Record<string, unknown> | undefined;
      continue;
    }
    for (const document of documents) {
      if (!isK8sObject(document)) {
        throw new DeployFileError(`${file}: a document without apiVersion/kind/metadata.name`);
      }
      manifests.push({ file, object: document });
    }
  }
  return { manifests, kustomization };
}

export function objectsOfKind(manifests: readonly LoadedManifest[], kind: string): K8sObject[] {
  return manifests.filter((m) => m.object.kind === kind).map((m) => m.object);
}

/** True when every `selector` label is among `labels` with the same value. */
export function selectorMatches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
