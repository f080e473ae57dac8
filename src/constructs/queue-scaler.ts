/**
 * KEDA scaling of a Sidekiq group on the length of its queues: replicas follow the jobs waiting in
 * Redis (`queue:<name>` lists), which is what backs up when a post goes viral. CPU says little about
 * Sidekiq threads waiting on the network. Checked against KEDA v2.20.2 CRDs.
 */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { ScaledObjectSpecTriggersAuthenticationRefKind } from '../../imports/keda-scaledobject-keda.sh';
import { RedisEndpoint } from '../model/redis';
import { InstanceIdentity, SCALING_BEHAVIOR, metadata } from './common';

export interface QueueScalerProps {
  readonly id: InstanceIdentity;
  /** the Deployment to scale */
  readonly name: string;
  readonly component: string;
  /** the queues whose lengths are read */
  readonly queues: readonly string[];
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** jobs waiting per replica */
  readonly lengthPerReplica: number;
  /** the Redis Sidekiq uses */
  readonly redis: Pick<RedisEndpoint, 'host' | 'port' | 'user' | 'passwordSecret' | 'tls' | 'db' | 'sentinel'>;
}

export class QueueScaler extends Construct {
  constructor(scope: Construct, id: string, props: QueueScalerProps) {
    super(scope, id);
    const r = props.redis;
    const secret = r.passwordSecret;
    const auth = secret ? `${props.name}-redis` : undefined;
    if (auth && secret) {
      new L1.TriggerAuthentication(this, 'auth', {
        metadata: metadata(props.id, auth, props.component),
        spec: { secretTargetRef: [{ parameter: 'password', name: secret.name, key: secret.key }] },
      });
    }
    const server: Record<string, string> = r.sentinel
      ? { addresses: r.sentinel.hosts, sentinelMaster: r.sentinel.master }
      : { address: `${r.host}:${r.port}`, ...(r.tls ? { enableTLS: 'true' } : {}), ...(r.db !== undefined ? { databaseIndex: String(r.db) } : {}) };
    // an ACL user (REDIS_USER): without it KEDA authenticates as `default` and Redis refuses the password
    if (r.user) server.username = r.user;
    new L1.ScaledObject(this, 'Resource', {
      metadata: metadata(props.id, props.name, props.component),
      spec: {
        scaleTargetRef: { name: props.name },
        minReplicaCount: props.minReplicas,
        maxReplicaCount: props.maxReplicas,
        pollingInterval: 15,
        cooldownPeriod: 300,
        advanced: { horizontalPodAutoscalerConfig: { behavior: SCALING_BEHAVIOR } },
        triggers: props.queues.map((q) => ({
          type: r.sentinel ? 'redis-sentinel' : 'redis',
          name: `queue-${q}`,
          metadata: { ...server, listName: `queue:${q}`, listLength: String(props.lengthPerReplica) },
          authenticationRef: auth ? { name: auth, kind: ScaledObjectSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION } : undefined,
        })),
      },
    });
  }
}
