/**
 * Mastodon's configuration: one ConfigMap with the non-secret environment every process shares,
 * and per-process env that references Secrets by name and key (values never enter dist/).
 */
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import * as L1 from './objects';
import { k8s } from 'cdk8s-plus-28';
import { Instance, SecretKeyRef } from '../definition/schema';
import { FieldPath, Problem } from '../definition/problems';
import { InstanceModel } from '../model/model';
import { RedisEndpoint } from '../model/redis';
import { CORE_SECRET_VARIABLES, STREAMING_REDIS_USERNAME_UNTIL, compareVersions, knownVersion } from '../model/versions';
import { InstanceIdentity, STREAMING_PORT, metadata } from './common';
import { checkObjects } from './checks';
import { SmtpServer, mailSettings } from '../model/mail';
import { AUTH_PROVIDERS, AUTH_PROVIDER_NAMES, ENABLED_SUFFIX, ProviderVariables, callbackUrl } from '../model/auth';

/** Which process the environment is for: they need different credentials. */
export type ProcessKind = 'web' | 'sidekiq' | 'streaming' | 'job';

const ES_CA_DIR = '/etc/mastodon/search-ca';
const DB_CA_DIR = '/etc/mastodon/db-ca';
const CA_BUNDLE_DIR = '/etc/mastodon/ca-bundle';
const SMTP_CA_DIR = { '': '/etc/mastodon/smtp-ca', BULK_: '/etc/mastodon/bulk-smtp-ca' } as const;
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
  // Mastodon ignores every other setting of a role once its URL is set (lib/mastodon/redis_configuration.rb)
  if (ep.urlSecret) return [secretEnv(`${p}REDIS_URL`, ep.urlSecret)];
  const vars: k8s.EnvVar[] = [];
  if (ep.passwordSecret) vars.push(secretEnv(`${p}REDIS_PASSWORD`, ep.passwordSecret));
  if (ep.sentinel) {
    vars.push(plain(`${p}REDIS_SENTINELS`, ep.sentinel.hosts), plain(`${p}REDIS_SENTINEL_MASTER`, ep.sentinel.master));
  } else if (ep.tls) {
    // no password here (checked by the model): user and host are known, so they can be encoded
    vars.push(plain(`${p}REDIS_URL`, `rediss://${ep.user ? `${encodeURIComponent(ep.user)}@` : ''}${ep.host}:${ep.port}/${ep.db ?? 0}`));
  } else {
    vars.push(plain(`${p}REDIS_HOST`, ep.host), plain(`${p}REDIS_PORT`, ep.port));
    if (ep.user) vars.push(plain(`${p}REDIS_USER`, ep.user));
    if (ep.db !== undefined) vars.push(plain(`${p}REDIS_DB`, ep.db));
  }
  return vars;
}

/** DB_SSLMODE each client understands for the definition's intent (libpq for Rails, node-postgres for streaming). */
const SSLMODE: Record<NonNullable<Instance['database']['tls']>['mode'], { rails: string; streaming: string }> = {
  disable: { rails: 'disable', streaming: 'disable' },
  // libpq's require encrypts without checks; node-postgres checks everything but no-verify
  encrypt: { rails: 'require', streaming: 'no-verify' },
  // node-postgres has no CA-only check: anything but disable/no-verify verifies the host name too
  'verify-ca': { rails: 'verify-ca', streaming: 'verify-full' },
  'verify-full': { rails: 'verify-full', streaming: 'verify-full' },
};

