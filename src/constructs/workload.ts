/** A long-running Mastodon process: Deployment, plus its disruption budget and autoscaler when it has several replicas. */
import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as L1 from './objects';
import { PatchesLast } from './objects';
import { k8s } from 'cdk8s-plus-28';
import {
  CONTAINER_SECURITY,
  HELPER_RESOURCES,
  InstanceIdentity,
  MEDIA_VOLUME_LABEL,
  POD_SECURITY,
  SpreadOptions,
  TOPOLOGY_KEYS,
  scratchVolumes,
  autoscaler,
  disruptionBudget,
  metadata,
  resourceRequirements,
  selectorLabels,
  spreadOf,
  topologySpread,
} from './common';
import { Instance, PodPlacement, PodResources } from '../definition/schema';
import { InstanceModel, placementProblems } from '../model/model';
import { VersionFacts, factsFor, formatVersion, parseVersion, supportedRange } from '../model/versions';
import { Problem, show } from '../definition/problems';
import { checkObjects, refuse } from './checks';
import { Schema } from '../definition/schema-builder';
import { checkPart } from '../definition/load';
import { MastodonEnvironment, ProcessKind, metricsPortOf } from './environment';

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
  readonly scheduling: Pick<Instance['scheduling'], 'unreachableTolerationSeconds' | 'notReadyTolerationSeconds'>;
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
  /** the Deployment (the primary child, `Resource`) */
  readonly deployment: k8s.KubeDeployment & PatchesLast;
  /** with 2 or more replicas @default - none */
  readonly disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** with maxReplicas and the HPA as scaler @default - none */
  readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  readonly autoscaled: boolean;

  constructor(scope: Construct, id: string, props: MastodonDeploymentProps) {
    super(scope, id);
    const selector = selectorLabels(props.id, props.component);
    const placement = props.placement ?? {};
    const podMeta = metadata(props.id, props.name, props.component, { labels: { ...placement.podLabels, ...props.podLabels } });
    const podAnnotations = { ...placement.podAnnotations, ...props.podAnnotations };
    const highestReplicas = props.maxReplicas ?? props.replicas;
    this.autoscaled = props.maxReplicas !== undefined;
    checkObjects(this);

    this.deployment = new L1.KubeDeployment(this, 'Resource', {
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
      this.disruptionBudget = disruptionBudget(this, { id: props.id, name: props.name, component: props.component });
    }
    if (props.maxReplicas !== undefined && props.scaler !== 'external') {
      this.autoscaler = autoscaler(this, {
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
      requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: TOPOLOGY_KEYS.node, labelSelector: { matchLabels: { [MEDIA_VOLUME_LABEL]: claim } } }],
    },
  };
}

/**
 * What a Mastodon process takes from its instance's shared configuration. `MastodonEnvironment` implements it;
 * `ProcessEnvironment.fromSources()` wraps the ConfigMaps and Secrets of an instance deployed otherwise (e.g. by the Helm chart).
 */
export interface IProcessEnvironment {
  /** ConfigMaps and Secrets every container reads whole */
  envFrom(): k8s.EnvFromSource[];
  /** variables of one process kind (credentials, database and Redis wiring) */
  env(kind: ProcessKind): k8s.EnvVar[];
  /** volumes besides scratch space: CA bundles, local media */
  processVolumes(kind: ProcessKind, mediaClaim?: string): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] };
  /** changes whenever the configuration changes, so pods roll @default - pods do not roll on configuration changes */
  readonly checksum?: string;
}

export interface ProcessEnvironmentSources {
  /** ConfigMaps read whole by every container, in order @default [] */
  readonly configMaps?: readonly string[];
  /** Secrets read whole by every container, after the ConfigMaps @default [] */
  readonly secrets?: readonly string[];
  /** more variables @default {} */
  readonly env?: Readonly<Record<string, string>>;
}

