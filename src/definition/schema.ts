/**
 * The instance definition: what an operator writes in `instances/<name>.yaml`.
 * This file is the single source of the JSON Schema (written to `schema/instance.schema.json` for
 * editors), of the TypeScript types, and of every static default (applied by ajv while validating).
 * Defaults that depend on other fields (namespace = name, ...) are resolved in `src/model/`.
 */
import type { k8s } from 'cdk8s-plus-28';
import { OutOf, InOf, s } from './schema-builder';
import { POSTGRES_DEFAULT_MAJOR } from '../model/versions';

/** scheduling's node-loss toleration defaults, also the defaults of the constructs used on their own */
export const UNREACHABLE_TOLERATION_SECONDS = 0;
export const NOT_READY_TOLERATION_SECONDS = 30;
/** the official images, the defaults of image.repository and image.streamingRepository */
/** the Prometheus exporters' port unless metrics.exporterPort says otherwise */
export const EXPORTER_PORT = 9394;
/** scheduling.zoneSpread and nodeSpread: required spreading refuses to schedule, preferred only tries */
export const SPREAD_MODES = ['required', 'preferred'] as const;
export type SpreadMode = (typeof SPREAD_MODES)[number];
export const SPREAD_DEFAULT: SpreadMode = 'preferred';
export const MASTODON_REPOSITORY = 'ghcr.io/mastodon/mastodon';
export const MASTODON_STREAMING_REPOSITORY = 'ghcr.io/mastodon/mastodon-streaming';

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const HOSTNAME = '^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$';
const CPU = '^([0-9]+m|[0-9]+(\\.[0-9]+)?)$';
const MEMORY = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$';
const DURATION = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';
const ENV_NAME = '^[A-Z_][A-Z0-9_]*$';
const SECRET_KEY = '^[-._a-zA-Z0-9]+$';
const DNS_SUBDOMAIN = '^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** no user information (user:password@) in a host or URL: credentials come from Secrets */
const NO_USERINFO = '^(?![^/]*@)(?!.*://[^/?#]*@)';
/** an image repository as the container runtime parses it (distribution/reference), without tag or digest */
const DOMAIN_PART = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const PATH_PART = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*(?::[0-9]+)?/)?${PATH_PART}(?:/${PATH_PART})*`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
/** one header line: no line breaks or other control characters */
const HEADER_VALUE = '^[^\\u0000-\\u001f\\u007f]*$';

const dnsLabel = (description: string) =>
  s.string(description, { pattern: DNS_LABEL, maxLength: 40, 'x-expected': 'a lowercase DNS label (a-z, 0-9, -)' });
const hostname = (description: string) =>
  s.string(description, { pattern: HOSTNAME, 'x-expected': 'a lowercase fully qualified host name' });
/** a host, optionally with a path under it (Mastodon builds media URLs as https://<value>/<file path>) */
const hostWithPath = (description: string) =>
  s.string(description, { pattern: `${HOSTNAME.slice(0, -1)}(/[^\\s?#]*)?$`, 'x-expected': 'a lowercase host name, optionally with a path (cdn.example.com/mastodon)' });
const duration = (description: string) =>
  s.string(description, { pattern: DURATION, 'x-expected': 'a Go duration such as 90s, 10m or 1h' });
const imageTag = (description: string) =>
  s.string(description, { pattern: `^${TAG}$`, 'x-expected': 'an image tag such as v4.5.6-custom' });
const imageDigest = (description: string) =>
  s.string(description, { pattern: '^sha256:[a-f0-9]{64}$', 'x-expected': 'an image digest such as sha256:<64 hex digits>' });
const port = (description: string) => s.integer(description, { minimum: 1, maximum: 65535 });
/** a host name, address or URL of a server: never with credentials in it (the value is not echoed in errors) */
const server = (description: string) =>
  s.string(description, { minLength: 1, pattern: NO_USERINFO, 'x-sensitive': true, 'x-expected': 'a host or URL without user:password@ (give credentials as Secrets)' });
const className = (description: string) =>
  s.string(description, { pattern: DNS_SUBDOMAIN, 'x-expected': 'a class name (a lowercase DNS name: a-z, 0-9, - and .)' });
const namespaceName = (description: string) =>
  s.string(description, { pattern: DNS_LABEL, maxLength: 63, 'x-expected': 'a namespace name (a lowercase DNS label)' });
const repository = (description: string) =>
  s.string(description, { pattern: `^${REPOSITORY}$`, maxLength: 255, 'x-expected': 'an image repository such as ghcr.io/mastodon/mastodon (no tag: set the tag on its own)' });
const imageReference = (description: string) =>
  s.string(description, { pattern: `^${REPOSITORY}(?::${TAG})?(?:@sha256:[a-f0-9]{64})?$`, 'x-expected': 'an image reference such as registry.k8s.io/kubectl:v1.34.1' });
const headerValue = (description: string, extra: { minLength?: number } = {}) =>
  s.string(description, { ...extra, pattern: HEADER_VALUE, 'x-expected': 'one line of text (no line breaks: it becomes a mail header)' });

/** The host names an Ingress routes (the top-level domain fields and traffic.streamingHost), for the constructs used on their own. */
export const hostsSchema = s.object({
  localDomain: s.req(hostname('LOCAL_DOMAIN')),
  webDomain: s.req(hostname('WEB_DOMAIN')),
  alternateDomains: s.opt(s.array(hostname('alternate domain'), 'ALTERNATE_DOMAINS', { uniqueItems: true })),
  streamingHost: s.opt(hostname('separate streaming host')),
});

export const secretKeyRef = s.object(
  {
    name: s.req(dnsLabel('name of the Secret')),
    key: s.req(s.string('key inside the Secret', { pattern: SECRET_KEY, maxLength: 253, 'x-expected': 'a Secret key (letters, digits, -, _ and .)' })),
  },
  'a key of a Secret in the instance namespace; the value never appears in the definition or in dist/',
);

const resourceProps = {
  cpu: s.req(s.string('CPU request, e.g. 250m', { pattern: CPU, 'x-expected': 'a CPU quantity such as 250m or 1' })),
  memory: s.req(s.string('memory request, e.g. 512Mi', { pattern: MEMORY, 'x-expected': 'a memory quantity such as 512Mi' })),
  memoryLimit: s.req(s.string('memory limit', { pattern: MEMORY, 'x-expected': 'a memory quantity such as 1Gi' })),
  cpuLimit: s.opt(s.string('CPU limit; unset by default to avoid CFS throttling', { pattern: CPU, 'x-expected': 'a CPU quantity' })),
};

export const resources = s.object(resourceProps, 'container requests and limits (every container gets CPU and memory requests and a memory limit)');

/** Requests and limits of a Mastodon process or Job: the container's and its scratch space's. */
export const podResources = s.object(
  {
    ...resourceProps,
    ephemeralStorage: s.def(s.string('ephemeral-storage request: logs and the scratch space under tmp/ and /tmp', { pattern: MEMORY, 'x-expected': 'a size such as 256Mi' }), '256Mi'),
    ephemeralStorageLimit: s.def(
      s.string('ephemeral-storage limit; each scratch volume (tmp/, /tmp, and extra emptyDir volumes without a sizeLimit) is capped at this size too, so a runaway process is evicted instead of filling the node\'s disk', { pattern: MEMORY, 'x-expected': 'a size such as 2Gi' }),
      '2Gi',
    ),
  },
  'container requests and limits, and the bound of its scratch space',
);

const toleration = s.object({
  key: s.opt(s.string()),
  operator: s.opt(s.enum(['Exists', 'Equal'] as const)),
  value: s.opt(s.string()),
  effect: s.opt(s.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const)),
  tolerationSeconds: s.opt(s.integer(undefined, { minimum: 0 })),
});

const otelSampling = {
  sampler: s.opt(s.enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const, 'OTEL_TRACES_SAMPLER')),
  samplerRatio: s.opt(s.string('OTEL_TRACES_SAMPLER_ARG: the ratio of a traceidratio sampler', { pattern: '^(0(\\.[0-9]+)?|1(\\.0+)?)$', 'x-expected': 'a ratio between 0 and 1 such as 0.1' })),
};
/** A component's own OpenTelemetry settings, over metrics.otel. */
const componentOtel = s.opt(
  s.object(
    { enabled: s.def(s.boolean('send traces from this component'), true), endpoint: s.opt(server('its own OTEL_EXPORTER_OTLP_ENDPOINT')), ...otelSampling },
    'this component\'s OpenTelemetry settings over metrics.otel',
  ),
);