export class MastodonEnvironment extends Construct {
  /** name of the shared ConfigMap */
  readonly configMapName: string;
  /** changes whenever the shared configuration changes; put on pod templates so pods roll */
  readonly checksum: string;
  readonly data: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, private readonly model: InstanceModel, ident: InstanceIdentity) {
    super(scope, id);
    checkObjects(this);
    this.configMapName = `${model.name}-env`;
    this.data = sharedEnv(model);
    this.checksum = createHash('sha256').update(JSON.stringify(Object.entries(this.data))).digest('hex').slice(0, 16);
    new L1.KubeConfigMap(this, 'Resource', {
      metadata: metadata(ident, this.configMapName, 'config'),
      data: { ...this.data },
    });
  }

  envFrom(): k8s.EnvFromSource[] {
    return [{ configMapRef: { name: this.configMapName } }];
  }

  /** Credentials, database and Redis wiring of one process kind. */
  env(kind: ProcessKind): k8s.EnvVar[] {
    return processEnv(this.model, kind);
  }

  /** Volumes besides scratch space: CA bundles, local media. */
  processVolumes(kind: ProcessKind, mediaClaim?: string): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
    const volumes: k8s.Volume[] = [];
    const mounts: k8s.VolumeMount[] = [];
    const ca = (name: string, ref: SecretKeyRef, dir: string) => {
      volumes.push({ name, secret: { secretName: ref.name, items: [{ key: ref.key, path: 'ca.crt' }] } });
      mounts.push({ name, mountPath: dir, readOnly: true });
    };
    const dbCa = this.model.def.database.tls?.caSecret;
    if (dbCa) ca('db-ca', dbCa, DB_CA_DIR);
    const bundle = this.model.def.caBundle;
    if (bundle) {
      const items = [{ key: bundle.key, path: 'ca.crt' }];
      // exactly one of secret and configMap (the model checks)
      volumes.push(bundle.secret ? { name: 'ca-bundle', secret: { secretName: bundle.secret, items } } : { name: 'ca-bundle', configMap: { name: bundle.configMap, items } });
      mounts.push({ name: 'ca-bundle', mountPath: CA_BUNDLE_DIR, readOnly: true });
    }
    const esCa = this.model.def.search?.caSecret;
    if (esCa && kind !== 'streaming') ca('search-ca', esCa, ES_CA_DIR);
    const smtp = this.model.def.smtp;
    if (smtp?.caSecret && kind !== 'streaming') ca('smtp-ca', smtp.caSecret, SMTP_CA_DIR['']);
    if (smtp?.bulk?.caSecret && kind !== 'streaming') ca('bulk-smtp-ca', smtp.bulk.caSecret, SMTP_CA_DIR.BULK_);
    if (mediaClaim && (kind === 'web' || kind === 'sidekiq')) {
      volumes.push({ name: 'media', persistentVolumeClaim: { claimName: mediaClaim } });
      mounts.push({ name: 'media', mountPath: MEDIA_PATH });
    }
    return { volumes, mounts };
  }
}

