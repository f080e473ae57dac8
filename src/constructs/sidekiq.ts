/** Sidekiq queue groups: one Deployment per group, each consuming its queues in priority order. */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { PatchesLast } from './objects';
import { SpreadOptions, resourceRequirements } from './common';
import { InstanceModel, QueueSpec, SidekiqGroupModel, groupQueues, groupScalingProblems, sidekiqImage } from '../model/model';
import { RedisEndpoint } from '../model/redis';
import { factsFor, formatVersion, parseVersion, supportedRange } from '../model/versions';
import { FieldPath, formatPath, show } from '../definition/problems';
import { NODE_LOSS_TOLERATION_SECONDS, PodPlacement, Resources, sidekiqGroup } from '../definition/schema';
import { checkPart } from '../definition/load';
import { QueueScaler } from './queue-scaler';
import { otelEnv, sidekiqProcessEnv } from './environment';
import { IProcessEnvironment, MastodonDeployment, extraEnvOf, mastodonContainer, podSettings } from './workload';

/** The official image (4.3+) touches this file once Sidekiq is ready to process jobs. */
export const SIDEKIQ_READY_FILE = '/opt/mastodon/tmp/sidekiq_process_has_started_and_will_begin_processing_jobs';
/** Every Sidekiq major sets the process title to "sidekiq <version> ..."; reading /proc needs no ps. */
export const SIDEKIQ_ALIVE_CHECK = "grep -qas '^sidekiq [0-9]' /proc/[0-9]*/cmdline";
/** The official images' repository. */
export const MASTODON_IMAGE = 'ghcr.io/mastodon/mastodon';

export function sidekiqArgs(group: { readonly concurrency: number; readonly queues: readonly QueueSpec[] }, shutdownTimeoutSeconds: number): string[] {
  const args = ['bundle', 'exec', 'sidekiq', '-c', String(group.concurrency), '-t', String(shutdownTimeoutSeconds)];
  for (const q of group.queues) args.push('-q', q.weight ? `${q.name},${q.weight}` : q.name);
  return args;
}

/** A container's size as a definition gives it: the ephemeral storage is optional. */
export interface ProcessResources extends Resources {
  /** ephemeral-storage request (logs, tmp/) @default '256Mi' */
  readonly ephemeralStorage?: string;
  /** ephemeral-storage limit, also the bound of each scratch volume @default '2Gi' */
  readonly ephemeralStorageLimit?: string;
}

/**
 * One Sidekiq group. The group's own fields are the definition's `sidekiq.groups[]` fields (same checks, same
 * defaults); the rest says which instance it belongs to. Placement fields (nodeSelector, tolerations, sidecars, ...)
 * are the definition's too.
 */
export interface SidekiqGroupProps extends PodPlacement {
  /** the instance: prefix of every object name and app.kubernetes.io/instance */
  readonly instance: string;
  /** the Mastodon release the group runs, e.g. 4.5.6: the queues it may consume, the default image tag, the version label */
  readonly version: string;
  /** what every Mastodon process reads: the instance's `MastodonEnvironment`, or `ProcessEnvironment.fromSources()` */
  readonly environment: IProcessEnvironment;
  /** group name: the Deployment is `<instance>-sidekiq-<name>` */
  readonly name: string;
  /** queues in priority order, "name" or "name,weight" as given to sidekiq -q */
  readonly queues: readonly string[];
  /** @default - the Chart's namespace */
  readonly namespace?: string;
  /** Sidekiq threads (-c and DB_POOL) @default 10 */
  readonly concurrency?: number;
  /** replicas, the minimum when maxReplicas is set @default 1 */
  readonly replicas?: number;
  /** enables scaling between replicas and maxReplicas (an HPA on CPU, or KEDA with queueLengthPerReplica) @default - a fixed replica count */
  readonly maxReplicas?: number;
  /** HPA target CPU utilisation (percent of the request) @default 70 */
  readonly targetCpuPercent?: number;
  /** HPA target memory utilisation (percent of the request) @default - memory is not a scaling signal */
  readonly targetMemoryPercent?: number;
  /** scale with KEDA on the jobs waiting per replica instead of CPU; needs maxReplicas and sidekiqRedis @default - CPU */
  readonly queueLengthPerReplica?: number;
  /** the Redis Sidekiq uses, which KEDA reads the queue lengths from @default - none (needed with queueLengthPerReplica) */
  readonly sidekiqRedis?: RedisEndpoint;
  /** requests and limits @default { cpu: '500m', memory: '768Mi', memoryLimit: '1536Mi', ephemeralStorage: '256Mi', ephemeralStorageLimit: '2Gi' } */
  readonly resources?: ProcessResources;
  /** the image reference @default `ghcr.io/mastodon/mastodon:v<version>` */
  readonly image?: string;
  /** @default 'IfNotPresent' */
  readonly imagePullPolicy?: 'IfNotPresent' | 'Always';
  /** @default [] */
  readonly imagePullSecrets?: readonly string[];
  /** seconds Sidekiq waits for running jobs on shutdown (-t); the pod gets 15 more @default 25 */
  readonly shutdownTimeoutSeconds?: number;
  /** spreading of replicas across zones and nodes @default { zone: 'preferred', node: 'preferred' } */
  readonly spread?: SpreadOptions;
  /** seconds a pod stays bound to an unreachable or not-ready node before it is replaced elsewhere @default 30 */
  readonly nodeLossTolerationSeconds?: number;
  /** the port of Mastodon's Prometheus exporter in the process @default - no exporter */
  readonly metricsPort?: number;
  /** MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS, with metricsPort @default false */
  readonly detailedMetrics?: boolean;
  /** more variables after the environment's (and before extraEnv) @default [] */
  readonly env?: readonly k8s.EnvVar[];
  /** PersistentVolumeClaim holding local media @default - media on object storage */
  readonly mediaClaim?: string;
  /** the media claim is ReadWriteOnce: the pods run on the node that mounts it @default false */
  readonly mediaPinned?: boolean;
}

