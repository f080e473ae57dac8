/**
 * Everything that changes between Mastodon versions, in one table. Sources: Mastodon's CHANGELOG,
 * release notes and source (see test/fixtures/mastodon-releases.json, which records the file behind
 * each fact and is checked against this table and against what the generator emits).
 * Facts that could not be settled from the source are taken as the conservative choice.
 */

export const ALL_QUEUES = ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'] as const;
export type Queue = (typeof ALL_QUEUES)[number];

export interface VersionFacts {
  readonly minor: string;
  /** queues the version's code enqueues into; every one needs a consumer */
  readonly queues: readonly Queue[];
  /** keys the core Secret must hold */
  readonly requiredSecrets: readonly string[];
  /** variables that must never be emitted for this version; an entry ending in `_` is a prefix */
  readonly forbiddenEnv: readonly string[];
  readonly minPostgres: number;
  /** minimum Redis server version the version's Sidekiq accepts */
  readonly minRedis: string;
  readonly sidekiqMajor: number;
  /** oldest version a rolling (zero-downtime) upgrade may start from */
  readonly zeroDowntimeFrom: string;
  /** `tootctl search deploy` arguments required after upgrading into this minor, if any */
  readonly searchDeployOnUpgrade?: readonly string[];
  /** MASTODON_PROMETHEUS_EXPORTER_* exists */
  readonly prometheusExporter: boolean;
  /** BULK_SMTP_* exists (bulk mail is sent from SMTP_FROM_ADDRESS: there is no BULK_SMTP_FROM_ADDRESS) */
  readonly bulkSmtp: boolean;
}

const CORE = [
  'SECRET_KEY_BASE',
  'VAPID_PRIVATE_KEY',
  'VAPID_PUBLIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY',
  'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
  'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT',
] as const;
/** The core Secret's variables every supported release reads. */
export type CoreSecret = (typeof CORE)[number];
/** What the core Secret may hold, every supported release together (OTP_SECRET only up to 4.3). */
export type CoreSecretVariable = CoreSecret | 'OTP_SECRET';
export const CORE_SECRET_VARIABLES: readonly string[] = [CORE[0], 'OTP_SECRET', ...CORE.slice(1)] satisfies CoreSecretVariable[];
const Q43: readonly Queue[] = ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'];
const Q44: readonly Queue[] = [...Q43, 'fasp'];
const ALWAYS_FORBIDDEN = ['STATSD_', 'STREAMING_CLUSTER_NUM'];
const FORBIDDEN_44 = [...ALWAYS_FORBIDDEN, 'REDIS_NAMESPACE'];
const FORBIDDEN_45 = [...FORBIDDEN_44, 'FETCH_REPLIES_'];
const FORBIDDEN_46 = [...FORBIDDEN_45, 'ENABLE_SIDEKIQ_UNIQUE_JOBS_UI', 'MASTODON_USE_LIBVIPS'];

export const VERSIONS: readonly VersionFacts[] = [
  {
    minor: '4.3',
    queues: Q43,
    requiredSecrets: [...CORE, 'OTP_SECRET'],
    forbiddenEnv: ALWAYS_FORBIDDEN,
    minPostgres: 12,
    minRedis: '6.2',
    sidekiqMajor: 6,
    zeroDowntimeFrom: '4.2.0',
    searchDeployOnUpgrade: ['--only', 'accounts'],
    prometheusExporter: false,
    bulkSmtp: false,
  },
  {
    minor: '4.4',
    queues: Q44,
    requiredSecrets: CORE,
    forbiddenEnv: FORBIDDEN_44,
    minPostgres: 13,
    minRedis: '6.2',
    sidekiqMajor: 7,
    zeroDowntimeFrom: '4.3.0',
    searchDeployOnUpgrade: ['--only-mapping'],
    prometheusExporter: true,
    bulkSmtp: true,
  },
  {
    minor: '4.5',
    queues: Q44,
    requiredSecrets: CORE,
    forbiddenEnv: FORBIDDEN_45,
    minPostgres: 14,
    minRedis: '7.0',
    sidekiqMajor: 8,
    zeroDowntimeFrom: '4.4.0',
    prometheusExporter: true,
    bulkSmtp: true,
  },
  {
    minor: '4.6',
    queues: Q44,
    requiredSecrets: CORE,
    forbiddenEnv: FORBIDDEN_46,
    minPostgres: 14,
    minRedis: '7.0',
    sidekiqMajor: 8,
    zeroDowntimeFrom: '4.5.0',
    prometheusExporter: true,
    bulkSmtp: true,
  },
  {
    minor: '4.7',
    queues: Q44,
    requiredSecrets: CORE,
    forbiddenEnv: FORBIDDEN_46,
    minPostgres: 14,
    minRedis: '7.0',
    sidekiqMajor: 8,
    zeroDowntimeFrom: '4.6.0',
    prometheusExporter: true,
    bulkSmtp: true,
  },
];

/**
 * The 4.3 post-deployment migration `20240307180905_migrate_devise_two_factor_secrets` decrypts the
 * legacy OTP secrets with `OTP_SECRET` and still ships (and still reads it) in later versions: an
 * upgrade from below 4.3.0 runs it, so its migration Jobs need `OTP_SECRET` even where the version
 * itself no longer does. Source: `db/post_migrate/20240307180905_migrate_devise_two_factor_secrets.rb`.
 */
export const OTP_SECRET_MIGRATED_IN = '4.3.0';

/** Streaming 4.3.0 read `REDIS_USERNAME` instead of `REDIS_USER` (fixed in 4.3.1, mastodon/mastodon#32493). */
export const STREAMING_REDIS_USERNAME_UNTIL = '4.3.0';

/**
 * PostgreSQL major of a new CloudNativePG Cluster, above every release's minPostgres; CloudNativePG
 * publishes ghcr.io/cloudnative-pg/postgresql:<major> for each supported major.
 */
export const POSTGRES_DEFAULT_MAJOR = 17;
export const CLOUDNATIVE_PG_IMAGE = 'ghcr.io/cloudnative-pg/postgresql';

/** Dragonfly reports Redis 7.2 from v1.26; Sidekiq 8 supports it from v1.27 (sidekiq/sidekiq#6626). */
export const DRAGONFLY_MIN_FOR_SIDEKIQ_8 = '1.27.0';

export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseVersion(v: string): Semver | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) } : undefined;
}

/** A version this module names as a constant, parsed: a constant that is none is a bug, said as one. */
export function knownVersion(v: string): Semver {
  const parsed = parseVersion(v);
  if (!parsed) throw new Error(`not a version: ${JSON.stringify(v)} (a constant in src/model/versions.ts)`);
  return parsed;
}

export function compareVersions(a: Semver, b: Semver): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function formatVersion(v: Semver): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function isForbiddenEnv(facts: VersionFacts, name: string): boolean {
  return facts.forbiddenEnv.some((f) => (f.endsWith('_') ? name.startsWith(f) : name === f));
}

export function factsFor(v: Semver): VersionFacts | undefined {
  return VERSIONS.find((f) => f.minor === `${v.major}.${v.minor}`);
}

export function supportedRange(): string {
  return `${VERSIONS[0].minor}.x to ${VERSIONS[VERSIONS.length - 1].minor}.x`;
}
