/**
 * NetworkPolicies for every pod the instance runs: who may connect to it (the ingress controller or
 * gateway to web and streaming, Prometheus to the metrics ports, nobody else) and, unless
 * traffic.egress.enabled is false, where it may connect (src/model/egress.ts).
 */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import * as L1 from './objects';
import { InstanceModel } from '../model/model';
import { EgressPeer, EgressProcess } from '../model/egress';
import { InstanceIdentity, STREAMING_PORT, WEB_PORT, metadata, selectorLabels } from './common';
import { MastodonJobKind } from './migrations';

/** components of the one-off Rails pods: the versioned Jobs and the maintenance CronJobs */
export const RAILS_TASK_COMPONENTS: readonly (MastodonJobKind | 'maintenance')[] = ['db-migrate-pre', 'db-migrate-post', 'db-migrate-downtime', 'search-deploy', 'create-admin', 'maintenance'];
/** components of the pods that call the Kubernetes API (the downtime flow scales Deployments) */
export const KUBE_API_COMPONENTS = ['db-migrate-downtime', 'scale-up'] as const;
export const KUBE_API_PORTS = [443, 6443];
const DNS_PORT = 53;

const port = (protocol: 'TCP' | 'UDP', n: number): k8s.NetworkPolicyPort => ({ protocol, port: k8s.IntOrString.fromNumber(n) });
const namespacePeer = (namespace: string): k8s.NetworkPolicyPeer => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } });

function peer(p: EgressPeer): k8s.NetworkPolicyPeer {
  if ('ipBlock' in p) return { ipBlock: { cidr: p.ipBlock.cidr, except: p.ipBlock.except ? [...p.ipBlock.except] : undefined } };
  return { ...namespacePeer(p.namespace), ...(p.podLabels ? { podSelector: { matchLabels: { ...p.podLabels } } } : {}) };
}

/** Egress of one process: DNS, its endpoints by destination (ports merged), the internet when it federates. */
export function egressRules(m: InstanceModel, process: EgressProcess): k8s.NetworkPolicyEgressRule[] {
  const plan = m.egress;
  if (!plan) return [];
  const rules: k8s.NetworkPolicyEgressRule[] = [{ to: plan.dns.map(peer), ports: [port('UDP', DNS_PORT), port('TCP', DNS_PORT)] }];
  const byPeers = new Map<string, { peers: readonly EgressPeer[]; ports: Set<number> }>();
  for (const ep of plan.endpoints.filter((e) => e.processes.includes(process))) {
    const key = JSON.stringify(ep.peers);
    const entry = byPeers.get(key) ?? { peers: ep.peers, ports: new Set<number>() };
    ep.ports.forEach((p) => entry.ports.add(p));
    byPeers.set(key, entry);
  }
  for (const [, { peers, ports }] of [...byPeers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    rules.push({ to: peers.map(peer), ports: [...ports].sort((a, b) => a - b).map((n) => port('TCP', n)) });
  }
  if (process === 'kube-api') rules.push({ to: plan.apiServer.map(peer), ports: KUBE_API_PORTS.map((n) => port('TCP', n)) });
  // every port: other servers federate from any port they choose
  if (plan.federating.includes(process)) rules.push({ to: plan.internet.map(peer) });
  return rules;
}

interface PolicyProps {
  readonly model: InstanceModel;
  readonly id: InstanceIdentity;
}

/** where web and streaming are reached from: the gateway namespaces, or the ingress controller's pods */
function controllerPeers(m: InstanceModel, component: 'web' | 'streaming'): k8s.NetworkPolicyPeer[] {
  const g = m.def.traffic.gateway;
  if (!g) {
    const c = m.ingressController;
    if (!c) return [];
    return [{ ...namespacePeer(c.namespace), ...(Object.keys(c.podLabels).length ? { podSelector: { matchLabels: { ...c.podLabels } } } : {}) }];
  }
  const namespaces = [g, ...g.extraParents, ...(component === 'streaming' ? (g.streamingParents ?? []) : [])].map((p) => p.namespace);
  return [...new Set(namespaces)].sort().map(namespacePeer);
}

function policy(scope: Construct, props: PolicyProps, name: string, component: string, podSelector: k8s.LabelSelector, ingress: k8s.NetworkPolicyIngressRule[], egress?: k8s.NetworkPolicyEgressRule[]) {
  new L1.KubeNetworkPolicy(scope, name, {
    metadata: metadata(props.id, `${props.model.name}-${name}`, component),
    spec: { podSelector, policyTypes: egress ? ['Ingress', 'Egress'] : ['Ingress'], ingress, egress },
  });
}

/** Prometheus scrapes a port of each pod, from its namespace only. */
function metricsRule(m: InstanceModel, metricsPort: number): k8s.NetworkPolicyIngressRule[] {
  return m.def.metrics.prometheus ? [{ from: [namespacePeer(m.def.metrics.prometheusNamespace)], ports: [port('TCP', metricsPort)] }] : [];
}

/** The long-running processes (app stage): web, streaming, each Sidekiq group. */
export class ProcessPolicies extends Construct {
  constructor(scope: Construct, id: string, props: PolicyProps) {
    super(scope, id);
    const m = props.model;
    const egress = (p: EgressProcess) => (m.egress ? egressRules(m, p) : undefined);
    const exporterPort = m.def.metrics.exporterPort;
    // web is scraped through its exporter sidecar, streaming on its own port
    policy(this, props, 'web', 'web', { matchLabels: selectorLabels(props.id, 'web') }, [{ from: controllerPeers(m, 'web'), ports: [port('TCP', WEB_PORT)] }, ...metricsRule(m, exporterPort)], egress('web'));
    policy(this, props, 'streaming', 'streaming', { matchLabels: selectorLabels(props.id, 'streaming') }, [{ from: controllerPeers(m, 'streaming'), ports: [port('TCP', STREAMING_PORT)] }, ...metricsRule(m, STREAMING_PORT)], egress('streaming'));
    for (const g of m.sidekiqGroups) {
      const component = `sidekiq-${g.name}`;
      policy(this, props, component, component, { matchLabels: selectorLabels(props.id, component) }, metricsRule(m, exporterPort), egress('sidekiq'));
    }
  }
}

/** The Job and CronJob pods (base stage, so they are in place before the first Job starts): no one connects to them. */
export class JobPolicies extends Construct {
  constructor(scope: Construct, id: string, props: PolicyProps) {
    super(scope, id);
    const m = props.model;
    const selector = (components: readonly string[]): k8s.LabelSelector => ({
      matchLabels: { 'app.kubernetes.io/name': 'mastodon', 'app.kubernetes.io/instance': props.id.instance },
      matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: [...components] }],
    });
    policy(this, props, 'jobs', 'jobs', selector(RAILS_TASK_COMPONENTS), [], m.egress ? egressRules(m, 'job') : undefined);
    if (m.downtimeUpgrade) policy(this, props, 'kube-api', 'upgrade', selector(KUBE_API_COMPONENTS), [], m.egress ? egressRules(m, 'kube-api') : undefined);
  }
}