/** Credentials, database and Redis wiring of one process kind. */
export function processEnv(m: InstanceModel, kind: ProcessKind, withDefinitionEnv = true): k8s.EnvVar[] {
  const d = m.def;
  const db = d.database;
  const rails = kind !== 'streaming';
  const vars: k8s.EnvVar[] = [];
  if (rails) {
    const keys = kind === 'job' ? [...m.facts.requiredSecrets, ...m.migrationSecrets] : m.facts.requiredSecrets;
    for (const name of keys) vars.push(secretEnv(name, { name: d.secrets.core, key: d.secrets.coreKeys[name] ?? name }));
  }
  const replica = db.replica;
  if (kind === 'streaming' && replica?.streaming) {
    // streaming only reads: it can live on the replica entirely
    vars.push(
      plain('DB_HOST', replica.host),
      plain('DB_PORT', replica.port),
      plain('DB_NAME', replica.name ?? db.name),
      replica.user !== undefined || !db.userSecret ? plain('DB_USER', replica.user ?? db.user) : secretEnv('DB_USER', db.userSecret),
      secretEnv('DB_PASS', replica.passwordSecret ?? db.passwordSecret),
    );
  } else {
    if (db.userSecret) vars.push(secretEnv('DB_USER', db.userSecret));
    vars.push(secretEnv('DB_PASS', db.passwordSecret));
  }
  if (kind === 'job') {
    // migrations must not go through a transaction-mode pooler
    vars.push(plain('DB_HOST', db.host), plain('DB_PORT', db.port), plain('PREPARED_STATEMENTS', 'true'));
  }
  if (db.tls) {
    vars.push(plain('DB_SSLMODE', SSLMODE[db.tls.mode][rails ? 'rails' : 'streaming']));
    // libpq reads PGSSLROOTCERT itself; Node adds one NODE_EXTRA_CA_CERTS file to its trust store at start,
    // which is the CA bundle when there is one (it must then hold the database CA too: the model warns)
    if (db.tls.caSecret && (rails || !d.caBundle)) vars.push(plain(rails ? 'PGSSLROOTCERT' : 'NODE_EXTRA_CA_CERTS', `${DB_CA_DIR}/ca.crt`));
  }
  // OpenSSL replaces its CA file with SSL_CERT_FILE; Node adds NODE_EXTRA_CA_CERTS to its own
  if (d.caBundle) vars.push(plain(rails ? 'SSL_CERT_FILE' : 'NODE_EXTRA_CA_CERTS', `${CA_BUNDLE_DIR}/ca.crt`));
  if (rails && replica?.passwordSecret) vars.push(secretEnv('REPLICA_DB_PASS', replica.passwordSecret));
  if (!rails) {
    // streaming 4.3.0 read REDIS_USERNAME where every other process reads REDIS_USER
    const oldName = compareVersions(m.version, knownVersion(STREAMING_REDIS_USERNAME_UNTIL)) <= 0;
    vars.push(...redisEnv(m.redis.main).map((e) => (oldName && e.name === 'REDIS_USER' ? { ...e, name: 'REDIS_USERNAME' } : e)));
    vars.push(plain('LOG_LEVEL', d.logging.streamingLogLevel));
  } else {
    for (const ep of [m.redis.main, m.redis.sidekiq, m.redis.cache]) vars.push(...redisEnv(ep));
    if (d.search?.userSecret) vars.push(secretEnv('ES_USER', d.search.userSecret));
    if (d.search?.passwordSecret) vars.push(secretEnv('ES_PASS', d.search.passwordSecret));
    const s3 = d.storage.s3;
    if (s3?.accessKeyIdSecret && s3.secretAccessKeySecret) {
      vars.push(secretEnv('AWS_ACCESS_KEY_ID', s3.accessKeyIdSecret), secretEnv('AWS_SECRET_ACCESS_KEY', s3.secretAccessKeySecret));
    }
    for (const [prefix, c] of [['', d.smtp], ['BULK_', d.smtp?.bulk]] as const) {
      if (c?.loginSecret) vars.push(secretEnv(`${prefix}SMTP_LOGIN`, c.loginSecret));
      if (c?.passwordSecret) vars.push(secretEnv(`${prefix}SMTP_PASSWORD`, c.passwordSecret));
    }
    const optional: [string, SecretKeyRef | undefined][] = [
      ['DEEPL_API_KEY', d.translation?.deepl?.apiKeySecret],
      ['LIBRE_TRANSLATE_API_KEY', d.translation?.libreTranslate?.apiKeySecret],
      ['HCAPTCHA_SECRET_KEY', d.captcha?.hcaptcha.secretKeySecret],
      ['CACHE_BUSTER_SECRET', d.cacheBuster?.secretSecret],
      ...authSecrets(d.auth),
    ];
    for (const [name, ref] of optional) if (ref) vars.push(secretEnv(name, ref));
    if (d.auth?.ldap?.anonymousBind) vars.push(plain('LDAP_PASSWORD', ''));
    if (withDefinitionEnv) for (const name of Object.keys(d.secretEnv).sort()) vars.push(secretEnv(name, d.secretEnv[name]));
  }
  return vars;
}

/** The providers' variables read from Secrets (src/model/auth.ts), in the table's order. */
function authSecrets(auth: Instance['auth']): [string, SecretKeyRef | undefined][] {
  return AUTH_PROVIDER_NAMES.flatMap((name) => {
    const provider: Readonly<Record<string, unknown>> | undefined = auth?.[name];
    const { prefix, secrets }: ProviderVariables = AUTH_PROVIDERS[name];
    return Object.entries(secrets).map(([suffix, field]): [string, SecretKeyRef | undefined] => [`${prefix}_${suffix}`, secretRefOf(provider?.[field])]);
  });
}

function secretRefOf(value: unknown): SecretKeyRef | undefined {
  return value && typeof value === 'object' && 'name' in value && 'key' in value && typeof value.name === 'string' && typeof value.key === 'string' ? { name: value.name, key: value.key } : undefined;
}

/**
 * OpenTelemetry of one component (web or a Sidekiq group): metrics.otel with the component's own settings
 * over it. Mastodon names the service <prefix><separator>web or …sidekiq itself.
 */