/** Placement and pod additions shared by every process and by the Job pods. */
const placement = {
  nodeSelector: s.opt(s.record(s.string(), 'node labels the pods must land on')),
  tolerations: s.opt(s.array(toleration, 'taints the pods tolerate')),
  affinity: s.opt(s.kube<k8s.Affinity>('Affinity', 'node/pod (anti-)affinity, merged with the one the generator sets for a ReadWriteOnce media volume')),
  priorityClassName: s.opt(s.string('priorityClassName of the pods')),
  podAnnotations: s.opt(s.record(s.string(), 'annotations of the pod template (e.g. for a secret-reloader or a service mesh)')),
  podLabels: s.opt(s.record(s.string(), 'extra labels of the pods (app.kubernetes.io/* are the generator\'s)')),
  hostAliases: s.opt(s.array(s.object({ ip: s.req(s.string('IP address', { minLength: 1 })), hostnames: s.req(s.array(s.string(), 'host names', { minItems: 1 })) }), '/etc/hosts entries')),
  extraEnv: s.opt(s.record(s.string(), 'non-secret environment of this component only (same rules as env)', ENV_NAME)),
  envFrom: s.opt(
    s.array(
      s.object({ configMap: s.opt(dnsLabel('ConfigMap whose keys become variables')), secret: s.opt(dnsLabel('Secret whose keys become variables')) }, 'exactly one of configMap, secret'),
      'whole ConfigMaps or Secrets as environment of the main container (after the generated ones)',
    ),
  ),
  extraVolumes: s.opt(s.array(s.kube<k8s.Volume>('Volume'), 'volumes added to the pod (CA bundles, config files, ...)')),
  extraVolumeMounts: s.opt(s.array(s.kube<k8s.VolumeMount>('VolumeMount'), 'mounts of the main container')),
  sidecars: s.opt(s.array(s.kube<k8s.Container>('Container'), 'extra containers; the hardening and resource rules apply to them too')),
  extraInitContainers: s.opt(s.array(s.kube<k8s.Container>('Container'), 'init containers run before the generated ones')),
  serviceAccount: s.opt(
    s.object(
      {
        name: s.req(dnsLabel('ServiceAccount the pods run as')),
        create: s.def(s.boolean('emit it (in the base stage); false: it exists already'), false),
        annotations: s.def(s.record(s.string(), 'annotations of the emitted ServiceAccount, e.g. eks.amazonaws.com/role-arn or iam.gke.io/gcp-service-account'), {}),
        automountToken: s.def(s.boolean('mount its API token (IRSA and Workload Identity do not need it)'), false),
      },
      'the pods\' identity, e.g. for S3 without static keys; default: the namespace default, no token',
    ),
  ),
};

const replicaRange = (defaultReplicas: number) => ({
  replicas: s.def(s.integer('replicas (the minimum when maxReplicas is set)', { minimum: 1, maximum: 500 }), defaultReplicas),
  maxReplicas: s.opt(
    s.integer('enables a HorizontalPodAutoscaler between replicas and maxReplicas', { minimum: 1, maximum: 500 }),
  ),
  targetCpuPercent: s.def(s.integer('HPA target CPU utilisation (of the request)', { minimum: 10, maximum: 100 }), 70),
  targetMemoryPercent: s.opt(s.integer('HPA target memory utilisation (of the request)', { minimum: 10, maximum: 100 })),
});

export const web = s.object(
  {
    ...replicaRange(2),
    workers: s.def(s.integer('Puma processes per pod (WEB_CONCURRENCY)', { minimum: 1, maximum: 32 }), 2),
    threads: s.def(s.integer('Puma threads per process (MAX_THREADS, and DB_POOL)', { minimum: 1, maximum: 64 }), 5),
    minThreads: s.opt(s.integer('MIN_THREADS; defaults to threads', { minimum: 1, maximum: 64 })),
    persistentTimeoutSeconds: s.def(s.integer('PERSISTENT_TIMEOUT', { minimum: 1, maximum: 600 }), 20),
    otel: componentOtel,
    resources: s.def(podResources, { cpu: '500m', memory: '1Gi', memoryLimit: '1536Mi' }),
    ...placement,
  },
  'Puma web processes',
);

export const streaming = s.object(
  {
    ...replicaRange(2),
    dbPool: s.def(s.integer('DB_POOL of each streaming pod', { minimum: 1, maximum: 100 }), 10),
    resources: s.def(podResources, { cpu: '100m', memory: '192Mi', memoryLimit: '384Mi' }),
    ...placement,
  },
  'streaming API (WebSocket / server-sent events)',
);

export const sidekiqGroup = s.object({
  name: s.req(dnsLabel('group name; the Deployment is <instance>-sidekiq-<name>')),
  queues: s.req(
    s.array(
      s.string('a queue, optionally with a weight: "default,8"', { minLength: 1 }),
      'queues in priority order, as given to sidekiq -q',
      { minItems: 1 },
    ),
  ),
  concurrency: s.def(s.integer('Sidekiq threads (-c and DB_POOL)', { minimum: 1, maximum: 100 }), 10),
  ...replicaRange(1),
  queueLengthPerReplica: s.opt(
    s.integer('scale with KEDA on the jobs waiting in the group\'s queues (per replica) instead of CPU; needs maxReplicas', { minimum: 1 }),
  ),
  resources: s.def(podResources, { cpu: '500m', memory: '768Mi', memoryLimit: '1536Mi' }),
  otel: componentOtel,
  image: s.opt(
    s.object(
      {
        repository: s.opt(repository('repository of this group\'s image; default: image.repository')),
        tag: s.opt(imageTag('tag of this group\'s image; default: image.tag or v<version>')),
        digest: s.opt(imageDigest('pins this group\'s image')),
      },
      'a different image for this group only (e.g. a build with extra gems); same Mastodon release',
    ),
  ),
  ...placement,
});

const sidekiq = s.object(
  {
    shutdownTimeoutSeconds: s.def(
      s.integer('seconds Sidekiq waits for running jobs on shutdown (-t)', { minimum: 1, maximum: 3600 }),
      25,
    ),
    groups: s.req(s.array(sidekiqGroup, 'Sidekiq processes, each consuming its own queues', { minItems: 1 })),
  },
  'Sidekiq queue groups',
);

const cnpgResources = (cpu: string, memory: string) => s.def(resources, { cpu, memory, memoryLimit: memory });

