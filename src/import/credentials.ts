/**
 * Every key of either chart's values whose value is a credential, with the Secret the chart reads instead
 * once it is moved there. The import refuses a values file that holds one (never copying or printing the
 * value) and prints one `kubectl create secret` command per Secret.
 */
import { isCredentialName } from '../model/credentials';
import { CoreSecret, CoreSecretVariable } from '../model/versions';
import { ChartFlavor, isObject } from './defaults';

type Json = Record<string, unknown>;

interface Credential {
  /** values key holding the credential inline; `*` is any key of an environment map */
  readonly path: string;
  /** values key naming the existing Secret the chart reads instead (unset: the chart has none) */
  readonly secretPath?: string;
  /** the Secret's name to suggest when secretPath is not set */
  readonly fallback: string;
  /** the key inside the Secret: fixed, or the chart's existingSecretKeys entry with its default */
  readonly key: string | { readonly path: string; readonly default: string };
  /** non-secret values the chart reads from the same Secret once secretPath is set: they move too */
  readonly withIt?: readonly { readonly path: string; readonly key: string | { readonly path: string; readonly default: string } }[];
}

const keyed = (path: string, def: string) => ({ path, default: def });
const envMaps = (...maps: string[]): Credential[] => maps.map((m) => ({ path: `${m}.*`, fallback: 'mastodon-extra-env', key: '*' }));

/**
 * The core Secret's variables (src/model/versions.ts) in each chart: chart 6.x's key under mastodon.secrets
 * (its Secret is keyed by the variable names), helm-charts 1.x's field and the Secret key it defaults to.
 */
export const CHART_6_CORE_KEYS: Readonly<Record<CoreSecretVariable, string>> = {
  SECRET_KEY_BASE: 'secret_key_base',
  OTP_SECRET: 'otp_secret',
  VAPID_PRIVATE_KEY: 'vapid.private_key',
  VAPID_PUBLIC_KEY: 'vapid.public_key',
  ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: 'activeRecordEncryption.primaryKey',
  ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: 'activeRecordEncryption.deterministicKey',
  ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: 'activeRecordEncryption.keyDerivationSalt',
};
export const HELM_CHARTS_1_CORE_KEYS: Readonly<Record<CoreSecret, { readonly field: string; readonly key: string }>> = {
  SECRET_KEY_BASE: { field: 'secretKeyBase', key: 'secret-key-base' },
  VAPID_PRIVATE_KEY: { field: 'vapidPrivateKey', key: 'vapid-private-key' },
  VAPID_PUBLIC_KEY: { field: 'vapidPublicKey', key: 'vapid-public-key' },
  ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: { field: 'arePrimaryKey', key: 'are-primary-key' },
  ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: { field: 'areDeterministicKey', key: 'are-deterministic-key' },
  ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: { field: 'areKeyDerivationSalt', key: 'are-derivation-salt' },
};