export function otelEnv(m: InstanceModel, own: { readonly enabled: boolean; readonly endpoint?: string; readonly sampler?: string; readonly samplerRatio?: string } | undefined): k8s.EnvVar[] {
  const base = m.def.metrics.otel;
  const endpoint = own?.endpoint ?? base?.endpoint;
  if (!endpoint || own?.enabled === false) return [];
  const settings: Readonly<Record<string, unknown>> = { ...base, serviceNamePrefix: base?.serviceNamePrefix ?? m.name, ...definedOnly(own ?? {}), endpoint };
  return Object.entries(fieldVariables('metrics.otel', settings)).flatMap(([name, value]) => (value === undefined ? [] : [plain(name, value)]));
}

/** The providers' non-secret variables: the typed fields (src/model/auth.ts), then each provider's own settings by suffix. */
function authEnv(auth: NonNullable<Instance['auth']>, webDomain: string): Record<string, string | boolean | number | undefined> {
  const env: Record<string, string | boolean | number | undefined> = { OMNIAUTH_ONLY: auth.omniauthOnly ? 'true' : undefined };
  for (const name of AUTH_PROVIDER_NAMES) {
    const provider: Readonly<Record<string, unknown>> | undefined = auth[name];
    if (!provider) continue;
    const { prefix, fields, callback }: ProviderVariables = AUTH_PROVIDERS[name];
    env[`${prefix}_${ENABLED_SUFFIX}`] = 'true';
    for (const [suffix, field] of Object.entries(fields)) env[`${prefix}_${suffix}`] = scalar(provider[field]);
    if (callback) env[`${prefix}_${callback.suffix}`] = callbackUrl(webDomain, callback.path);
  }
  // config/initializers/devise.rb reads LDAP_BIND_DN and LDAP_PASSWORD with ENV.fetch: both must exist, empty for an anonymous bind
  if (auth.ldap?.anonymousBind) env.LDAP_BIND_DN = '';
  for (const name of AUTH_PROVIDER_NAMES) {
    for (const [suffix, value] of Object.entries(auth[name]?.settings ?? {})) env[`${AUTH_PROVIDERS[name].prefix}_${suffix}`] = value;
  }
  return env;
}

