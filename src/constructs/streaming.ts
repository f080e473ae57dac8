/** The streaming API (WebSockets and server-sent events): Deployment, Service, disruption budget, autoscaler. */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { InstanceModel } from '../model/model';
import { MASTODON_STREAMING_REPOSITORY, NOT_READY_TOLERATION_SECONDS, UNREACHABLE_TOLERATION_SECONDS, streaming as streamingSchema } from '../definition/schema';
import { DEFAULT_SPREAD, PORT_NAMES, STREAMING_PORT, ServiceSettings, httpService, resourceRequirements } from './common';
import { streamingProcessEnv } from './environment';
import { PatchesLast } from './objects';
import { ProcessResources } from './sidekiq';
import { STREAMING_PATH } from './traffic';
import { IProcessEnvironment, MastodonDeployment, ProcessProps, checkProcess, extraEnvOf, httpProbe, mastodonContainer, podSettings, processPropsOf } from './workload';

const STREAMING_PRESTOP_SECONDS = 10;
/** streaming's own health check, under the path the Ingresses and routes send to it */
const STREAMING_HEALTH = `${STREAMING_PATH}/health`;
/** long-lived connections get time to be closed cleanly so clients reconnect elsewhere */
const STREAMING_DRAIN_SECONDS = 50;

/** The streaming processes: the definition's `streaming` fields (same checks and defaults) and the instance they belong to. */
export interface StreamingServiceProps extends Omit<ProcessProps, 'mediaClaim' | 'mediaPinned' | 'metricsPort' | 'detailedMetrics'> {
  /** replicas, the minimum when maxReplicas is set @default 2 */
  readonly replicas?: number;
  /** enables a HorizontalPodAutoscaler between replicas and maxReplicas @default - a fixed replica count */
  readonly maxReplicas?: number;
  /** HPA target CPU utilisation (percent of the request) @default 70 */
  readonly targetCpuPercent?: number;
  /** HPA target memory utilisation @default - memory is not a scaling signal */
  readonly targetMemoryPercent?: number;
  /** DB_POOL of each pod @default 10 */
  readonly dbPool?: number;
  /** requests and limits @default { cpu: '100m', memory: '192Mi', memoryLimit: '384Mi', ephemeralStorage: '256Mi', ephemeralStorageLimit: '2Gi' } */
  readonly resources?: ProcessResources;
  /** the Service in front of the pods @default { type: 'ClusterIP', annotations: {} } */
  readonly service?: ServiceSettings;
}

export class StreamingService extends Construct {
  /** the Deployment's and the Service's name, `<instance>-streaming` */
  readonly name: string;
  readonly serviceName: string;
  /** undefined when the props were refused (app.synth() reports why) */
  readonly workload?: MastodonDeployment;
  /** the streaming Deployment: `ApiObject.of(streaming)` */
  readonly deployment?: k8s.KubeDeployment & PatchesLast;
  readonly service?: k8s.KubeService;

  constructor(scope: Construct, id: string, props: StreamingServiceProps) {
    super(scope, id);
    this.name = `${props.instance}-streaming`;
    this.serviceName = this.name;
    const checked = checkProcess(this, props, streamingSchema, {
      replicas: props.replicas,
      maxReplicas: props.maxReplicas,
      targetCpuPercent: props.targetCpuPercent,
      targetMemoryPercent: props.targetMemoryPercent,
      dbPool: props.dbPool,
      resources: props.resources,
    });
    if (!checked) return;
    const { def: st, tag, ident } = checked;
    const image = props.image ?? `${MASTODON_STREAMING_REPOSITORY}:${tag}`;
    const pullPolicy = props.imagePullPolicy ?? 'IfNotPresent';
    const pod = podSettings({
      environment: props.environment,
      kind: 'streaming',
      resources: st.resources,
      image,
      pullPolicy,
      spread: props.spread ?? DEFAULT_SPREAD,
      imagePullSecrets: props.imagePullSecrets,
    });

    this.workload = new MastodonDeployment(this, 'Resource', {
      id: ident,
      name: this.name,
      component: 'streaming',
      replicas: st.replicas,
      maxReplicas: st.maxReplicas,
      targetCpuPercent: st.targetCpuPercent,
      targetMemoryPercent: st.targetMemoryPercent,
      containers: [
        mastodonContainer({
          name: 'streaming',
          image,
          pullPolicy,
          env: [...streamingProcessEnv(st.dbPool), ...props.environment.env('streaming'), ...(props.env ?? []), ...extraEnvOf(st).env],
          envFrom: [...props.environment.envFrom(), ...extraEnvOf(st).envFrom],
          resources: resourceRequirements(st.resources),
          ports: [{ name: PORT_NAMES.http, containerPort: STREAMING_PORT, protocol: 'TCP' }],
          volumeMounts: pod.volumeMounts,
          startupProbe: httpProbe(STREAMING_HEALTH, PORT_NAMES.http, 5, 30),
          readinessProbe: httpProbe(STREAMING_HEALTH, PORT_NAMES.http, 10, 3),
          livenessProbe: httpProbe(STREAMING_HEALTH, PORT_NAMES.http, 20, 6, 5),
          preStopSleepSeconds: STREAMING_PRESTOP_SECONDS,
        }),
      ],
      initContainers: pod.initContainers,
      volumes: pod.volumes,
      strategy: 'RollingUpdate',
      terminationGracePeriodSeconds: STREAMING_PRESTOP_SECONDS + STREAMING_DRAIN_SECONDS,
      spread: pod.spread,
      placement: st,
      scheduling: {
        unreachableTolerationSeconds: props.unreachableTolerationSeconds ?? UNREACHABLE_TOLERATION_SECONDS,
        notReadyTolerationSeconds: props.notReadyTolerationSeconds ?? NOT_READY_TOLERATION_SECONDS,
      },
      podAnnotations: pod.podAnnotations,
      imagePullSecrets: pod.imagePullSecrets,
      size: st.resources,
    });
    this.deployment = this.workload.deployment;
    this.service = httpService(this, ident, this.serviceName, 'streaming', STREAMING_PORT, props.service ?? { type: 'ClusterIP', annotations: {} });
  }
}

/** The props of the streaming processes of a validated instance. */
export function streamingServicePropsOf(m: InstanceModel, environment: IProcessEnvironment): StreamingServiceProps {
  const { mediaClaim, mediaPinned, metricsPort, detailedMetrics, ...shared } = processPropsOf(m, environment);
  return { ...m.def.streaming, ...shared, image: m.images.streaming, service: m.def.traffic.service };
}
