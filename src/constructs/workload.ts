/** A long-running Mastodon process: Deployment, plus its disruption budget and autoscaler when it has several replicas. */
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import {
  CONTAINER_SECURITY,
  HELPER_RESOURCES,
  InstanceIdentity,
  MEDIA_VOLUME_LABEL,
  POD_SECURITY,
  SpreadOptions,
  scratchVolumes,
  autoscaler,
  disruptionBudget,
  metadata,
  resourceRequirements,
  selectorLabels,
  topologySpread,
} from './common';
import { Instance, PodPlacement, PodResources } from '../definition/schema';
import { InstanceModel } from '../model/model';
import { MastodonEnvironment, ProcessKind } from './environment';

export interface MastodonDeploymentProps {
  readonly id: InstanceIdentity;
  /** object name, e.g. `<instance>-web` */
  readonly name: string;
  /** app.kubernetes.io/component */
  readonly component: string;
  /** replicas, or the HPA minimum when maxReplicas is set */
  readonly replicas: number;
  /** @default - no autoscaling */
  readonly maxReplicas?: number;
  /** @default 70 */
  readonly targetCpuPercent?: number;
  /** who scales between replicas and maxReplicas: an HPA emitted here, or something else (KEDA) @default 'hpa' */
  readonly scaler?: 'hpa' | 'external';
  /** @default - memory is not a scaling signal */
  readonly targetMemoryPercent?: number;
  readonly containers: k8s.Container[];
  /** run in order before the containers @default [] */
  readonly initContainers?: k8s.Container[];
  /** @default [] */
  readonly volumes?: k8s.Volume[];
  /** Recreate guarantees never two pods at once (the Sidekiq scheduler); RollingUpdate never drops capacity. */
  readonly strategy: 'RollingUpdate' | 'Recreate';
  readonly terminationGracePeriodSeconds: number;
  /** @default - no spreading (single replica or pinned to one node) */
  readonly spread?: SpreadOptions;
  /** @default - no affinity */
  readonly affinity?: k8s.Affinity;
  /** the definition's placement and additions for this component @default {} */
  readonly placement?: PodPlacement;
  /** the definition's scheduling section (node-loss tolerations) */
  readonly scheduling: Instance['scheduling'];
  /** annotations of the pod template (config checksum, ...) @default {} */
  readonly podAnnotations?: Record<string, string>;
  /** extra pod labels @default {} */
  readonly podLabels?: Record<string, string>;
  /** @default [] */
  readonly imagePullSecrets?: readonly string[];
  /** size of the main container: sidecars and extra emptyDir volumes without their own bound get its ephemeral storage */
  readonly size: PodResources;
}

export class MastodonDeployment extends Construct {
  readonly deployment: k8s.KubeDeployment;
  readonly autoscaled: boolean;