const CHART_6: Credential[] = [
  ...Object.entries(CHART_6_CORE_KEYS).map(([key, p]) => ({ path: `mastodon.secrets.${p}`, secretPath: 'mastodon.secrets.existingSecret', fallback: 'mastodon-core', key })),
  { path: 'mastodon.s3.access_key', secretPath: 'mastodon.s3.existingSecret', fallback: 'mastodon-s3', key: 'AWS_ACCESS_KEY_ID' },
  { path: 'mastodon.s3.access_key_id', secretPath: 'mastodon.s3.existingSecret', fallback: 'mastodon-s3', key: 'AWS_ACCESS_KEY_ID' },
  { path: 'mastodon.s3.access_secret', secretPath: 'mastodon.s3.existingSecret', fallback: 'mastodon-s3', key: 'AWS_SECRET_ACCESS_KEY' },
  { path: 'mastodon.s3.secret_access_key', secretPath: 'mastodon.s3.existingSecret', fallback: 'mastodon-s3', key: 'AWS_SECRET_ACCESS_KEY' },
  ...['mastodon.smtp', 'mastodon.smtp.bulk'].flatMap((b) =>
    ['password', 'auth_password'].map((p) => ({ path: `${b}.${p}`, secretPath: `${b}.existingSecret`, fallback: b.endsWith('bulk') ? 'mastodon-smtp-bulk' : 'mastodon-smtp', key: 'password', withIt: [{ path: `${b}.login`, key: 'login' }] })),
  ),
  ...(
    [
      ['postgresql.auth.password', 'password'],
      ['postgresql.postgresqlPassword', 'password'],
      ['postgresql.auth.postgresPassword', 'postgres-password'],
      ['postgresql.postgresqlPostgresPassword', 'postgres-password'],
      ['postgresql.auth.replicationPassword', 'replication-password'],
      ['postgresql.replication.password', 'replication-password'],
    ] as const
  ).map(([path, key]) => ({ path, secretPath: 'postgresql.auth.existingSecret', fallback: 'mastodon-postgresql', key })),
  { path: 'postgresql.readReplica.auth.password', secretPath: 'postgresql.readReplica.auth.existingSecret', fallback: 'mastodon-postgresql-replica', key: 'password' },
  { path: 'redis.auth.password', secretPath: 'redis.auth.existingSecret', fallback: 'mastodon-redis', key: keyed('redis.auth.existingSecretKey', 'redis-password') },
  { path: 'redis.password', secretPath: 'redis.auth.existingSecret', fallback: 'mastodon-redis', key: keyed('redis.auth.existingSecretKey', 'redis-password') },
  ...['sidekiq', 'cache'].map((r) => ({ path: `redis.${r}.auth.password`, secretPath: `redis.${r}.auth.existingSecret`, fallback: `mastodon-redis-${r}`, key: keyed(`redis.${r}.auth.existingSecretKey`, 'redis-password') })),
  { path: 'elasticsearch.password', secretPath: 'elasticsearch.existingSecret', fallback: 'mastodon-elasticsearch', key: 'password' },
  { path: 'elasticsearch.auth.password', secretPath: 'elasticsearch.existingSecret', fallback: 'mastodon-elasticsearch', key: 'password' },
  { path: 'elasticsearch.security.elasticPassword', fallback: 'mastodon-elasticsearch', key: 'elasticsearch-password' },
  { path: 'mastodon.deepl.apiKey', secretPath: 'mastodon.deepl.apiKeySecretRef.name', fallback: 'mastodon-deepl', key: keyed('mastodon.deepl.apiKeySecretRef.key', 'api-key') },
  { path: 'mastodon.hcaptcha.secretKey', secretPath: 'mastodon.hcaptcha.secretKeySecretRef.name', fallback: 'mastodon-hcaptcha', key: keyed('mastodon.hcaptcha.secretKeySecretRef.key', 'secret-key') },
  { path: 'mastodon.cacheBuster.authToken', secretPath: 'mastodon.cacheBuster.authToken.existingSecret', fallback: 'mastodon-cache-buster', key: 'password' },
  // OIDC and SAML credentials have no Secret in chart 6.x: the import reads them from these names
  { path: 'externalAuth.oidc.client_secret', fallback: 'mastodon-oidc', key: 'client-secret' },
  { path: 'externalAuth.saml.private_key', fallback: 'mastodon-saml', key: 'private-key' },
  { path: 'externalAuth.saml.cert', fallback: 'mastodon-saml', key: 'cert' },
  { path: 'externalAuth.ldap.password', secretPath: 'externalAuth.ldap.passwordSecretRef.name', fallback: 'mastodon-ldap', key: keyed('externalAuth.ldap.passwordSecretRef.key', 'password') },
  ...envMaps('mastodon.extraEnvVars', 'mastodon.web.extraEnvVars', 'mastodon.sidekiq.extraEnvVars', 'mastodon.streaming.extraEnvVars', 'mastodon.hooks.s3Upload.rclone.env'),
];

const withSecretKeys = (base: string, fields: [field: string, def: string][], fallback: string, withIt: [field: string, def: string][] = []): Credential[] =>
  fields.map(([field, def]) => ({
    path: `${base}.${field}`,
    secretPath: `${base}.existingSecret`,
    fallback,
    key: keyed(`${base}.existingSecretKeys.${field}`, def),
    withIt: withIt.map(([f, d]) => ({ path: `${base}.${f}`, key: keyed(`${base}.existingSecretKeys.${f}`, d) })),
  }));

