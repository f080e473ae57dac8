import { quantityValue } from '../model/quantity';
import { dnsSubdomain, envName, qualifiedName } from './kubernetes-syntax';
import { Finding, Rule, inRange, podSpec } from './rule';

/** what a container may hold beyond rule.ts's ContainerLike: the fields the API server validates */
interface Container {
  name: string;
  ports?: { name?: string; containerPort?: number; protocol?: string }[];
  env?: { name: string; value?: string; valueFrom?: Record<string, { name?: string; key?: string; fieldPath?: string } | undefined> }[];
  envFrom?: { prefix?: string; configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; subPathExpr?: string; mountPropagation?: string }[];
  volumeDevices?: { name: string; devicePath?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { postStart?: Record<string, unknown>; preStop?: Record<string, unknown> };
  imagePullPolicy?: string;
  terminationMessagePolicy?: string;
  restartPolicy?: string;
  securityContext?: { procMount?: string };
}
type Probe = Record<string, unknown> & { successThreshold?: number };

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
/** downward API fields a container's environment may read (k8s.io/kubernetes pkg/apis/core/validation) */
const ENV_FIELDS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const SUBSCRIPTED_FIELD = /^metadata\.(labels|annotations)\['[^']+'\]$/;
export const DOWNWARD_VOLUME_FIELDS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.labels', 'metadata.annotations'];
export const isDownwardField = (path: string, allowed: readonly string[]) => allowed.includes(path) || SUBSCRIPTED_FIELD.test(path);

/** a relative path without `..` elements, as subPath and volume item paths must be */
export function relativePath(p: string): string | undefined {
  if (p.startsWith('/')) return 'a relative path';
  if (p.split('/').includes('..')) return 'a path without ".." elements';
  return undefined;
}

/** requests and limits: the standard resources, huge pages, or an extended resource with a domain */
const resourceName = (r: string) => ['cpu', 'memory', 'ephemeral-storage'].includes(r) || /^hugepages-/.test(r) || (r.includes('/') && !r.startsWith('requests.') && qualifiedName(r) === undefined);

export const ContainerSpec: Rule = {
  id: 'ContainerSpec',
  description: 'container ports, probes, lifecycle hooks, environment, resources, mounts and enumerations are what the API server accepts',
  check: (obj) => {
    const spec = podSpec(obj) as { containers?: Container[]; initContainers?: Container[]; volumes?: { name: string }[] } | undefined;
    if (!spec) return [];
    const findings: Finding[] = [];
    const bad = (c: Container, message: string, culprit?: string) => findings.push({ message: `container ${c.name}: ${message}`, culprit: culprit ?? c.name });
    const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
    const all = [...(spec.initContainers ?? []).map((c) => ({ c, init: true })), ...(spec.containers ?? []).map((c) => ({ c, init: false }))];
    for (const { c, init } of all) {
      for (const p of c.ports ?? []) {
        if (!inRange(p.containerPort, 1, 65535)) bad(c, `containerPort ${JSON.stringify(p.containerPort)}: expected 1 to 65535`, p.name);
        if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) bad(c, `port protocol: expected TCP, UDP or SCTP, found ${JSON.stringify(p.protocol)}`, p.protocol);
      }
      const sidecar = init && c.restartPolicy === 'Always';
      if (c.restartPolicy !== undefined && (!init || c.restartPolicy !== 'Always')) bad(c, `restartPolicy: only an init container may set one, and only Always (a sidecar), found ${JSON.stringify(c.restartPolicy)}`, c.restartPolicy);
      for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        const probe = c[kind];
        if (!probe) continue;
        if (init && !sidecar) bad(c, `${kind}: an init container has no probes (only a sidecar, restartPolicy Always, may)`);
        const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined);
        if (handlers.length !== 1) bad(c, `${kind}: expected exactly one of ${PROBE_HANDLERS.join(', ')}, found ${handlers.length ? handlers.join(' and ') : 'none'}`);
        if (kind !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) bad(c, `${kind}.successThreshold: expected 1, found ${probe.successThreshold}`);
      }
      if (c.lifecycle) {
        if (init && !sidecar) bad(c, 'lifecycle: an init container has no lifecycle hooks (only a sidecar, restartPolicy Always, may)');
        for (const hook of ['postStart', 'preStop'] as const) {
          const h = c.lifecycle[hook];
          if (h === undefined) continue;
          const handlers = LIFECYCLE_HANDLERS.filter((x) => h[x] !== undefined);
          if (handlers.length !== 1) bad(c, `lifecycle.${hook}: expected exactly one of ${LIFECYCLE_HANDLERS.join(', ')}, found ${handlers.length ? handlers.join(' and ') : 'none'}`);
        }
      }
      for (const e of c.env ?? []) {
        if (e.valueFrom === undefined) continue;
        if (e.value !== undefined && e.value !== '') bad(c, `${e.name}: either value or valueFrom, not both`, e.name);
        const sources = Object.entries(e.valueFrom).filter(([, v]) => v !== undefined);
        if (sources.length !== 1) bad(c, `${e.name}: valueFrom needs exactly one source, found ${sources.length}`, e.name);
        for (const [kind, ref] of sources) {
          if ((kind === 'secretKeyRef' || kind === 'configMapKeyRef') && ref?.name !== undefined && dnsSubdomain(ref.name)) bad(c, `${e.name}: ${kind}.name: expected ${dnsSubdomain(ref.name)}, found ${JSON.stringify(ref.name)}`, ref.name);
          if (kind === 'fieldRef' && !isDownwardField(String(ref?.fieldPath), ENV_FIELDS)) bad(c, `${e.name}: fieldRef.fieldPath: expected one of ${ENV_FIELDS.join(', ')} or metadata.labels['key'], found ${JSON.stringify(ref?.fieldPath)}`, ref?.fieldPath);
        }
      }
      for (const from of c.envFrom ?? []) {
        const sources = [from.configMapRef, from.secretRef].filter((s) => s !== undefined);
        if (sources.length !== 1) bad(c, `envFrom: expected exactly one of configMapRef, secretRef, found ${sources.length}`);
        for (const s of sources) if (s?.name !== undefined && dnsSubdomain(s.name)) bad(c, `envFrom: expected ${dnsSubdomain(s.name)}, found ${JSON.stringify(s.name)}`, s.name);
        if (from.prefix !== undefined && from.prefix !== '' && envName(from.prefix)) bad(c, `envFrom prefix: expected ${envName(from.prefix)}, found ${JSON.stringify(from.prefix)}`, from.prefix);
      }
      for (const kind of ['requests', 'limits'] as const) {
        for (const [r, q] of Object.entries(c.resources?.[kind] ?? {})) {
          if (!resourceName(r)) bad(c, `${kind}.${r}: expected cpu, memory, ephemeral-storage, hugepages-<size> or an extended resource such as example.com/device`, r);
          const v = quantityValue(q);
          if (v !== undefined && v < 0) bad(c, `${kind}.${r}: expected a quantity of at least 0, found ${String(q)}`, String(q));
        }
      }
      for (const m of c.volumeMounts ?? []) {
        if (m.mountPath && !m.mountPath.startsWith('/')) bad(c, `mount ${m.name}: expected an absolute mountPath, found ${JSON.stringify(m.mountPath)}`, m.mountPath);
        if (m.subPath !== undefined && relativePath(m.subPath)) bad(c, `mount ${m.name}: subPath: expected ${relativePath(m.subPath)}, found ${JSON.stringify(m.subPath)}`, m.subPath);
        if (m.subPath && m.subPathExpr) bad(c, `mount ${m.name}: subPath and subPathExpr are mutually exclusive`, m.subPathExpr);
        if (m.mountPropagation !== undefined && m.mountPropagation !== 'None' && m.mountPropagation !== 'HostToContainer') bad(c, `mount ${m.name}: mountPropagation ${m.mountPropagation} needs a privileged container (expected None or HostToContainer)`, m.mountPropagation);
      }
      for (const d of c.volumeDevices ?? []) if (!volumes.has(d.name)) bad(c, `volumeDevices: the pod has no volume ${JSON.stringify(d.name)}`, d.name);
      if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) bad(c, `imagePullPolicy: expected Always, IfNotPresent or Never, found ${JSON.stringify(c.imagePullPolicy)}`, c.imagePullPolicy);
      if (c.terminationMessagePolicy !== undefined && !['File', 'FallbackToLogsOnError'].includes(c.terminationMessagePolicy)) bad(c, `terminationMessagePolicy: expected File or FallbackToLogsOnError, found ${JSON.stringify(c.terminationMessagePolicy)}`, c.terminationMessagePolicy);
      if (c.securityContext?.procMount !== undefined && c.securityContext.procMount !== 'Default') bad(c, `securityContext.procMount ${c.securityContext.procMount}: only Default is allowed for a pod that shares the host's user namespace`, c.securityContext.procMount);
    }
    return findings;
  },
};