  constructor(scope: Construct, id: string, props: MastodonDeploymentProps) {
    super(scope, id);
    const selector = selectorLabels(props.id, props.component);
    const placement = props.placement ?? {};
    const podMeta = metadata(props.id, props.name, props.component, { labels: { ...placement.podLabels, ...props.podLabels } });
    const podAnnotations = { ...placement.podAnnotations, ...props.podAnnotations };
    const highestReplicas = props.maxReplicas ?? props.replicas;
    this.autoscaled = props.maxReplicas !== undefined;

    this.deployment = new k8s.KubeDeployment(this, 'deployment', {
      metadata: metadata(props.id, props.name, props.component),
      spec: {
        // with an HPA the replica count belongs to it: leaving it out keeps Flux from resetting it
        replicas: this.autoscaled ? undefined : props.replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        strategy:
          props.strategy === 'Recreate'
            ? { type: 'Recreate' }
            : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
        template: {
          metadata: { labels: podMeta.labels, annotations: Object.keys(podAnnotations).length ? podAnnotations : undefined },
          spec: {
            serviceAccountName: placement.serviceAccount?.name,
            automountServiceAccountToken: placement.serviceAccount?.automountToken ?? false,
            enableServiceLinks: false,
            securityContext: POD_SECURITY,
            terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
            imagePullSecrets: props.imagePullSecrets?.length ? props.imagePullSecrets.map((name) => ({ name })) : undefined,
            ...typedPlacement(placement, props.scheduling),
            affinity: props.affinity,
            topologySpreadConstraints: props.spread && highestReplicas >= 2 ? topologySpread(selector, props.spread) : undefined,
            initContainers: props.initContainers?.length ? props.initContainers : undefined,
            containers: props.containers,
            volumes: props.volumes?.length ? props.volumes : undefined,
          },
        },
      },
    });
    addToPod(this.deployment, '/spec/template/spec', placement, { affinity: props.affinity, hasInitContainers: (props.initContainers?.length ?? 0) > 0, hasVolumes: (props.volumes?.length ?? 0) > 0, size: props.size });

    if (props.replicas >= 2) {
      disruptionBudget(this, { id: props.id, name: props.name, component: props.component });
    }
    if (props.maxReplicas !== undefined && props.scaler !== 'external') {
      autoscaler(this, {
        id: props.id,
        name: props.name,
        component: props.component,
        minReplicas: props.replicas,
        maxReplicas: props.maxReplicas,
        targetCpuPercent: props.targetCpuPercent ?? 70,
        targetMemoryPercent: props.targetMemoryPercent,
      });
    }
  }
}

export interface MastodonContainerProps {
  readonly name: string;
  readonly image: string;
  readonly pullPolicy: string;
  /** @default - the image's CMD */
  readonly args?: string[];
  readonly env: k8s.EnvVar[];
  readonly envFrom: k8s.EnvFromSource[];
  readonly resources: k8s.ResourceRequirements;
  /** @default [] */
  readonly ports?: k8s.ContainerPort[];
  /** @default [] */
  readonly volumeMounts?: k8s.VolumeMount[];
  readonly startupProbe?: k8s.Probe;
  readonly readinessProbe?: k8s.Probe;
  readonly livenessProbe?: k8s.Probe;
  /** seconds to keep serving after the pod is marked terminating, so the ingress stops routing to it first @default - none */
  readonly preStopSleepSeconds?: number;
}

/** A hardened container. `args` keeps the image's tini entrypoint, which reaps zombies and forwards signals. */
export function mastodonContainer(props: MastodonContainerProps): k8s.Container {
  return {
    name: props.name,
    image: props.image,
    imagePullPolicy: props.pullPolicy,
    args: props.args,
    env: props.env.length ? props.env : undefined,
    envFrom: props.envFrom.length ? props.envFrom : undefined,
    ports: props.ports?.length ? props.ports : undefined,
    resources: props.resources,
    securityContext: CONTAINER_SECURITY,
    startupProbe: props.startupProbe,
    readinessProbe: props.readinessProbe,
    livenessProbe: props.livenessProbe,
    lifecycle: props.preStopSleepSeconds ? { preStop: { exec: { command: ['sleep', String(props.preStopSleepSeconds)] } } } : undefined,
    volumeMounts: props.volumeMounts?.length ? props.volumeMounts : undefined,
  };
}

export function httpProbe(path: string, port: string, periodSeconds: number, failureThreshold: number, timeoutSeconds = 3): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(port) }, periodSeconds, failureThreshold, timeoutSeconds };
}

/** What every Mastodon process construct receives. */
export interface MastodonProcessProps {
  readonly model: InstanceModel;
  readonly environment: MastodonEnvironment;
  readonly id: InstanceIdentity;
  /** PersistentVolumeClaim holding local media @default - media on object storage */
  readonly mediaClaim?: string;
}

/** Rails' tmp/: writable (pids, Sidekiq ready file) and holding the image's precompiled bootsnap cache. */
export const RAILS_TMP = '/opt/mastodon/tmp';
/** The scratch volumes of every Rails pod (processes and Jobs). */
export const RAILS_SCRATCH = { tmp: RAILS_TMP, 'tmp-root': '/tmp' };
const SEED_RESOURCES = { ...HELPER_RESOURCES, cpu: '100m' };

