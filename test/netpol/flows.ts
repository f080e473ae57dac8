/**
 * The flow matrix of an instance's NetworkPolicies: probe peers (its pods, the cluster DNS, the ingress
 * controller, Prometheus, a pod of another namespace, private, public and metadata addresses) on the
 * ports Mastodon's servers use, with the verdict a NetworkPolicy implementation gives for each flow.
 * `evaluate` follows the NetworkPolicy API's semantics (an ipBlock matches pod addresses too, as in
 * the upstream evaluator test/cluster/netpol/main.go drives); the cluster suite checks it against that evaluator.
 */
import { InstanceModel } from '../../src/model/model';
import { KubeObject } from '../../src/output/schema-gate';

export interface Peer {
  readonly name: string;
  /** unset: outside the cluster */
  readonly namespace?: string;
  readonly podLabels?: Record<string, string>;
  readonly ip: string;
}

export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

export interface Verdict {
  readonly egress: boolean;
  readonly ingress: boolean;
}

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

function selects(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  const l = labels ?? {};
  const labelsOk = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => l[k] === v);
  const exprOk = (sel.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return k(e.key) && e.values!.includes(l[e.key]);
    if (e.operator === 'NotIn') return !k(e.key) || !e.values!.includes(l[e.key]);
    if (e.operator === 'Exists') return k(e.key);
    if (e.operator === 'DoesNotExist') return !k(e.key);
    throw new Error(`operator ${e.operator}`);
  });
  function k(key: string) {
    return Object.prototype.hasOwnProperty.call(l, key);
  }
  return labelsOk && exprOk;
}

function addressBits(ip: string): { family: 4 | 6; bits: bigint } {
  if (ip.includes('.')) return { family: 4, bits: ip.split('.').reduce((a, p) => (a << 8n) | BigInt(Number(p)), 0n) };
  const [h, t] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const groups = t === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  return { family: 6, bits: groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

export function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const a = addressBits(ip);
  const n = addressBits(net);
  if (a.family !== n.family) return false;
  const shift = BigInt((a.family === 4 ? 32 : 128) - Number(len));
  return a.bits >> shift === n.bits >> shift;
}

const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

function peerMatches(rulePeer: any, policyNamespace: string, p: Peer): boolean {
  if (rulePeer.ipBlock) return inCidr(p.ip, rulePeer.ipBlock.cidr) && !(rulePeer.ipBlock.except ?? []).some((e: string) => inCidr(p.ip, e));
  if (!p.namespace) return false;
  const nsOk = rulePeer.namespaceSelector ? selects(rulePeer.namespaceSelector, { [NAMESPACE_NAME]: p.namespace }) : p.namespace === policyNamespace;
  return nsOk && selects(rulePeer.podSelector, p.podLabels ?? {});
}

function portMatches(ports: any[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || (p.endPort !== undefined ? port >= p.port && port <= p.endPort : p.port === port)));
}

function direction(policies: KubeObject[], kind: 'Ingress' | 'Egress', target: Peer, other: Peer, port: number, protocol: string): boolean {
  if (!target.namespace) return true;
  const applying = policies.filter((np: any) => np.metadata.namespace === target.namespace && (np.spec.policyTypes ?? ['Ingress']).includes(kind) && selects(np.spec.podSelector, target.podLabels ?? {}));
  if (applying.length === 0) return true;
  return applying.some((np: any) =>
    (np.spec[kind === 'Ingress' ? 'ingress' : 'egress'] ?? []).some((rule: any) => {
      const peers = rule[kind === 'Ingress' ? 'from' : 'to'];
      return portMatches(rule.ports, port, protocol) && (!peers || peers.length === 0 || peers.some((rp: any) => peerMatches(rp, np.metadata.namespace, other)));
    }),
  );
}

export function evaluate(policies: KubeObject[], flows: readonly Flow[]): Verdict[] {
  return flows.map((f) => ({ egress: direction(policies, 'Egress', f.from, f.to, f.port, f.protocol), ingress: direction(policies, 'Ingress', f.to, f.from, f.port, f.protocol) }));
}

/** The pods an instance's output creates: every pod template of its Deployments, Jobs and CronJobs. */
export function podsOf(objects: KubeObject[]): { object: string; component: string; labels: Record<string, string>; namespace: string }[] {
  return objects.flatMap((o: any) => {
    const template = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : ['Deployment', 'Job', 'StatefulSet', 'DaemonSet'].includes(o.kind) ? o.spec.template : undefined;
    return template ? [{ object: `${o.kind}/${o.metadata.name}`, component: template.metadata.labels['app.kubernetes.io/component'], labels: template.metadata.labels, namespace: o.metadata.namespace }] : [];
  });
}

/** the probe's view of one destination class */
export type Destination = 'dns' | 'kube-system-other' | 'own-namespace' | 'other-namespace' | 'private' | 'public' | 'public-v6' | 'metadata' | 'metadata-v6';
export const PORTS = [53, 80, 443, 587, 4318, 5432, 6379, 6380, 8080, 9200, 25060, 25061, 26379];

export function destinations(m: InstanceModel): Record<Destination, Peer> {
  return {
    dns: { name: 'dns', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.2' },
    'kube-system-other': { name: 'kube-system-other', namespace: 'kube-system', podLabels: { 'k8s-app': 'metrics-server' }, ip: '10.42.0.3' },
    'own-namespace': { name: 'own-namespace', namespace: m.namespace, podLabels: { app: `${m.name}-redis-main` }, ip: '10.42.0.20' },
    'other-namespace': { name: 'other-namespace', namespace: 'other', podLabels: { app: 'anything' }, ip: '10.42.9.9' },
    private: { name: 'private', ip: '10.20.0.5' },
    public: { name: 'public', ip: '203.0.113.10' },
    'public-v6': { name: 'public-v6', ip: '2001:db8::10' },
    metadata: { name: 'metadata', ip: '169.254.169.254' },
    'metadata-v6': { name: 'metadata-v6', ip: 'fd00:ec2::254' },
  };
}

/**
 * What one process may reach, written from the definition: DNS always; `anywhere` ports open to every
 * address but the metadata ones (servers given by DNS name); `ownNamespace` ports to the instance's
 * namespace (operator-run Redis); `internet`: every port of public addresses.
 */
export interface Reach {
  readonly anywhere: readonly number[];
  readonly ownNamespace?: readonly number[];
  readonly internet?: boolean;
}

export function expectedEgress(reach: Reach, to: Destination, port: number, protocol: 'TCP' | 'UDP'): boolean {
  if (to === 'metadata' || to === 'metadata-v6') return false;
  if (port === 53 && to === 'dns') return true;
  // the internet rule has no ports: every port and protocol
  if (reach.internet && (to === 'public' || to === 'public-v6')) return true;
  if (protocol === 'UDP') return false;
  if (reach.anywhere.includes(port)) return true;
  return to === 'own-namespace' && !!reach.ownNamespace?.includes(port);
}