export class SidekiqGroup extends Construct {
  /** the Deployment's name, `<instance>-sidekiq-<name>` */
  readonly name: string;
  /** undefined when the props were refused (app.synth() reports why) */
  readonly workload?: MastodonDeployment;
  /** the group's Deployment: `ApiObject.of(group)`; undefined when the props were refused */
  readonly deployment?: k8s.KubeDeployment & PatchesLast;
  /** KEDA objects scaling on queue length @default - none (fixed replicas or the HPA) */
  readonly queueScaler?: QueueScaler;

  constructor(scope: Construct, id: string, props: SidekiqGroupProps) {
    super(scope, id);
    this.name = `${props.instance}-sidekiq-${props.name}`;
    const problems: { path: FieldPath; message: string }[] = [];
    const { value: def, problems: invalid } = checkPart(sidekiqGroup, {
      ...placementOf(props),
      name: props.name,
      queues: props.queues,
      concurrency: props.concurrency,
      replicas: props.replicas,
      maxReplicas: props.maxReplicas,
      targetCpuPercent: props.targetCpuPercent,
      targetMemoryPercent: props.targetMemoryPercent,
      queueLengthPerReplica: props.queueLengthPerReplica,
      resources: props.resources,
    });
    problems.push(...invalid);
    const version = parseVersion(props.version);
    const facts = version && factsFor(version);
    if (!facts) problems.push({ path: ['version'], message: `unsupported Mastodon version ${show(props.version)}; expected ${supportedRange()}` });
    let group: SidekiqGroupModel | undefined;
    if (def && facts) {
      const { queues, problems: queueProblems } = groupQueues(def.queues, facts);
      problems.push(...queueProblems.map((p) => ({ path: ['queues', p.index], message: p.message })));
      if (def.maxReplicas !== undefined && def.maxReplicas < def.replicas) problems.push({ path: ['maxReplicas'], message: `expected maxReplicas >= replicas (${def.replicas}), found ${def.maxReplicas}` });
      group = { name: def.name, queues, concurrency: def.concurrency, replicas: def.replicas, maxReplicas: def.maxReplicas, scheduler: queues.some((q) => q.name === 'scheduler'), def };
      problems.push(...groupScalingProblems({ ...group, queueLengthPerReplica: def.queueLengthPerReplica }).map((p) => ({ path: [p.field], message: p.message })));
      if (def.queueLengthPerReplica !== undefined && !props.sidekiqRedis) problems.push({ path: ['sidekiqRedis'], message: 'scaling on queue length reads the queues from Redis: set sidekiqRedis' });
    }
    if (problems.length || !group || !version) {
      this.node.addValidation({ validate: () => problems.map((p) => `${formatPath(p.path)}: ${p.message}`) });
      return;
    }
    const g = group;
    const tag = `v${formatVersion(version)}`;
    const ident = { instance: props.instance, namespace: props.namespace, version: tag };
    const component = `sidekiq-${g.name}`;
    const timeout = props.shutdownTimeoutSeconds ?? 25;
    const image = props.image ?? `${MASTODON_IMAGE}:${tag}`;
    const pullPolicy = props.imagePullPolicy ?? 'IfNotPresent';
    const pod = podSettings({
      environment: props.environment,
      kind: 'sidekiq',
      resources: g.def.resources,
      image,
      pullPolicy,
      spread: props.spread ?? { zone: 'preferred', node: 'preferred' },
      mediaClaim: props.mediaClaim,
      mediaPinned: props.mediaPinned,
      imagePullSecrets: props.imagePullSecrets,
    });
    const queueScaled = g.def.queueLengthPerReplica !== undefined && g.maxReplicas !== undefined;

    this.workload = new MastodonDeployment(this, 'Resource', {
      id: ident,
      name: this.name,
      component,
      replicas: g.replicas,
      maxReplicas: g.maxReplicas,
      targetCpuPercent: g.def.targetCpuPercent,
      targetMemoryPercent: g.def.targetMemoryPercent,
      scaler: queueScaled ? 'external' : 'hpa',
      containers: [
        mastodonContainer({
          name: 'sidekiq',
          image,
          pullPolicy,
          args: sidekiqArgs(g, timeout),
          env: [
            ...sidekiqProcessEnv(g.concurrency, props.metricsPort, props.detailedMetrics ?? false),
            ...props.environment.env('sidekiq'),
            ...(props.env ?? []),
            ...extraEnvOf(g.def).env,
          ],
          envFrom: [...props.environment.envFrom(), ...extraEnvOf(g.def).envFrom],
          resources: resourceRequirements(g.def.resources),
          ports: props.metricsPort !== undefined ? [{ name: 'metrics', containerPort: props.metricsPort, protocol: 'TCP' }] : [],
          volumeMounts: pod.volumeMounts,
          readinessProbe: { exec: { command: ['cat', SIDEKIQ_READY_FILE] }, initialDelaySeconds: 10, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
          livenessProbe: { exec: { command: ['sh', '-c', SIDEKIQ_ALIVE_CHECK] }, initialDelaySeconds: 60, periodSeconds: 30, failureThreshold: 4, timeoutSeconds: 5 },
        }),
      ],
      initContainers: pod.initContainers,
      volumes: pod.volumes,
      // two scheduler processes would run every cron job twice
      strategy: g.scheduler ? 'Recreate' : 'RollingUpdate',
      // longer than Sidekiq's own shutdown timeout: running jobs finish or are pushed back to Redis
      terminationGracePeriodSeconds: timeout + 15,
      spread: pod.spread,
      affinity: pod.affinity,
      placement: g.def,
      scheduling: { nodeLossTolerationSeconds: props.nodeLossTolerationSeconds ?? NODE_LOSS_TOLERATION_SECONDS },
      podAnnotations: pod.podAnnotations,
      podLabels: pod.podLabels,
      imagePullSecrets: pod.imagePullSecrets,
      size: g.def.resources,
    });
    this.deployment = this.workload.deployment;
    if (queueScaled && props.sidekiqRedis && g.maxReplicas !== undefined && g.def.queueLengthPerReplica !== undefined) {
      this.queueScaler = new QueueScaler(this, 'queue-scaler', {
        id: ident,
        name: this.name,
        component,
        queues: g.queues.map((q) => q.name),
        minReplicas: g.replicas,
        maxReplicas: g.maxReplicas,
        lengthPerReplica: g.def.queueLengthPerReplica,
        redis: props.sidekiqRedis,
      });
    }
  }
}

/** The placement fields of props (what the definition's groups accept besides their own settings). */
function placementOf(p: PodPlacement): PodPlacement {
  const { nodeSelector, tolerations, affinity, priorityClassName, podAnnotations, podLabels, hostAliases, extraEnv, envFrom, extraVolumes, extraVolumeMounts, sidecars, extraInitContainers, serviceAccount } = p;
  return { nodeSelector, tolerations, affinity, priorityClassName, podAnnotations, podLabels, hostAliases, extraEnv, envFrom, extraVolumes, extraVolumeMounts, sidecars, extraInitContainers, serviceAccount };
}

/** The props of one group of a validated instance. */
export function sidekiqGroupPropsOf(m: InstanceModel, g: SidekiqGroupModel, environment: IProcessEnvironment, mediaClaim?: string): SidekiqGroupProps {
  return {
    ...g.def,
    instance: m.name,
    namespace: m.namespace,
    version: formatVersion(m.version),
    environment,
    image: sidekiqImage(m, g.def),
    imagePullPolicy: m.def.image.pullPolicy,
    imagePullSecrets: m.def.image.pullSecrets,
    shutdownTimeoutSeconds: m.def.sidekiq.shutdownTimeoutSeconds,
    spread: { zone: m.def.scheduling.zoneSpread, node: m.def.scheduling.nodeSpread },
    nodeLossTolerationSeconds: m.def.scheduling.nodeLossTolerationSeconds,
    metricsPort: m.def.metrics.prometheus ? m.def.metrics.exporterPort : undefined,
    detailedMetrics: m.detailedMetrics,
    env: otelEnv(m, g.def.otel),
    sidekiqRedis: m.redis.sidekiq,
    mediaClaim,
    mediaPinned: m.mediaPinnedToOneNode,
  };
}
