/**
 * Validated model: turns a schema-valid definition into the facts the constructs need, and runs
 * every cross-field and version check. Each failed check is a Problem with the field path that
 * caused it, so the CLI can point at the line in the definition.
 */
import { FieldPath, Problem, show } from '../definition/problems';
import { Instance, InstanceDefinition, PodPlacement, Resources, SecretKeyRef } from '../definition/schema';
import { PostgresModel, SUPERUSER_RESERVED_CONNECTIONS, resolveDatabase } from './postgres';
import { cpuCores, memoryBytes } from './quantity';
import { RedisEndpoint, resolveRedis } from './redis';
import { EgressPlan, egressPlan } from './egress';
import { IngressController, resolveIngressController } from './ingress-controller';
import { checkNamespace, checkResources, checkTrustedProxies } from './inputs';
import { isCredentialName } from './credentials';
import { AUTH_PROVIDERS, AUTH_PROVIDER_NAMES, typedSuffixes } from './auth';
import { checkMail } from './mail';
import { cronProblem, peakOverlap } from './schedule';
import { checkFreeFormEnv } from '../constructs/environment';
import { ingressSettingsProblems } from '../constructs/traffic';
import { STREAMING_PORT, WEB_PORT } from '../constructs/common';
import {
  ALL_QUEUES,
  CORE_SECRET_VARIABLES,
  OTP_SECRET_MIGRATED_IN,
  Queue,
  Semver,
  VERSIONS,
  VersionFacts,
  compareVersions,
  factsFor,
  formatVersion,
  isForbiddenEnv,
  knownVersion,
  parseVersion,
  supportedRange,
} from './versions';

export interface QueueSpec {
  readonly name: Queue;
  readonly weight?: number;
}

export interface SidekiqGroupModel {
  readonly name: string;
  readonly queues: readonly QueueSpec[];
  readonly concurrency: number;
  readonly replicas: number;
  readonly maxReplicas?: number;
  readonly scheduler: boolean;
  readonly def: Instance['sidekiq']['groups'][number];
}

export interface ConnectionBudget {
  readonly web: number;
  readonly streaming: number;
  readonly sidekiq: number;
  /** migration and search Jobs, and the maintenance CronJobs that may run at once (direct connections) */
  readonly jobs: number;
  /** of which the maintenance CronJobs: the most whose runs can overlap */
  readonly maintenance: number;
  /** connections opened against the pooler (or the server when there is no pooler) */
  readonly app: number;
  readonly appLimit: number;
  readonly appTarget: 'pooler' | 'server';
  /** connections opened directly against the server */
  readonly direct: number;
  readonly directLimit: number;
}

export interface InstanceModel {
  readonly def: Instance;
  readonly name: string;
  readonly namespace: string;
  readonly version: Semver;
  /** the release as a tag, e.g. v4.5.6: names and labels use it whatever image runs */
  readonly tag: string;
  /** image references of the Rails processes and Jobs, and of streaming */
  readonly images: { readonly rails: string; readonly streaming: string };
  readonly facts: VersionFacts;
  readonly localDomain: string;
  readonly webDomain: string;
  readonly upgradeFrom?: Semver;
  /** upgradeFrom was read from the committed output, not from upgrade.from: the pre-deployment Job records it */
  readonly upgradeFromOutput: boolean;
  readonly downtimeUpgrade: boolean;
  /** `tootctl search deploy` arguments for this synth, or undefined when no Job is needed */
  readonly searchDeployArgs?: readonly string[];
  readonly sidekiqGroups: readonly SidekiqGroupModel[];
  readonly redis: { readonly main: RedisEndpoint; readonly sidekiq: RedisEndpoint; readonly cache: RedisEndpoint };
  /** the CloudNativePG Cluster, when database.cloudnativePg is set */
  readonly postgres?: PostgresModel;
  /** the ingress controller serving traffic.ingress */
  readonly ingressController?: IngressController;
  /** where each process may connect (NetworkPolicy egress); undefined without egress policies */
  readonly egress?: EgressPlan;
  readonly connections: ConnectionBudget;
  /** media on a ReadWriteOnce volume: every pod that mounts it shares one node */
  readonly mediaPinnedToOneNode: boolean;
  /** core Secret keys the migration Jobs need beyond the version's own (OTP_SECRET across 4.3) */
  readonly migrationSecrets: readonly string[];
  /** MASTODON_PROMETHEUS_EXPORTER_{WEB,SIDEKIQ}_DETAILED_METRICS */
  readonly detailedMetrics: boolean;
  readonly warnings: readonly Problem[];
}

/** Problems found while building the model; thrown as one batch. */
export class ModelError extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((p) => p.message).join('\n'));
  }
}

/** Secret names whose keys the generator knows (emitted sources with explicit data). */
function knownSecretKeys(def: Instance): Map<string, Set<string> | 'any'> {
  const known = new Map<string, Set<string> | 'any'>();
  for (const [name, src] of Object.entries(def.secrets.sources)) {
    if (src.sealedSecret) known.set(name, new Set(Object.keys(src.sealedSecret.encryptedData)));
    else if (src.externalSecret?.extract) known.set(name, 'any');
    else if (src.externalSecret?.data) known.set(name, new Set(Object.keys(src.externalSecret.data)));
  }
  return known;
}

export type MaintenanceTask = keyof Instance['maintenance'];

/**
 * tootctl arguments (lib/mastodon/cli/{media,preview_cards,statuses,accounts}.rb), CronJob name suffix and the
 * database connections of each task: the parallel tasks resize their pool to --concurrency + 1 (5 + 1 by default,
 * lib/mastodon/cli/base.rb parallelize_with_progress), the others use one. The suffixes keep CronJob names within 52 characters.
 */