/** The fields that are set: an undefined one does not hide the instance-wide value. */
function definedOnly(o: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A definition field as an environment value: strings, numbers and booleans; anything else is not one. */
function scalar(value: unknown): string | number | boolean | undefined {
  if (Array.isArray(value)) return value.length ? value.map(String).join(',') : undefined;
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : undefined;
}

type S3 = NonNullable<Instance['storage']['s3']>;
type Search = NonNullable<Instance['search']>;
type Otel = NonNullable<Instance['metrics']['otel']>;
const SMTP_SERVER_VARIABLES = (prefix: string) =>
  ({ [`${prefix}SMTP_SERVER`]: 'server', [`${prefix}SMTP_PORT`]: 'port', [`${prefix}SMTP_LOGIN`]: 'login', [`${prefix}SMTP_DOMAIN`]: 'domain', [`${prefix}SMTP_OPENSSL_VERIFY_MODE`]: 'opensslVerifyMode' }) satisfies Record<string, keyof SmtpServer>;
/** bulk mail goes out from the main sender: Mastodon has no BULK_SMTP_FROM_ADDRESS */
const SMTP_SENDER_VARIABLES = { SMTP_FROM_ADDRESS: 'fromAddress', SMTP_REPLY_TO: 'replyTo', SMTP_RETURN_PATH: 'returnPath' } satisfies Record<string, keyof NonNullable<Instance['smtp']>>;

/**
 * Variables that each carry one definition field as it is, by the section that holds the fields: the emitters
 * write them from the field, the free-form env check names the field, and the Helm importer maps a chart's
 * extra variable back onto it.
 */
export const FIELD_VARIABLES = {
  // lists as Mastodon reads them: comma-separated
  '': { TRUSTED_PROXY_IP: 'trustedProxyIps', ALTERNATE_DOMAINS: 'alternateDomains' } satisfies Record<string, keyof Instance>,
  'storage.s3': {
    S3_BUCKET: 'bucket',
    S3_REGION: 'region',
    S3_ENDPOINT: 'endpoint',
    S3_HOSTNAME: 'hostname',
    S3_ALIAS_HOST: 'aliasHost',
    S3_PROTOCOL: 'protocol',
    S3_PERMISSION: 'permission',
    S3_MULTIPART_THRESHOLD: 'multipartThresholdBytes',
    S3_OVERRIDE_PATH_STYLE: 'overridePathStyle',
    S3_FORCE_SINGLE_REQUEST: 'forceSingleRequest',
    S3_SIGNATURE_VERSION: 'signatureVersion',
    S3_OPEN_TIMEOUT: 'openTimeoutSeconds',
    S3_READ_TIMEOUT: 'readTimeoutSeconds',
  } satisfies Record<string, keyof S3>,
  search: { ES_HOST: 'host', ES_PORT: 'port', ES_USER: 'user', ES_PRESET: 'preset', ES_PREFIX: 'prefix' } satisfies Record<string, keyof Search>,
  smtp: { ...SMTP_SERVER_VARIABLES(''), ...SMTP_SENDER_VARIABLES },
  'smtp.bulk': SMTP_SERVER_VARIABLES('BULK_'),
  // a component's own otel settings win over these (otelEnv)
  'metrics.otel': {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'endpoint',
    OTEL_SERVICE_NAME_PREFIX: 'serviceNamePrefix',
    OTEL_SERVICE_NAME_SEPARATOR: 'serviceNameSeparator',
    OTEL_TRACES_SAMPLER: 'sampler',
    OTEL_TRACES_SAMPLER_ARG: 'samplerRatio',
  } satisfies Record<string, keyof Otel>,
} as const;

/** Switches emitted only as "true": on 4.3 SMTP_SSL=false also switches the STARTTLS settings off. */
export const FLAG_VARIABLES = {
  smtp: { SMTP_TLS: 'tls', SMTP_SSL: 'ssl' },
  'smtp.bulk': { BULK_SMTP_TLS: 'tls', BULK_SMTP_SSL: 'ssl' },
} as const satisfies Record<string, Record<string, keyof SmtpServer>>;

/** Each variable of FIELD_VARIABLES and FLAG_VARIABLES with the definition field it carries, as a dotted path. */
export const VARIABLE_FIELDS: ReadonlyMap<string, string> = new Map(
  [...Object.entries(FIELD_VARIABLES), ...Object.entries(FLAG_VARIABLES)].flatMap(([section, vars]) =>
    Object.entries(vars).map(([name, field]): [string, string] => [name, section ? `${section}.${field}` : field]),
  ),
);

/** One section's variables from its fields; `only` narrows them to part of the section's table. */
function fieldVariables(section: keyof typeof FIELD_VARIABLES, values: Readonly<Record<string, unknown>>, only: Readonly<Record<string, string>> = FIELD_VARIABLES[section]): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(Object.entries(only).map(([name, field]) => [name, scalar(values[field])]));
}