export class ProcessEnvironment {
  /** The configuration of an instance deployed otherwise: whole ConfigMaps and Secrets (e.g. the Helm chart's `<release>-env` and `<release>`). */
  static fromSources(sources: ProcessEnvironmentSources): IProcessEnvironment {
    const env = Object.keys(sources.env ?? {}).sort().map((name) => ({ name, value: sources.env?.[name] }));
    return {
      envFrom: () => [...(sources.configMaps ?? []).map((name) => ({ configMapRef: { name } })), ...(sources.secrets ?? []).map((name) => ({ secretRef: { name } }))],
      env: () => env.map((e) => ({ ...e })),
      processVolumes: () => ({ volumes: [], mounts: [] }),
    };
  }
}

export interface PodSettingsOptions {
  readonly environment: IProcessEnvironment;
  readonly kind: ProcessKind;
  readonly resources: PodResources;
  /** the image the seed-tmp init container copies tmp/ from */
  readonly image: string;
  readonly pullPolicy: string;
  readonly spread: SpreadOptions;
  /** @default - media on object storage */
  readonly mediaClaim?: string;
  /** the media volume is ReadWriteOnce: pods that mount it share one node @default false */
  readonly mediaPinned?: boolean;
  /** @default [] */
  readonly imagePullSecrets?: readonly string[];
}

/** Pod-level settings shared by web and Sidekiq (which may mount local media) and streaming. */
export function podSettings(o: PodSettingsOptions) {
  const scratch = scratchVolumes(RAILS_SCRATCH, o.resources.ephemeralStorageLimit);
  const extra = o.environment.processVolumes(o.kind, o.mediaClaim);
  const pinnedClaim = o.mediaPinned && (o.kind === 'web' || o.kind === 'sidekiq') ? o.mediaClaim : undefined;
  const podLabels: Record<string, string> = pinnedClaim ? { [MEDIA_VOLUME_LABEL]: pinnedClaim } : {};
  return {
    volumes: [...scratch.volumes, ...extra.volumes],
    volumeMounts: [...scratch.volumeMounts, ...extra.mounts],
    initContainers: o.kind === 'streaming' ? [] : [seedTmpContainer(o.image, o.pullPolicy)],
    podLabels,
    affinity: pinnedClaim ? mediaVolumeAffinity(pinnedClaim) : undefined,
    spread: pinnedClaim ? undefined : o.spread,
    imagePullSecrets: o.imagePullSecrets,
    podAnnotations: (o.environment.checksum ? { 'checksum/config': o.environment.checksum } : {}) as Record<string, string>,
  };
}

/** podSettings of a process of a validated instance */
export function processPodSettings(props: MastodonProcessProps, kind: ProcessKind, resources: PodResources, image = props.model.images.rails) {
  const m = props.model;
  return podSettings({
    environment: props.environment,
    kind,
    resources,
    image,
    pullPolicy: m.def.image.pullPolicy,
    spread: spreadOf(m.def.scheduling),
    mediaClaim: props.mediaClaim,
    mediaPinned: m.mediaPinnedToOneNode,
    imagePullSecrets: m.def.image.pullSecrets,
  });
}

/** The taints a lost node gets, and the definition's seconds for each: a pod tolerating them stays bound to it, so each pod says for how long. */
export const NODE_LOSS_TAINTS = { 'node.kubernetes.io/not-ready': 'notReadyTolerationSeconds', 'node.kubernetes.io/unreachable': 'unreachableTolerationSeconds' } as const;

/**
 * The definition's typed placement fields, as PodSpec fields (copied: the definition is read-only),
 * and the node-loss tolerations every pod gets, unless the component tolerates that taint itself.
 */
export function typedPlacement(p: PodPlacement, scheduling: Pick<Instance['scheduling'], 'unreachableTolerationSeconds' | 'notReadyTolerationSeconds'>): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'priorityClassName' | 'hostAliases'> {
  const own = p.tolerations ?? [];
  const nodeLoss = Object.entries(NODE_LOSS_TAINTS)
    .filter(([key]) => !own.some((t) => t.key === key))
    .map(([key, field]) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: scheduling[field] }));
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
    env: Object.entries(p.extraEnv ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value })),
    // each source names exactly one of configMap and secret (placementProblems)
    envFrom: (p.envFrom ?? []).map((e) => (e.configMap ? { configMapRef: { name: e.configMap } } : { secretRef: { name: e.secret } })),
  };
}