export const MAINTENANCE_TASKS: Record<MaintenanceTask, { readonly suffix: string; readonly args: (days?: number) => string[]; readonly connections: number }> = {
  mediaRemove: { suffix: 'media-remove', args: (days) => ['media', 'remove', `--days=${days}`], connections: 6 },
  profileMediaRemove: { suffix: 'profiles-prune', args: (days) => ['media', 'remove', '--prune-profiles', `--days=${days}`], connections: 6 },
  previewCardsRemove: { suffix: 'cards-remove', args: (days) => ['preview_cards', 'remove', `--days=${days}`], connections: 6 },
  statusesRemove: { suffix: 'statuses-remove', args: (days) => ['statuses', 'remove', `--days=${days}`], connections: 1 },
  accountsPrune: { suffix: 'accounts-prune', args: () => ['accounts', 'prune'], connections: 6 },
  mediaRemoveOrphans: { suffix: 'media-orphans', args: () => ['media', 'remove-orphans'], connections: 1 },
};

/** Longest name a CronJob may have: its Jobs add an 11-character suffix to a 63-character label. */
export const CRONJOB_NAME_MAX = 52;


export interface ModelContext {
  /** the Mastodon version the committed output deploys, when there is one (src/output/deployed.ts) @default - a fresh install unless upgrade.from says otherwise */
  readonly deployedVersion?: string;
  /**
   * the release the committed output itself upgrades from (src/output/deployed.ts), when it was synthesized as an
   * upgrade read from an earlier output: re-synthesizing the same version repeats that upgrade @default - none
   */
  readonly deployedUpgradeFrom?: string;
}

export function buildModel(input: InstanceDefinition, context: ModelContext = {}): InstanceModel {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const error = (path: FieldPath, message: string) => problems.push({ path, message });
  const warn = (path: FieldPath, message: string) => warnings.push({ path, message });

  // --- version and upgrade path
  const version = parseVersion(input.version);
  const facts = version && factsFor(version);
  if (!version || !facts) {
    throw new ModelError([{ path: ['version'], message: `unsupported Mastodon version ${show(input.version)}; expected ${supportedRange()}` }]);
  }
  const { def, postgres } = resolveDatabase(input, error, warn);
  const tag = `v${formatVersion(version)}`;
  const { upgradeFrom, upgradeFromOutput, downtimeUpgrade, migrationSecrets } = checkUpgrade(def, version, facts, context, error, warn);
  checkExclusiveChoices(def, error);
  checkReplicaRanges(def, error);
  const sidekiqGroups = checkSidekiq(def, facts, error, warn);
  checkSecretReferences(def, facts, migrationSecrets, error);
  checkFreeFormSettings(def, facts, error, warn);
  checkIntegrations(def, error, warn);
  checkPodAdditions(def, facts, error);
  const detailedMetrics = checkVersionFeatures(def, postgres, facts, error, warn);
  checkDatabaseTls(def, warn, error);
  checkMail(def, version, error, warn);
  checkAuth(def, error);
  checkMaintenance(def, error);
  const redis = resolveRedis(def, facts, error);
  const ingressController = resolveIngressController(def, error, warn);
  const egress = def.traffic.networkPolicies && def.traffic.egress.enabled ? egressPlan(def, def.namespace ?? def.name, redis, error) : undefined;
  const mediaPinnedToOneNode = checkMediaVolume(def, error, warn);

  checkPodsFitNodes(def, error);
  checkNamespace(def, error, warn);
  checkTrustedProxies(def, error);
  checkResources(def, error);

  const searchDeployArgs = searchDeploy(def, upgradeFrom, version);
  const connections = connectionBudget(def, postgres, sidekiqGroups, searchDeployArgs !== undefined, error);

  if (problems.length) throw new ModelError(problems);
  const model: InstanceModel = {
    def,
    name: def.name,
    namespace: def.namespace ?? def.name,
    version,
    tag,
    images: {
      rails: imageRef(def.image.repository, def.image.tag ?? tag, def.image.digest),
      streaming: imageRef(def.image.streamingRepository, def.image.streamingTag ?? tag, def.image.streamingDigest),
    },
    facts,
    localDomain: def.domain,
    webDomain: def.webDomain ?? def.domain,
    upgradeFrom,
    upgradeFromOutput,
    downtimeUpgrade,
    searchDeployArgs,
    sidekiqGroups,
    redis,
    postgres,
    ingressController,
    egress,
    connections,
    mediaPinnedToOneNode,
    migrationSecrets,
    detailedMetrics,
    warnings,
  };
  // free-form env may use every name but those the emitters produce for this very definition
  const envConflicts = checkFreeFormEnv(model);
  if (envConflicts.length) throw new ModelError(envConflicts);
  return model;
}