const HELM_CHARTS_1: Credential[] = [
  ...Object.values(HELM_CHARTS_1_CORE_KEYS).map(({ field, key }) => ({ path: `mastodon.secrets.${field}`, secretPath: 'mastodon.secrets.existingSecret', fallback: 'mastodon-core', key: keyed(`mastodon.secrets.existingSecretKeys.${field}`, key) })),
  ...withSecretKeys('mastodon.s3', [['accessKeyId', 'access-key-id'], ['secretAccessKey', 'secret-access-key']], 'mastodon-s3'),
  ...withSecretKeys('mastodon.hooks.s3Upload', [['accessKeyId', 'access-key-id'], ['secretAccessKey', 'secret-access-key']], 'mastodon-s3-upload'),
  ...withSecretKeys('mastodon.smtp', [['password', 'password']], 'mastodon-smtp', [['username', 'username']]),
  ...withSecretKeys('mastodon.smtp.bulk', [['password', 'password']], 'mastodon-smtp-bulk', [['username', 'username']]),
  ...withSecretKeys('postgresql', [['password', 'password']], 'mastodon-postgresql', [['username', 'username']]),
  ...withSecretKeys('postgresql.readReplica', [['password', 'password']], 'mastodon-postgresql-replica', [['username', 'username']]),
  ...withSecretKeys('redis', [['password', 'password']], 'mastodon-redis'),
  ...withSecretKeys('redis.sidekiq', [['password', 'password']], 'mastodon-redis-sidekiq'),
  ...withSecretKeys('redis.cache', [['password', 'password']], 'mastodon-redis-cache'),
  ...withSecretKeys('elasticsearch', [['password', 'password']], 'mastodon-elasticsearch', [['username', 'username']]),
  ...withSecretKeys('mastodon.deepl', [['apiKey', 'api-key']], 'mastodon-deepl'),
  ...withSecretKeys('mastodon.hcaptcha', [['apiKey', 'api-key']], 'mastodon-hcaptcha'),
  ...withSecretKeys('mastodon.cacheBuster', [['authToken', 'auth-token']], 'mastodon-cache-buster'),
  ...withSecretKeys('externalAuth.oidc', [['clientSecret', 'client-secret']], 'mastodon-oidc', [['clientId', 'client-id']]),
  ...withSecretKeys('externalAuth.ldap', [['password', 'password']], 'mastodon-ldap'),
  { path: 'externalAuth.saml.privateKey', fallback: 'mastodon-saml', key: 'private-key' },
  { path: 'externalAuth.saml.cert', fallback: 'mastodon-saml', key: 'cert' },
  ...envMaps('mastodon.extraEnvVars', 'mastodon.web.extraEnvVars', 'mastodon.sidekiq.extraEnvVars', 'mastodon.streaming.extraEnvVars', 'mastodon.hooks.s3Upload.rclone.env'),
];

export const CREDENTIALS: Record<ChartFlavor, readonly Credential[]> = { 'chart-6': CHART_6, 'helm-charts-1': HELM_CHARTS_1 };

const lookup = (values: unknown, p: string): unknown => p.split('.').reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), values);
const filled = (v: unknown) => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number';

/** An inline credential: where it is and where it goes. */
export interface InlineCredential {
  readonly from: string;
  readonly secret: string;
  readonly key: string;
}

/** One Secret to create, with every key that goes into it. */
export interface SecretToCreate {
  readonly name: string;
  readonly keys: readonly string[];
  /** the values key that then names it, if the chart has one */
  readonly secretPath?: string;
  /** values keys to remove once it exists */
  readonly remove: readonly string[];
}

/**
 * The credentials a values file writes inline. A value equal to the chart's own default is a placeholder
 * everyone can read (helm-charts 1.x ships `clientSecret: SECRETKEY`), not a secret of this release.
 */
export function inlineCredentials(flavor: ChartFlavor, file: Json, defaults: Json, merged: Json): { found: InlineCredential[]; secrets: SecretToCreate[] } {
  const found: InlineCredential[] = [];
  const secrets = new Map<string, { keys: Set<string>; secretPath?: string; remove: Set<string> }>();
  const keyName = (k: Credential['key']) => (typeof k === 'string' ? k : String(lookup(merged, k.path) || k.default));
  for (const c of CREDENTIALS[flavor]) {
    const paths = c.path.endsWith('.*')
      ? Object.entries((lookup(file, c.path.slice(0, -2)) as Json | undefined) ?? {})
          .filter(([name]) => isCredentialName(name))
          .map(([name]) => `${c.path.slice(0, -2)}.${name}`)
      : [c.path];
    for (const p of paths) {
      const value = lookup(file, p);
      if (!filled(value) || value === lookup(defaults, p)) continue;
      const existing = c.secretPath ? lookup(merged, c.secretPath) : undefined;
      const name = filled(existing) ? String(existing) : c.fallback;
      const key = c.key === '*' ? p.slice(p.lastIndexOf('.') + 1) : keyName(c.key);
      found.push({ from: p, secret: name, key });
      const s = secrets.get(name) ?? { keys: new Set<string>(), secretPath: c.secretPath, remove: new Set<string>() };
      s.keys.add(key);
      s.remove.add(p);
      for (const w of c.withIt ?? []) {
        if (filled(lookup(merged, w.path))) {
          s.keys.add(keyName(w.key));
          if (filled(lookup(file, w.path))) s.remove.add(w.path);
        }
      }
      secrets.set(name, s);
    }
  }
  return { found, secrets: [...secrets].map(([name, s]) => ({ name, keys: [...s.keys], secretPath: s.secretPath, remove: [...s.remove] })) };
}

/** The credential keys of one chart, so that nothing else prints their values. */
export function isCredentialPath(flavor: ChartFlavor, path: string): boolean {
  return CREDENTIALS[flavor].some((c) => (c.path.endsWith('.*') ? path.startsWith(c.path.slice(0, -1)) : path === c.path || path.startsWith(`${c.path}.`)));
}