const cloudnativePg = s.object(
  {
    instances: s.def(s.integer('PostgreSQL pods: one primary and standbys CloudNativePG fails over to', { minimum: 1, maximum: 9 }), 3),
    postgresVersion: s.def(
      s.integer('PostgreSQL major version (image ghcr.io/cloudnative-pg/postgresql:<major>); at least the minimum of the Mastodon version', { minimum: 12, maximum: 18 }),
      POSTGRES_DEFAULT_MAJOR,
    ),
    image: s.opt(imageReference('PostgreSQL image instead of ghcr.io/cloudnative-pg/postgresql:<postgresVersion>, e.g. a tag with a digest; it must run postgresVersion')),
    storageSize: s.def(s.string('data volume size per pod', { pattern: MEMORY, 'x-expected': 'a size such as 20Gi' }), '20Gi'),
    storageClass: s.opt(className('storage class of the data volumes')),
    resources: cnpgResources('500m', '1Gi'),
    pooler: s.def(
      s.object(
        {
          enabled: s.def(s.boolean('run a PgBouncer Pooler; false: web, streaming and Sidekiq connect to the -rw Service directly'), true),
          instances: s.def(s.integer('PgBouncer pods', { minimum: 1, maximum: 9 }), 2),
          mode: s.def(
            s.enum(['transaction', 'session'] as const, 'pool_mode: transaction (PREPARED_STATEMENTS=false) or session (prepared statements stay on; every client connection holds a server connection)'),
            'transaction',
          ),
          maxClientConnections: s.def(s.integer('max_client_conn of each PgBouncer pod', { minimum: 1 }), 1000),
          poolSize: s.def(s.integer('default_pool_size: server connections each PgBouncer pod opens', { minimum: 1 }), 20),
          resources: cnpgResources('100m', '128Mi'),
        },
        'the PgBouncer Pooler (<cluster>-pooler Service) web, streaming and Sidekiq connect to; migrations and tootctl Jobs use the -rw Service',
      ),
      {},
    ),
    replica: s.opt(
      s.object(
        { streaming: s.def(s.boolean('streaming reads only, so it connects to the standbys instead of the primary'), false) },
        'read replica: REPLICA_DB_* to the <cluster>-ro Service (the standbys); needs instances >= 2',
      ),
    ),
    backup: s.opt(
      s.object(
        {
          destinationPath: s.req(s.string('where base backups and WAL go, e.g. s3://bucket/postgres', { pattern: '^s3://[^/@]+(/.*)?$', 'x-sensitive': true, 'x-expected': 'an s3:// URI without credentials' })),
          endpointUrl: s.opt(server('S3-compatible endpoint URL, e.g. https://fsn1.your-objectstorage.com')),
          accessKeyIdSecret: s.req(secretKeyRef),
          secretAccessKeySecret: s.req(secretKeyRef),
          schedule: s.def(
            s.string('ScheduledBackup schedule: six fields, seconds first (robfig/cron), UTC', { pattern: '^(\\S+\\s+){5}\\S+$', 'x-expected': 'a six-field cron expression such as 0 0 3 * * *' }),
            '0 0 3 * * *',
          ),
          retentionPolicy: s.def(s.string('how long backups are kept', { pattern: '^[1-9][0-9]*[dwm]$', 'x-expected': 'a retention such as 30d, 4w or 6m' }), '30d'),
        },
        'base backups on a schedule and WAL archiving to object storage (barmanObjectStore)',
      ),
    ),
    import: s.opt(
      s.object(
        {
          host: s.req(server('host of the running PostgreSQL to copy (the Helm release\'s <release>-postgresql Service)')),
          port: s.def(port('its port'), 5432),
          database: s.def(s.string('database to copy'), 'mastodon_production'),
          user: s.def(s.string('user that reads it'), 'postgres'),
          passwordSecret: s.req(secretKeyRef),
        },
        'create the Cluster by copying a running database (bootstrap.initdb.import, microservice type) into database.name, owned by database.user',
      ),
    ),
  },
  'a CloudNativePG Cluster in the instance namespace; credentials come from the <cluster>-app Secret the operator creates',
);

const database = s.object(
  {
    host: s.opt(server('PostgreSQL host reached directly (migrations always use it); exactly one of host, cloudnativePg')),
    cloudnativePg: s.opt(cloudnativePg),
    port: s.def(port('PostgreSQL port'), 5432),
    name: s.def(s.string('database name'), 'mastodon_production'),
    user: s.def(s.string('database user'), 'mastodon'),
    userSecret: s.opt(secretKeyRef),
    passwordSecret: s.opt(secretKeyRef),
    tls: s.opt(
      s.object(
        {
          mode: s.req(
            s.enum(
              ['disable', 'encrypt', 'verify-ca', 'verify-full'] as const,
              'encrypt: TLS without certificate checks; verify-ca: the server certificate must chain to the CA; verify-full: and match the host name. Each process gets the DB_SSLMODE it understands (libpq for Rails, node-postgres for streaming)',
            ),
          ),
          caSecret: s.opt(secretKeyRef),
        },
        'TLS to PostgreSQL (and the pooler); unset: Mastodon\'s defaults (Rails "prefer", streaming without TLS)',
      ),
    ),
    maxConnections: s.def(
      s.integer('connections the server accepts for Mastodon (synth fails when the worst case exceeds it); with cloudnativePg, the Cluster\'s max_connections', { minimum: 1 }),
      100,
    ),
    postgresVersion: s.opt(s.integer('PostgreSQL major version, checked against the Mastodon minimum', { minimum: 9 })),
    pooler: s.opt(
      s.object(
        {
          host: s.req(server('PgBouncer (transaction mode) host used by web, streaming and Sidekiq')),
          port: s.def(port('pooler port'), 6432),
          maxClientConnections: s.req(s.integer('max_client_conn of the pooler', { minimum: 1 })),
          poolSize: s.opt(s.integer('server connections the pooler opens (default_pool_size)', { minimum: 1 })),
        },
        'connection pooler in transaction mode; sets PREPARED_STATEMENTS=false',
      ),
    ),
    replica: s.opt(
      s.object(
        {
          host: s.req(server('read replica host')),
          port: s.def(port('read replica port'), 5432),
          name: s.opt(s.string('database name on the replica; defaults to database.name')),
          user: s.opt(s.string('user on the replica; defaults to database.user')),
          passwordSecret: s.opt(secretKeyRef),
          streaming: s.def(s.boolean('streaming reads only, so it connects to the replica instead of the primary (as the official chart can)'), false),
        },
        'read replica (REPLICA_DB_*; the password defaults to the primary\'s)',
      ),
    ),
  },
  'PostgreSQL',
);

export const dragonfly = s.object(
  {
    image: s.def(imageReference('Dragonfly image'), 'docker.dragonflydb.io/dragonflydb/dragonfly:v1.34.2'),
    replicas: s.def(s.integer('Dragonfly pods (1 master + replicas)', { minimum: 1, maximum: 9 }), 2),
    resources: s.def(resources, { cpu: '250m', memory: '512Mi', memoryLimit: '1Gi' }),
    snapshotCron: s.def(s.string('snapshot schedule (main and sidekiq roles)'), '*/5 * * * *'),
    snapshotSize: s.def(s.string('snapshot volume size', { pattern: MEMORY, 'x-expected': 'a size such as 10Gi' }), '10Gi'),
    storageClass: s.opt(className('storage class of the snapshot volume')),
    snapshotS3: s.opt(
      s.object(
        {
          uri: s.req(s.string('where snapshots go, e.g. s3://bucket/dragonfly/main', { pattern: '^s3://[^/@]+(/.*)?$', 'x-sensitive': true, 'x-expected': 'an s3:// URI without credentials' })),
          endpoint: s.opt(server('S3-compatible endpoint host, e.g. fsn1.your-objectstorage.com')),
          accessKeyIdSecret: s.req(secretKeyRef),
          secretAccessKeySecret: s.req(secretKeyRef),
        },
        'snapshots to S3 instead of a volume',
      ),
    ),
    passwordSecret: s.opt(secretKeyRef),
  },
  'a Dragonfly resource run by the Dragonfly operator',
);