/** The version running now (upgrade.from, else the committed output's) and what the upgrade to this one needs. */
function checkUpgrade(def: Instance, version: Semver, facts: VersionFacts, context: ModelContext, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void): { upgradeFrom?: Semver; upgradeFromOutput: boolean; downtimeUpgrade: boolean; migrationSecrets: string[] } {
  // the version running now: upgrade.from, else what the committed output deploys when the version changes
  const deployed = context.deployedVersion ? parseVersion(context.deployedVersion) : undefined;
  const declared = def.upgrade.from ? parseVersion(def.upgrade.from) : undefined;
  if (declared && deployed && compareVersions(declared, deployed) !== 0 && compareVersions(deployed, version) !== 0) {
    // upgrade.from equal to version says the database runs this release already: going back after a restore
    if (compareVersions(declared, version) === 0) {
      warn(['upgrade', 'from'], `the committed output deploys ${formatVersion(deployed)}; upgrade.from says the database runs ${formatVersion(version)} (restored from a backup), so ${formatVersion(version)} is deployed again (its migration Jobs find nothing to do)`);
    } else {
      error(['upgrade', 'from'], `the committed output deploys ${formatVersion(deployed)}, but upgrade.from says ${formatVersion(declared)}: remove upgrade.from (the running version is read from the output) or make it ${formatVersion(deployed)}`);
    }
  }
  const recorded = context.deployedUpgradeFrom && deployed && compareVersions(deployed, version) === 0 ? parseVersion(context.deployedUpgradeFrom) : undefined;
  const upgradeFrom = declared ?? (deployed && compareVersions(deployed, version) !== 0 ? deployed : recorded);
  const downtimeUpgrade = def.upgrade.strategy === 'downtime';
  if (upgradeFrom) checkUpgradePath(upgradeFrom, version, facts, downtimeUpgrade, error);
  else if (downtimeUpgrade) error(['upgrade', 'strategy'], 'a downtime upgrade needs upgrade.from (the version running now)');
  const migrationSecrets = otpSecretCarryOver(upgradeFrom, facts);
  if (upgradeFrom && migrationSecrets.length) {
    warn(['upgrade', 'from'], `upgrading from ${formatVersion(upgradeFrom)}: the migration Jobs read OTP_SECRET from the core Secret to re-encrypt two-factor secrets (post-deployment migration of ${OTP_SECRET_MIGRATED_IN}); keep it there until this upgrade is done`);
  }

  if (def.upgrade.jobTtlSeconds !== undefined) {
    warn(['upgrade', 'jobTtlSeconds'], `the migration Jobs are deleted ${def.upgrade.jobTtlSeconds} s after they finish, and ${def.flux ? 'Flux\'s next reconcile' : 'the next apply'} creates them again: the migrations run again (nothing pending) and the stages after them wait for them, or stop when one fails; leave jobTtlSeconds unset to keep the finished Jobs until the next release replaces them`);
  }
  return { upgradeFrom, upgradeFromOutput: !declared && upgradeFrom !== undefined, downtimeUpgrade, migrationSecrets };
}

/** One component's placement and additions: pod labels outside the generator's, no credentials in extraEnv, one source per envFrom. */
export function placementProblems(p: PodPlacement, facts: VersionFacts): Problem[] {
  const problems: Problem[] = [];
  for (const label of Object.keys(p.podLabels ?? {})) {
    if (label.startsWith('app.kubernetes.io/')) problems.push({ path: ['podLabels', label], message: `${label} is set by the generator (selectors depend on it); use a label outside app.kubernetes.io/` });
  }
  for (const name of Object.keys(p.extraEnv ?? {})) {
    if (isCredentialName(name)) problems.push({ path: ['extraEnv', name], message: `${name} looks like a credential; use envFrom with a Secret, or secretEnv` });
    else if (isForbiddenEnv(facts, name)) problems.push({ path: ['extraEnv', name], message: `${name} must not be set for Mastodon ${facts.minor} (removed or ignored)` });
  }
  (p.envFrom ?? []).forEach((e, i) => {
    if (!e.configMap === !e.secret) problems.push({ path: ['envFrom', i], message: `expected exactly one of configMap, secret, found ${e.configMap ? 'both' : 'neither'}` });
  });
  return problems;
}

/** Fields of which exactly one must be set. */
function checkExclusiveChoices(def: Instance, error: (p: FieldPath, m: string) => void) {
  exactlyOne(def.storage, ['s3', 'volume'], ['storage'], error);
  exactlyOne(def.traffic, ['ingress', 'gateway'], ['traffic'], error);
  if (def.flux && def.argocd) error(['argocd'], 'expected one GitOps tool to order the stages, found both flux and argocd: Flux would apply every stage at once inside Argo CD\'s sync, or Argo CD would prune what Flux applies');
  if (def.auth?.oidc) exactlyOne(def.auth.oidc, ['clientId', 'clientIdSecret'], ['auth', 'oidc'], error);
  for (const [name, src] of Object.entries(def.secrets.sources)) {
    exactlyOne(src, ['externalSecret', 'sealedSecret'], ['secrets', 'sources', name], error);
    if (src.externalSecret && !src.externalSecret.data && !src.externalSecret.extract) {
      error(['secrets', 'sources', name, 'externalSecret'], 'expected data (key by key) or extract (a whole remote object), found neither');
    }
  }
  const ing = def.traffic.ingress;
  if (ing) for (const p of ingressSettingsProblems(ing, def.name)) error(['traffic', 'ingress', ...p.path], p.message);
}

/** Replica ranges and thread counts that contradict each other. */
function checkReplicaRanges(def: Instance, error: (p: FieldPath, m: string) => void) {
  const ranged: [FieldPath, { replicas: number; maxReplicas?: number }][] = [
    [['web'], def.web],
    [['streaming'], def.streaming],
    ...def.sidekiq.groups.map((g, i): [FieldPath, typeof g] => [['sidekiq', 'groups', i], g]),
  ];
  for (const [path, c] of ranged) {
    if (c.maxReplicas !== undefined && c.maxReplicas < c.replicas) {
      error([...path, 'maxReplicas'], `expected maxReplicas >= replicas (${c.replicas}), found ${c.maxReplicas}`);
    }
  }
  if (def.web.minThreads !== undefined && def.web.minThreads > def.web.threads) {
    error(['web', 'minThreads'], `expected minThreads <= threads (${def.web.threads}), found ${def.web.minThreads}`);
  }
}

