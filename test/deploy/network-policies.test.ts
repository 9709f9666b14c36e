import { parse } from 'yaml';
import { findManifest, manifests } from './k8s-manifests';
import { SERVICES, readRepoFile, serviceSource } from './repo';

type Labels = Record<string, string>;
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
}
interface PolicyPort {
  port?: number | string;
  endPort?: number;
  protocol?: string;
}
interface Policy {
  metadata: { name: string };
  spec: { podSelector: Selector; policyTypes?: string[]; ingress?: { from?: Peer[]; ports?: PolicyPort[] }[] };
}
/** What a connection reaches: a pod's labels and the container port it connects to. */
interface Target {
  labels: Labels;
  port: { name?: string; containerPort: number; protocol?: string };
}
interface PodTemplate {
  metadata?: { labels?: Labels };
  spec?: { containers?: { ports?: Target['port'][] }[] };
}
/** Who opens the connection: a pod's labels and its namespace's, and whether that is the saga's namespace. */
interface Source {
  pod: Labels;
  namespace: Labels;
  sameNamespace: boolean;
}

const policies = manifests.filter((m) => m.object.kind === 'NetworkPolicy').map((m) => m.object as unknown as Policy);
/** A service's pods and the one port its container serves, as its Deployment declares them. */
const serviceTarget = (service: string): Target => {
  const { template } = findManifest<{ spec?: { template?: PodTemplate } }>('Deployment', service).spec ?? {};
  const labels = template?.metadata?.labels;
  const port = template?.spec?.containers?.[0]?.ports?.[0];
  if (!labels || !port) throw new Error(`no Deployment with pod labels and a port in deploy/k8s/${service}.yaml`);
  return { labels, port };
};
const podLabels = (service: string): Labels => serviceTarget(service).labels;

/** A label selector as the API server reads it: `{}` selects everything. */
const selects = (sel: Selector, labels: Labels): boolean =>
  Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
  (sel.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    throw new Error(`unknown operator ${e.operator}`);
  });

// Peers this evaluator does not model would be read as "any pod": refuse the file instead.
for (const p of policies)
  for (const rule of p.spec.ingress ?? [])
    for (const peer of rule.from ?? [])
      if (Object.keys(peer).some((k) => k !== 'podSelector' && k !== 'namespaceSelector'))
        throw new Error(`${p.metadata.name}: a peer this test does not model (${Object.keys(peer).join(', ')})`);

const peerMatches = (peer: Peer, from: Source): boolean => {
  // A podSelector alone means pods of the policy's own namespace.
  if (!peer.namespaceSelector && !from.sameNamespace) return false;
  if (peer.namespaceSelector && !selects(peer.namespaceSelector, from.namespace)) return false;
  return !peer.podSelector || selects(peer.podSelector, from.pod);
};

/** A rule's port as Kubernetes matches it: by the container port's name or number (a range with endPort), TCP unless said. */
const portMatches = (rule: PolicyPort, { port }: Target): boolean => {
  if ((rule.protocol ?? 'TCP') !== (port.protocol ?? 'TCP')) return false;
  if (rule.port === undefined) return true;
  if (typeof rule.port === 'string') return rule.port === port.name;
  return port.containerPort >= rule.port && port.containerPort <= (rule.endPort ?? rule.port);
};

/** Whether the policies let `from` connect to the target's port. */
function admitsTo(target: Target, from: Source, set: Policy[] = policies): boolean {
  const governing = set.filter(
    (p) => (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') && selects(p.spec.podSelector, target.labels),
  );
  if (governing.length === 0) return true;
  return governing.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (!rule.ports?.length || rule.ports.some((port) => portMatches(port, target))) &&
        (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, from))),
    ),
  );
}
const admits = (service: string, from: Source): boolean => admitsTo(serviceTarget(service), from);

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
  const source = serviceSource(service, 'config.ts');
  return SERVICES.filter((s) => s.urlVar && new RegExp(`\\b${s.urlVar}\\b`).test(source)).map((s) => s.name);
};
/** What a shop's page calls directly: the services that answer CORS. */
const PUBLIC = SERVICES.map((s) => s.name).filter((name) => /cors:\s*true/.test(serviceSource(name)));

describe('deploy/k8s network policies', () => {
  it('when applied with kustomize, then the policies are among its resources', () => {
    const kustomization = parse(readRepoFile('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    expect(kustomization.resources).toContain('network-policies.yaml');
  });

  it("when a pod of the saga's matches no other policy, then its ingress is denied; other pods of the namespace are left alone", () => {
    const deny = policies.find((p) => p.metadata.name === 'default-deny-ingress');
    expect(deny?.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'checkout-saga' } },
      policyTypes: ['Ingress'],
    });
    // A Redis or Kafka an operator runs in the namespace (the ConfigMap's redis:6379, kafka:9092).
    const redis: Target = { labels: { app: 'redis' }, port: { name: 'redis', containerPort: 6379 } };
    for (const service of SERVICES.map((s) => s.name)) expect(admitsTo(redis, inNamespace(service))).toBe(true);
  });

  describe('the evaluator these tests use reads ports and selectors as Kubernetes does', () => {
    const audit: Target = { labels: { app: 'audit' }, port: { name: 'http', containerPort: 3006 } };
    const open = (ports: PolicyPort[]): Policy[] => [
      { metadata: { name: 'p' }, spec: { podSelector: { matchLabels: { app: 'audit' } }, ingress: [{ ports }] } },
    ];
    it.each([
      ['its name', [{ port: 'http' }], true],
      ['its number', [{ port: 3006 }], true],
      ['a range holding it', [{ port: 3000, endPort: 3010 }], true],
      ['another name', [{ port: 'metrics' }], false],
      ['another number', [{ port: 3005 }], false],
      ['UDP', [{ port: 3006, protocol: 'UDP' }], false],
    ])('when a rule names the port by %s, then it admits: %s', (_what, ports, admitted) => {
      expect(admitsTo(audit, strayPod, open(ports as PolicyPort[]))).toBe(admitted);
    });
    it('when a selector asks In for a label the pod lacks, then it does not select it', () => {
      expect(selects({ matchExpressions: [{ key: 'tier', operator: 'In', values: [''] }] }, {})).toBe(false);
    });
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
