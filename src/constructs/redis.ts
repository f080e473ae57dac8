/**
 * Redis roles run by operators: a Dragonfly resource (dragonfly-operator) or a RedisReplication with a
 * RedisSentinel (OT redis-operator). Checked against dragonfly-operator v1.6.1 and redis-operator v0.26.0 CRDs.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import * as L1 from './objects';
import * as df from '../../imports/dragonfly-dragonflydb.io';
import * as rr from '../../imports/redis-replication-redis.redis.opstreelabs.in';
import * as rs from '../../imports/redis-sentinel-redis.redis.opstreelabs.in';
import { memoryBytes } from '../model/quantity';
import { RedisEndpoint, SENTINEL_MASTER } from '../model/redis';
import { InstanceIdentity, SpreadOptions, metadata } from './common';

/** Pod label used to spread each operator's pods; set through the CRD so it does not depend on operator internals. */
export const REDIS_POD_LABEL = 'mastodon.cdk8s/redis';

export interface OperatorRedisProps {
  readonly id: InstanceIdentity;
  readonly endpoint: RedisEndpoint;
  readonly spread: SpreadOptions;
}

/** As the processes' (common.ts topologySpread): untolerated nodes, such as a lost zone's, do not count. */
function spreadConstraints(labels: Record<string, string>, spread: SpreadOptions) {
  const constraint = (topologyKey: string, mode: 'required' | 'preferred') => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: mode === 'required' ? 'DoNotSchedule' : 'ScheduleAnyway',
    labelSelector: { matchLabels: labels },
    nodeTaintsPolicy: 'Honor',
  });
  return [constraint('topology.kubernetes.io/zone', spread.zone), constraint('kubernetes.io/hostname', spread.node)];
}

/**
 * Dragonfly for one role. Cache: cache mode (evicts near maxmemory), no snapshots. Main and Sidekiq:
 * never evict, snapshots on a schedule to a volume or to S3. The operator fails over and makes the PDB.
 */
export class DragonflyRedis extends Construct {
  /** the Dragonfly resource: `ApiObject.of(redis)` */
  readonly dragonfly: df.Dragonfly;

  constructor(scope: Construct, id: string, props: OperatorRedisProps) {
    super(scope, id);
    const ep = props.endpoint;
    const d = ep.def.dragonfly!;
    const name = ep.resourceName!;
    const cache = ep.role === 'cache';
    const podLabels = { [REDIS_POD_LABEL]: name };
    // leave room for Dragonfly's own overhead below the container limit
    const maxMemory = Math.floor(memoryBytes(d.resources.memoryLimit) * 0.8);
    const s3 = cache ? undefined : d.snapshotS3;
    const args = cache ? ['--cache_mode=true', `--maxmemory=${maxMemory}`] : ['--dbfilename=dump', `--maxmemory=${maxMemory}`];
    if (s3?.endpoint) args.push(`--s3_endpoint=${s3.endpoint}`);
    this.dragonfly = new L1.Dragonfly(this, 'Resource', {
      metadata: metadata(props.id, name, `redis-${ep.role}`),
      spec: {
        image: d.image,
        replicas: d.replicas,
        args,
        podMetadata: { labels: podLabels },
        resources: {
          requests: { cpu: df.DragonflySpecResourcesRequests.fromString(d.resources.cpu), memory: df.DragonflySpecResourcesRequests.fromString(d.resources.memory) },
          limits: { memory: df.DragonflySpecResourcesLimits.fromString(d.resources.memoryLimit) },
        },
        authentication: d.passwordSecret ? { passwordFromSecret: { name: d.passwordSecret.name, key: d.passwordSecret.key } } : undefined,
        env: s3
          ? [
              { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: s3.accessKeyIdSecret.name, key: s3.accessKeyIdSecret.key } } },
              { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: s3.secretAccessKeySecret.name, key: s3.secretAccessKeySecret.key } } },
            ]
          : undefined,
        snapshot: cache
          ? undefined
          : s3
            ? { cron: d.snapshotCron, dir: s3.uri }
            : {
                cron: d.snapshotCron,
                persistentVolumeClaimSpec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: d.storageClass,
                  resources: { requests: { storage: df.DragonflySpecSnapshotPersistentVolumeClaimSpecResourcesRequests.fromString(d.snapshotSize) } },
                },
              },
        topologySpreadConstraints: d.replicas >= 2 ? spreadConstraints(podLabels, props.spread) : undefined,
        pdb: d.replicas >= 2 ? { maxUnavailable: df.DragonflySpecPdbMaxUnavailable.fromNumber(1) } : undefined,
      },
    });
  }
}

