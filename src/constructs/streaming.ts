/** The streaming API (WebSockets and server-sent events): Deployment, Service, disruption budget, autoscaler. */
import { Construct } from 'constructs';
import { STREAMING_PORT, httpService, resourceRequirements } from './common';
import { streamingProcessEnv } from './environment';
import { MastodonDeployment, MastodonProcessProps, extraEnvOf, httpProbe, mastodonContainer, processPodSettings } from './workload';

const STREAMING_PRESTOP_SECONDS = 10;
/** long-lived connections get time to be closed cleanly so clients reconnect elsewhere */
const STREAMING_DRAIN_SECONDS = 50;

export class Streaming extends Construct {
  readonly name: string;
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: MastodonProcessProps) {
    super(scope, id);
    const m = props.model;
    const st = m.def.streaming;
    this.name = `${m.name}-streaming`;
    this.serviceName = this.name;
    const pod = processPodSettings(props, 'streaming', st.resources);

    new MastodonDeployment(this, 'workload', {
      id: props.id,
      name: this.name,
      component: 'streaming',
      replicas: st.replicas,
      maxReplicas: st.maxReplicas,
      targetCpuPercent: st.targetCpuPercent,
      targetMemoryPercent: st.targetMemoryPercent,
      containers: [
        mastodonContainer({
          name: 'streaming',
          image: m.images.streaming,
          pullPolicy: m.def.image.pullPolicy,
          env: [...streamingProcessEnv(m), ...props.environment.env('streaming'), ...extraEnvOf(st).env],
          envFrom: [...props.environment.envFrom(), ...extraEnvOf(st).envFrom],
          resources: resourceRequirements(st.resources),
          ports: [{ name: 'http', containerPort: STREAMING_PORT, protocol: 'TCP' }],
          volumeMounts: pod.volumeMounts,
          startupProbe: httpProbe('/api/v1/streaming/health', 'http', 5, 30),
          readinessProbe: httpProbe('/api/v1/streaming/health', 'http', 10, 3),
          livenessProbe: httpProbe('/api/v1/streaming/health', 'http', 20, 6, 5),
          preStopSleepSeconds: STREAMING_PRESTOP_SECONDS,
        }),
      ],
      initContainers: pod.initContainers,
      volumes: pod.volumes,
      strategy: 'RollingUpdate',
      terminationGracePeriodSeconds: STREAMING_PRESTOP_SECONDS + STREAMING_DRAIN_SECONDS,
      spread: pod.spread,
      placement: st,
      podAnnotations: pod.podAnnotations,
      imagePullSecrets: pod.imagePullSecrets,
      scheduling: m.def.scheduling,
      size: st.resources,
    });

    httpService(this, props.id, this.serviceName, 'streaming', STREAMING_PORT, m.def.traffic.service);
  }
}
