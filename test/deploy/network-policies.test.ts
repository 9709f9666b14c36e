import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { ROOT, SERVICES, readRepoFile } from './repo';

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
}
interface Policy {
  metadata: { name: string };
  spec: { podSelector: Selector; policyTypes?: string[]; ingress?: { from?: Peer[]; ports?: { port?: unknown }[] }[] };
}
/** Who opens the connection: a pod's labels and its namespace's, and whether that is the saga's namespace. */
interface Source {
  pod: Labels;
  namespace: Labels;
  sameNamespace: boolean;
}

const DIR = path.join(ROOT, 'deploy', 'k8s');
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { metadata?: { labels?: Labels } } };
}
const read = (file: string): Manifest[] =>
  parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8')).map((d) => d.toJSON() as Manifest);
const policies = read('network-policies.yaml') as unknown as Policy[];
const podLabels = (service: string): Labels => {
  const labels = read(`${service}.yaml`).find((o) => o.kind === 'Deployment')?.spec?.template?.metadata?.labels;
  if (!labels) throw new Error(`no Deployment with pod labels in deploy/k8s/${service}.yaml`);
  return labels;
};

/** A label selector as the API server reads it: `{}` selects everything. */
const selects = (sel: Selector, labels: Labels): boolean =>
  Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (sel.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return (e.values ?? []).includes(labels[e.key] ?? '');
    if (e.operator === 'NotIn') return !(e.values ?? []).includes(labels[e.key] ?? '');
    if (e.operator === 'Exists') return e.key in labels;
    if (e.operator === 'DoesNotExist') return !(e.key in labels);
    throw new Error(`unknown operator ${e.operator}`);
  });

const peerMatches = (peer: Peer, from: Source): boolean => {
  // A podSelector alone means pods of the policy's own namespace.
  if (!peer.namespaceSelector && !from.sameNamespace) return false;
  if (peer.namespaceSelector && !selects(peer.namespaceSelector, from.namespace)) return false;
  return !peer.podSelector || selects(peer.podSelector, from.pod);
};

/** Whether the policies let `from` connect to `service`'s HTTP port (every container port is named `http`). */
function admits(service: string, from: Source): boolean {
  const target = podLabels(service);
  const governing = policies.filter(
    (p) => (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') && selects(p.spec.podSelector, target),
  );
  if (governing.length === 0) return true;
  return governing.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (!rule.ports?.length || rule.ports.some((port) => port.port === 'http')) &&
        (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, from))),
    ),
  );
}

const inNamespace = (service: string): Source => ({ pod: podLabels(service), namespace: {}, sameNamespace: true });
/** A pod of another team, elsewhere in the cluster. */
const stranger: Source = { pod: { app: 'storefront-admin' }, namespace: { team: 'other' }, sameNamespace: false };
/** A pod someone started in the saga's namespace (kubectl run), which is none of its services. */
const strayPod: Source = { pod: { run: 'debug' }, namespace: {}, sameNamespace: true };
/** Prometheus or a support tool, in a namespace the operator labelled. */
const observer: Source = {
  pod: { app: 'prometheus' },
  namespace: { 'checkout-saga/observe': 'true' },
  sameNamespace: false,
};

/** The services a service calls: the other services' `*_URL` settings its config reads. */
const calls = (service: string): string[] => {
  const config = path.join(ROOT, service, 'src', 'config.ts');
  const source = fs.existsSync(config) ? fs.readFileSync(config, 'utf8') : '';
  return SERVICES.filter((s) => s.urlVar && new RegExp(`\\b${s.urlVar}\\b`).test(source)).map((s) => s.name);
};
/** What a shop's page calls directly: the services that answer CORS. */
const PUBLIC = SERVICES.map((s) => s.name).filter((name) =>
  /cors:\s*true/.test(
    fs.existsSync(path.join(ROOT, name, 'src', 'main.ts')) ? readRepoFile(`${name}/src/main.ts`) : '',
  ),
);

describe('deploy/k8s network policies', () => {
  it('when applied with kustomize, then the policies are among its resources', () => {
    const kustomization = parse(readRepoFile('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    expect(kustomization.resources).toContain('network-policies.yaml');
  });

  it('when a pod of the namespace matches no other policy, then its ingress is denied', () => {
    const deny = policies.find((p) => p.metadata.name === 'default-deny-ingress');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('when the public services are listed, then they are the three that answer CORS', () => {
    expect(PUBLIC.sort()).toEqual(['checkout-service', 'inventory-cache-service', 'validation-service']);
  });

  it.each(SERVICES.flatMap((s) => calls(s.name).map((callee) => [s.name, callee] as const)))(
    'when %s calls %s (its *_URL setting), then that service admits it',
    (caller, callee) => {
      expect(admits(callee, inNamespace(caller))).toBe(true);
    },
  );

  describe.each(SERVICES.map((s) => s.name))('%s', (name) => {
    if (PUBLIC.includes(name)) {
      it('when anyone calls it (a shop page, another namespace), then it is admitted', () => {
        expect([admits(name, stranger), admits(name, strayPod)]).toEqual([true, true]);
      });
    } else {
      it('when a pod of another namespace or a stray pod of this one calls it, then it is refused', () => {
        expect([admits(name, stranger), admits(name, strayPod)]).toEqual([false, false]);
      });

      it('when a service that does not call it connects, then it is refused', () => {
        const callers = SERVICES.map((s) => s.name).filter((s) => calls(s).includes(name));
        const others = SERVICES.map((s) => s.name).filter((s) => s !== name && !callers.includes(s));
        expect(others.filter((s) => admits(name, inNamespace(s)))).toEqual([]);
      });
    }

    it('when Prometheus or a support tool calls it from a namespace labelled checkout-saga/observe=true, then it is admitted', () => {
      expect(admits(name, observer)).toBe(true);
    });
  });
});