export const redisOperator = s.object(
  {
    image: s.def(imageReference('Redis image'), 'quay.io/opstree/redis:v7.2.7'),
    replicas: s.def(s.integer('Redis pods in the replication', { minimum: 1, maximum: 9 }), 3),
    sentinels: s.def(s.integer('Sentinel pods', { minimum: 1, maximum: 9 }), 3),
    sentinelImage: s.def(imageReference('Sentinel image'), 'quay.io/opstree/redis-sentinel:v7.2.7'),
    resources: s.def(resources, { cpu: '100m', memory: '256Mi', memoryLimit: '512Mi' }),
    storageSize: s.def(s.string('volume size per Redis pod', { pattern: MEMORY, 'x-expected': 'a size such as 5Gi' }), '5Gi'),
    storageClass: s.opt(className('storage class')),
    passwordSecret: s.opt(secretKeyRef),
  },
  'a RedisReplication + RedisSentinel pair run by the OT redis-operator',
);

const externalRedis = s.object(
  {
    host: s.req(server('Redis host')),
    port: s.def(port('Redis port'), 6379),
    user: s.opt(s.string('Redis ACL user (REDIS_USER)')),
    passwordSecret: s.opt(secretKeyRef),
    tls: s.def(s.boolean('connect with TLS (rediss://, REDIS_DRIVER=ruby); with a password, Mastodon needs urlSecret'), false),
    urlSecret: s.opt(secretKeyRef),
    db: s.opt(s.integer('database number (REDIS_DB)', { minimum: 0, maximum: 15 })),
  },
  'a Redis-compatible server outside the cluster',
);

const redisRole = s.object(
  {
    external: s.opt(externalRedis),
    dragonfly: s.opt(dragonfly),
    redisOperator: s.opt(redisOperator),
  },
  'exactly one of external, dragonfly, redisOperator',
);

const redis = s.object(
  {
    main: s.req(redisRole),
    sidekiq: s.opt(redisRole),
    cache: s.opt(redisRole),
  },
  'Redis roles; sidekiq and cache fall back to main when unset',
);

const search = s.object(
  {
    host: s.req(server('Elasticsearch/OpenSearch host; prefix https:// for TLS')),
    port: s.def(port('port'), 9200),
    user: s.opt(s.string('ES_USER')),
    userSecret: s.opt(secretKeyRef),
    passwordSecret: s.opt(secretKeyRef),
    preset: s.def(s.enum(['single_node_cluster', 'small_cluster', 'large_cluster'] as const, 'ES_PRESET'), 'single_node_cluster'),
    prefix: s.opt(s.string('ES_PREFIX, unique per instance when a cluster is shared')),
    caSecret: s.opt(secretKeyRef),
    initialize: s.def(s.boolean('run a full `tootctl search deploy` Job (first enable)'), false),
  },
  'full-text search',
);

