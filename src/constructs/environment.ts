/**
 * Mastodon's configuration: one ConfigMap with the non-secret environment every process shares,
 * and per-process env that references Secrets by name and key (values never enter dist/).
 */
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { SecretKeyRef } from '../definition/schema';
import { InstanceModel } from '../model/model';
import { RedisEndpoint } from '../model/redis';
import { InstanceIdentity, metadata } from './common';

/** Which process the environment is for: they need different credentials. */
export type ProcessKind = 'web' | 'sidekiq' | 'streaming' | 'job';

const ES_CA_DIR = '/etc/mastodon/search-ca';
export const MEDIA_PATH = '/opt/mastodon/public/system';

export function secretEnv(name: string, ref: SecretKeyRef): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } };
}

function plain(name: string, value: string | number | boolean): k8s.EnvVar {
  return { name, value: String(value) };
}

/** Env for one Redis role; nothing when the role falls back to main (Mastodon does the same). */
export function redisEnv(ep: RedisEndpoint): k8s.EnvVar[] {
  if (ep.inherited) return [];
  const p = ep.role === 'main' ? '' : `${ep.role.toUpperCase()}_`;
  const vars: k8s.EnvVar[] = [];
  if (ep.passwordSecret) vars.push(secretEnv(`${p}REDIS_PASSWORD`, ep.passwordSecret));
  if (ep.sentinel) {
    vars.push(plain(`${p}REDIS_SENTINELS`, ep.sentinel.hosts), plain(`${p}REDIS_SENTINEL_MASTER`, ep.sentinel.master));
  } else if (ep.tls || ep.db !== undefined) {
    // TLS needs a rediss:// URL; $(VAR) is expanded by the kubelet, so the password stays in its Secret
    const auth = ep.user || ep.passwordSecret ? `${ep.user ? encodeURIComponent(ep.user) : ''}${ep.passwordSecret ? `:$(${p}REDIS_PASSWORD)` : ''}@` : '';
    vars.push(plain(`${p}REDIS_URL`, `${ep.tls ? 'rediss' : 'redis'}://${auth}${ep.host}:${ep.port}${ep.db !== undefined ? `/${ep.db}` : ''}`));
  } else {
    vars.push(plain(`${p}REDIS_HOST`, ep.host!), plain(`${p}REDIS_PORT`, ep.port));
    if (ep.user) vars.push(plain(`${p}REDIS_USER`, ep.user));
  }
  return vars;
}

export class MastodonEnvironment extends Construct {
  /** name of the shared ConfigMap */
  readonly configMapName: string;
  /** changes whenever the shared configuration changes; put on pod templates so pods roll */
  readonly checksum: string;
  readonly data: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, private readonly model: InstanceModel, ident: InstanceIdentity) {
    super(scope, id);
    this.configMapName = `${model.name}-env`;
    this.data = sharedEnv(model);
    this.checksum = createHash('sha256').update(JSON.stringify(Object.entries(this.data))).digest('hex').slice(0, 16);
    new k8s.KubeConfigMap(this, 'configmap', {
      metadata: metadata(ident, this.configMapName, 'config'),
      data: { ...this.data },
    });
  }

  envFrom(): k8s.EnvFromSource[] {
    return [{ configMapRef: { name: this.configMapName } }];
  }

  /** Credentials and Redis wiring of one process kind. */
  env(kind: ProcessKind): k8s.EnvVar[] {
    const m = this.model;
    const d = m.def;
    const vars: k8s.EnvVar[] = [];
    if (kind !== 'streaming') {
      for (const key of m.facts.requiredSecrets) vars.push(secretEnv(key, { name: d.secrets.core, key }));
    }
    vars.push(secretEnv('DB_PASS', d.database.passwordSecret));
    if (kind === 'job') {
      // migrations must not go through a transaction-mode pooler
      vars.push(plain('DB_HOST', d.database.host), plain('DB_PORT', d.database.port), plain('PREPARED_STATEMENTS', 'true'));
    }
    const roles = kind === 'streaming' ? [m.redis.main] : [m.redis.main, m.redis.sidekiq, m.redis.cache];
    for (const ep of roles) vars.push(...redisEnv(ep));
    if (kind !== 'streaming') {
      if (d.search?.passwordSecret) vars.push(secretEnv('ES_PASS', d.search.passwordSecret));
      if (d.storage.s3) {
        vars.push(secretEnv('AWS_ACCESS_KEY_ID', d.storage.s3.accessKeyIdSecret), secretEnv('AWS_SECRET_ACCESS_KEY', d.storage.s3.secretAccessKeySecret));
      }
      if (d.smtp?.passwordSecret) vars.push(secretEnv('SMTP_PASSWORD', d.smtp.passwordSecret));
      if (d.smtp?.bulk?.passwordSecret) vars.push(secretEnv('BULK_SMTP_PASSWORD', d.smtp.bulk.passwordSecret));
      for (const name of Object.keys(d.secretEnv).sort()) vars.push(secretEnv(name, d.secretEnv[name]));
    }
    return vars;
  }

  /** Volumes Rails processes need besides scratch space: search CA, local media. */
  railsVolumes(kind: ProcessKind, mediaClaim?: string): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
    const volumes: k8s.Volume[] = [];
    const mounts: k8s.VolumeMount[] = [];
    const ca = this.model.def.search?.caSecret;
    if (ca && kind !== 'streaming') {
      volumes.push({ name: 'search-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: 'ca.crt' }] } });
      mounts.push({ name: 'search-ca', mountPath: ES_CA_DIR, readOnly: true });
    }
    if (mediaClaim && (kind === 'web' || kind === 'sidekiq')) {
      volumes.push({ name: 'media', persistentVolumeClaim: { claimName: mediaClaim } });
      mounts.push({ name: 'media', mountPath: MEDIA_PATH });
    }
    return { volumes, mounts };
  }
}

