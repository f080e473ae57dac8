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
import { RedisEndpoint, RedisRole, SENTINEL_MASTER, checkDragonflyImage, checkRedisImage, redisResourceName } from '../model/redis';
import { InstanceModel } from '../model/model';
import { VersionFacts, factsFor, formatVersion, parseVersion, supportedRange } from '../model/versions';
import { FieldPath, Problem, show } from '../definition/problems';
import { checkObjects, refuse } from './checks';
import { Resources, SecretKeyRef, dragonfly as dragonflySchema, redisOperator as redisOperatorSchema } from '../definition/schema';
import { Schema } from '../definition/schema-builder';
import { checkPart } from '../definition/load';
import { DEFAULT_SPREAD, SpreadOptions, metadata, spreadOf, topologySpread } from './common';

/** Pod label used to spread each operator's pods; set through the CRD so it does not depend on operator internals. */
export const REDIS_POD_LABEL = 'mastodon.cdk8s/redis';

/** What both operator-run Redis constructs take besides their backend's definition fields. */
export interface OperatorRedisProps {
  /** the instance: prefix of the resource name and app.kubernetes.io/instance */
  readonly instance: string;
  /** the Mastodon release, e.g. 4.5.6: the version label */
  readonly version: string;
  /** which Redis of Mastodon: cache evicts and keeps no data; main and sidekiq never evict and persist */
  readonly role: RedisRole;
  /** @default - the Chart's namespace */
  readonly namespace?: string;
  /** the resource name @default `<instance>-redis-<role>` */
  readonly name?: string;
  /** spreading of the pods across zones and nodes @default { zone: 'preferred', node: 'preferred' } */
  readonly spread?: SpreadOptions;
}

/**
 * Checks the backend's fields with their piece of the definition schema, the version, and the image against
 * what the version's Sidekiq accepts (the model's checks); problems become construct validations.
 */
function checkBackend<T extends { readonly image: string }>(
  scope: Construct,
  props: OperatorRedisProps,
  schema: Schema<unknown, T>,
  fields: Record<string, unknown>,
  checkImage: (image: string, facts: VersionFacts, path: FieldPath, error: (p: FieldPath, m: string) => void) => void,
): T | undefined {
  const { value, problems } = checkPart(schema, fields);
  const version = parseVersion(props.version);
  const facts = version && factsFor(version);
  const found: Problem[] = [...problems];
  if (!facts) found.push({ path: ['version'], message: `unsupported Mastodon version ${show(props.version)}; expected ${supportedRange()}` });
  else if (value) checkImage(value.image, facts, ['image'], (path, message) => found.push({ path, message }));
  if (found.length || !value) {
    refuse(scope, found);
    return undefined;
  }
  checkObjects(scope);
  return value;
}

function identOf(props: OperatorRedisProps) {
  const v = parseVersion(props.version);
  return { instance: props.instance, namespace: props.namespace, version: v ? `v${formatVersion(v)}` : props.version };
}

/**
 * Dragonfly for one role. Cache: cache mode (evicts near maxmemory), no snapshots. Main and Sidekiq:
 * never evict, snapshots on a schedule to a volume or to S3. The operator fails over and makes the PDB.
 */
export interface DragonflyRedisProps extends OperatorRedisProps {
  /** @default 'docker.dragonflydb.io/dragonflydb/dragonfly:v1.34.2' */
  readonly image?: string;
  /** pods: 1 master and replicas @default 2 */
  readonly replicas?: number;
  /** requests and limits; maxmemory is 80% of the memory limit @default { cpu: '250m', memory: '512Mi', memoryLimit: '1Gi' } */
  readonly resources?: Resources;
  /** snapshot schedule (main and sidekiq) @default '*\/5 * * * *' */
  readonly snapshotCron?: string;
  /** snapshot volume size @default '10Gi' */
  readonly snapshotSize?: string;
  /** storage class of the snapshot volume @default - the cluster's default */
  readonly storageClass?: string;
  /** snapshots to S3 instead of a volume @default - a volume */
  readonly snapshotS3?: { readonly uri: string; readonly endpoint?: string; readonly accessKeyIdSecret: SecretKeyRef; readonly secretAccessKeySecret: SecretKeyRef };
  /** @default - no password */
  readonly passwordSecret?: SecretKeyRef;
}

export class DragonflyRedis extends Construct {
  /** the Dragonfly resource: `ApiObject.of(redis)`; undefined when the props were refused */
  readonly dragonfly?: df.Dragonfly;

