/** Sidekiq queue groups: one Deployment per group, each consuming its queues in priority order. */
import { Construct } from 'constructs';
import { resourceRequirements } from './common';
import { SidekiqGroupModel, sidekiqImage } from '../model/model';
import { QueueScaler } from './queue-scaler';
import { otelEnv, sidekiqProcessEnv } from './environment';
import { MastodonDeployment, MastodonProcessProps, extraEnvOf, mastodonContainer, processPodSettings } from './workload';

/** The official image (4.3+) touches this file once Sidekiq is ready to process jobs. */
export const SIDEKIQ_READY_FILE = '/opt/mastodon/tmp/sidekiq_process_has_started_and_will_begin_processing_jobs';
/** Every Sidekiq major sets the process title to "sidekiq <version> ..."; reading /proc needs no ps. */
export const SIDEKIQ_ALIVE_CHECK = "grep -qas '^sidekiq [0-9]' /proc/[0-9]*/cmdline";

export function sidekiqArgs(group: SidekiqGroupModel, shutdownTimeoutSeconds: number): string[] {
  const args = ['bundle', 'exec', 'sidekiq', '-c', String(group.concurrency), '-t', String(shutdownTimeoutSeconds)];
  for (const q of group.queues) args.push('-q', q.weight ? `${q.name},${q.weight}` : q.name);
  return args;
}

export interface SidekiqGroupProps extends MastodonProcessProps {
  readonly group: SidekiqGroupModel;
}

export class SidekiqGroup extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: SidekiqGroupProps) {
    super(scope, id);
    const m = props.model;
    const g = props.group;
    const timeout = m.def.sidekiq.shutdownTimeoutSeconds;
    this.name = `${m.name}-sidekiq-${g.name}`;
    const image = sidekiqImage(m, g.def);
    const pod = processPodSettings(props, 'sidekiq', g.def.resources, image);
    const prometheus = m.def.metrics.prometheus;
    const queueScaled = g.def.queueLengthPerReplica !== undefined && g.maxReplicas !== undefined;

    new MastodonDeployment(this, 'workload', {
      id: props.id,
      name: this.name,
      component: `sidekiq-${g.name}`,
      replicas: g.replicas,
      maxReplicas: g.maxReplicas,
      targetCpuPercent: g.def.targetCpuPercent,
      targetMemoryPercent: g.def.targetMemoryPercent,
      scaler: queueScaled ? 'external' : 'hpa',
      containers: [
        mastodonContainer({
          name: 'sidekiq',
          image,
          pullPolicy: m.def.image.pullPolicy,
          args: sidekiqArgs(g, timeout),
          env: [
            ...sidekiqProcessEnv(m, g),
            ...props.environment.env('sidekiq'),
            ...otelEnv(m, g.def.otel),
            ...extraEnvOf(g.def).env,
          ],
          envFrom: [...props.environment.envFrom(), ...extraEnvOf(g.def).envFrom],
          resources: resourceRequirements(g.def.resources),
          ports: prometheus ? [{ name: 'metrics', containerPort: m.def.metrics.exporterPort, protocol: 'TCP' }] : [],
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
      podAnnotations: pod.podAnnotations,
      podLabels: pod.podLabels,
      imagePullSecrets: pod.imagePullSecrets,
      scheduling: m.def.scheduling,
      size: g.def.resources,
    });
    if (queueScaled) new QueueScaler(this, 'queue-scaler', { id: props.id, name: this.name, component: `sidekiq-${g.name}`, group: g, redis: m.redis.sidekiq });
  }
}
