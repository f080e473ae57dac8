/** Puma web processes: Deployment, Service, disruption budget, autoscaler. */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { EXPORTER_RESOURCES, InstanceModel } from '../model/model';
import { MASTODON_REPOSITORY, NOT_READY_TOLERATION_SECONDS, UNREACHABLE_TOLERATION_SECONDS, web as webSchema } from '../definition/schema';
import { DEFAULT_SPREAD, PORT_NAMES, ServiceSettings, WEB_PORT, httpService, resourceRequirements } from './common';
import { otelEnv, pumaEnv } from './environment';
import { PatchesLast } from './objects';
import { ProcessResources } from './sidekiq';
import { IProcessEnvironment, MastodonDeployment, ProcessProps, checkProcess, extraEnvOf, httpProbe, mastodonContainer, podSettings, processPropsOf } from './workload';

/** seconds the pod keeps serving after it is marked terminating, while endpoints are withdrawn */
export const WEB_PRESTOP_SECONDS = 10;
/** time Puma gets to finish in-flight requests after SIGTERM */
const WEB_DRAIN_SECONDS = 30;

/** The Puma processes: the definition's `web` fields (same checks and defaults) and the instance they belong to. */
export interface WebServiceProps extends ProcessProps {
  /** replicas, the minimum when maxReplicas is set @default 2 */
  readonly replicas?: number;
  /** enables a HorizontalPodAutoscaler between replicas and maxReplicas @default - a fixed replica count */
  readonly maxReplicas?: number;
  /** HPA target CPU utilisation (percent of the request) @default 70 */
  readonly targetCpuPercent?: number;
  /** HPA target memory utilisation @default - memory is not a scaling signal */
  readonly targetMemoryPercent?: number;
  /** Puma processes per pod (WEB_CONCURRENCY) @default 2 */
  readonly workers?: number;
  /** Puma threads per process (MAX_THREADS and DB_POOL) @default 5 */
  readonly threads?: number;
  /** MIN_THREADS @default - threads */
  readonly minThreads?: number;
  /** PERSISTENT_TIMEOUT @default 20 */
  readonly persistentTimeoutSeconds?: number;
  /** requests and limits @default { cpu: '500m', memory: '1Gi', memoryLimit: '1536Mi', ephemeralStorage: '256Mi', ephemeralStorageLimit: '2Gi' } */
  readonly resources?: ProcessResources;
  /** the Service in front of the pods @default { type: 'ClusterIP', annotations: {} } */
  readonly service?: ServiceSettings;
}

export class WebService extends Construct {
  /** the Deployment's and the Service's name, `<instance>-web` */
  readonly name: string;
  readonly serviceName: string;
  /** undefined when the props were refused (app.synth() reports why) */
  readonly workload?: MastodonDeployment;
  /** the Puma Deployment: `ApiObject.of(web)` */
  readonly deployment?: k8s.KubeDeployment & PatchesLast;
  readonly service?: k8s.KubeService;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    this.name = `${props.instance}-web`;
    this.serviceName = this.name;
    const checked = checkProcess(this, props, webSchema, {
      replicas: props.replicas,
      maxReplicas: props.maxReplicas,
      targetCpuPercent: props.targetCpuPercent,
      targetMemoryPercent: props.targetMemoryPercent,
      workers: props.workers,
      threads: props.threads,
      minThreads: props.minThreads,
      persistentTimeoutSeconds: props.persistentTimeoutSeconds,
      resources: props.resources,
    }, (def) => (def.minThreads !== undefined && def.minThreads > def.threads ? [{ path: ['minThreads'], message: `expected minThreads <= threads (${def.threads}), found ${def.minThreads}` }] : []));
    if (!checked) return;
    const { def: web, tag, ident } = checked;
    const image = props.image ?? `${MASTODON_REPOSITORY}:${tag}`;
    const pullPolicy = props.imagePullPolicy ?? 'IfNotPresent';
    const pod = podSettings({
      environment: props.environment,
      kind: 'web',
      resources: web.resources,
      image,
      pullPolicy,
      spread: props.spread ?? DEFAULT_SPREAD,
      mediaClaim: props.mediaClaim,
      mediaPinned: props.mediaPinned,
      imagePullSecrets: props.imagePullSecrets,
    });
    const metricsPort = props.metricsPort;