  constructor(scope: Construct, id: string, props: DragonflyRedisProps) {
    super(scope, id);
    const d = checkBackend(this, props, dragonflySchema, {
      image: props.image, replicas: props.replicas, resources: props.resources, snapshotCron: props.snapshotCron, snapshotSize: props.snapshotSize,
      storageClass: props.storageClass, snapshotS3: props.snapshotS3, passwordSecret: props.passwordSecret,
    }, checkDragonflyImage);
    if (!d) return;
    const ident = identOf(props);
    const spread = props.spread ?? DEFAULT_SPREAD;
    const name = props.name ?? redisResourceName(props.instance, props.role);
    const cache = props.role === 'cache';
    const podLabels = { [REDIS_POD_LABEL]: name };
    // leave room for Dragonfly's own overhead below the container limit
    const maxMemory = Math.floor(memoryBytes(d.resources.memoryLimit) * 0.8);
    const s3 = cache ? undefined : d.snapshotS3;
    const args = cache ? ['--cache_mode=true', `--maxmemory=${maxMemory}`] : ['--dbfilename=dump', `--maxmemory=${maxMemory}`];
    if (s3?.endpoint) args.push(`--s3_endpoint=${s3.endpoint}`);
    this.dragonfly = new L1.Dragonfly(this, 'Resource', {
      metadata: metadata(ident, name, `redis-${props.role}`),
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
        topologySpreadConstraints: d.replicas >= 2 ? topologySpread(podLabels, spread, false) : undefined,
        pdb: d.replicas >= 2 ? { maxUnavailable: df.DragonflySpecPdbMaxUnavailable.fromNumber(1) } : undefined,
      },
    });
  }
}

/** OT redis-operator: a replicated Redis watched by Sentinels; Mastodon (4.3+) follows the master through Sentinel. */
export interface SentinelRedisProps extends OperatorRedisProps {
  /** @default 'quay.io/opstree/redis:v7.2.7' */
  readonly image?: string;
  /** Redis pods in the replication @default 3 */
  readonly replicas?: number;
  /** Sentinel pods @default 3 */
  readonly sentinels?: number;
  /** @default 'quay.io/opstree/redis-sentinel:v7.2.7' */
  readonly sentinelImage?: string;
  /** requests and limits; maxmemory is 80% of the memory limit @default { cpu: '100m', memory: '256Mi', memoryLimit: '512Mi' } */
  readonly resources?: Resources;
  /** volume size per Redis pod @default '5Gi' */
  readonly storageSize?: string;
  /** @default - the cluster's default */
  readonly storageClass?: string;
  /** @default - no password */
  readonly passwordSecret?: SecretKeyRef;
}

export class SentinelRedis extends Construct {
  /** the RedisReplication: `ApiObject.of(redis)` */
  readonly replication?: rr.RedisReplication;
  readonly sentinel?: rs.RedisSentinel;
  /** the additional Redis configuration (maxmemory, eviction, persistence) */
  readonly config?: ApiObject;

  constructor(scope: Construct, id: string, props: SentinelRedisProps) {
    super(scope, id);
    const r = checkBackend(this, props, redisOperatorSchema, {
      image: props.image, replicas: props.replicas, sentinels: props.sentinels, sentinelImage: props.sentinelImage, resources: props.resources,
      storageSize: props.storageSize, storageClass: props.storageClass, passwordSecret: props.passwordSecret,
    }, checkRedisImage);
    if (!r) return;
    const ident = identOf(props);
    const spread = props.spread ?? DEFAULT_SPREAD;
    const name = props.name ?? redisResourceName(props.instance, props.role);
    const cache = props.role === 'cache';
    const maxMemory = Math.floor(memoryBytes(r.resources.memoryLimit) * 0.8);
    const redisConfig = cache
      ? `maxmemory ${maxMemory}\nmaxmemory-policy allkeys-lru\nsave ""\nappendonly no\n`
      : `maxmemory ${maxMemory}\nmaxmemory-policy noeviction\nappendonly yes\n`;
    const secret = r.passwordSecret ? { name: r.passwordSecret.name, key: r.passwordSecret.key } : undefined;
    const configName = `${name}-config`;
    this.config = new L1.KubeConfigMap(this, 'config', {
      metadata: metadata(ident, configName, `redis-${props.role}`),
      data: { 'redis-additional.conf': redisConfig },
    });

    this.replication = new L1.RedisReplication(this, 'Resource', {
      metadata: metadata(ident, name, `redis-${props.role}`),
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
        topologySpreadConstraints: r.replicas >= 2 ? topologySpread({ app: name }, spread, false) : undefined,
      },
    });

    this.sentinel = new L1.RedisSentinel(this, 'sentinel', {
      metadata: metadata(ident, name, `redis-${props.role}`),
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
        topologySpreadConstraints: r.sentinels >= 2 ? topologySpread({ app: `${name}-sentinel` }, spread, false) : undefined,
      },
    });
  }
}

/** The props of an operator-run Redis role of a validated instance. */
export function operatorRedisPropsOf(m: InstanceModel, ep: RedisEndpoint): OperatorRedisProps {
  return {
    instance: m.name,
    namespace: m.namespace,
    version: formatVersion(m.version),
    role: ep.role,
    name: ep.resourceName,
    spread: spreadOf(m.def.scheduling),
  };
}