/** Secret references must match what the generator knows of each Secret. */
function checkSecretReferences(def: Instance, facts: VersionFacts, migrationSecrets: readonly string[], error: (p: FieldPath, m: string) => void) {
  const known = knownSecretKeys(def);
  const coreKeys = known.get(def.secrets.core);
  if (coreKeys instanceof Set) {
    const missing = [...facts.requiredSecrets, ...migrationSecrets].filter((k) => !coreKeys.has(def.secrets.coreKeys[k] ?? k));
    if (missing.length) error(['secrets', 'sources', def.secrets.core], `Mastodon ${facts.minor} needs ${missing.join(', ')} in the core Secret, found only ${[...coreKeys].join(', ')}`);
  }
  forEachSecretRef(def, (ref, path) => {
    const keys = known.get(ref.name);
    if (keys instanceof Set && !keys.has(ref.key)) {
      error([...path, 'key'], `Secret "${ref.name}" is emitted with keys ${[...keys].join(', ')}; found key ${show(ref.key)}`);
    }
  });
}

/** Free-form env, labels, annotations and provider settings must not take what the generator sets or hold credentials. */
function checkFreeFormSettings(def: Instance, facts: VersionFacts, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void) {
  for (const name of Object.keys(def.env)) {
    if (isForbiddenEnv(facts, name)) error(['env', name], `${name} must not be set for Mastodon ${facts.minor} (removed or ignored)`);
    else if (isCredentialName(name)) error(['env', name], `${name} looks like a credential; put it in a Secret and reference it, never in plain env`);
  }

  for (const label of Object.keys(def.labels)) {
    if (label.startsWith('app.kubernetes.io/')) error(['labels', label], `${label} is set by the generator; use a label outside app.kubernetes.io/`);
  }
  if (def.traffic.service.type !== 'ClusterIP' && def.traffic.networkPolicies) {
    warn(['traffic', 'service', 'type'], `a ${def.traffic.service.type} Service receives traffic from outside the cluster, which the generated NetworkPolicies drop (only the ingress controller or gateway namespace may connect); set traffic.networkPolicies: false if that traffic must reach the pods`);
  }
  for (const name of Object.keys(def.secrets.coreKeys)) {
    if (!CORE_SECRET_VARIABLES.includes(name)) error(['secrets', 'coreKeys', name], `expected one of the core Secret's variables (${CORE_SECRET_VARIABLES.join(', ')}), found ${name}`);
  }
  for (const provider of AUTH_PROVIDER_NAMES) {
    const prefix = AUTH_PROVIDERS[provider].prefix;
    for (const suffix of Object.keys(def.auth?.[provider]?.settings ?? {})) {
      const path = ['auth', provider, 'settings', suffix];
      if (isCredentialName(`${prefix}_${suffix}`)) error(path, `${prefix}_${suffix} is a credential: use the provider's Secret field, or secretEnv`);
      else if (typedSuffixes(provider).includes(suffix)) error(path, `${prefix}_${suffix} has its own field in auth.${provider}; set it there`);
    }
  }
}

/** Integrations whose fields come in pairs or exclude each other: translation, CA bundle, search, S3. */
function checkIntegrations(def: Instance, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void) {
  if (def.translation && !def.translation.deepl === !def.translation.libreTranslate) error(['translation'], `expected exactly one of deepl, libreTranslate, found ${def.translation.deepl ? 'both' : 'neither'}`);
  if (def.caBundle && !def.caBundle.configMap === !def.caBundle.secret) error(['caBundle'], `expected exactly one of configMap, secret, found ${def.caBundle.configMap ? 'both' : 'neither'}`);
  if (def.caBundle && def.database.tls?.caSecret) {
    warn(['caBundle'], 'streaming trusts one extra CA file (NODE_EXTRA_CA_CERTS), the bundle: it must also hold the database CA (Rails checks the database against database.tls.caSecret alone)');
  }
  if (def.search?.user !== undefined && def.search.userSecret) error(['search', 'userSecret'], 'expected one of user and userSecret, found both');
  const s3 = def.storage.s3;
  if (s3 && !s3.accessKeyIdSecret !== !s3.secretAccessKeySecret) error(['storage', 's3'], 'expected both accessKeyIdSecret and secretAccessKeySecret, or neither (credentials from the pod\'s identity)');
  if (s3 && /\.r2\.cloudflarestorage\.com(:\d+)?(\/|$)/.test(s3.endpoint ?? '') && s3.permission !== '') {
    warn(['storage', 's3', 'permission'], `Cloudflare R2 refuses ACLs, so uploads with S3_PERMISSION ${s3.permission ?? 'public-read (Mastodon\'s default)'} fail: set permission: "" (no ACL), as Mastodon's documentation prescribes for R2`);
  }
  if (s3 && !s3.accessKeyIdSecret) {
    const without = podPlacements(def).filter(([path, p]) => path[0] !== 'streaming' && !p.serviceAccount).map(([path]) => path.join('.'));
    if (without.length) warn(['storage', 's3'], `no S3 keys: ${without.join(', ')} get credentials only from the node's role, having no serviceAccount (IRSA / Workload Identity)`);
  }
}

/** Each component's additions: shared ServiceAccounts, pod labels, extra env, envFrom; and secretEnv. */
function checkPodAdditions(def: Instance, facts: VersionFacts, error: (p: FieldPath, m: string) => void) {
  const accounts = new Map<string, string>();
  for (const [path, p] of podPlacements(def)) {
    const sa = p.serviceAccount;
    if (!sa?.create) continue;
    const seen = accounts.get(sa.name);
    const annotations = JSON.stringify(Object.entries(sa.annotations).sort());
    if (seen !== undefined && seen !== annotations) error([...path, 'serviceAccount'], `ServiceAccount ${sa.name} is created by another component with other annotations; give them the same ones`);
    accounts.set(sa.name, annotations);
  }
  for (const [path, p] of podPlacements(def)) {
    for (const problem of placementProblems(p, facts)) error([...path, ...problem.path], problem.message);
  }

  for (const name of Object.keys(def.secretEnv)) {
    if (isForbiddenEnv(facts, name)) error(['secretEnv', name], `${name} must not be set for Mastodon ${facts.minor} (removed or ignored)`);
  }
}

