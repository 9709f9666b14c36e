import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVENT_TYPES, dlqTopic } from '@checkout/contracts';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer, IProbe } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { K8S_DIR as DIR, findManifest as find, k8sFiles as files, manifests, type Manifest } from './k8s-manifests';
import { SCALED, SERVICES, SHARED_ENV, kafkaServices, readRepoFile, urlOf } from './repo';

type Model = { validate(): void };
const MODELS: Record<string, new (data: never) => Model> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

const kustomization = parse(fs.readFileSync(path.join(DIR, 'kustomization.yaml'), 'utf8')) as {
  namespace: string;
  resources: string[];
  secretGenerator?: { name: string; literals?: string[] }[];
};
/** The Secret the Deployments with admin routes read ADMIN_TOKEN from; the operator creates it, the kustomization never does. */
const ADMIN_SECRET = 'checkout-saga-secrets';
/** The services whose routes include admin ones (PUT /inventory, GET /admin/orders/open, POST /_control). */
const WITH_ADMIN_ROUTES = ['checkout-service', 'inventory-service', 'payment-gateway-mock'];
const container = (name: string): IContainer => {
  const c = find<Deployment>('Deployment', name).spec?.template.spec?.containers[0];
  if (!c) throw new Error(`Deployment ${name} has no container`);
  return c;
};
/** A probe or Service port is a number or the name of a container port. */
const resolvePort = (c: IContainer, port: number | string | undefined): number | undefined =>
  typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
const probe = (c: IContainer, p: IProbe | undefined) => ({
  path: p?.httpGet?.path,
  port: resolvePort(c, p?.httpGet?.port),
});
const preStopSleepSeconds = (c: IContainer): number => {
  const preStop = c.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const [cmd, seconds] = preStop?.exec?.command ?? [];
  return cmd === 'sleep' ? Number(seconds) : 0;
};

