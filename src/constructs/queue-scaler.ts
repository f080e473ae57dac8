/**
 * KEDA scaling of a Sidekiq group on the length of its queues: replicas follow the jobs waiting in
 * Redis (`queue:<name>` lists), which is what backs up when a post goes viral. CPU says little about
 * Sidekiq threads waiting on the network. Checked against KEDA v2.20.2 CRDs.
 */
import { Construct } from 'constructs';
import { ScaledObject, ScaledObjectSpecTriggersAuthenticationRefKind } from '../../imports/keda-scaledobject-keda.sh';
import { TriggerAuthentication } from '../../imports/keda-triggerauthentication-keda.sh';
import { SidekiqGroupModel } from '../model/model';
import { RedisEndpoint } from '../model/redis';
import { InstanceIdentity, SCALING_BEHAVIOR, metadata } from './common';

export interface QueueScalerProps {
  readonly id: InstanceIdentity;
  /** the Deployment to scale */
  readonly name: string;
  readonly component: string;
  readonly group: SidekiqGroupModel;
  /** the Redis Sidekiq uses */
  readonly redis: RedisEndpoint;
}

export class QueueScaler extends Construct {
  constructor(scope: Construct, id: string, props: QueueScalerProps) {
    super(scope, id);
    const { group: g, redis: r } = props;
    const auth = r.passwordSecret ? `${props.name}-redis` : undefined;
    if (auth) {
      new TriggerAuthentication(this, 'auth', {
        metadata: metadata(props.id, auth, props.component),
        spec: { secretTargetRef: [{ parameter: 'password', name: r.passwordSecret!.name, key: r.passwordSecret!.key }] },
      });
    }
    const server: Record<string, string> = r.sentinel
      ? { addresses: r.sentinel.hosts, sentinelMaster: r.sentinel.master }
      : { address: `${r.host}:${r.port}`, ...(r.tls ? { enableTLS: 'true' } : {}), ...(r.db !== undefined ? { databaseIndex: String(r.db) } : {}) };
    // an ACL user (REDIS_USER): without it KEDA authenticates as `default` and Redis refuses the password
    if (r.user) server.username = r.user;
    new ScaledObject(this, 'scaled-object', {
      metadata: metadata(props.id, props.name, props.component),
      spec: {
        scaleTargetRef: { name: props.name },
        minReplicaCount: g.replicas,
        maxReplicaCount: g.maxReplicas!,
        pollingInterval: 15,
        cooldownPeriod: 300,
        advanced: { horizontalPodAutoscalerConfig: { behavior: SCALING_BEHAVIOR } },
        triggers: g.queues.map((q) => ({
          type: r.sentinel ? 'redis-sentinel' : 'redis',
          name: `queue-${q.name}`,
          metadata: { ...server, listName: `queue:${q.name}`, listLength: String(g.def.queueLengthPerReplica) },
          authenticationRef: auth ? { name: auth, kind: ScaledObjectSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION } : undefined,
        })),
      },
    });
  }
}