/** OT redis-operator: a replicated Redis watched by Sentinels; Mastodon (4.3+) follows the master through Sentinel. */
export class SentinelRedis extends Construct {
  /** the RedisReplication: `ApiObject.of(redis)` */
  readonly replication: rr.RedisReplication;
  readonly sentinel: rs.RedisSentinel;
  /** the additional Redis configuration (maxmemory, eviction, persistence) */
  readonly config: ApiObject;

  constructor(scope: Construct, id: string, props: OperatorRedisProps) {
    super(scope, id);
    const ep = props.endpoint;
    const r = ep.def.redisOperator!;
    const name = ep.resourceName!;
    const cache = ep.role === 'cache';
    const maxMemory = Math.floor(memoryBytes(r.resources.memoryLimit) * 0.8);
    const redisConfig = cache
      ? `maxmemory ${maxMemory}\nmaxmemory-policy allkeys-lru\nsave ""\nappendonly no\n`
      : `maxmemory ${maxMemory}\nmaxmemory-policy noeviction\nappendonly yes\n`;
    const secret = r.passwordSecret ? { name: r.passwordSecret.name, key: r.passwordSecret.key } : undefined;
    const configName = `${name}-config`;
    this.config = new L1.KubeConfigMap(this, 'config', {
      metadata: metadata(props.id, configName, `redis-${ep.role}`),
      data: { 'redis-additional.conf': redisConfig },
    });

    this.replication = new L1.RedisReplication(this, 'Resource', {
      metadata: metadata(props.id, name, `redis-${ep.role}`),
      spec: {
        clusterSize: r.replicas,
        kubernetesConfig: {
          image: r.image,
          imagePullPolicy: 'IfNotPresent',
          redisSecret: secret,
          resources: {
            requests: { cpu: rr.RedisReplicationSpecKubernetesConfigResourcesRequests.fromString(r.resources.cpu), memory: rr.RedisReplicationSpecKubernetesConfigResourcesRequests.fromString(r.resources.memory) },
            limits: { memory: rr.RedisReplicationSpecKubernetesConfigResourcesLimits.fromString(r.resources.memoryLimit) },
          },
        },
        redisConfig: { additionalRedisConfig: configName },
        storage: {
          volumeClaimTemplate: {
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: r.storageClass,
              resources: { requests: { storage: rr.RedisReplicationSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(r.storageSize) } },
            },
          },
        },
        pdb: r.replicas >= 2 ? { enabled: true, maxUnavailable: 1 } : undefined,
        topologySpreadConstraints: r.replicas >= 2 ? spreadConstraints({ app: name }, props.spread) : undefined,
      },
    });

    this.sentinel = new L1.RedisSentinel(this, 'sentinel', {
      metadata: metadata(props.id, name, `redis-${ep.role}`),
      spec: {
        clusterSize: r.sentinels,
        kubernetesConfig: {
          image: r.sentinelImage,
          imagePullPolicy: 'IfNotPresent',
          resources: {
            requests: { cpu: rs.RedisSentinelSpecKubernetesConfigResourcesRequests.fromString('50m'), memory: rs.RedisSentinelSpecKubernetesConfigResourcesRequests.fromString('64Mi') },
            limits: { memory: rs.RedisSentinelSpecKubernetesConfigResourcesLimits.fromString('128Mi') },
          },
        },
        redisSentinelConfig: {
          redisReplicationName: name,
          masterGroupName: SENTINEL_MASTER,
          redisPort: '6379',
          quorum: String(Math.floor(r.sentinels / 2) + 1),
          redisReplicationPassword: secret ? { secretKeyRef: secret } : undefined,
        },
        pdb: r.sentinels >= 2 ? { enabled: true, maxUnavailable: 1 } : undefined,
        topologySpreadConstraints: r.sentinels >= 2 ? spreadConstraints({ app: `${name}-sentinel` }, props.spread) : undefined,
      },
    });
  }
}
