// k8s/: what an operator applies with `kubectl apply -k k8s/`. The checks
// cross-reference objects (selectors, named ports, ConfigMap values) the way
// the API server and the controllers would resolve them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEPLOY_PATHS,
  GATEWAY_SERVICES,
  loadManifests,
  manifestFiles,
  objectsOfKind,
  selectorMatches,
  type GatewayService,
  type K8sObject,
  type LoadedManifest,
} from '../src/index.js';

interface ContainerPort {
  name?: string;
  containerPort: number;
}
interface Probe {
  httpGet?: { path?: string; port?: string | number };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath?: string };
    secretKeyRef?: { name?: string; key?: string };
    configMapKeyRef?: { name?: string; key?: string };
  };
}
interface Container {
  name: string;
  image: string;
  ports?: ContainerPort[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  affinity?: {
    podAntiAffinity?: {
      preferredDuringSchedulingIgnoredDuringExecution?: {
        podAffinityTerm: {
          topologyKey: string;
          labelSelector: { matchLabels: Record<string, string> };
        };
      }[];
    };
  };
  volumes?: {
    name: string;
    projected?: {
      sources: { secret?: { name: string; items?: { key: string; path: string }[] } }[];
    };
  }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}
interface ServicePort {
  name?: string;
  port: number;
  targetPort?: string | number;
}

let manifests: LoadedManifest[];
let kustomization: Record<string, unknown> | undefined;
let config: Record<string, string>;

const deployment = (name: string): K8sObject => {
  const found = objectsOfKind(manifests, 'Deployment').find((d) => d.metadata.name === name);
  if (!found) throw new Error(`Deployment ${name} missing`);
  return found;
};
const template = (d: K8sObject): PodTemplate => (d.spec as { template: PodTemplate }).template;
const mainContainer = (d: K8sObject): Container => {
  const c = template(d).spec.containers[0];
  if (!c) throw new Error(`${d.metadata.name}: no container`);
  return c;
};
const servicesSelecting = (d: K8sObject): K8sObject[] =>
  objectsOfKind(manifests, 'Service').filter((s) =>
    selectorMatches(
      (s.spec as { selector?: Record<string, string> }).selector,
      template(d).metadata.labels,
    ),
  );
/** A port reference (number or container port name) as the kubelet resolves it. */
const resolvePort = (c: Container, port: string | number | undefined): number | undefined =>
  typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort;
/** Where a service serves /health, /ready and /metrics, per its configuration. */
const opsPort = (name: GatewayService): number =>
  Number(name === 'admin-api' ? config.ADMIN_PORT : config.METRICS_PORT);

beforeAll(async () => {
  ({ manifests, kustomization } = await loadManifests(DEPLOY_PATHS.k8sDir));
  const configMaps = objectsOfKind(manifests, 'ConfigMap');
  expect(configMaps).toHaveLength(1);
  config = configMaps[0]?.data ?? {};
});

describe('k8s manifests', () => {
  it('put everything in the messaging namespace', () => {
    const namespaces = objectsOfKind(manifests, 'Namespace');
    expect(namespaces.map((n) => n.metadata.name)).toEqual(['messaging']);
    for (const { file, object } of manifests) {
      if (object.kind === 'Namespace') continue;
      expect(object.metadata.namespace, `${file} ${object.kind}/${object.metadata.name}`).toBe(
        'messaging',
      );
    }
    expect(kustomization?.namespace).toBe('messaging');
  });

  describe.each(GATEWAY_SERVICES)('%s', (name) => {
    it('has a Deployment, a ClusterIP Service, an HPA and a PDB that select it', () => {
      const d = deployment(name);
      const labels = template(d).metadata.labels;
      expect(
        selectorMatches(
          (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          labels,
        ),
      ).toBe(true);
      expect(
        servicesSelecting(d).some((s) => (s.spec as { type?: string }).type === 'ClusterIP'),
      ).toBe(true);

      const hpas = objectsOfKind(manifests, 'HorizontalPodAutoscaler').filter(
        (h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name,
      );
      expect(hpas).toHaveLength(1);
      const hpa = hpas[0]!;
      const spec = hpa.spec as {
        scaleTargetRef: { apiVersion: string; kind: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: {
          type: string;
          resource?: { name: string; target: { type: string; averageUtilization?: number } };
        }[];
      };
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(spec.scaleTargetRef).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      expect(spec.minReplicas).toBe(name === 'edge-server' ? 3 : 2);
      expect(spec.maxReplicas).toBeGreaterThan(spec.minReplicas);
      const cpu = spec.metrics.find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
      expect(cpu?.resource?.target).toEqual({ type: 'Utilization', averageUtilization: 70 });
      // The HPA needs CPU requests to compute utilisation.
      expect(mainContainer(d).resources?.requests?.cpu).toBeDefined();

      const pdbs = objectsOfKind(manifests, 'PodDisruptionBudget').filter((p) =>
        selectorMatches(
          (p.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels,
          labels,
        ),
      );
      expect(pdbs).toHaveLength(1);
      const pdb = pdbs[0]!.spec as { minAvailable?: number; maxUnavailable?: number };
      expect(pdb.minAvailable === 1 || pdb.maxUnavailable === 1).toBe(true);
      expect(pdbs[0]!.apiVersion).toBe('policy/v1');
      // A PDB that allows no disruption with the minimum replica count would block node drains.
      expect((pdb.minAvailable ?? 0) < spec.minReplicas).toBe(true);
    });

    it("uses the seed's resources", () => {
      expect(mainContainer(deployment(name)).resources).toEqual({
        requests: { memory: '512Mi', cpu: '500m' },
        limits: { memory: '2Gi', cpu: '2000m' },
      });
    });

    it('probes /health (liveness) and /ready (readiness) on the ops port', () => {
      const c = mainContainer(deployment(name));
      expect(c.livenessProbe?.httpGet?.path).toBe('/health');
      expect(c.readinessProbe?.httpGet?.path).toBe('/ready');
      expect(resolvePort(c, c.livenessProbe?.httpGet?.port)).toBe(opsPort(name));
      expect(resolvePort(c, c.readinessProbe?.httpGet?.port)).toBe(opsPort(name));
      expect(opsPort(name)).toBe(name === 'admin-api' ? 8080 : 9090);
    });

    it('waits longer than the drain deadline before killing a pod', () => {
      const grace = template(deployment(name)).spec.terminationGracePeriodSeconds;
      const deadlineMs = Number(config.SHUTDOWN_TIMEOUT_MS);
      expect(Number.isInteger(deadlineMs) && deadlineMs >= 25_000).toBe(true);
      expect(grace).toBeDefined();
      expect(grace! * 1000).toBeGreaterThan(deadlineMs);
    });

    it('takes its environment from the ConfigMap, the Secret and the downward API', () => {
      const c = mainContainer(deployment(name));
      expect(c.envFrom?.map((e) => e.configMapRef?.name)).toContain('smpp-gateway-config');
      const env = new Map((c.env ?? []).map((e) => [e.name, e]));
      expect(env.get('INSTANCE_ID')?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
      for (const variable of ['DATABASE_URL', 'REDIS_URL', 'AMQP_URL']) {
        expect(env.get(variable)?.valueFrom?.secretKeyRef, `${name} ${variable}`).toEqual({
          name: 'smpp-gateway-secrets',
          key: variable,
        });
      }
      const needsKey = name === 'vendor-connector' || name === 'admin-api';
      expect(env.has('VENDOR_SECRET_KEY'), `${name} VENDOR_SECRET_KEY`).toBe(needsKey);
      // Nothing secret in plain values.
      for (const e of c.env ?? []) expect(e.value, e.name).toBeUndefined();
    });

    it('runs as non-root with a read-only root filesystem', () => {
      const pod = template(deployment(name)).spec;
      const c = mainContainer(deployment(name));
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).not.toBe(0);
      expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
      expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(c.securityContext?.capabilities).toEqual({ drop: ['ALL'] });
    });

    it('prefers spreading its pods over nodes', () => {
      const t = template(deployment(name));
      const terms =
        t.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      expect(terms.length).toBeGreaterThan(0);
      expect(
        terms.some((term) =>
          selectorMatches(term.podAffinityTerm.labelSelector.matchLabels, t.metadata.labels),
        ),
      ).toBe(true);
    });

    it('runs a tagged image that is not latest', () => {
      const image = mainContainer(deployment(name)).image;
      expect(image).toMatch(new RegExp(`/${name}:[\\w.-]+$`, 'u'));
      expect(image).not.toMatch(/:latest$/u);
    });
  });

  it('pauses edge pods before SIGTERM so the LoadBalancer stops sending binds first, within the grace period', () => {
    const edge = deployment('edge-server');
    const preStop = mainContainer(edge).lifecycle?.preStop;
    const command = preStop?.exec?.command ?? [];
    const seconds =
      preStop?.sleep?.seconds ?? (command[0] === 'sleep' ? Number(command[1]) : Number.NaN);
    expect(seconds).toBeGreaterThanOrEqual(3);
    const grace = template(edge).spec.terminationGracePeriodSeconds ?? 30;
    // preStop counts against the grace period: pause + drain deadline must fit.
    expect(grace * 1000).toBeGreaterThan(seconds * 1000 + Number(config.SHUTDOWN_TIMEOUT_MS));
  });

  it('exposes SMPP 2775 and 2776 through a LoadBalancer onto the edge pods', () => {
    const edge = deployment('edge-server');
    const container = mainContainer(edge);
    const lbs = servicesSelecting(edge).filter(
      (s) => (s.spec as { type?: string }).type === 'LoadBalancer',
    );
    expect(lbs).toHaveLength(1);
    const spec = lbs[0]!.spec as { ports: ServicePort[]; externalTrafficPolicy?: string };
    expect(spec.ports.map((p) => p.port).sort()).toEqual([2775, 2776]);
    for (const port of spec.ports) {
      expect(resolvePort(container, port.targetPort ?? port.port), `LB ${port.port}`).toBe(
        port.port,
      );
    }
    expect(String(resolvePort(container, 'smpp'))).toBe(config.SMPP_PORT);
    expect(String(resolvePort(container, 'smpp-tls'))).toBe(config.SMPP_TLS_PORT);
    // The IP allow-lists and bind lockout need the client's own address.
    expect(spec.externalTrafficPolicy).toBe('Local');
    // The other services stay inside the cluster.
    for (const s of objectsOfKind(manifests, 'Service')) {
      if (s !== lbs[0])
        expect((s.spec as { type?: string }).type, s.metadata.name).toBe('ClusterIP');
    }
  });

  it("mounts the cert-manager certificate where edge-server's TLS_CERT_DIR expects it", () => {
    const edge = deployment('edge-server');
    const c = mainContainer(edge);
    const mount = c.volumeMounts?.find((m) => m.mountPath === config.TLS_CERT_DIR);
    expect(mount).toBeDefined();
    const volume = template(edge).spec.volumes?.find((v) => v.name === mount?.name);
    const certificates = objectsOfKind(manifests, 'Certificate');
    expect(certificates).toHaveLength(1);
    const certificate = certificates[0]!;
    expect(certificate.apiVersion).toBe('cert-manager.io/v1');
    const certSpec = certificate.spec as { secretName: string; dnsNames: string[] };
    expect(certSpec.dnsNames.length).toBeGreaterThan(0);
    const source = volume?.projected?.sources.find((s) => s.secret?.name === certSpec.secretName);
    expect(source, 'projected volume from the certificate secret').toBeDefined();
    const defaultName = config.TLS_DEFAULT_CERT ?? 'default';
    expect(source?.secret?.items).toEqual(
      expect.arrayContaining([
        { key: 'tls.crt', path: `${defaultName}/tls.crt` },
        { key: 'tls.key', path: `${defaultName}/tls.key` },
      ]),
    );
  });

  it('scrapes every service on a port named by the ServiceMonitor that serves /metrics', () => {
    const monitors = objectsOfKind(manifests, 'ServiceMonitor');
    expect(monitors).toHaveLength(1);
    const monitor = monitors[0]!;
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    const spec = monitor.spec as {
      selector: { matchLabels: Record<string, string> };
      namespaceSelector?: { matchNames?: string[] };
      endpoints: { port: string; path?: string }[];
    };
    expect(spec.namespaceSelector?.matchNames).toContain('messaging');
    const endpoint = spec.endpoints[0]!;
    expect(endpoint.path ?? '/metrics').toBe('/metrics');
    for (const name of GATEWAY_SERVICES) {
      const d = deployment(name);
      const scraped = servicesSelecting(d).filter((s) =>
        selectorMatches(spec.selector.matchLabels, s.metadata.labels),
      );
      expect(scraped, `${name}: services selected by the ServiceMonitor`).toHaveLength(1);
      const port = (scraped[0]!.spec as { ports: ServicePort[] }).ports.find(
        (p) => p.name === endpoint.port,
      );
      expect(port, `${name}: port ${endpoint.port}`).toBeDefined();
      expect(resolvePort(mainContainer(d), port!.targetPort ?? port!.port), name).toBe(
        opsPort(name),
      );
    }
  });

  it('runs migrations as a Job with the db image', () => {
    const jobs = objectsOfKind(manifests, 'Job');
    expect(jobs).toHaveLength(1);
    const pod = (jobs[0]!.spec as { template: PodTemplate }).template.spec;
    const c = pod.containers[0]!;
    expect(c.image).toMatch(/\/db:[\w.-]+$/u);
    expect([
      ...((c as { command?: string[] }).command ?? []),
      ...((c as { args?: string[] }).args ?? []),
    ]).toEqual(['node', 'dist/cli/migrate.js', 'up']);
    expect(c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name).toBe(
      'smpp-gateway-secrets',
    );
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
  });

  it('ships a Secret template with every key the workloads read, and placeholders only', () => {
    const secrets = objectsOfKind(manifests, 'Secret');
    expect(secrets).toHaveLength(1);
    const secret = secrets[0]!;
    const keys = new Set(Object.keys({ ...secret.data, ...secret.stringData }));
    const referenced = new Set<string>();
    const pods = [
      ...objectsOfKind(manifests, 'Deployment').map((d) => template(d).spec),
      ...objectsOfKind(manifests, 'Job').map(
        (j) => (j.spec as { template: PodTemplate }).template.spec,
      ),
    ];
    for (const pod of pods) {
      for (const c of pod.containers) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) {
            expect(ref.name).toBe(secret.metadata.name);
            referenced.add(ref.key ?? '');
          }
        }
      }
    }
    expect([...referenced].filter((k) => !keys.has(k))).toEqual([]);
    for (const value of Object.values(secret.stringData ?? {})) {
      expect(value).not.toMatch(/^[0-9a-f]{64}$/iu);
      expect(value).toMatch(/PASSWORD|REPLACE|USER/u);
    }
    // No credentials in the ConfigMap.
    for (const key of Object.keys(config)) expect(key).not.toMatch(/PASSWORD|SECRET|_URL$|TOKEN/u);
  });

  it('lists every manifest in kustomization.yaml, except the Secret template', async () => {
    const files = (await manifestFiles(DEPLOY_PATHS.k8sDir)).filter(
      (f) => f !== 'kustomization.yaml',
    );
    const resources = (kustomization?.resources as string[] | undefined) ?? [];
    for (const resource of resources)
      expect(existsSync(join(DEPLOY_PATHS.k8sDir, resource)), resource).toBe(true);
    // Applying the template would overwrite the real Secret with placeholders.
    expect(resources).not.toContain('secrets.example.yaml');
    expect(resources.slice().sort()).toEqual(
      files.filter((f) => f !== 'secrets.example.yaml').sort(),
    );
    expect(new Set(resources).size).toBe(resources.length);
  });

  it('pins every image in kustomization.yaml to a tag other than latest', () => {
    const images = (kustomization?.images as { name: string; newTag?: string }[] | undefined) ?? [];
    const used = new Set(
      manifests.flatMap(({ object }) => {
        const spec = object.spec as { template?: PodTemplate } | undefined;
        return (spec?.template?.spec.containers ?? []).map((c) => c.image.replace(/:[^:/]+$/u, ''));
      }),
    );
    expect(used.size).toBe(GATEWAY_SERVICES.length + 1);
    for (const image of used) {
      const entry = images.find((i) => i.name === image);
      expect(entry, image).toBeDefined();
      expect(entry?.newTag, image).toMatch(/^[\w.-]+$/u);
      expect(entry?.newTag).not.toBe('latest');
    }
  });
});