/** Non-secret settings shared by every process, sorted for stable output. */
function sharedEnv(m: InstanceModel): Record<string, string> {
  const d = m.def;
  const env: Record<string, string | number | boolean | undefined> = {
    LOCAL_DOMAIN: m.localDomain,
    WEB_DOMAIN: m.webDomain !== m.localDomain ? m.webDomain : undefined,
    ALTERNATE_DOMAINS: d.alternateDomains.length ? d.alternateDomains.join(',') : undefined,
    RAILS_ENV: 'production',
    NODE_ENV: 'production',
    RAILS_LOG_LEVEL: d.logging.railsLogLevel,
    LOG_LEVEL: d.logging.streamingLogLevel,
    TRUSTED_PROXY_IP: d.trustedProxyIps?.join(','),
    STREAMING_API_BASE_URL: d.traffic.streamingHost ? `wss://${d.traffic.streamingHost}` : undefined,
    // the app talks to the pooler when there is one; migration Jobs override these
    DB_HOST: d.database.pooler?.host ?? d.database.host,
    DB_PORT: d.database.pooler?.port ?? d.database.port,
    DB_NAME: d.database.name,
    DB_USER: d.database.user,
    DB_SSLMODE: d.database.sslMode,
    PREPARED_STATEMENTS: d.database.pooler ? 'false' : undefined,
    REPLICA_DB_HOST: d.database.replica?.host,
    REPLICA_DB_PORT: d.database.replica?.port,
    REDIS_DRIVER: Object.values(m.redis).some((ep) => ep.tls && !ep.inherited) ? 'ruby' : undefined,
    MALLOC_ARENA_MAX: 2,
  };
  if (d.search) {
    Object.assign(env, {
      ES_ENABLED: 'true',
      ES_HOST: d.search.host,
      ES_PORT: d.search.port,
      ES_USER: d.search.user,
      ES_PRESET: d.search.preset,
      ES_PREFIX: d.search.prefix,
      ES_CA_FILE: d.search.caSecret ? `${ES_CA_DIR}/ca.crt` : undefined,
    });
  }
  const s3 = d.storage.s3;
  if (s3) {
    Object.assign(env, {
      S3_ENABLED: 'true',
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ENDPOINT: s3.endpoint,
      S3_HOSTNAME: s3.hostname,
      S3_ALIAS_HOST: s3.aliasHost,
      S3_PROTOCOL: s3.protocol,
      S3_PERMISSION: s3.permission,
    });
  }
  const smtp = (prefix: string, c: NonNullable<typeof d.smtp>['bulk'] | undefined) => {
    if (!c) return;
    Object.assign(env, {
      [`${prefix}SMTP_SERVER`]: c.server,
      [`${prefix}SMTP_PORT`]: c.port,
      [`${prefix}SMTP_LOGIN`]: c.login,
      [`${prefix}SMTP_FROM_ADDRESS`]: c.fromAddress,
      [`${prefix}SMTP_AUTH_METHOD`]: c.authMethod,
      [`${prefix}SMTP_ENABLE_STARTTLS`]: c.starttls,
      [`${prefix}SMTP_TLS`]: c.tls,
    });
  };
  smtp('', d.smtp);
  smtp('BULK_', d.smtp?.bulk);
  if (d.metrics.otelEndpoint) {
    Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: d.metrics.otelEndpoint, OTEL_SERVICE_NAME_PREFIX: m.name });
  }
  Object.assign(env, d.env);
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}