/**
 * The image precompiles a bootsnap cache into tmp/cache; the empty volume that keeps tmp/ writable
 * under a read-only root would hide it and every Rails process would boot cold. Copy the image's
 * tmp/ into the volume first (nothing to copy in an image without it).
 */
export function seedTmpContainer(image: string, pullPolicy: string): k8s.Container {
  return mastodonContainer({
    name: 'seed-tmp',
    image,
    pullPolicy,
    args: ['sh', '-c', `[ ! -d ${RAILS_TMP} ] || cp -a ${RAILS_TMP}/. /seed/`],
    env: [],
    envFrom: [],
    resources: resourceRequirements(SEED_RESOURCES),
    volumeMounts: [{ name: 'tmp', mountPath: '/seed' }],
  });
}

/** A ReadWriteOnce volume attaches to one node: every pod that mounts it must run where the others do. */
export function mediaVolumeAffinity(claim: string): k8s.Affinity {
  return {
    podAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { [MEDIA_VOLUME_LABEL]: claim } } }],
    },
  };
}

/** Pod-level settings shared by web and Sidekiq (which may mount local media) and streaming. */
export function processPodSettings(props: MastodonProcessProps, kind: ProcessKind, resources: PodResources, image = props.model.images.rails) {
  const m = props.model;
  const scratch = scratchVolumes(RAILS_SCRATCH, resources.ephemeralStorageLimit);
  const extra = props.environment.processVolumes(kind, props.mediaClaim);
  const pinned = m.mediaPinnedToOneNode && (kind === 'web' || kind === 'sidekiq');
  const podLabels: Record<string, string> = pinned ? { [MEDIA_VOLUME_LABEL]: props.mediaClaim! } : {};
  const affinity = pinned ? mediaVolumeAffinity(props.mediaClaim!) : undefined;
  return {
    volumes: [...scratch.volumes, ...extra.volumes],
    volumeMounts: [...scratch.volumeMounts, ...extra.mounts],
    initContainers: kind === 'streaming' ? [] : [seedTmpContainer(image, m.def.image.pullPolicy)],
    podLabels,
    affinity,
    spread: pinned ? undefined : { zone: m.def.scheduling.zoneSpread, node: m.def.scheduling.nodeSpread },
    imagePullSecrets: m.def.image.pullSecrets,
    podAnnotations: { 'checksum/config': props.environment.checksum },
  };
}

/** The taints a lost node gets: a pod tolerating them stays bound to it, so each pod says for how long. */
export const NODE_LOSS_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'] as const;

/**
 * The definition's typed placement fields, as PodSpec fields (copied: the definition is read-only),
 * and the node-loss tolerations every pod gets, unless the component tolerates that taint itself.
 */
export function typedPlacement(p: PodPlacement, scheduling: Instance['scheduling']): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'priorityClassName' | 'hostAliases'> {
  const own = p.tolerations ?? [];
  const nodeLoss = NODE_LOSS_TAINTS.filter((key) => !own.some((t) => t.key === key)).map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds: scheduling.nodeLossTolerationSeconds,
  }));
  return {
    nodeSelector: p.nodeSelector ? { ...p.nodeSelector } : undefined,
    tolerations: [...own.map((t) => ({ ...t })), ...nodeLoss],
    priorityClassName: p.priorityClassName,
    hostAliases: p.hostAliases?.map((h) => ({ ip: h.ip, hostnames: [...h.hostnames] })),
  };
}

/** The definition's extra environment of one component, after the generated variables. */
export function extraEnvOf(p: PodPlacement): { env: k8s.EnvVar[]; envFrom: k8s.EnvFromSource[] } {
  return {
    env: Object.keys(p.extraEnv ?? {}).sort().map((name) => ({ name, value: p.extraEnv![name] })),
    envFrom: (p.envFrom ?? []).map((e) => (e.configMap ? { configMapRef: { name: e.configMap } } : { secretRef: { name: e.secret! } })),
  };
}

