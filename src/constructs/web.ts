/** Puma web processes: Deployment, Service, disruption budget, autoscaler. */
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { EXPORTER_RESOURCES } from '../model/model';
import { WEB_PORT, httpService, resourceRequirements } from './common';
import { otelEnv, webProcessEnv } from './environment';
import { MastodonDeployment, MastodonProcessProps, extraEnvOf, httpProbe, mastodonContainer, processPodSettings } from './workload';

/** seconds the pod keeps serving after it is marked terminating, while endpoints are withdrawn */
export const WEB_PRESTOP_SECONDS = 10;
/** time Puma gets to finish in-flight requests after SIGTERM */
const WEB_DRAIN_SECONDS = 30;

export class Web extends Construct {
  readonly name: string;
  readonly serviceName: string;
  readonly workload: MastodonDeployment;

  constructor(scope: Construct, id: string, props: MastodonProcessProps) {
    super(scope, id);
    const m = props.model;
    const web = m.def.web;
    this.name = `${m.name}-web`;
    this.serviceName = this.name;
    const pod = processPodSettings(props, 'web', web.resources);
    const prometheus = m.def.metrics.prometheus;

    const containers: k8s.Container[] = [
      mastodonContainer({
        name: 'web',
        image: m.images.rails,
        pullPolicy: m.def.image.pullPolicy,
        args: ['bundle', 'exec', 'puma', '-C', 'config/puma.rb'],
        env: [
          ...webProcessEnv(m),
          ...props.environment.env('web'),
          ...otelEnv(m, web.otel),
          ...extraEnvOf(web).env,
        ],
        envFrom: [...props.environment.envFrom(), ...extraEnvOf(web).envFrom],
        resources: resourceRequirements(web.resources),
        ports: [{ name: 'http', containerPort: WEB_PORT, protocol: 'TCP' }],
        volumeMounts: pod.volumeMounts,
        startupProbe: httpProbe('/health', 'http', 5, 60),
        readinessProbe: httpProbe('/health', 'http', 10, 3),
        // a TCP accept still succeeds when every Puma thread is busy: a loaded pod is not restarted
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
        preStopSleepSeconds: WEB_PRESTOP_SECONDS,
      }),
    ];
    if (prometheus) {
      // Puma runs several processes, so metrics are collected by the exporter next to it
      containers.push(
        mastodonContainer({
          name: 'exporter',
          image: m.images.rails,
          pullPolicy: m.def.image.pullPolicy,
          args: ['./bin/prometheus_exporter', '--bind', '0.0.0.0', '--port', String(m.def.metrics.exporterPort)],
          env: [],
          envFrom: [],
          resources: resourceRequirements(EXPORTER_RESOURCES),
          ports: [{ name: 'metrics', containerPort: m.def.metrics.exporterPort, protocol: 'TCP' }],
          volumeMounts: pod.volumeMounts.filter((v) => v.name.startsWith('tmp')),
          // restarts a hung exporter; no readiness probe: metrics must never take web out of its Service
          livenessProbe: httpProbe('/metrics', 'metrics', 30, 3, 5),
        }),
      );
    }

    this.workload = new MastodonDeployment(this, 'workload', {
      id: props.id,
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
      podAnnotations: pod.podAnnotations,
      podLabels: pod.podLabels,
      imagePullSecrets: pod.imagePullSecrets,
      scheduling: m.def.scheduling,
      size: web.resources,
    });

    httpService(this, props.id, this.serviceName, 'web', WEB_PORT, m.def.traffic.service);
  }
}