/** Non-secret settings shared by every process, sorted for stable output: the generated ones, then the definition's env. */
function sharedEnv(m: InstanceModel, withDefinitionEnv = true): Record<string, string> {
  const d = m.def;
  const env: Record<string, string | number | boolean | undefined> = {
    LOCAL_DOMAIN: m.localDomain,
    WEB_DOMAIN: m.webDomain !== m.localDomain ? m.webDomain : undefined,
    RAILS_ENV: 'production',
    NODE_ENV: 'production',
    RAILS_LOG_LEVEL: d.logging.railsLogLevel,
    ...fieldVariables('', d),
    STREAMING_API_BASE_URL: d.traffic.streamingHost ? `wss://${d.traffic.streamingHost}` : undefined,
    // the app talks to the pooler when there is one; migration Jobs override these
    DB_HOST: d.database.pooler?.host ?? d.database.host,
    DB_PORT: d.database.pooler?.port ?? d.database.port,
    DB_NAME: d.database.name,
    DB_USER: d.database.userSecret ? undefined : d.database.user,
    // a transaction-mode pooler cannot hold a session's prepared statements; a session-mode Pooler can
    PREPARED_STATEMENTS: d.database.pooler && m.postgres?.poolerDisablesPreparedStatements !== false ? 'false' : undefined,
    REPLICA_DB_HOST: d.database.replica?.host,
    REPLICA_DB_PORT: d.database.replica?.port,
    // before 4.6 the replica is used only when REPLICA_DB_NAME is set (REPLICA_DB_HOST alone is ignored)
    REPLICA_DB_NAME: d.database.replica ? (d.database.replica.name ?? d.database.name) : undefined,
    REPLICA_DB_USER: d.database.replica?.user,
    REDIS_DRIVER: Object.values(m.redis).some((ep) => (ep.tls || ep.urlSecret) && !ep.inherited) ? 'ruby' : undefined,
  };
  if (d.search) {
    Object.assign(env, { ES_ENABLED: 'true', ...fieldVariables('search', d.search), ES_CA_FILE: d.search.caSecret ? `${ES_CA_DIR}/ca.crt` : undefined });
  }
  const s3 = d.storage.s3;
  if (s3) Object.assign(env, { S3_ENABLED: 'true', ...fieldVariables('storage.s3', s3) });
  const smtp = (prefix: keyof typeof SMTP_CA_DIR, c: SmtpServer | undefined) => {
    if (!c) return;
    const mail = mailSettings(c);
    Object.assign(env, {
      ...fieldVariables(prefix ? 'smtp.bulk' : 'smtp', c, SMTP_SERVER_VARIABLES(prefix)),
      [`${prefix}SMTP_AUTH_METHOD`]: mail.authMethod,
      [`${prefix}SMTP_ENABLE_STARTTLS`]: mail.starttls,
      ...Object.fromEntries(Object.entries(FLAG_VARIABLES[prefix ? 'smtp.bulk' : 'smtp']).map(([name, field]) => [name, c[field] ? 'true' : undefined])),
      [`${prefix}SMTP_CA_FILE`]: c.caSecret ? `${SMTP_CA_DIR[prefix]}/ca.crt` : undefined,
    });
  };
  smtp('', d.smtp);
  smtp('BULK_', d.smtp?.bulk);
  if (d.smtp) {
    // bulk mail goes out from the same sender: Mastodon has no BULK_SMTP_FROM_ADDRESS
    Object.assign(env, {
      ...fieldVariables('smtp', d.smtp, SMTP_SENDER_VARIABLES),
      SMTP_DELIVERY_METHOD: d.smtp.deliveryMethod === 'smtp' ? undefined : d.smtp.deliveryMethod,
    });
  }
  Object.assign(env, {
    DEEPL_PLAN: d.translation?.deepl?.plan,
    LIBRE_TRANSLATE_ENDPOINT: d.translation?.libreTranslate?.endpoint,
    HCAPTCHA_SITE_KEY: d.captcha?.hcaptcha.siteKey,
    CACHE_BUSTER_ENABLED: d.cacheBuster ? 'true' : undefined,
    CACHE_BUSTER_HTTP_METHOD: d.cacheBuster?.httpMethod,
    CACHE_BUSTER_SECRET_HEADER: d.cacheBuster?.secretHeader,
  });
  if (d.auth) Object.assign(env, authEnv(d.auth, m.webDomain));
  if (withDefinitionEnv) Object.assign(env, d.env);
  const out: Record<string, string> = {};
  for (const key of Object.keys(env).sort()) {
    const value = env[key];
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

/** The port of Mastodon's Prometheus exporters (web's sidecar, Sidekiq's own), when they are on. */
export function metricsPortOf(m: InstanceModel): number | undefined {
  return m.def.metrics.prometheus ? m.def.metrics.exporterPort : undefined;
}

/** Puma's settings and the exporter switches of the web container. */
export function webProcessEnv(m: InstanceModel): k8s.EnvVar[] {
  return pumaEnv(m.def.web, metricsPortOf(m), m.detailedMetrics);
}

export interface PumaSettings {
  readonly workers: number;
  readonly threads: number;
  readonly minThreads?: number;
  readonly persistentTimeoutSeconds: number;
}

export function pumaEnv(web: PumaSettings, metricsPort: number | undefined, detailed: boolean): k8s.EnvVar[] {
  return [
    plain('WEB_CONCURRENCY', web.workers),
    plain('MAX_THREADS', web.threads),
    plain('MIN_THREADS', web.minThreads ?? web.threads),
    plain('PERSISTENT_TIMEOUT', web.persistentTimeoutSeconds),
    plain('DB_POOL', web.threads),
    ...(metricsPort !== undefined ? prometheusExporterEnv('web', metricsPort, detailed) : []),
  ];
}

/**
 * Mastodon's Prometheus exporter switches. Web (several Puma processes) sends to the exporter container next
 * to it on 127.0.0.1; Sidekiq runs the exporter in its own process (LOCAL) and serves it on every address.
 */
export function prometheusExporterEnv(kind: 'web' | 'sidekiq', port: number, detailed: boolean): k8s.EnvVar[] {
  const where =
    kind === 'web'
      ? [plain('PROMETHEUS_EXPORTER_HOST', '127.0.0.1'), plain('PROMETHEUS_EXPORTER_PORT', port)]
      : [plain('MASTODON_PROMETHEUS_EXPORTER_LOCAL', 'true'), plain('MASTODON_PROMETHEUS_EXPORTER_HOST', '0.0.0.0'), plain('MASTODON_PROMETHEUS_EXPORTER_PORT', port)];
  return [plain('MASTODON_PROMETHEUS_EXPORTER_ENABLED', 'true'), ...where, ...(detailed ? [plain(`MASTODON_PROMETHEUS_EXPORTER_${kind.toUpperCase()}_DETAILED_METRICS`, 'true')] : [])];
}

/** A Sidekiq group's pool and its own metrics server (Mastodon's local exporter). */
export function sidekiqProcessEnv(concurrency: number, metricsPort: number | undefined, detailed: boolean): k8s.EnvVar[] {
  return [plain('DB_POOL', concurrency), ...(metricsPort !== undefined ? prometheusExporterEnv('sidekiq', metricsPort, detailed) : [])];
}

export function streamingProcessEnv(dbPool: number): k8s.EnvVar[] {
  return [plain('DB_POOL', dbPool), plain('PORT', STREAMING_PORT)];
}

/** The pre-deployment migrations leave the post-deployment ones for after the rollout. */
export const PRE_DEPLOY_ENV: k8s.EnvVar[] = [plain('SKIP_POST_DEPLOYMENT_MIGRATIONS', 'true')];

/** What the Owner account Job's shell command reads. */
export function adminEnv(admin: NonNullable<Instance['admin']>): k8s.EnvVar[] {
  return [plain('ADMIN_USERNAME', admin.username), plain('ADMIN_EMAIL', admin.email)];
}

/** Which field of the definition sets a generated variable, for the error that refuses it in free-form env. */
const SET_BY: [RegExp, string][] = [
  [/^LOCAL_DOMAIN$/, 'domain'],
  [/^WEB_DOMAIN$/, 'webDomain'],
  [/^ALTERNATE_DOMAINS$/, 'alternateDomains'],
  [/^(RAILS_ENV|NODE_ENV)$/, 'the generator (always production)'],
  [/^RAILS_LOG_LEVEL$/, 'logging.railsLogLevel'],
  [/^LOG_LEVEL$/, 'logging.streamingLogLevel'],
  [/^TRUSTED_PROXY_IP$/, 'trustedProxyIps'],
  [/^STREAMING_API_BASE_URL$/, 'traffic.streamingHost'],
  [/^(WEB_CONCURRENCY|MAX_THREADS|MIN_THREADS|PERSISTENT_TIMEOUT)$/, 'web (workers, threads, minThreads, persistentTimeoutSeconds)'],
  [/^DB_POOL$/, 'web.threads, streaming.dbPool and each Sidekiq group\'s concurrency'],
  [/^PORT$/, `the generator (streaming listens on ${STREAMING_PORT})`],
  [/^(SIDEKIQ_|CACHE_)?REDIS_/, 'redis'],
  [/^REPLICA_DB_/, 'database.replica'],
  [/^DB_HOST$/, 'database.host (database.pooler.host with a pooler)'],
  [/^DB_PORT$/, 'database.port (database.pooler.port with a pooler)'],
  [/^DB_NAME$/, 'database.name'],
  [/^DB_USER$/, 'database.user or database.userSecret'],
  [/^DB_PASS$/, 'database.passwordSecret'],
  [/^(DB_SSLMODE|PGSSLROOTCERT)$/, 'database.tls'],
  [/^PREPARED_STATEMENTS$/, 'database.pooler'],
  [/^SMTP_AUTH_METHOD$/, 'smtp.authMethod'],
  [/^SMTP_ENABLE_STARTTLS$/, 'smtp.starttls'],
  [/^BULK_SMTP_AUTH_METHOD$/, 'smtp.bulk.authMethod'],
  [/^BULK_SMTP_ENABLE_STARTTLS$/, 'smtp.bulk.starttls'],
  [/^(DB_|PREPARED_STATEMENTS$|PGSSL)/, 'database'],
  [/^ES_/, 'search'],
  [/^(S3_|AWS_)/, 'storage.s3'],
  [/^BULK_SMTP_/, 'smtp.bulk'],
  [/^SMTP_/, 'smtp'],
  [/^OTEL_/, 'metrics.otel (and web.otel, each Sidekiq group\'s otel)'],
  [/PROMETHEUS_EXPORTER_/, 'metrics (prometheus, detailed, exporterPort)'],
  [/^(SSL_CERT_FILE|NODE_EXTRA_CA_CERTS)$/, 'caBundle and database.tls.caSecret'],
  [/^DEEPL_/, 'translation.deepl'],
  [/^LIBRE_TRANSLATE_/, 'translation.libreTranslate'],
  [/^HCAPTCHA_/, 'captcha.hcaptcha'],
  [/^CACHE_BUSTER_/, 'cacheBuster'],
  [/^OMNIAUTH_ONLY$/, 'auth.omniauthOnly'],
  [/^OIDC_/, 'auth.oidc'],
  [/^SAML_/, 'auth.saml'],
  [/^CAS_/, 'auth.cas'],
  [/^LDAP_/, 'auth.ldap'],
  [/^PAM_/, 'auth.pam'],
  [new RegExp(`^(${CORE_SECRET_VARIABLES.join('|')})$`), 'secrets.core (keys renamed with secrets.coreKeys)'],
  [/^SKIP_POST_DEPLOYMENT_MIGRATIONS$/, 'the migration Jobs'],
  [/^ADMIN_/, 'admin'],
];

/** Every variable the generator emits for this definition, in any process or Job: the emitters' own output. */
export function generatedVariables(m: InstanceModel): Set<string> {
  const names = [
    ...Object.keys(sharedEnv(m, false)),
    ...(['web', 'sidekiq', 'streaming', 'job'] as const).flatMap((kind) => processEnv(m, kind, false)),
    ...webProcessEnv(m),
    ...streamingProcessEnv(m.def.streaming.dbPool),
    ...m.sidekiqGroups.flatMap((g) => [...sidekiqProcessEnv(g.concurrency, metricsPortOf(m), m.detailedMetrics), ...otelEnv(m, g.def.otel)]),
    ...otelEnv(m, m.def.web.otel),
    ...PRE_DEPLOY_ENV,
    ...(m.def.admin ? adminEnv(m.def.admin) : []),
  ].map((v) => (typeof v === 'string' ? v : v.name));
  return new Set([...names, ...m.facts.requiredSecrets, ...m.migrationSecrets]);
}

/**
 * Free-form environment (env, each component's extraEnv, secretEnv) must not fight a variable the generator
 * emits for this definition: one of the two values would be lost. Anything else Mastodon reads is the user's.
 */
export function checkFreeFormEnv(m: InstanceModel): Problem[] {
  const generated = generatedVariables(m);
  const d = m.def;
  const sources: [FieldPath, readonly string[]][] = [
    [['env'], Object.keys(d.env)],
    [['secretEnv'], Object.keys(d.secretEnv)],
    [['web', 'extraEnv'], Object.keys(d.web.extraEnv ?? {})],
    [['streaming', 'extraEnv'], Object.keys(d.streaming.extraEnv ?? {})],
    ...d.sidekiq.groups.map((g, i): [FieldPath, string[]] => [['sidekiq', 'groups', i, 'extraEnv'], Object.keys(g.extraEnv ?? {})]),
    [['jobs', 'extraEnv'], Object.keys(d.jobs.extraEnv ?? {})],
  ];
  return sources.flatMap(([path, names]) =>
    names
      .filter((name) => generated.has(name))
      .map((name) => ({ path: [...path, name], message: `${name} is generated from ${VARIABLE_FIELDS.get(name) ?? SET_BY.find(([re]) => re.test(name))?.[1] ?? 'the definition'} for this instance; set it there` })),
  );
}