const RAW_PATCHES = new WeakMap<ApiObject, JsonPatch[]>();

/**
 * A JSON patch applied to an L1 object's final JSON. The L1 classes run their JSON through typed
 * mappers after ordinary patches, which drops fields they do not know and turns plain quantities
 * into nothing; these patches come after that, so what they add reaches the output as written.
 */
function addRawPatch(obj: ApiObject, patch: JsonPatch): void {
  let patches = RAW_PATCHES.get(obj);
  if (!patches) {
    const list: JsonPatch[] = (patches = []);
    RAW_PATCHES.set(obj, list);
    const typed = obj.toJson.bind(obj);
    obj.toJson = () => JsonPatch.apply(typed(), ...list);
  }
  patches.push(patch);
}

/**
 * Kubernetes structures the definition gives as written (affinity, volumes, sidecars) are added by
 * raw JSON patch, so they reach the output unchanged, where the strict schema gate checks every field.
 */
export function addToPod(obj: ApiObject, podPath: string, p: PodPlacement, generated: { affinity?: k8s.Affinity; hasInitContainers: boolean; hasVolumes: boolean; size: PodResources }): void {
  const affinity = mergeAffinity(generated.affinity, p.affinity);
  if (affinity) addRawPatch(obj, JsonPatch.add(`${podPath}/affinity`, affinity));
  // scratch space is bounded everywhere: what the definition leaves unbounded gets the component's bound
  const ephemeral = { request: generated.size.ephemeralStorage, limit: generated.size.ephemeralStorageLimit };
  const volumes = (p.extraVolumes ?? []).map((v) => (v.emptyDir && v.emptyDir.sizeLimit === undefined ? { ...v, emptyDir: { ...v.emptyDir, sizeLimit: ephemeral.limit } } : v));
  const bounded = (c: k8s.Container): k8s.Container => {
    const r = (c.resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    return { ...c, resources: { ...r, requests: { 'ephemeral-storage': ephemeral.request, ...r.requests }, limits: { 'ephemeral-storage': ephemeral.limit, ...r.limits } } } as unknown as k8s.Container;
  };
  if (volumes.length) {
    if (generated.hasVolumes) volumes.forEach((v) => addRawPatch(obj, JsonPatch.add(`${podPath}/volumes/-`, v)));
    else addRawPatch(obj, JsonPatch.add(`${podPath}/volumes`, volumes));
  }
  for (const m of p.extraVolumeMounts ?? []) addRawPatch(obj, JsonPatch.add(`${podPath}/containers/0/volumeMounts/-`, m));
  // sidecars are hardened like every container unless they say otherwise
  for (const c of p.sidecars ?? []) addRawPatch(obj, JsonPatch.add(`${podPath}/containers/-`, { ...bounded(c), securityContext: { ...CONTAINER_SECURITY, ...c.securityContext } }));
  const inits = (p.extraInitContainers ?? []).map((c) => ({ ...bounded(c), securityContext: { ...CONTAINER_SECURITY, ...c.securityContext } }));
  if (inits.length && generated.hasInitContainers) inits.forEach((c, i) => addRawPatch(obj, JsonPatch.add(`${podPath}/initContainers/${i}`, c)));
  else if (inits.length) addRawPatch(obj, JsonPatch.add(`${podPath}/initContainers`, inits));
}

/** The generated affinity (a ReadWriteOnce media volume) and the definition's, both kept. */
function mergeAffinity(generated: k8s.Affinity | undefined, own: k8s.Affinity | undefined): unknown {
  if (!own) return undefined; // the generated one alone is already in the typed spec
  const required = [...(generated?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(own.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])];
  const podAffinity = required.length ? { ...own.podAffinity, requiredDuringSchedulingIgnoredDuringExecution: required } : own.podAffinity;
  return { ...own, ...(podAffinity ? { podAffinity } : {}) };
}