/** Features that need a newer Mastodon, or each other; returns whether the detailed metrics are on. */
function checkVersionFeatures(def: Instance, postgres: PostgresModel | undefined, facts: VersionFacts, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void): boolean {
  if (def.metrics.prometheus && !facts.prometheusExporter) error(['metrics', 'prometheus'], `the Prometheus exporter needs Mastodon 4.4 or newer, found ${def.version}`);
  if (def.smtp?.bulk && !facts.bulkSmtp) error(['smtp', 'bulk'], `BULK_SMTP_* needs Mastodon 4.4 or newer, found ${def.version}`);
  for (const [path, c] of [[['smtp'], def.smtp], [['smtp', 'bulk'], def.smtp?.bulk]] as const) {
    if (c?.login !== undefined && c.loginSecret) error([...path, 'loginSecret'], 'expected one of login and loginSecret, found both');
  }
  if (def.database.postgresVersion !== undefined && def.database.postgresVersion < facts.minPostgres) {
    error(postgres ? ['database', 'cloudnativePg', 'postgresVersion'] : ['database', 'postgresVersion'], `Mastodon ${facts.minor} needs PostgreSQL ${facts.minPostgres} or newer, found ${def.database.postgresVersion}`);
  }
  if ([WEB_PORT, STREAMING_PORT].includes(def.metrics.exporterPort)) error(['metrics', 'exporterPort'], `expected a port other than web's ${WEB_PORT} and streaming's ${STREAMING_PORT}, found ${def.metrics.exporterPort}`);
  if (def.metrics.serviceMonitors && !def.metrics.prometheus) error(['metrics', 'serviceMonitors'], 'PodMonitors need metrics.prometheus: true');
  const detailedMetrics = def.metrics.prometheus && (def.metrics.detailed ?? def.metrics.alerts);
  if (def.metrics.detailed && !def.metrics.prometheus) error(['metrics', 'detailed'], 'detailed metrics need metrics.prometheus: true');
  if (def.metrics.alerts && !detailedMetrics) {
    warn(['metrics', 'alerts'], 'the Sidekiq backlog and web error alerts need the detailed Prometheus metrics (metrics.prometheus: true, detailed not false); only the alerts on kube-state-metrics are emitted');
  }
  return detailedMetrics;
}

/** The maintenance CronJobs: names that fit the length Kubernetes allows, schedules cron accepts. */
function checkMaintenance(def: Instance, error: (p: FieldPath, m: string) => void) {
  for (const [task, settings] of Object.entries(def.maintenance)) {
    const name = `${def.name}-${MAINTENANCE_TASKS[task as MaintenanceTask].suffix}`;
    if (settings.enabled && name.length > CRONJOB_NAME_MAX) error(['maintenance', task], `the CronJob name ${name} is ${name.length} characters, more than the ${CRONJOB_NAME_MAX} Kubernetes allows; use a shorter instance name or turn the task off`);
    const cron = settings.enabled ? cronProblem(settings.schedule) : undefined;
    if (cron) error(['maintenance', task, 'schedule'], `expected ${cron}, found ${show(settings.schedule)}`);
  }
}

/** A ReadWriteOnce media volume pins web and Sidekiq to one node; returns whether it does. */
function checkMediaVolume(def: Instance, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void): boolean {
  const mediaPinnedToOneNode = def.storage.volume?.accessMode === 'ReadWriteOnce';
  if (mediaPinnedToOneNode) {
    if (def.scheduling.nodeSpread === 'required' || def.scheduling.zoneSpread === 'required') {
      error(['storage', 'volume', 'accessMode'], 'a ReadWriteOnce volume pins web and Sidekiq to one node, which contradicts scheduling that requires spreading; use ReadWriteMany or object storage');
    } else {
      warn(['storage', 'volume', 'accessMode'], 'ReadWriteOnce: web and Sidekiq pods are scheduled onto the same node (pod affinity) so they can all mount the media volume; this instance cannot survive the loss of that node');
    }
  }
  return mediaPinnedToOneNode;
}

/** Sign-in settings Mastodon reads with no default, or needs to sign anyone in (config/initializers/devise.rb, 3_omniauth.rb). */
function checkAuth(def: Instance, error: (p: FieldPath, m: string) => void) {
  const ldap = def.auth?.ldap;
  if (ldap) {
    const path: FieldPath = ['auth', 'ldap'];
    if (ldap.anonymousBind && (ldap.bindDn !== undefined || ldap.passwordSecret)) {
      error([...path, 'anonymousBind'], 'an anonymous bind sends no account: remove bindDn and passwordSecret, or anonymousBind');
    } else if (!ldap.anonymousBind && (ldap.bindDn === undefined || !ldap.passwordSecret)) {
      error([...path, ldap.bindDn === undefined ? 'bindDn' : 'passwordSecret'], 'Mastodon reads LDAP_BIND_DN and LDAP_PASSWORD with no default (config/initializers/devise.rb), so every Rails process fails at boot without them: set bindDn and passwordSecret, or anonymousBind: true');
    }
  }
  const oidc = def.auth?.oidc;
  if (oidc && !oidc.discovery) {
    const missing = (['authEndpoint', 'tokenEndpoint', 'userInfoEndpoint', 'jwksUri'] as const).filter((k) => oidc[k] === undefined);
    if (missing.length) error(['auth', 'oidc', missing[0]], `without discovery Mastodon needs the provider's endpoints to sign anyone in: set ${missing.join(', ')} (or discovery: true)`);
  }
}