describe('deploy/k8s', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.object.kind} ${m.object.metadata.name}`, m.object] as const))(
    'when %s is validated against the Kubernetes schema, then it is valid',
    (_label, object) => {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
      expect(() => new Model(object as never).validate()).not.toThrow();
    },
  );

  it('when applied with kustomize, then the kustomization lists exactly the manifest files', () => {
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  describe.each(SERVICES)('$name', ({ name, port }) => {
    it(`when deployed, then it runs checkout-saga/${name} on containerPort ${port} with PORT=${port}`, () => {
      const c = container(name);
      expect(c.image).toBe(`checkout-saga/${name}:latest`);
      expect(c.ports?.map((p) => p.containerPort)).toEqual([port]);
      expect(c.env).toEqual(expect.arrayContaining([{ name: 'PORT', value: String(port) }]));
    });

    it('when probed, then startup and liveness ask /health/live and readiness /health/ready on its port', () => {
      const c = container(name);
      expect(probe(c, c.startupProbe)).toEqual({ path: '/health/live', port });
      expect(probe(c, c.livenessProbe)).toEqual({ path: '/health/live', port });
      expect(probe(c, c.readinessProbe)).toEqual({ path: '/health/ready', port });
    });

    it('when stopped, then the grace period covers the preStop sleep plus the drain its ConfigMap allows (SHUTDOWN_TIMEOUT_MS), and a second to exit', () => {
      const c = container(name);
      const grace = find<Deployment>('Deployment', name).spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
      const configMap = c.envFrom?.find((r) => r.configMapRef)?.configMapRef?.name ?? '';
      const drainMs = Number(find<ConfigMap>('ConfigMap', configMap).data?.SHUTDOWN_TIMEOUT_MS);
      expect(drainMs).toBeGreaterThan(0);
      expect(preStopSleepSeconds(c)).toBeGreaterThan(0);
      expect(grace).toBeGreaterThanOrEqual(preStopSleepSeconds(c) + Math.ceil(drainMs / 1000) + 1);
    });

    it('when scheduled, then it has resource requests and limits, runs as non-root, cannot gain privileges and writes nothing to its image', () => {
      const c = container(name);
      expect(c.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(find<Deployment>('Deployment', name).spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    });

    const admin = WITH_ADMIN_ROUTES.includes(name);
    it(`when configured, then it reads the shared ConfigMap${admin ? ` and the operator's Secret ${ADMIN_SECRET}` : ', and no Secret: it has no admin routes'}`, () => {
      const refs = container(name).envFrom ?? [];
      const configMap = refs.find((r) => r.configMapRef)?.configMapRef?.name;
      expect(find<Manifest>('ConfigMap', configMap!)).toBeDefined();
      // Not optional: without the Secret the pod waits for it instead of starting with admin endpoints off.
      expect(refs.find((r) => r.secretRef?.name === ADMIN_SECRET)?.secretRef).toEqual(
        admin ? { name: ADMIN_SECRET } : undefined,
      );
      // Its own Kafka user on a cluster with SASL, from a Secret of its own (the password never in the ConfigMap).
      const kafkaUser = refs.find((r) => r.secretRef?.name === `${name}-kafka`)?.secretRef;
      expect(kafkaUser).toEqual(kafkaServices().includes(name) ? { name: `${name}-kafka`, optional: true } : undefined);
    });

    it('when it runs, then no service account token is mounted (it never calls the Kubernetes API)', () => {
      expect(find<Deployment>('Deployment', name).spec?.template.spec?.automountServiceAccountToken).toBe(false);
    });

    it(`when called as ${name}:${port}, then its Service selects its pods and targets the container port`, () => {
      const svc = find<Service>('Service', name);
      const labels = find<Deployment>('Deployment', name).spec?.template.metadata?.labels ?? {};
      expect(Object.entries(svc.spec?.selector ?? {}).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(svc.spec?.selector ?? {})) expect(labels[k]).toBe(v);
      const [servicePort] = svc.spec?.ports ?? [];
      expect(servicePort?.port).toBe(port);
      expect(resolvePort(container(name), servicePort?.targetPort)).toBe(port);
    });
  });

  describe.each(SCALED)('%s', (name) => {
    it('when nodes are drained, then a PodDisruptionBudget keeps one of its pods', () => {
      const pdb = find<PodDisruptionBudget>('PodDisruptionBudget', name);
      const labels = find<Deployment>('Deployment', name).spec?.template.metadata?.labels ?? {};
      expect(pdb.spec?.minAvailable).toBeDefined();
      // An empty selector would match every pod of the namespace, not this Deployment's.
      expect(Object.entries(pdb.spec?.selector?.matchLabels ?? {}).length).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(pdb.spec?.selector?.matchLabels ?? {})) expect(labels[k]).toBe(v);
    });

    it('when load grows, then a HorizontalPodAutoscaler scales its Deployment from at least 2 replicas, and only it sets the count', () => {
      const hpa = find<HorizontalPodAutoscaler>('HorizontalPodAutoscaler', name);
      const target = hpa.spec?.scaleTargetRef;
      const deployment = find<Deployment>(target?.kind ?? '', target?.name ?? '');
      expect(deployment.spec?.template).toBeDefined();
      // The HPA owns the count: a replicas in the Deployment would scale it back down on every re-apply.
      expect(deployment.spec?.replicas).toBeUndefined();
      expect(hpa.spec?.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.spec?.maxReplicas).toBeGreaterThan(hpa.spec?.minReplicas ?? 0);
    });
  });

  it('when the shared ConfigMap is read, then it sets every shared setting and points at each Service', () => {
    const data = find<Manifest>('ConfigMap', 'checkout-saga-config').data ?? {};
    expect(Object.keys(data)).toEqual(expect.arrayContaining(SHARED_ENV.filter((n) => n !== 'ADMIN_TOKEN')));
    expect(data).not.toHaveProperty('ADMIN_TOKEN');
    expect(data).not.toHaveProperty('KAFKA_SASL_PASSWORD');
    for (const s of SERVICES.filter((s) => s.urlVar)) expect(data[s.urlVar!]).toBe(urlOf(s));
  });

  it('when applied over an existing cluster, then no Secret or secretGenerator in it carries a literal value', () => {
    const literalSecrets = manifests
      .filter((m) => m.object.kind === 'Secret')
      .filter((m) => Object.keys({ ...m.object.data, ...m.object.stringData }).length > 0)
      .map((m) => `${m.file}: ${m.object.metadata.name}`);
    expect(literalSecrets).toEqual([]);
    expect((kustomization.secretGenerator ?? []).filter((g) => (g.literals ?? []).length > 0)).toEqual([]);
  });

  it(`when the operator follows the deployment doc, then it creates ${ADMIN_SECRET} with a random ADMIN_TOKEN`, () => {
    const doc = readRepoFile('docs/architecture/deployment.md');
    const create = doc.match(
      /kubectl -n (\S+) create secret generic (\S+) --from-literal=ADMIN_TOKEN="\$\(openssl rand/,
    );
    expect(create?.slice(1)).toEqual([kustomization.namespace, ADMIN_SECRET]);
  });

  it('when the topic Job runs, then it creates every event topic and every dead-letter topic with 6 partitions', () => {
    const c = find<Job>('Job', 'kafka-topics').spec?.template.spec?.containers[0];
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    expect(String(env.TOPICS).split(/\s+/)).toEqual(
      expect.arrayContaining([...EVENT_TYPES, ...kafkaServices().map(dlqTopic)]),
    );
    expect(env.TOPIC_PARTITIONS).toBe('6');
    expect(c?.args?.join(' ')).toMatch(/kafka-topics\.sh .*--create --if-not-exists/s);
  });

  // It spoke plaintext only, so it could not create the topics on a cluster with TLS or SASL.
  describe('when the topic Job runs against a cluster', () => {
    const job = find<Job>('Job', 'kafka-topics').spec?.template.spec;
    const c = job?.containers[0];
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    /** The Job's script run by sh, with kafka-topics.sh a stub that prints its arguments. */
    const run = (withClientConfig: boolean): string[] => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-topics-'));
      try {
        const stub = path.join(dir, 'kafka-topics.sh');
        fs.writeFileSync(stub, '#!/bin/sh\necho "$*"\n', { mode: 0o755 });
        const config = path.join(dir, 'client.properties');
        if (withClientConfig) fs.writeFileSync(config, 'security.protocol=SASL_SSL\n');
        const script = c!.args![0]!.replaceAll('/opt/kafka/bin/kafka-topics.sh', stub);
        const out = execFileSync('/bin/sh', ['-c', script], {
          env: {
            ...env,
            KAFKA_BROKERS: 'kafka-0:9093',
            TOPICS: 'order.created stock.reserved',
            KAFKA_CLIENT_CONFIG: config,
          },
          encoding: 'utf8',
        });
        return out.trim().split('\n');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };

    it('with TLS or SASL, then it reads the client settings from the optional Secret kafka-topics-kafka', () => {
      const mount = c?.volumeMounts?.find((m) => env.KAFKA_CLIENT_CONFIG?.startsWith(`${m.mountPath}/`));
      const volume = job?.volumes?.find((v) => v.name === mount?.name);
      expect(volume?.secret).toEqual({ secretName: 'kafka-topics-kafka', optional: true });
      const calls = run(true);
      expect(calls).toHaveLength(2);
      for (const call of calls)
        expect(call).toMatch(/^--bootstrap-server kafka-0:9093 --command-config \S+client\.properties --create/);
    });

    it('without that Secret, then it connects in plaintext, as before', () => {
      for (const call of run(false))
        expect(call).toMatch(/^--bootstrap-server kafka-0:9093 --create --if-not-exists --topic/);
    });
  });
});
