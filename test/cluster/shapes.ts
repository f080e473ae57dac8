/**
 * Nodes shaped as each reference instance describes them, and the cluster set-up every test needs
 * before an instance is applied: CRDs, the namespaces it refers to, its nodes and a volume.
 */
import path from 'path';
import { Cluster, ROOT, waitFor } from './harness';

export interface NodeShape {
  readonly name: string;
  readonly zone: string;
  readonly cpu: string;
  readonly memory: string;
  readonly labels?: Record<string, string>;
  readonly taints?: { key: string; value: string; effect: string }[];
}

const nodes = (prefix: string, zones: string[], cpu: string, memory: string, extra: Partial<NodeShape> = {}): NodeShape[] =>
  zones.map((zone, i) => ({ name: `${prefix}-${i}`, zone, cpu, memory, ...extra }));

/** Node pools as each reference instance describes them (instances/*.yaml, shared/reference/instances.md). */
export const SHAPES: Record<string, { nodes: NodeShape[]; zoneLoss: boolean; drain: boolean }> = {
  // one node: nothing to lose or drain without downtime
  small: { nodes: nodes('node', ['zone-a'], '4', '8Gi'), zoneLoss: false, drain: false },
  ha: { nodes: nodes('node', ['zone-a', 'zone-a', 'zone-b', 'zone-b'], '4', '16Gi'), zoneLoss: true, drain: true },
  // 4 vCPU / 8 GB nodes (3800m / 6Gi allocatable) in pools: web, tainted sidekiq, general
  large: {
    nodes: [
      ...nodes('web', ['zone-a', 'zone-b', 'zone-c', 'zone-a'], '3800m', '6Gi', { labels: { 'node-pool': 'web' } }),
      ...nodes('sidekiq', ['zone-a', 'zone-b', 'zone-c'], '3800m', '6Gi', {
        labels: { 'node-pool': 'sidekiq' },
        taints: [{ key: 'dedicated', value: 'sidekiq', effect: 'NoSchedule' }],
      }),
      ...nodes('general', ['zone-a', 'zone-b', 'zone-c', 'zone-a', 'zone-b', 'zone-c'], '3800m', '6Gi'),
    ],
    zoneLoss: true,
    drain: true,
  },
  cosocial: { nodes: nodes('node', ['zone-a', 'zone-b', 'zone-c'], '4', '8Gi'), zoneLoss: true, drain: true },
};

function nodeManifest(n: NodeShape): object {
  const resources = { cpu: n.cpu, memory: n.memory, 'ephemeral-storage': '100Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': n.zone, 'kwok.x-k8s.io/fake': 'true', ...n.labels },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { taints: n.taints },
    status: { allocatable: resources, capacity: resources },
  };
}

/** Installs the vendored CRDs, the namespaces (the instance's with Pod Security "restricted"), its nodes and a media volume. */
export async function prepare(cluster: Cluster, instance: string, ns: string): Promise<void> {
  const nodes = SHAPES[instance].nodes;
  cluster.k(['apply', '--server-side', '-f', path.join(ROOT, 'vendor/crds'), '--recursive']);
  cluster.k(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
  for (const other of ['flux-system', 'ingress-nginx', 'gateway-system', 'monitoring']) cluster.k(['create', 'namespace', other]);
  // the namespace exists first, labelled as a hardened cluster labels it: every pod must pass "restricted"
  cluster.k(['create', 'namespace', ns]);
  cluster.k(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
  cluster.k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: nodes.map(nodeManifest) }));
  // a volume for a media claim, as a storage provisioner would bind one
  cluster.k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: `${instance}-media-pv` },
    spec: { capacity: { storage: '1Ti' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'], hostPath: { path: '/srv/media' } },
  }));
  await waitFor('nodes to be ready', 60_000, () => {
    const ready = (cluster.json(['get', 'nodes']).items as any[]).filter((n) => n.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === nodes.length;
  });
  cluster.log(`${nodes.length} nodes ready in ${new Set(nodes.map((n) => n.zone)).size} zone(s)`);
}