/** OTP_SECRET for the migration Jobs when the upgrade crosses the migration that still reads it. */
function otpSecretCarryOver(from: Semver | undefined, facts: VersionFacts): string[] {
  if (!from || facts.requiredSecrets.includes('OTP_SECRET')) return [];
  return compareVersions(from, knownVersion(OTP_SECRET_MIGRATED_IN)) < 0 ? ['OTP_SECRET'] : [];
}

/**
 * libpq (Rails) and node-postgres (streaming) read DB_SSLMODE differently, so the definition states
 * intent and each process gets its own value (constructs/environment.ts). Verification needs a CA:
 * libpq has no system trust store before PostgreSQL 16's sslrootcert=system.
 */
function checkDatabaseTls(def: Instance, warn: (p: FieldPath, m: string) => void, error: (p: FieldPath, m: string) => void) {
  const tls = def.database.tls;
  if (!tls) return;
  const path: FieldPath = ['database', 'tls'];
  const verifies = tls.mode === 'verify-ca' || tls.mode === 'verify-full';
  if (verifies && !tls.caSecret) {
    error([...path, 'caSecret'], `mode ${tls.mode} checks the server certificate against a CA, so the CA bundle is needed: expected caSecret (a Secret key holding the PEM bundle), found none`);
  }
  if (!verifies && tls.caSecret) {
    error([...path, 'caSecret'], `mode ${tls.mode} does not check certificates, so a CA bundle would be ignored; use verify-ca or verify-full, or remove caSecret`);
  }
  if (tls.mode === 'verify-ca') {
    warn([...path, 'mode'], 'streaming (node-postgres) cannot check the CA without the host name: it verifies both, so the server certificate must also name the host streaming connects to');
  }
}

function exactlyOne<T extends object>(obj: T, keys: readonly (keyof T & string)[], path: FieldPath, error: (p: FieldPath, m: string) => void) {
  const set = keys.filter((k) => obj[k] !== undefined);
  if (set.length !== 1) error(path, `expected exactly one of ${keys.join(', ')}, found ${set.length ? set.join(' and ') : 'none'}`);
}

function checkUpgradePath(from: Semver, to: Semver, facts: VersionFacts, downtime: boolean, error: (p: FieldPath, m: string) => void) {
  const path = ['upgrade', 'from'];
  const cmp = compareVersions(from, to);
  if (cmp > 0) {
    error(path, `downgrades are not supported: running ${formatVersion(from)}, target ${formatVersion(to)} (database migrations cannot be reversed)`);
    return;
  }
  // the downtime flow exists to lift the rolling-upgrade constraints below; the other checks
  // (downgrades here, OTP_SECRET, PostgreSQL minimum, search index steps) apply to it as well
  if (cmp === 0 || downtime) return;
  const reasons: string[] = [];
  const skipped = from.major === to.major ? to.minor - from.minor - 1 : 1;
  if (skipped > 0) {
    reasons.push(`it skips ${skipped} minor series, and rolling upgrades need at least one release of every minor series deployed (${from.major}.${from.minor} → ${to.major}.${from.minor + 1} → … → ${to.major}.${to.minor})`);
  }
  const floor = knownVersion(facts.zeroDowntimeFrom);
  if (compareVersions(from, floor) < 0) reasons.push(`Mastodon ${facts.minor} supports zero-downtime upgrades only from ${facts.zeroDowntimeFrom} or newer`);
  if (reasons.length) {
    error(path, `cannot upgrade from ${formatVersion(from)} to ${formatVersion(to)} without downtime: ${reasons.join('; ')}. Deploy each minor series in turn, or set upgrade.strategy: downtime to stop every process, run all migrations, then start again`);
  }
}

function parseQueue(raw: string): { spec?: QueueSpec; problem?: string } {
  const parts = raw.split(',').map((p) => p.trim());
  const name = parts[0];
  if (parts.length > 2) return { problem: `expected "queue" or "queue,weight", found ${show(raw)}` };
  if (!(ALL_QUEUES as readonly string[]).includes(name)) {
    return { problem: `unknown queue ${show(name)}; Mastodon queues are ${ALL_QUEUES.join(', ')}` };
  }
  if (parts.length === 1) return { spec: { name: name as Queue } };
  if (!/^[1-9][0-9]{0,2}$/.test(parts[1])) return { problem: `expected a weight from 1 to 999 after the comma, found ${show(parts[1])} in ${show(raw)}` };
  return { spec: { name: name as Queue, weight: Number(parts[1]) } };
}

function checkSidekiq(def: Instance, facts: VersionFacts, error: (p: FieldPath, m: string) => void, warn: (p: FieldPath, m: string) => void): SidekiqGroupModel[] {
  const groups: SidekiqGroupModel[] = [];
  const seenNames = new Map<string, number>();
  def.sidekiq.groups.forEach((g, gi) => {
    const at: FieldPath = ['sidekiq', 'groups', gi];
    if (seenNames.has(g.name)) error([...at, 'name'], `duplicate group name ${show(g.name)} (also groups[${seenNames.get(g.name)}])`);
    seenNames.set(g.name, gi);
    const { queues, problems } = groupQueues(g.queues, facts);
    for (const p of problems) error([...at, 'queues', p.index], p.message);
    for (const w of groupWarnings(g)) warn([...at, ...w.path], w.message);
    groups.push({
      name: g.name,
      queues,
      concurrency: g.concurrency,
      replicas: g.replicas,
      maxReplicas: g.maxReplicas,
      scheduler: queues.some((q) => q.name === 'scheduler'),
      def: g,
    });
  });

  for (const queue of facts.queues) {
    if (!groups.some((g) => g.queues.some((q) => q.name === queue))) {
      error(['sidekiq', 'groups'], `no group consumes the ${show(queue)} queue, so its jobs would never run; Mastodon ${facts.minor} uses ${facts.queues.join(', ')}`);
    }
  }
  const schedulers = groups.map((g, i) => ({ g, i })).filter(({ g }) => g.scheduler);
  if (schedulers.length > 1) {
    error(['sidekiq', 'groups', schedulers[1].i, 'queues'], `the scheduler queue must be consumed by exactly one group, found ${schedulers.length}: ${schedulers.map(({ g }) => g.name).join(', ')}`);
  }
  groups.forEach((g, i) => {
    for (const p of groupScalingProblems({ ...g, queueLengthPerReplica: g.def.queueLengthPerReplica })) error(['sidekiq', 'groups', i, p.field], p.message);
  });
  return groups;
}