    const containers: k8s.Container[] = [
      mastodonContainer({
        name: 'web',
        image,
        pullPolicy,
        args: ['bundle', 'exec', 'puma', '-C', 'config/puma.rb'],
        env: [...pumaEnv(web, metricsPort, props.detailedMetrics ?? false), ...props.environment.env('web'), ...(props.env ?? []), ...extraEnvOf(web).env],
        envFrom: [...props.environment.envFrom(), ...extraEnvOf(web).envFrom],
        resources: resourceRequirements(web.resources),
        ports: [{ name: PORT_NAMES.http, containerPort: WEB_PORT, protocol: 'TCP' }],
        volumeMounts: pod.volumeMounts,
        startupProbe: httpProbe('/health', PORT_NAMES.http, 5, 60),
        readinessProbe: httpProbe('/health', PORT_NAMES.http, 10, 3),
        // a TCP accept still succeeds when every Puma thread is busy: a loaded pod is not restarted
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString(PORT_NAMES.http) }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        preStopSleepSeconds: WEB_PRESTOP_SECONDS,
      }),
    ];
    if (metricsPort !== undefined) {
      // Puma runs several processes, so metrics are collected by the exporter next to it
      containers.push(
        mastodonContainer({
          name: 'exporter',
          image,
          pullPolicy,
          args: ['./bin/prometheus_exporter', '--bind', '0.0.0.0', '--port', String(metricsPort)],
          env: [],
          envFrom: [],
          resources: resourceRequirements(EXPORTER_RESOURCES),
          ports: [{ name: PORT_NAMES.metrics, containerPort: metricsPort, protocol: 'TCP' }],
          volumeMounts: pod.volumeMounts.filter((v) => v.name.startsWith('tmp')),
          // restarts a hung exporter; no readiness probe: metrics must never take web out of its Service
          livenessProbe: httpProbe('/metrics', PORT_NAMES.metrics, 30, 3, 5),
        }),
      );
    }

    this.workload = new MastodonDeployment(this, 'Resource', {
      id: ident,
      name: this.name,
      component: 'web',
      replicas: web.replicas,
      maxReplicas: web.maxReplicas,
      targetCpuPercent: web.targetCpuPercent,
      targetMemoryPercent: web.targetMemoryPercent,
      containers,
      initContainers: pod.initContainers,
      volumes: pod.volumes,
      strategy: 'RollingUpdate',
      terminationGracePeriodSeconds: WEB_PRESTOP_SECONDS + WEB_DRAIN_SECONDS,
      spread: pod.spread,
      affinity: pod.affinity,
      placement: web,
      scheduling: {
        unreachableTolerationSeconds: props.unreachableTolerationSeconds ?? UNREACHABLE_TOLERATION_SECONDS,
        notReadyTolerationSeconds: props.notReadyTolerationSeconds ?? NOT_READY_TOLERATION_SECONDS,
      },
      podAnnotations: pod.podAnnotations,
      podLabels: pod.podLabels,
      imagePullSecrets: pod.imagePullSecrets,
      size: web.resources,
    });
    this.deployment = this.workload.deployment;
    this.service = httpService(this, ident, this.serviceName, 'web', WEB_PORT, props.service ?? { type: 'ClusterIP', annotations: {} });
  }
}

/** The props of the web processes of a validated instance. */
export function webServicePropsOf(m: InstanceModel, environment: IProcessEnvironment, mediaClaim?: string): WebServiceProps {
  return { ...m.def.web, ...processPropsOf(m, environment, mediaClaim), image: m.images.rails, env: otelEnv(m, m.def.web.otel), service: m.def.traffic.service };
}