const s3 = s.object(
  {
    bucket: s.req(s.string('bucket', { minLength: 1 })),
    region: s.def(s.string('S3_REGION'), 'us-east-1'),
    endpoint: s.opt(server('S3_ENDPOINT, e.g. https://fsn1.your-objectstorage.com')),
    hostname: s.opt(server('S3_HOSTNAME')),
    aliasHost: s.opt(hostWithPath('S3_ALIAS_HOST: CDN host (and path) serving the media')),
    protocol: s.def(s.enum(['https', 'http'] as const, 'S3_PROTOCOL'), 'https'),
    multipartThresholdBytes: s.opt(s.integer('S3_MULTIPART_THRESHOLD: uploads above this size go in parts; Mastodon\'s default is 15 MiB', { minimum: 5242880 })),
    overridePathStyle: s.opt(s.boolean('S3_OVERRIDE_PATH_STYLE: with an endpoint, use bucket.host URLs instead of host/bucket')),
    forceSingleRequest: s.opt(s.boolean('S3_FORCE_SINGLE_REQUEST: download in one request, for providers without ranged GETs')),
    signatureVersion: s.opt(s.enum(['v4', 's3'] as const, 'S3_SIGNATURE_VERSION; Mastodon\'s default is v4')),
    openTimeoutSeconds: s.opt(s.integer('S3_OPEN_TIMEOUT; Mastodon\'s default is 5', { minimum: 1, maximum: 300 })),
    readTimeoutSeconds: s.opt(s.integer('S3_READ_TIMEOUT; Mastodon\'s default is 5', { minimum: 1, maximum: 300 })),
    permission: s.opt(
      s.enum(
        ['', 'public-read', 'private', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control'] as const,
        'S3_PERMISSION: canned ACL of uploads (backups and suspended accounts\' media are always private); unset: Mastodon\'s public-read. "" sends no ACL at all: the setting for Cloudflare R2 and for buckets with ACLs disabled (object ownership "bucket owner enforced"), which refuse every ACL, bucket-owner-full-control included',
      ),
    ),
    accessKeyIdSecret: s.opt(secretKeyRef),
    secretAccessKeySecret: s.opt(secretKeyRef),
  },
  'S3-compatible object storage; without the two key Secrets the AWS SDK takes credentials from the pod (serviceAccount with IRSA / Workload Identity, or the node role)',
);

const volume = s.object(
  {
    size: s.req(s.string('volume size', { pattern: MEMORY, 'x-expected': 'a size such as 100Gi' })),
    accessMode: s.req(
      s.enum(
        ['ReadWriteOnce', 'ReadWriteMany'] as const,
        'ReadWriteOnce pins every pod that mounts it (web, Sidekiq) to one node',
      ),
    ),
    storageClass: s.opt(className('storage class')),
    existingClaim: s.opt(dnsLabel('mount this existing claim (e.g. the Helm release\'s) instead of creating <instance>-media; size and storageClass are then ignored')),
  },
  'a PersistentVolumeClaim mounted at public/system',
);

const storage = s.object({ s3: s.opt(s3), volume: s.opt(volume) }, 'media storage: exactly one of s3, volume');

const smtpServer = {
  server: s.req(server('SMTP_SERVER')),
  port: s.def(port('SMTP_PORT'), 587),
  login: s.opt(s.string('SMTP_LOGIN')),
  loginSecret: s.opt(secretKeyRef),
  passwordSecret: s.opt(secretKeyRef),
  authMethod: s.opt(s.enum(['plain', 'login', 'cram_md5', 'xoauth2', 'none'] as const, 'SMTP_AUTH_METHOD; default: plain with a login, none (no SMTP AUTH, e.g. a relay that trusts the cluster) without one')),
  starttls: s.opt(s.enum(['auto', 'always', 'never'] as const, 'SMTP_ENABLE_STARTTLS; default: never with implicit TLS (tls or ssl), else auto. From 4.5 Mastodon refuses always/auto together with implicit TLS')),
  tls: s.def(s.boolean('SMTP_TLS (implicit TLS, usually port 465)'), false),
  ssl: s.opt(s.boolean('SMTP_SSL (the mail library\'s alias of implicit TLS)')),
  domain: s.opt(headerValue('SMTP_DOMAIN: the HELO name; Mastodon\'s default is LOCAL_DOMAIN')),
  opensslVerifyMode: s.opt(s.enum(['peer', 'none', 'client_once', 'fail_if_no_peer_cert'] as const, 'SMTP_OPENSSL_VERIFY_MODE: none skips certificate checks')),
  caSecret: s.opt(secretKeyRef),
};

const smtp = s.object(
  {
    ...smtpServer,
    fromAddress: s.req(headerValue('SMTP_FROM_ADDRESS (also the sender of bulk mail)', { minLength: 3 })),
    replyTo: s.opt(headerValue('SMTP_REPLY_TO', { minLength: 3 })),
    returnPath: s.opt(headerValue('SMTP_RETURN_PATH (bounce address)', { minLength: 3 })),
    deliveryMethod: s.def(s.enum(['smtp', 'sendmail', 'file', 'test'] as const, 'SMTP_DELIVERY_METHOD (sendmail needs a sendmail binary in the image; file writes mail under tmp/mails and test keeps it in memory: neither delivers)'), 'smtp'),
    bulk: s.opt(s.object(smtpServer, 'BULK_SMTP_* (4.4+): the server for announcements and terms-of-service mail; same sender')),
  },
  'outgoing mail',
);

const secretSource = s.object(
  {
    externalSecret: s.opt(
      s.object({
        store: s.req(s.string('SecretStore or ClusterSecretStore name', { minLength: 1 })),
        storeKind: s.def(s.enum(['ClusterSecretStore', 'SecretStore'] as const, 'kind of the store'), 'ClusterSecretStore'),
        refreshInterval: s.def(duration('how often the operator refreshes'), '1h'),
        data: s.opt(
          s.record(s.string('remote key, "path" or "path#property"', { minLength: 1 }), 'Secret key → remote key', SECRET_KEY),
        ),
        extract: s.opt(s.string('remote key whose properties all become Secret keys (dataFrom.extract)')),
      }),
    ),
    sealedSecret: s.opt(
      s.object({
        encryptedData: s.req(
          s.record(
            s.string('kubeseal output', { pattern: '^Ag[A-Za-z0-9+/=]{60,}$', 'x-expected': 'a kubeseal-encrypted value (starts with Ag)' }),
            'Secret key → encrypted value',
          ),
        ),
        scope: s.def(s.enum(['strict', 'namespace-wide', 'cluster-wide'] as const, 'kubeseal scope the values were sealed with'), 'strict'),
      }),
    ),
  },
  'how a Secret reaches the cluster: exactly one of externalSecret, sealedSecret',
);

const secrets = s.object(
  {
    core: s.req(
      dnsLabel(
        'Secret with SECRET_KEY_BASE, VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY, ACTIVE_RECORD_ENCRYPTION_* (and OTP_SECRET for 4.3), keys named as the variables',
      ),
    ),
    sources: s.def(
      s.record(secretSource, 'Secrets the generator emits (ExternalSecret / SealedSecret), by name; others must exist', DNS_LABEL),
      {},
    ),
    coreKeys: s.def(
      s.record(s.string('key in the core Secret', { pattern: SECRET_KEY, 'x-expected': 'a Secret key' }), 'variable → key in the core Secret, for a Secret whose keys are not named as the variables (e.g. one kept from the Helm chart)', ENV_NAME),
      {},
    ),
  },
  'credentials: never written in plain text',
);

const upgrade = s.object(
  {
    from: s.opt(s.string('version running now; unset for a fresh install', { pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$', 'x-expected': 'a version such as 4.4.5' })),
    strategy: s.def(
      s.enum(['rolling', 'downtime'] as const, 'rolling: zero downtime; downtime: scale to zero, migrate, scale up'),
      'rolling',
    ),
    jobTtlSeconds: s.opt(
      s.integer(
        'ttlSecondsAfterFinished of the pre- and post-deployment migration Jobs. Unset by default: the finished Job stays until the next release\'s Job replaces it (Flux prunes it), so a reconcile finds it and changes nothing. With a TTL, the next reconcile after the deletion creates the Job again: the migration runs again (nothing pending) and the stages after it wait for it, or stop when it fails',
        { minimum: 60, maximum: 2147483647 },
      ),
    ),
    migrationTimeoutSeconds: s.def(s.integer('activeDeadlineSeconds of migration Jobs', { minimum: 60 }), 3600),
    kubectlImage: s.def(imageReference('image with kubectl, used by the downtime flow to scale down'), 'registry.k8s.io/kubectl:v1.34.1'),
  },
  'upgrade path',
);

export const ingress = s.object(
  {
    className: s.opt(className('ingressClassName; default: nginx for ingress-nginx, traefik for traefik; required for generic')),
    clusterIssuer: s.opt(s.string('cert-manager ClusterIssuer for the TLS certificate')),
    issuer: s.opt(s.string('cert-manager Issuer (namespaced) for the TLS certificate')),
    tlsSecret: s.opt(dnsLabel('existing TLS Secret (when not using cert-manager)')),
    tls: s.opt(s.enum(['external'] as const, 'external: TLS is terminated before the Ingress (a cloud load balancer, the controller\'s default certificate, a tunnel), so the Ingress has no tls section; instead of clusterIssuer, issuer or tlsSecret')),
    maxBodySize: s.def(s.string('upload limit (ingress-nginx\'s proxy-body-size; Traefik sets none, a generic controller its own)', { pattern: '^[0-9]+[kmg]?$', 'x-expected': 'a size such as 100m' }), '100m'),
    hstsMaxAgeSeconds: s.def(s.integer('Strict-Transport-Security max-age', { minimum: 0 }), 63072000),
    controller: s.opt(
      s.enum(
        ['ingress-nginx', 'traefik', 'generic'] as const,
        'the controller serving className: only its annotations are emitted (none for generic), its pods are admitted by the NetworkPolicies, and what it cannot express is a synth warning; default: traefik when className is traefik, else ingress-nginx',
      ),
    ),
    controllerNamespace: s.opt(namespaceName('namespace of the controller pods (NetworkPolicy source); default: ingress-nginx for ingress-nginx, kube-system for traefik (k3s); required for generic')),
    controllerPodLabels: s.opt(s.record(s.string(), 'labels of the controller pods (NetworkPolicy source); default: app.kubernetes.io/name ingress-nginx and component controller, or app.kubernetes.io/name traefik; {}: every pod of controllerNamespace; required for generic')),
    traefikEntryPoints: s.def(s.array(s.string('a Traefik entry point', { pattern: '^[A-Za-z0-9_-]+$', 'x-expected': 'an entry point name such as websecure' }), 'Traefik entry points the routers listen on (router.entrypoints)', { minItems: 1 }), ['websecure']),
    controllerConfig: s.def(s.boolean('emit the ingress-nginx controller ConfigMap the instance relies on'), false),
    controllerConfigName: s.def(s.string('name of the controller ConfigMap'), 'ingress-nginx-controller'),
    annotations: s.def(s.record(s.string(), 'extra annotations of every Ingress (external-dns, an ALB or Traefik setting, ...); not the ones the generator sets'), {}),
    streaming: s.opt(
      s.object(
        {
          className: s.opt(className('ingressClassName of the streaming Ingress; default: className')),
          tlsSecret: s.opt(dnsLabel('TLS Secret of the streaming hosts; default: the web certificate')),
          annotations: s.def(s.record(s.string(), 'extra annotations of the streaming Ingress only'), {}),
        },
        'the streaming Ingress on its own class or certificate',
      ),
    ),
  },
  'an Ingress per behaviour for ingress-nginx (default), Traefik or another controller',
);

const gatewayParent = s.object({
  name: s.req(s.string('Gateway name', { minLength: 1 })),
  namespace: s.req(namespaceName('Gateway namespace')),
  sectionName: s.opt(s.string('listener of the Gateway')),
});

const gateway = s.object(
  {
    name: s.req(s.string('parent Gateway name', { minLength: 1 })),
    namespace: s.req(namespaceName('parent Gateway namespace')),
    sectionName: s.opt(s.string('listener (HTTPS) of the parent Gateway')),
    httpSectionName: s.opt(s.string('HTTP listener: when set, plain HTTP is redirected to HTTPS')),
    extraParents: s.def(s.array(gatewayParent, 'more Gateways (or listeners) the routes attach to'), []),
    streamingParents: s.opt(s.array(gatewayParent, 'streaming gets its own HTTPRoute attached to these instead', { minItems: 1 })),
    annotations: s.def(s.record(s.string(), 'annotations of every HTTPRoute (external-dns, implementation settings)'), {}),
  },
  'Gateway API HTTPRoute attached to an existing Gateway',
);

/** an IPv4 or IPv6 network in CIDR notation (checked further in the model) */
const cidr = (description: string) =>
  s.string(description, { pattern: '^([0-9.]+|[0-9a-fA-F:.]+)/[0-9]{1,3}$', 'x-expected': 'a network in CIDR notation such as 10.0.0.0/8 or fd00::/8' });

const egress = s.object(
  {
    enabled: s.def(s.boolean('limit what every pod may connect to (false: the NetworkPolicies restrict incoming connections only)'), true),
    internet: s.def(s.boolean('web and Sidekiq reach the public internet (federation, remote media, link previews); false: only the endpoints of the definition'), true),
    privateCidrs: s.def(
      s.array(cidr('a private or cluster network'), 'networks that are not "the public internet": the cluster\'s pod and Service ranges and other private networks. The default covers the private and shared address space (RFC 1918, RFC 6598, IPv6 ULA) and so the default pod and Service ranges of kubeadm, k3s, EKS, GKE and AKS; set your cluster\'s when it uses public addresses', { minItems: 1 }),
      ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
    ),
    metadataCidrs: s.def(
      s.array(cidr('a cloud metadata address'), 'addresses no pod may reach, whatever else is allowed: the cloud instance metadata endpoints (credentials of the node)', { minItems: 1 }),
      ['169.254.169.254/32', 'fd00:ec2::254/128'],
    ),
    dns: s.def(
      s.object(
        {
          namespace: s.def(namespaceName('namespace of the cluster DNS pods'), 'kube-system'),
          podLabels: s.def(s.record(s.string(), 'labels of the cluster DNS pods (CoreDNS keeps the kube-dns label)'), { 'k8s-app': 'kube-dns' }),
          cidrs: s.def(s.array(cidr('a DNS server address'), 'DNS servers outside the pods, e.g. NodeLocal DNSCache\'s 169.254.20.10/32'), []),
        },
        'the cluster DNS every pod asks (UDP and TCP 53)',
      ),
      {},
    ),
    hostCidrs: s.def(
      s.record(s.array(cidr('a network the host is in'), 'networks', { minItems: 1 }), 'where a server given by DNS name lives (host → networks). NetworkPolicies match addresses, not names: without an entry, the server\'s port is open to every address but the metadata ones'),
      {},
    ),
    apiServerCidrs: s.def(
      s.array(cidr('a network of the Kubernetes API server'), 'where the API server is, for the Jobs of a downtime upgrade (ports 443 and 6443); default: every address but the metadata ones', { minItems: 1 }),
      ['0.0.0.0/0', '::/0'],
    ),
  },
  'outgoing connections: each process may reach DNS and the servers of the definition on their ports; web and Sidekiq also the public internet; never the metadata endpoints',
);

const traffic = s.object(
  {
    ingress: s.opt(ingress),
    gateway: s.opt(gateway),
    streamingHost: s.opt(hostname('separate streaming host (STREAMING_API_BASE_URL)')),
    networkPolicies: s.def(s.boolean('NetworkPolicies for every pod: only the ingress controller / gateway reaches web and streaming, only Prometheus the metrics ports, and outgoing connections as traffic.egress says'), true),
    egress: s.def(egress, {}),
    service: s.def(
      s.object(
        {
          type: s.def(s.enum(['ClusterIP', 'NodePort', 'LoadBalancer'] as const, 'type of the web and streaming Services'), 'ClusterIP'),
          annotations: s.def(s.record(s.string(), 'annotations of the web and streaming Services'), {}),
          ipFamilyPolicy: s.opt(s.enum(['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const, 'dual-stack Services')),
          ipFamilies: s.opt(s.array(s.enum(['IPv4', 'IPv6'] as const), 'address families, in order', { minItems: 1, uniqueItems: true })),
        },
        'the web and streaming Services',
      ),
      {},
    ),
  },
  'how users reach the instance: exactly one of ingress, gateway',
);

/** Further variables of one sign-in provider, by the suffix after its prefix (e.g. CLIENT_AUTH_METHOD). */
const providerSettings = (prefix: string) =>
  s.def(s.record(s.string(), `more ${prefix}_* variables by suffix, as Mastodon's documentation lists them (never secrets)`, '^[A-Z][A-Z0-9_]*$'), {});

const auth = s.object(
  {
    omniauthOnly: s.def(s.boolean('OMNIAUTH_ONLY: sign in only through these providers'), false),
    oidc: s.opt(
      s.object(
        {
          displayName: s.req(s.string('OIDC_DISPLAY_NAME: the button label', { minLength: 1 })),
          issuer: s.req(server('OIDC_ISSUER')),
          discovery: s.def(s.boolean('OIDC_DISCOVERY: read the endpoints from the issuer; false needs authEndpoint, tokenEndpoint, userInfoEndpoint and jwksUri'), true),
          authEndpoint: s.opt(server('OIDC_AUTH_ENDPOINT (without discovery)')),
          tokenEndpoint: s.opt(server('OIDC_TOKEN_ENDPOINT (without discovery)')),
          userInfoEndpoint: s.opt(server('OIDC_USER_INFO_ENDPOINT (without discovery)')),
          jwksUri: s.opt(server('OIDC_JWKS_URI (without discovery)')),
          endSessionEndpoint: s.opt(server('OIDC_END_SESSION_ENDPOINT: where sign-out sends the browser (optional)')),
          scope: s.def(s.string('OIDC_SCOPE'), 'openid,profile,email'),
          uidField: s.def(s.string('OIDC_UID_FIELD'), 'sub'),
          clientId: s.opt(s.string('OIDC_CLIENT_ID', { minLength: 1 })),
          clientIdSecret: s.opt(secretKeyRef),
          clientSecretSecret: s.req(secretKeyRef),
          assumeEmailIsVerified: s.def(s.boolean('OIDC_SECURITY_ASSUME_EMAIL_IS_VERIFIED'), false),
          settings: providerSettings('OIDC'),
        },
        'OpenID Connect; OIDC_REDIRECT_URI is https://<webDomain>/auth/auth/openid_connect/callback',
      ),
    ),
    saml: s.opt(
      s.object(
        {
          issuer: s.req(s.string('SAML_ISSUER', { minLength: 1 })),
          idpSsoTargetUrl: s.req(server('SAML_IDP_SSO_TARGET_URL')),
          idpCert: s.opt(s.string('SAML_IDP_CERT (public certificate of the IdP)')),
          certSecret: s.opt(secretKeyRef),
          privateKeySecret: s.opt(secretKeyRef),
          settings: providerSettings('SAML'),
        },
        'SAML; SAML_ACS_URL is https://<webDomain>/auth/auth/saml/callback',
      ),
    ),
    cas: s.opt(s.object({ url: s.req(server('CAS_URL')), settings: providerSettings('CAS') }, 'CAS')),
    ldap: s.opt(
      s.object(
        {
          host: s.req(server('LDAP_HOST')),
          port: s.def(port('LDAP_PORT'), 389),
          method: s.def(s.enum(['simple_tls', 'start_tls', 'plain'] as const, 'LDAP_METHOD'), 'start_tls'),
          base: s.req(s.string('LDAP_BASE', { minLength: 1 })),
          bindDn: s.opt(s.string('LDAP_BIND_DN: the account Mastodon searches with; Mastodon needs it (and passwordSecret) unless anonymousBind')),
          passwordSecret: s.opt(secretKeyRef),
          anonymousBind: s.def(s.boolean('search without an account: LDAP_BIND_DN and LDAP_PASSWORD are emitted empty'), false),
          uid: s.def(s.string('LDAP_UID'), 'cn'),
          mail: s.def(s.string('LDAP_MAIL'), 'mail'),
          settings: providerSettings('LDAP'),
        },
        'LDAP',
      ),
    ),
    pam: s.opt(s.object({ emailDomain: s.opt(s.string('PAM_EMAIL_DOMAIN')), settings: providerSettings('PAM') }, 'PAM (needs PAM in the image)')),
  },
  'sign-in through external providers (the variables of config/initializers/3_omniauth.rb and devise.rb)',
);

const jobs = s.object(
  {
    resources: s.def(podResources, { cpu: '250m', memory: '768Mi', memoryLimit: '1536Mi' }),
    ...placement,
  },
  'placement, size and additions of every Job and CronJob pod (migrations, search index, admin, maintenance)',
);

const CRON = '^(@(yearly|annually|monthly|weekly|daily|hourly)|(\\S+\\s+){4}\\S+)$';
/** one tootctl maintenance task as a CronJob; `days` only for the tasks that take it */
const maintenanceTask = (description: string, enabled: boolean, schedule: string, days?: number, deadlineSeconds = 7200) =>
  s.def(
    s.object(
      {
        enabled: s.def(s.boolean('emit the CronJob'), enabled),
        schedule: s.def(s.string('cron schedule, in UTC', { pattern: CRON, 'x-expected': 'a cron expression such as "30 3 * * *"' }), schedule),
        ...(days === undefined ? {} : { days: s.def(s.integer('--days: how old what is removed must be', { minimum: 1 }), days) }),
        deadlineSeconds: s.def(s.integer('activeDeadlineSeconds of each run', { minimum: 60 }), deadlineSeconds),
      },
      description,
    ),
    {},
  );

const maintenance = s.object(
  {
    mediaRemove: maintenanceTask('tootctl media remove: cached copies of remote media', true, '30 3 * * *', 7),
    profileMediaRemove: maintenanceTask('tootctl media remove --prune-profiles: remote avatars and headers of accounts nobody here follows', false, '30 4 * * 0', 30),
    previewCardsRemove: maintenanceTask('tootctl preview_cards remove: preview card thumbnails (keep at least 14 days: cards are not re-fetched sooner)', false, '0 5 * * 0', 180),
    statusesRemove: maintenanceTask('tootctl statuses remove: remote statuses nobody here interacted with (heavy: builds and drops indices)', false, '0 2 * * 6', 90, 6 * 3600),
    accountsPrune: maintenanceTask('tootctl accounts prune: remote accounts nobody here interacted with', false, '0 3 * * 6', undefined, 6 * 3600),
    mediaRemoveOrphans: maintenanceTask('tootctl media remove-orphans: files no record points to (lists every object: slow, and billed by some S3 providers)', false, '0 1 1 * *', undefined, 12 * 3600),
  },
  'periodic clean-up as CronJobs (concurrencyPolicy Forbid, UTC, the direct database connection, the Job pod settings)',
);

const flux = s.object(
  {
    sourceKind: s.def(s.enum(['GitRepository', 'OCIRepository'] as const, 'kind of the Flux source holding dist/'), 'GitRepository'),
    sourceName: s.req(s.string('name of the Flux source', { minLength: 1 })),
    sourceNamespace: s.def(namespaceName('namespace of the Flux source'), 'flux-system'),
    namespace: s.def(namespaceName('namespace of the generated Flux Kustomizations'), 'flux-system'),
    path: s.opt(s.string('path of this instance in the source; default ./dist/<name>')),
    interval: s.def(duration('reconcile interval'), '10m'),
    appTimeout: s.def(duration('time allowed for the rollout'), '15m'),
    migrationTimeout: s.def(duration('time allowed for each migration stage'), '60m'),
  },
  'Flux Kustomizations applying the stages in order',
);

const argocd = s.object(
  {
    firstWave: s.def(s.integer('sync wave of the base stage; pre-deploy, app and post-deploy take the next three', { minimum: -1000, maximum: 1000 }), 0),
  },
  'Argo CD: every object of a stage carries the stage\'s sync wave (argocd.argoproj.io/sync-wave), so one Application syncs base, pre-deploy, app and post-deploy in order, each wave waiting until the one before is healthy (Jobs: completed); no hooks',
);

export const instanceSchema = s.object(
  {
    name: s.req(dnsLabel('instance name: folder under dist/, prefix of every object name')),
    namespace: s.opt(dnsLabel('namespace; defaults to the instance name')),
    version: s.req(s.string('Mastodon version', { pattern: '^v?[0-9]+\\.[0-9]+\\.[0-9]+$', 'x-expected': 'a version such as 4.5.6' })),
    domain: s.req(hostname('LOCAL_DOMAIN: the account domain, cannot change later')),
    webDomain: s.opt(hostname('WEB_DOMAIN when it differs from the account domain')),
    alternateDomains: s.def(s.array(hostname('alternate domain'), 'ALTERNATE_DOMAINS', { uniqueItems: true }), []),
    upgrade: s.def(upgrade, {}),
    image: s.def(
      s.object({
        repository: s.def(repository('web/Sidekiq/job image'), MASTODON_REPOSITORY),
        streamingRepository: s.def(repository('streaming image'), MASTODON_STREAMING_REPOSITORY),
        pullPolicy: s.def(s.enum(['IfNotPresent', 'Always'] as const, 'imagePullPolicy of every container'), 'IfNotPresent'),
        pullSecrets: s.def(s.array(dnsLabel('image pull Secret'), 'image pull Secrets of every pod'), []),
        tag: s.opt(imageTag('tag of the web/Sidekiq/job image when it is not v<version> (a patched build); version still names the release')),
        digest: s.opt(imageDigest('pins the web/Sidekiq/job image to this digest')),
        streamingTag: s.opt(imageTag('tag of the streaming image when it is not v<version>')),
        streamingDigest: s.opt(imageDigest('pins the streaming image to this digest')),
      }),
      {},
    ),
    scheduling: s.def(
      s.object({
        zoneSpread: s.def(s.enum(SPREAD_MODES, 'spread replicas across zones (topology.kubernetes.io/zone)'), SPREAD_DEFAULT),
        nodeSpread: s.def(s.enum(SPREAD_MODES, 'spread replicas across nodes'), SPREAD_DEFAULT),
        zones: s.opt(s.integer('zones the nodes are in; with zoneSpread required, synth fails when a CloudNativePG Cluster has more instances (each needs its own zone)', { minimum: 1 })),
        unreachableTolerationSeconds: s.def(
          s.integer(
            'seconds every pod stays bound to a node tainted node.kubernetes.io/unreachable (no heartbeat for the controller-manager\'s node-monitor-grace-period, 50 s upstream) before it is evicted and replaced elsewhere; the API server\'s default is 300 s. The grace period already absorbs short outages, and a lost zone\'s nodes are tainted one every 10 s (--node-eviction-rate), so any wait here comes on top of both. A component\'s own toleration of the taint wins',
            { minimum: 0, maximum: 86400 },
          ),
          UNREACHABLE_TOLERATION_SECONDS,
        ),
        notReadyTolerationSeconds: s.def(
          s.integer(
            'seconds every pod stays bound to a node whose kubelet reports it not ready (taint node.kubernetes.io/not-ready: a container runtime restarting, a failing node check) before it is evicted; the API server\'s default is 300 s. Long enough not to empty a node that recovers at once. A component\'s own toleration of the taint wins',
            { minimum: 0, maximum: 86400 },
          ),
          NOT_READY_TOLERATION_SECONDS,
        ),
        nodeAllocatable: s.opt(
          s.object(
            {
              cpu: s.req(s.string('allocatable CPU of a node', { pattern: CPU, 'x-expected': 'a CPU quantity such as 3800m' })),
              memory: s.req(s.string('allocatable memory of a node', { pattern: MEMORY, 'x-expected': 'a memory quantity such as 6Gi' })),
            },
            'what one node offers to pods; synth fails when a pod requests more',
          ),
        ),
      }),
      {},
    ),
    web: s.def(web, {}),
    streaming: s.def(streaming, {}),
    sidekiq: s.req(sidekiq),
    database: s.req(database),
    redis: s.req(redis),
    search: s.opt(search),
    storage: s.req(storage),
    smtp: s.opt(smtp),
    secrets: s.req(secrets),
    traffic: s.req(traffic),
    flux: s.opt(flux),
    argocd: s.opt(argocd),
    logging: s.def(
      s.object({
        railsLogLevel: s.def(s.enum(['debug', 'info', 'warn', 'error', 'fatal', 'unknown'] as const, 'RAILS_LOG_LEVEL (a Ruby Logger level: Sidekiq refuses anything else at boot)'), 'info'),
        streamingLogLevel: s.def(s.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'LOG_LEVEL of streaming (pino levels, 4.3+)'), 'info'),
      }),
      {},
    ),
    metrics: s.def(
      s.object({
        prometheus: s.def(s.boolean('MASTODON_PROMETHEUS_EXPORTER_* (4.4+) and metrics ports'), false),
        serviceMonitors: s.def(s.boolean('emit prometheus-operator PodMonitors'), false),
        alerts: s.def(s.boolean('emit a PrometheusRule with the alerts that matter (turns detailed metrics on)'), false),
        detailed: s.opt(
          s.boolean('MASTODON_PROMETHEUS_EXPORTER_{WEB,SIDEKIQ}_DETAILED_METRICS: per-request and per-queue metrics; default: on when alerts are emitted'),
        ),
        exporterPort: s.def(s.integer('port of the Prometheus exporters (MASTODON_PROMETHEUS_EXPORTER_PORT; the web exporter sidecar)', { minimum: 1024, maximum: 65535 }), EXPORTER_PORT),
        prometheusNamespace: s.def(namespaceName('namespace Prometheus scrapes from (NetworkPolicy source)'), 'monitoring'),
        otel: s.opt(
          s.object(
            {
              endpoint: s.req(server('OTEL_EXPORTER_OTLP_ENDPOINT')),
              serviceNamePrefix: s.opt(s.string('OTEL_SERVICE_NAME_PREFIX; default: the instance name')),
              serviceNameSeparator: s.opt(s.string('OTEL_SERVICE_NAME_SEPARATOR; Mastodon\'s default is /')),
              ...otelSampling,
            },
            'OpenTelemetry traces of web and Sidekiq (each can override or turn it off with its own otel)',
          ),
        ),
      }),
      {},
    ),
    trustedProxyIps: s.opt(s.array(s.string('an address or network, e.g. 10.0.0.0/8'), 'TRUSTED_PROXY_IP: addresses and networks (CIDR) whose X-Forwarded-For Mastodon believes (replaces Mastodon defaults)')),
    trustEveryProxy: s.def(s.boolean('allow 0.0.0.0/0 or ::/0 in trustedProxyIps: every client could then choose the address Mastodon sees (rate limits, IP blocks)'), false),
    jobs: s.def(jobs, {}),
    maintenance: s.def(maintenance, {}),
    admin: s.opt(
      s.object(
        {
          // Mastodon's check for local accounts: /\A[a-z0-9_]+\z/i, at most 30 (app/models/account.rb)
          username: s.req(s.string('owner account name', { pattern: '^[A-Za-z0-9_]{1,30}$', 'x-expected': 'a Mastodon user name (letters, digits and _, at most 30)' })),
          email: s.req(s.string('e-mail of the owner account', { pattern: '^[^@\\s]+@[^@\\s]+$', 'x-expected': 'an e-mail address' })),
        },
        'create the Owner account once; its generated password is printed in the Job log only',
      ),
    ),
    auth: s.opt(auth),
    translation: s.opt(
      s.object(
        {
          deepl: s.opt(s.object({ plan: s.def(s.enum(['free', 'pro'] as const, 'DEEPL_PLAN'), 'free'), apiKeySecret: s.req(secretKeyRef) }, 'DeepL (DEEPL_API_KEY from the Secret)')),
          libreTranslate: s.opt(s.object({ endpoint: s.req(server('LIBRE_TRANSLATE_ENDPOINT')), apiKeySecret: s.opt(secretKeyRef) }, 'LibreTranslate')),
        },
        'the translation service of posts: exactly one of deepl, libreTranslate',
      ),
    ),
    captcha: s.opt(s.object({ hcaptcha: s.req(s.object({ siteKey: s.req(s.string('HCAPTCHA_SITE_KEY', { minLength: 1 })), secretKeySecret: s.req(secretKeyRef) })) }, 'hCaptcha on sign-up')),
    cacheBuster: s.opt(
      s.object(
        {
          httpMethod: s.def(s.string('CACHE_BUSTER_HTTP_METHOD', { pattern: '^[A-Z]+$', 'x-expected': 'an HTTP method such as PURGE' }), 'GET'),
          secretHeader: s.opt(s.string('CACHE_BUSTER_SECRET_HEADER: header carrying the secret', { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", 'x-expected': 'an HTTP header name such as X-Purge-Secret' })),
          secretSecret: s.opt(secretKeyRef),
        },
        'purge removed media from a cache or CDN (CACHE_BUSTER_*)',
      ),
    ),
    caBundle: s.opt(
      s.object(
        {
          configMap: s.opt(dnsLabel('ConfigMap holding the bundle')),
          secret: s.opt(dnsLabel('Secret holding the bundle')),
          key: s.def(s.string('key of the bundle', { pattern: SECRET_KEY, 'x-expected': 'a key name' }), 'ca.crt'),
        },
        'a complete CA bundle (the public CAs and your own) for every outgoing TLS connection: Rails gets SSL_CERT_FILE (S3, SMTP, OIDC, Redis, search), streaming NODE_EXTRA_CA_CERTS; exactly one of configMap, secret',
      ),
    ),
    labels: s.def(s.record(s.string(), 'labels of every emitted object (not of pods: see podLabels); app.kubernetes.io/* are the generator\'s'), {}),
    annotations: s.def(s.record(s.string(), 'annotations of every emitted object (not of pods: see podAnnotations)'), {}),
    env: s.def(s.record(s.string(), 'extra non-secret environment for every process', ENV_NAME), {}),
    secretEnv: s.def(
      s.record(secretKeyRef, 'extra environment from Secrets for web, Sidekiq and Jobs (DEEPL_API_KEY, HCAPTCHA_SECRET_KEY, ...)', ENV_NAME),
      {},
    ),
  },
  'A Mastodon instance on Kubernetes',
);

/** What a user writes (defaults optional). */
export type InstanceInput = InOf<typeof instanceSchema>;
/** What validation returns: every static default is present. */
export type InstanceDefinition = OutOf<typeof instanceSchema>;
export type CloudnativePgDef = NonNullable<InstanceDefinition['database']['cloudnativePg']>;
/** The database after src/model/postgres.ts: host and password are known (given, or CloudNativePG's). */
export type DatabaseDef = Omit<InstanceDefinition['database'], 'host' | 'passwordSecret'> & { readonly host: string; readonly passwordSecret: SecretKeyRef };
/** What the code receives from the model. */
export type Instance = Omit<InstanceDefinition, 'database'> & { readonly database: DatabaseDef };
export type SecretKeyRef = OutOf<typeof secretKeyRef>;
export type Resources = OutOf<typeof resources>;
export type PodResources = OutOf<typeof podResources>;
export type RedisRoleDef = Instance['redis']['main'];
export type SidekiqGroupDef = Instance['sidekiq']['groups'][number];
export type Toleration = NonNullable<Instance['web']['tolerations']>[number];
/** what every process and the Job pods accept beyond their own settings */
export type PodPlacement = Pick<Instance['web'], keyof typeof placement>;

export function instanceJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://mastodon-cdk8s.invalid/instance.schema.json',
    title: 'Mastodon instance definition',
    ...instanceSchema.json,
  };
}