/** The queues of one group ("name" or "name,weight"), checked against the version's; problems by position. */
export function groupQueues(raw: readonly string[], facts: VersionFacts): { queues: QueueSpec[]; problems: { index: number; message: string }[] } {
  const queues: QueueSpec[] = [];
  const problems: { index: number; message: string }[] = [];
  raw.forEach((text, index) => {
    const { spec, problem } = parseQueue(text);
    if (!spec) problems.push({ index, message: problem ?? `invalid queue ${show(text)}` });
    else if (!facts.queues.includes(spec.name)) problems.push({ index, message: `queue ${show(spec.name)} does not exist in Mastodon ${facts.minor}` });
    else if (queues.some((q) => q.name === spec.name)) problems.push({ index, message: `queue ${show(spec.name)} is listed twice in this group` });
    else queues.push(spec);
  });
  return { queues, problems };
}

/** What the CLI warns about in one group's settings. */
export function groupWarnings(g: { readonly concurrency: number }): Problem[] {
  return g.concurrency > 20
    ? [{ path: ['concurrency'], message: `concurrency ${g.concurrency} is above about 20 threads per process: more threads mostly add CPU contention and database connections; prefer more replicas or groups` }]
    : [];
}

/** Replica rules of one group: the scheduler queue runs exactly once; queue-length scaling needs a range. */
export function groupScalingProblems(g: { readonly scheduler: boolean; readonly replicas: number; readonly maxReplicas?: number; readonly queueLengthPerReplica?: number }): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (g.scheduler) {
    if (g.replicas !== 1) problems.push({ field: 'replicas', message: `the group consuming scheduler must run exactly 1 replica (scheduled jobs would run more than once), found ${g.replicas}` });
    if (g.maxReplicas !== undefined) problems.push({ field: 'maxReplicas', message: 'the group consuming scheduler must not autoscale; remove maxReplicas' });
    if (g.queueLengthPerReplica !== undefined) problems.push({ field: 'queueLengthPerReplica', message: 'the group consuming scheduler must not autoscale; remove queueLengthPerReplica' });
  } else if (g.queueLengthPerReplica !== undefined && g.maxReplicas === undefined) {
    problems.push({ field: 'queueLengthPerReplica', message: 'scaling on queue length needs a replica range: set maxReplicas' });
  }
  return problems;
}

/** Arguments of the `tootctl search deploy` this synth needs: what every minor crossed asks for. */
function searchDeploy(def: Instance, from: Semver | undefined, to: Semver): readonly string[] | undefined {
  if (!def.search) return undefined;
  if (def.search.initialize) return [];
  if (!from) return undefined;
  const crossed = VERSIONS.filter((f) => {
    const v = knownVersion(f.minor);
    return compareVersions(v, { ...from, patch: 0 }) > 0 && compareVersions(v, { ...to, patch: 0 }) <= 0 && f.searchDeployOnUpgrade;
  });
  if (crossed.length === 0) return undefined;
  // several partial steps (a downtime upgrade over several minors): rebuild everything instead
  return crossed.length === 1 ? crossed[0].searchDeployOnUpgrade : [];
}

