/** Building blocks every Mastodon workload shares: labels, hardening, spreading, disruption budgets, autoscaling. */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { k8s } from 'cdk8s-plus-28';
import { PodResources, Resources, SPREAD_DEFAULT, SpreadMode } from '../definition/schema';

export const MANAGED_BY = 'mastodon-cdk8s';
/** Puma's and streaming's ports, behind their Services */
export const WEB_PORT = 3000;
export const STREAMING_PORT = 4000;
/** container port names: Services, probes and PodMonitors refer to ports by these names */
export const PORT_NAMES = { http: 'http', metrics: 'metrics' } as const;
/** uid/gid of the `mastodon` user in the official images */
export const MASTODON_UID = 991;
export const MEDIA_VOLUME_LABEL = 'mastodon.cdk8s/media-volume';

/** Identity of one instance: used for names, labels and namespaces. */
export interface InstanceIdentity {
  /** instance name, prefix of every object name */
  readonly instance: string;
  /** @default - the Chart's namespace */
  readonly namespace?: string;
  /** image tag, e.g. v4.5.6 */
  readonly version: string;
}

/** Selector labels: stable across versions (selectors are immutable). */
export function selectorLabels(id: InstanceIdentity, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'mastodon',
    'app.kubernetes.io/instance': id.instance,
    'app.kubernetes.io/component': component,
  };
}

/** The standard app.kubernetes.io label set for an object of a component. */
export function standardLabels(id: InstanceIdentity, component: string): Record<string, string> {
  return {
    ...selectorLabels(id, component),
    'app.kubernetes.io/version': id.version,
    'app.kubernetes.io/part-of': 'mastodon',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

export function metadata(id: InstanceIdentity, name: string, component: string, extra: Partial<k8s.ObjectMeta> = {}): k8s.ObjectMeta & { readonly labels: Record<string, string> } {
  return { name, namespace: id.namespace, ...extra, labels: { ...standardLabels(id, component), ...(extra.labels ?? {}) } };
}

/** A container's size; without ephemeral storage only for the operators' resources. */
export type ContainerSize = Resources & Partial<Pick<PodResources, 'ephemeralStorage' | 'ephemeralStorageLimit'>>;

/** Size of the small helper containers (copying tmp/, waiting, scaling): a little of everything. */
export const HELPER_RESOURCES: PodResources = { cpu: '50m', memory: '64Mi', memoryLimit: '128Mi', ephemeralStorage: '16Mi', ephemeralStorageLimit: '64Mi' };

export function resourceRequirements(r: ContainerSize): k8s.ResourceRequirements {
  const q = k8s.Quantity.fromString;
  const requests: Record<string, k8s.Quantity> = { cpu: q(r.cpu), memory: q(r.memory) };
  const limits: Record<string, k8s.Quantity> = { memory: q(r.memoryLimit) };
  if (r.cpuLimit) limits.cpu = q(r.cpuLimit);
  if (r.ephemeralStorage) requests['ephemeral-storage'] = q(r.ephemeralStorage);
  if (r.ephemeralStorageLimit) limits['ephemeral-storage'] = q(r.ephemeralStorageLimit);
  return { requests, limits };
}

/** Container hardening: nothing the Mastodon processes need is given up. */
export const CONTAINER_SECURITY: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

export const POD_SECURITY: k8s.PodSecurityContext = {
  runAsUser: MASTODON_UID,
  runAsGroup: MASTODON_UID,
  fsGroup: MASTODON_UID,
  fsGroupChangePolicy: 'OnRootMismatch',
  runAsNonRoot: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Writable scratch space for a read-only root filesystem, each volume bounded so it cannot fill the node's disk. */
export function scratchVolumes(mounts: Record<string, string>, sizeLimit: string): { volumes: k8s.Volume[]; volumeMounts: k8s.VolumeMount[] } {
  const entries = Object.entries(mounts);
  return {
    volumes: entries.map(([name]) => ({ name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } })),
    volumeMounts: entries.map(([name, mountPath]) => ({ name, mountPath })),
  };
}

export interface SpreadOptions {
  readonly zone: SpreadMode;
  readonly node: SpreadMode;
}

/** The well-known node labels replicas are spread over. */
export const TOPOLOGY_KEYS = { zone: 'topology.kubernetes.io/zone', node: 'kubernetes.io/hostname' } as const;

/** The definition's default (scheduling.zoneSpread and nodeSpread), also of every construct used on its own. */
export const DEFAULT_SPREAD: SpreadOptions = { zone: SPREAD_DEFAULT, node: SPREAD_DEFAULT };

/** The spreading a definition's scheduling section asks for. */
export function spreadOf(scheduling: { readonly zoneSpread: SpreadMode; readonly nodeSpread: SpreadMode }): SpreadOptions {
  return { zone: scheduling.zoneSpread, node: scheduling.nodeSpread };
}

/** One spreading constraint; `rollouts` adds matchLabelKeys for Deployments' pods (see topologySpread). */
export function spreadConstraint(domain: keyof typeof TOPOLOGY_KEYS, mode: SpreadMode, selector: Record<string, string>, rollouts: boolean): k8s.TopologySpreadConstraint {
  return {
    topologyKey: TOPOLOGY_KEYS[domain],
    maxSkew: 1,
    whenUnsatisfiable: mode === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    // operators' pods (rollouts = false) have no ReplicaSet hash to tell rollouts apart
    ...(rollouts ? { matchLabelKeys: ['pod-template-hash'] } : {}),
    nodeTaintsPolicy: 'Honor',
  };
}

/**
 * Replicas across zones and nodes; matchLabelKeys keeps old and new ReplicaSets apart during a rollout.
 * nodeTaintsPolicy Honor leaves nodes the pod cannot run on (an unreachable zone's, tainted by the node
 * controller) out of the skew: otherwise a lost zone counts as an empty domain and, with required
 * spreading, no replacement may be scheduled in the zones that are left (seen on a real control plane).
 */
export function topologySpread(selector: Record<string, string>, spread: SpreadOptions, rollouts = true): k8s.TopologySpreadConstraint[] {
  return [spreadConstraint('zone', spread.zone, selector, rollouts), spreadConstraint('node', spread.node, selector, rollouts)];
}

export interface DisruptionBudgetProps {
  readonly id: InstanceIdentity;
  readonly name: string;
  readonly component: string;
}

/** At most one pod of the component down at a time for voluntary disruptions (drains, upgrades). */
export function disruptionBudget(scope: Construct, props: DisruptionBudgetProps): k8s.KubePodDisruptionBudget {
  return new L1.KubePodDisruptionBudget(scope, 'pdb', {
    metadata: metadata(props.id, props.name, props.component),
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: selectorLabels(props.id, props.component) },
    },
  });
}