/**
 * Kubernetes structures the definition gives as written (affinity, volumes, sidecars) are added by
 * raw JSON patch (src/constructs/objects.ts), so they reach the output unchanged, where the strict schema gate checks every field.
 */
export function addToPod(obj: PatchesLast, podPath: string, p: PodPlacement, generated: { affinity?: k8s.Affinity; hasInitContainers: boolean; hasVolumes: boolean; size: PodResources }): void {
  const affinity = mergeAffinity(generated.affinity, p.affinity);
  if (affinity) obj.addRawJsonPatch(JsonPatch.add(`${podPath}/affinity`, affinity));
  // scratch space is bounded everywhere: what the definition leaves unbounded gets the component's bound
  const ephemeral = { request: generated.size.ephemeralStorage, limit: generated.size.ephemeralStorageLimit };
  const volumes = (p.extraVolumes ?? []).map((v) => (v.emptyDir && v.emptyDir.sizeLimit === undefined ? { ...v, emptyDir: { ...v.emptyDir, sizeLimit: ephemeral.limit } } : v));
  const bounded = (c: k8s.Container): k8s.Container => {
    const r = (c.resources ?? {}) as { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    return { ...c, resources: { ...r, requests: { 'ephemeral-storage': ephemeral.request, ...r.requests }, limits: { 'ephemeral-storage': ephemeral.limit, ...r.limits } } } as unknown as k8s.Container;
  };
  if (volumes.length) {
    if (generated.hasVolumes) volumes.forEach((v) => obj.addRawJsonPatch(JsonPatch.add(`${podPath}/volumes/-`, v)));
    else obj.addRawJsonPatch(JsonPatch.add(`${podPath}/volumes`, volumes));
  }
  for (const m of p.extraVolumeMounts ?? []) obj.addRawJsonPatch(JsonPatch.add(`${podPath}/containers/0/volumeMounts/-`, m));
  // sidecars are hardened like every container unless they say otherwise
  for (const c of p.sidecars ?? []) obj.addRawJsonPatch(JsonPatch.add(`${podPath}/containers/-`, { ...bounded(c), securityContext: { ...CONTAINER_SECURITY, ...c.securityContext } }));
  const inits = (p.extraInitContainers ?? []).map((c) => ({ ...bounded(c), securityContext: { ...CONTAINER_SECURITY, ...c.securityContext } }));
  if (inits.length && generated.hasInitContainers) inits.forEach((c, i) => obj.addRawJsonPatch(JsonPatch.add(`${podPath}/initContainers/${i}`, c)));
  else if (inits.length) obj.addRawJsonPatch(JsonPatch.add(`${podPath}/initContainers`, inits));
}

/** The generated affinity (a ReadWriteOnce media volume) and the definition's, both kept. */
function mergeAffinity(generated: k8s.Affinity | undefined, own: k8s.Affinity | undefined): unknown {
  if (!own) return undefined; // the generated one alone is already in the typed spec
  const required = [...(generated?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(own.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [])];
  const podAffinity = required.length ? { ...own.podAffinity, requiredDuringSchedulingIgnoredDuringExecution: required } : own.podAffinity;
  return { ...own, ...(podAffinity ? { podAffinity } : {}) };
}

/** What a Mastodon process construct used on its own takes besides its component's definition fields. */
export interface ProcessProps extends PodPlacement {
  /** the instance: prefix of every object name and app.kubernetes.io/instance */
  readonly instance: string;
  /** the Mastodon release, e.g. 4.5.6: the default image tag and the version label */
  readonly version: string;
  /** what every Mastodon process reads: the instance's `MastodonEnvironment`, or `ProcessEnvironment.fromSources()` */
  readonly environment: IProcessEnvironment;
  /** @default - the Chart's namespace */
  readonly namespace?: string;
  /** the image reference @default - the official image, tagged v<version> */
  readonly image?: string;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
  /** @default [] */
  readonly imagePullSecrets?: readonly string[];
  /** spreading of replicas across zones and nodes @default { zone: 'preferred', node: 'preferred' } */
  readonly spread?: SpreadOptions;
  /** seconds a pod stays bound to an unreachable node (taint node.kubernetes.io/unreachable) before it is replaced elsewhere @default 0 */
  readonly unreachableTolerationSeconds?: number;
  /** seconds a pod stays bound to a not-ready node (taint node.kubernetes.io/not-ready) before it is replaced elsewhere @default 30 */
  readonly notReadyTolerationSeconds?: number;
  /** more variables after the environment's (and before extraEnv) @default [] */
  readonly env?: readonly k8s.EnvVar[];
  /** PersistentVolumeClaim holding local media (web and Sidekiq) @default - media on object storage */
  readonly mediaClaim?: string;
  /** the media claim is ReadWriteOnce: the pods run on the node that mounts it @default false */
  readonly mediaPinned?: boolean;
  /** the port of Mastodon's Prometheus exporter (web: the exporter container's; Sidekiq: its own) @default - no exporter */
  readonly metricsPort?: number;
  /** the exporters' detailed metrics, with metricsPort @default false */
  readonly detailedMetrics?: boolean;
}

/** The placement fields of props (what the definition's components accept besides their own settings). */
export function placementOf(p: PodPlacement): PodPlacement {
  const { nodeSelector, tolerations, affinity, priorityClassName, podAnnotations, podLabels, hostAliases, extraEnv, envFrom, extraVolumes, extraVolumeMounts, sidecars, extraInitContainers, serviceAccount } = p;
  return { nodeSelector, tolerations, affinity, priorityClassName, podAnnotations, podLabels, hostAliases, extraEnv, envFrom, extraVolumes, extraVolumeMounts, sidecars, extraInitContainers, serviceAccount };
}

export interface CheckedProcess<T> {
  /** the component's definition fields, checked, with the schema's defaults */
  readonly def: T;
  readonly facts: VersionFacts;
  /** v<version> */
  readonly tag: string;
  readonly ident: InstanceIdentity;
}

/**
 * Checks a process construct's props with its component's piece of the definition schema (same rules and
 * defaults as the YAML) and the version; what is wrong becomes a construct validation, reported by app.synth().
 * Accepted props get the rules and the schema gate over the construct's objects (src/constructs/checks.ts).
 */
export function checkProcess<T extends PodPlacement & { readonly replicas: number; readonly maxReplicas?: number }>(
  scope: Construct,
  props: ProcessProps,
  schema: Schema<unknown, T>,
  own: Record<string, unknown>,
  more: (def: T, facts: VersionFacts) => Problem[] = () => [],
): CheckedProcess<T> | undefined {
  const problems: Problem[] = [];
  const { value: def, problems: invalid } = checkPart(schema, { ...placementOf(props), ...own });
  problems.push(...invalid);
  const version = parseVersion(props.version);
  const facts = version && factsFor(version);
  if (!facts) problems.push({ path: ['version'], message: `unsupported Mastodon version ${show(props.version)}; expected ${supportedRange()}` });
  if (def && facts) {
    if (def.maxReplicas !== undefined && def.maxReplicas < def.replicas) problems.push({ path: ['maxReplicas'], message: `expected maxReplicas >= replicas (${def.replicas}), found ${def.maxReplicas}` });
    problems.push(...placementProblems(def, facts), ...more(def, facts));
  }
  if (problems.length || !def || !facts || !version) {
    refuse(scope, problems);
    return undefined;
  }
  checkObjects(scope);
  const tag = `v${formatVersion(version)}`;
  return { def, facts, tag, ident: { instance: props.instance, namespace: props.namespace, version: tag } };
}

/** The props every process of a validated instance shares. */
export function processPropsOf(m: InstanceModel, environment: IProcessEnvironment, mediaClaim?: string): ProcessProps {
  return {
    instance: m.name,
    namespace: m.namespace,
    version: formatVersion(m.version),
    environment,
    imagePullPolicy: m.def.image.pullPolicy,
    imagePullSecrets: m.def.image.pullSecrets,
    spread: spreadOf(m.def.scheduling),
    unreachableTolerationSeconds: m.def.scheduling.unreachableTolerationSeconds,
    notReadyTolerationSeconds: m.def.scheduling.notReadyTolerationSeconds,
    metricsPort: metricsPortOf(m),
    detailedMetrics: m.detailedMetrics,
    mediaClaim,
    mediaPinned: m.mediaPinnedToOneNode,
  };
}
