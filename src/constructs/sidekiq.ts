/** Sidekiq queue groups: one Deployment per group, each consuming its queues in priority order. */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { PatchesLast } from './objects';
import { DEFAULT_SPREAD, PORT_NAMES, resourceRequirements } from './common';
import { InstanceModel, QueueSpec, SidekiqGroupModel, groupQueues, groupScalingProblems, groupWarnings, sidekiqImage } from '../model/model';
import { warn } from './checks';
import { RedisEndpoint } from '../model/redis';
import { MASTODON_REPOSITORY, NOT_READY_TOLERATION_SECONDS, UNREACHABLE_TOLERATION_SECONDS, Resources, sidekiqGroup } from '../definition/schema';
import { QueueScaler } from './queue-scaler';
import { otelEnv, sidekiqProcessEnv } from './environment';
import { IProcessEnvironment, MastodonDeployment, ProcessProps, checkProcess, extraEnvOf, mastodonContainer, podSettings, processPropsOf } from './workload';

/** The official image (4.3+) touches this file once Sidekiq is ready to process jobs. */
export const SIDEKIQ_READY_FILE = '/opt/mastodon/tmp/sidekiq_process_has_started_and_will_begin_processing_jobs';
/** Every Sidekiq major sets the process title to "sidekiq <version> ..."; reading /proc needs no ps. */
export const SIDEKIQ_ALIVE_CHECK = "grep -qas '^sidekiq [0-9]' /proc/[0-9]*/cmdline";

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
export interface SidekiqGroupProps extends ProcessProps {
  /** group name: the Deployment is `<instance>-sidekiq-<name>` */
  readonly name: string;
  /** queues in priority order, "name" or "name,weight" as given to sidekiq -q */
  readonly queues: readonly string[];
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
  /** seconds Sidekiq waits for running jobs on shutdown (-t); the pod gets 15 more @default 25 */
  readonly shutdownTimeoutSeconds?: number;
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
  /** what the CLI warns about in these props, `field: message`, also emitted as Node warnings at synth (src/constructs/checks.ts) */
  readonly warnings: readonly string[] = [];

  constructor(scope: Construct, id: string, props: SidekiqGroupProps) {
    super(scope, id);
    this.name = `${props.instance}-sidekiq-${props.name}`;
    let queues: QueueSpec[] = [];
    const checked = checkProcess(this, props, sidekiqGroup, {
      name: props.name,
      queues: props.queues,
      concurrency: props.concurrency,
      replicas: props.replicas,
      maxReplicas: props.maxReplicas,
      targetCpuPercent: props.targetCpuPercent,
      targetMemoryPercent: props.targetMemoryPercent,
      queueLengthPerReplica: props.queueLengthPerReplica,
      resources: props.resources,
    }, (def, facts) => {
      const parsed = groupQueues(def.queues, facts);
      queues = parsed.queues;
      const scheduler = queues.some((q) => q.name === 'scheduler');
      return [
        ...parsed.problems.map((p) => ({ path: ['queues', p.index], message: p.message })),
        ...groupScalingProblems({ ...def, scheduler }).map((p) => ({ path: [p.field], message: p.message })),
        ...(def.queueLengthPerReplica !== undefined && !props.sidekiqRedis ? [{ path: ['sidekiqRedis'], message: 'scaling on queue length reads the queues from Redis: set sidekiqRedis' }] : []),
      ];
    });
    if (!checked) return;
    const { def, tag, ident } = checked;
    this.warnings = warn(this, groupWarnings(def));
    const g: SidekiqGroupModel = { name: def.name, queues, concurrency: def.concurrency, replicas: def.replicas, maxReplicas: def.maxReplicas, scheduler: queues.some((q) => q.name === 'scheduler'), def };
    const component = `sidekiq-${g.name}`;
    const timeout = props.shutdownTimeoutSeconds ?? 25;
    const image = props.image ?? `${MASTODON_REPOSITORY}:${tag}`;
    const pullPolicy = props.imagePullPolicy ?? 'IfNotPresent';
    const pod = podSettings({
      environment: props.environment,
      kind: 'sidekiq',
      resources: g.def.resources,
      image,
      pullPolicy,
      spread: props.spread ?? DEFAULT_SPREAD,
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
          ports: props.metricsPort !== undefined ? [{ name: PORT_NAMES.metrics, containerPort: props.metricsPort, protocol: 'TCP' }] : [],
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
      scheduling: {
        unreachableTolerationSeconds: props.unreachableTolerationSeconds ?? UNREACHABLE_TOLERATION_SECONDS,
        notReadyTolerationSeconds: props.notReadyTolerationSeconds ?? NOT_READY_TOLERATION_SECONDS,
      },
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

/** The props of one group of a validated instance. */
export function sidekiqGroupPropsOf(m: InstanceModel, g: SidekiqGroupModel, environment: IProcessEnvironment, mediaClaim?: string): SidekiqGroupProps {
  return {
    ...g.def,
    ...processPropsOf(m, environment, mediaClaim),
    image: sidekiqImage(m, g.def),
    shutdownTimeoutSeconds: m.def.sidekiq.shutdownTimeoutSeconds,
    env: otelEnv(m, g.def.otel),
    sidekiqRedis: m.redis.sidekiq,
  };
}