export interface AutoscalerProps {
  readonly id: InstanceIdentity;
  readonly name: string;
  readonly component: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuPercent: number;
  /** @default - memory is not a scaling signal */
  readonly targetMemoryPercent?: number;
}

/** Scale up at once for a viral post, down slowly so a burst does not flap. */
export const SCALING_BEHAVIOR = {
  scaleUp: { stabilizationWindowSeconds: 0 },
  scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
};

export function autoscaler(scope: Construct, props: AutoscalerProps): k8s.KubeHorizontalPodAutoscalerV2 {
  const metric = (name: string, averageUtilization: number): k8s.MetricSpecV2 => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  const metrics = [metric('cpu', props.targetCpuPercent)];
  if (props.targetMemoryPercent !== undefined) metrics.push(metric('memory', props.targetMemoryPercent));
  return new L1.KubeHorizontalPodAutoscalerV2(scope, 'hpa', {
    metadata: metadata(props.id, props.name, props.component),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.name },
      minReplicas: props.minReplicas,
      maxReplicas: props.maxReplicas,
      metrics,
      behavior: SCALING_BEHAVIOR,
    },
  });
}

export interface ServiceSettings {
  readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  readonly annotations: Readonly<Record<string, string>>;
  readonly ipFamilyPolicy?: string;
  readonly ipFamilies?: readonly string[];
}

/** A Service in front of a component's `http` container port. */
export function httpService(scope: Construct, id: InstanceIdentity, name: string, component: string, port: number, settings: ServiceSettings): k8s.KubeService {
  return new L1.KubeService(scope, 'service', {
    metadata: metadata(id, name, component, Object.keys(settings.annotations).length ? { annotations: { ...settings.annotations } } : {}),
    spec: {
      type: settings.type,
      ipFamilyPolicy: settings.ipFamilyPolicy,
      ipFamilies: settings.ipFamilies ? [...settings.ipFamilies] : undefined,
      selector: selectorLabels(id, component),
      ports: [{ name: PORT_NAMES.http, port, targetPort: k8s.IntOrString.fromString(PORT_NAMES.http), protocol: 'TCP' }],
    },
  });
}
