import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './repo';

export const K8S_DIR = path.join(ROOT, 'deploy', 'k8s');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The manifest files the kustomization applies (every YAML file of deploy/k8s but itself). */
export const k8sFiles = fs.readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');

/** Every object of those files, with the file it is in; a file that does not parse fails the suite. */
export const manifests: { file: string; object: Manifest }[] = k8sFiles.flatMap((file) =>
  parseAllDocuments(fs.readFileSync(path.join(K8S_DIR, file), 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return { file, object: doc.toJSON() as Manifest };
  }),
);

/** The object of that kind and name, typed as the caller reads it. */
export const findManifest = <T>(kind: string, name: string): T => {
  const found = manifests.find((m) => m.object.kind === kind && m.object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found.object as T;
};