/** Worst case: every pod at max replicas, every thread holding a connection. */
function connectionBudget(def: Instance, postgres: PostgresModel | undefined, groups: readonly SidekiqGroupModel[], searchJob: boolean, error: (p: FieldPath, m: string) => void): ConnectionBudget {
  const max = (c: { replicas: number; maxReplicas?: number }) => c.maxReplicas ?? c.replicas;
  const web = def.web.workers * def.web.threads * max(def.web);
  // streaming on the replica opens no connection to the primary (or its pooler)
  const streaming = def.database.replica?.streaming ? 0 : def.streaming.dbPool * max(def.streaming);
  const sidekiq = groups.reduce((sum, g) => sum + g.concurrency * max(g), 0);
  // a migration Job holds at most 2; `tootctl search deploy` runs 5 workers by default; the maintenance
  // CronJobs count as many as can run together (schedules, deadlines and Forbid considered)
  const maintenance = peakOverlap(
    Object.entries(def.maintenance)
      .filter(([, t]) => t.enabled)
      .map(([task, t]) => ({ schedule: t.schedule, durationSeconds: t.deadlineSeconds, weight: MAINTENANCE_TASKS[task as MaintenanceTask].connections })),
  );
  const jobs = 2 + (searchJob ? 6 : 0) + maintenance;
  const pooler = def.database.pooler;
  const app = web + streaming + sidekiq;
  // a Cluster's own: Mastodon's user gets max_connections less the superuser slots
  const serverLimit = postgres ? def.database.maxConnections - SUPERUSER_RESERVED_CONNECTIONS : def.database.maxConnections;
  const serverLimitText = postgres ? `the Cluster's max_connections ${def.database.maxConnections} less ${SUPERUSER_RESERVED_CONNECTIONS} superuser slots (${serverLimit})` : `database.maxConnections ${serverLimit}`;
  const budget: ConnectionBudget = pooler
    ? { web, streaming, sidekiq, jobs, maintenance, app, appLimit: pooler.maxClientConnections, appTarget: 'pooler', direct: jobs + (pooler.poolSize ?? 0), directLimit: serverLimit }
    : { web, streaming, sidekiq, jobs, maintenance, app: app + jobs, appLimit: serverLimit, appTarget: 'server', direct: app + jobs, directLimit: serverLimit };
  const detail = `web ${web} + streaming ${streaming} + Sidekiq ${sidekiq}${pooler ? '' : ` + jobs ${jobs}${maintenance ? ` (maintenance ${maintenance})` : ''}`}`;
  const paths = postgres?.paths ?? { maxClientConnections: ['database', 'pooler', 'maxClientConnections'], poolSize: ['database', 'pooler', 'poolSize'] };
  if (budget.app > budget.appLimit) {
    error(
      pooler ? paths.maxClientConnections : ['database', 'maxConnections'],
      `worst-case PostgreSQL connections ${budget.app} (${detail}) exceed the ${pooler ? "pooler's" : "server's"} limit of ${budget.appLimit}; lower threads, concurrency or maxReplicas, or raise the limit`,
    );
  } else if (pooler && budget.direct > budget.directLimit) {
    error(paths.poolSize, `the pooler's server connections plus migration Jobs and maintenance CronJobs (${budget.direct}, maintenance ${maintenance}) exceed ${serverLimitText}`);
  }
  if (postgres?.poolerName && postgres.def.pooler.mode === 'session' && app > postgres.def.pooler.poolSize) {
    // in session mode a client keeps its server connection until it disconnects, and Mastodon's pools never do
    error(paths.poolSize, `a session-mode pooler gives each client connection a server connection for as long as it is open: the worst case of ${app} (${detail}) exceeds default_pool_size ${postgres.def.pooler.poolSize} of a PgBouncer pod, so the rest wait until query_wait_timeout and fail; raise poolSize or use transaction mode`);
  }
  return budget;
}

/** Requests of the exporter sidecar next to Puma (see constructs/web.ts). */
export const EXPORTER_RESOURCES = { cpu: '50m', memory: '128Mi', memoryLimit: '256Mi', ephemeralStorage: '16Mi', ephemeralStorageLimit: '64Mi' };

/** Every pod must fit on one node of the size the definition declares, or it stays Pending forever. */
function checkPodsFitNodes(def: Instance, error: (p: FieldPath, m: string) => void) {
  const node = def.scheduling.nodeAllocatable;
  if (!node) return;
  const pods: [FieldPath, Resources[]][] = [
    [['web', 'resources'], [def.web.resources, ...(def.metrics.prometheus ? [EXPORTER_RESOURCES] : [])]],
    [['streaming', 'resources'], [def.streaming.resources]],
    ...def.sidekiq.groups.map((g, i): [FieldPath, Resources[]] => [['sidekiq', 'groups', i, 'resources'], [g.resources]]),
    ...(['main', 'sidekiq', 'cache'] as const).flatMap((role): [FieldPath, Resources[]][] => {
      const r = def.redis[role];
      if (r?.dragonfly) return [[['redis', role, 'dragonfly', 'resources'], [r.dragonfly.resources]]];
      if (r?.redisOperator) return [[['redis', role, 'redisOperator', 'resources'], [r.redisOperator.resources]]];
      return [];
    }),
  ];
  for (const [path, containers] of pods) {
    const cpu = containers.reduce((sum, c) => sum + cpuCores(c.cpu), 0);
    const memory = containers.reduce((sum, c) => sum + memoryBytes(c.memory), 0);
    if (cpu > cpuCores(node.cpu) || memory > memoryBytes(node.memory)) {
      error(path, `the pod requests ${Number(cpu.toFixed(3))} CPU and ${(memory / 1024 ** 3).toFixed(2)}Gi memory, more than a node offers (scheduling.nodeAllocatable: ${node.cpu} CPU, ${node.memory}); it would never be scheduled`);
    }
  }
}

/** `repository:tag`, pinned with `@digest` when one is given. */
export function imageRef(repository: string, tag: string, digest?: string): string {
  return `${repository}:${tag}${digest ? `@${digest}` : ''}`;
}

/** The image of one Sidekiq group: its own when it has one, else the Rails image. */
export function sidekiqImage(m: InstanceModel, group: Instance['sidekiq']['groups'][number]): string {
  const own = group.image;
  if (!own) return m.images.rails;
  return imageRef(own.repository ?? m.def.image.repository, own.tag ?? m.def.image.tag ?? m.tag, own.digest ?? (own.repository || own.tag ? undefined : m.def.image.digest));
}

/** Every component's placement and pod additions, with its field path. */
function podPlacements(def: Instance): [FieldPath, PodPlacement][] {
  return [
    [['web'], def.web],
    [['streaming'], def.streaming],
    ...def.sidekiq.groups.map((g, i): [FieldPath, PodPlacement] => [['sidekiq', 'groups', i], g]),
    [['jobs'], def.jobs],
  ];
}

/** Visit every Secret reference in a definition with its field path. */
export function forEachSecretRef(def: Instance, visit: (ref: SecretKeyRef, path: FieldPath) => void): void {
  const walk = (node: unknown, path: FieldPath) => {
    if (Array.isArray(node)) node.forEach((n, i) => walk(n, [...path, i]));
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        const isRef = v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).sort().join() === 'key,name';
        if (isRef) visit(v as SecretKeyRef, [...path, k]);
        else if (path[0] !== 'secrets') walk(v, [...path, k]);
      }
    }
  };
  walk(def, []);
}
