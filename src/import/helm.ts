/**
 * From a values.yaml of the official Helm charts (mastodon/chart 6.x, snake_case keys; its successor
 * mastodon/helm-charts 1.x, camelCase keys) to an instance definition. Every value set in the file is
 * accounted for: mapped to a definition field, listed as not mapped with the reason, or — for a secret
 * written inline — refused, and never copied.
 */

import { isCredentialName } from '../model/credentials';

export type ChartFlavor = 'chart-6' | 'helm-charts-1';

export interface ImportOptions {
  /** instance name @default - the Helm release name */
  readonly name?: string;
  /** the Helm release the values belong to: names of the objects it created @default 'mastodon' */
  readonly release?: string;
  /** Mastodon version when image.tag does not say it (the chart's appVersion) */
  readonly version?: string;
  /** namespace of the Helm release, where its Secrets and claims are @default - the instance name */
  readonly namespace?: string;
  /** @default - told from the keys */
  readonly flavor?: ChartFlavor;
}

export interface ImportReport {
  readonly flavor: ChartFlavor;
  /** values path → definition field */
  readonly mapped: { readonly from: string; readonly to: string }[];
  /** set in values.yaml, not carried over, and why */
  readonly unmapped: { readonly from: string; readonly value: string; readonly reason: string }[];
  /** set under a feature these values turn off, so the chart ignored them too */
  readonly inert: { readonly from: string; readonly reason: string }[];
  /** values read to decide something (switches, notes) */
  readonly read: string[];
  /** inline secrets: never copied; the import fails until they are moved to Secrets */
  readonly refused: { readonly from: string; readonly message: string }[];
  /** assumptions the import made, to check before applying */
  readonly notes: string[];
}

export class ImportError extends Error {}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSet = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(isObject(v) && Object.keys(v).length === 0);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 80);

/** Why a values key has no counterpart, by the longest matching path prefix (either chart's spelling). */
const REASONS: [string, string][] = [
  ['podSecurityContext', 'the generator sets its own hardened pod security context (uid 991, Pod Security "restricted")'],
  ['securityContext', 'the generator sets its own hardened container security context'],
  ['mastodon.web.podSecurityContext', 'the generator sets its own hardened pod security context'],
  ['mastodon.web.securityContext', 'the generator sets its own hardened container security context'],
  ['mastodon.sidekiq.podSecurityContext', 'the generator sets its own hardened pod security context'],
  ['mastodon.sidekiq.securityContext', 'the generator sets its own hardened container security context'],
  ['mastodon.streaming.podSecurityContext', 'the generator sets its own hardened pod security context'],
  ['mastodon.streaming.securityContext', 'the generator sets its own hardened container security context'],
  ['topologySpreadConstraints', 'zone and node spreading is scheduling.zoneSpread / scheduling.nodeSpread'],
  ['mastodon.web.topologySpreadConstraints', 'zone and node spreading is scheduling.zoneSpread / scheduling.nodeSpread'],
  ['mastodon.sidekiq.topologySpreadConstraints', 'zone and node spreading is scheduling.zoneSpread / scheduling.nodeSpread'],
  ['mastodon.streaming.topologySpreadConstraints', 'zone and node spreading is scheduling.zoneSpread / scheduling.nodeSpread'],
  ['mastodon.web.updateStrategy', 'rolling updates never drop capacity here (maxUnavailable 0); Sidekiq groups with the scheduler queue use Recreate'],
  ['mastodon.streaming.updateStrategy', 'rolling updates never drop capacity here (maxUnavailable 0)'],
  ['mastodon.sidekiq.updateStrategy', 'Recreate is used only for the group with the scheduler queue; the others roll'],
  ['mastodon.web.pdb', 'a PodDisruptionBudget is emitted for every component with two or more replicas'],
  ['mastodon.streaming.pdb', 'a PodDisruptionBudget is emitted for every component with two or more replicas'],
  ['mastodon.web.port', 'web listens on 3000, behind its Service'],
  ['mastodon.streaming.port', 'streaming listens on 4000, behind its Service'],
  ['mastodon.streaming.workers', 'one streaming process per pod; scale with streaming.replicas'],
  ['mastodon.streaming.extraCerts', 'use caBundle (a CA bundle for every outgoing connection) or database.tls.caSecret'],
  ['mastodon.web.image', 'web runs the instance image (image.repository / image.tag); only Sidekiq groups can run another'],
  ['mastodon.web.customDatabaseConfigYml', 'the database wiring is generated (database.replica for a read replica)'],
  ['mastodon.sidekiq.customDatabaseConfigYml', 'the database wiring is generated (database.replica for a read replica)'],
  ['mastodon.web.annotations', 'no per-Deployment annotations: use annotations (every object) or web.podAnnotations'],
  ['mastodon.sidekiq.annotations', 'no per-Deployment annotations: use annotations (every object) or podAnnotations'],
  ['mastodon.streaming.annotations', 'no per-Deployment annotations: use annotations (every object) or streaming.podAnnotations'],
  ['mastodon.web.labels', 'no per-Deployment labels: use labels (every object) or web.podLabels'],
  ['mastodon.sidekiq.labels', 'no per-Deployment labels: use labels (every object) or podLabels'],
  ['mastodon.streaming.labels', 'no per-Deployment labels: use labels (every object) or streaming.podLabels'],
  ['mastodon.sidekiq.readinessProbe', 'Sidekiq pods get a readiness check on the file Sidekiq writes once it processes jobs'],
  ['mastodon.revisionHistoryLimit', 'Deployments keep 3 old ReplicaSets'],
  ['mastodon.hooks.dbPrepare', 'migrations always run, as Flux stages (pre-deploy and post-deploy Jobs)'],
  ['mastodon.hooks.dbMigrate', 'migrations always run, as Flux stages (pre-deploy and post-deploy Jobs)'],
  ['mastodon.hooks.deploySearch.resetChewy', 'the search Job runs `tootctl search deploy` with the arguments the upgrade needs'],
  ['mastodon.hooks.deploySearch.only', 'the search Job runs `tootctl search deploy` with the arguments the upgrade needs'],
  ['mastodon.hooks.deploySearch.concurrency', 'the search Job runs `tootctl search deploy` with the arguments the upgrade needs'],
  ['mastodon.hooks.deploySearch.resources', 'every Job is sized by jobs.resources'],
  ['mastodon.hooks.s3Upload', 'uploading the image\'s assets to S3 for a CDN is not built here; web serves them'],
  ['mastodon.persistence.assets', 'assets are in the image; no volume is needed'],
  ['mastodon.pvc.assets', 'assets are in the image; no volume is needed'],
  ['mastodon.persistence.system.keepAfterDelete', 'the media claim is never pruned by Flux (kustomize.toolkit.fluxcd.io/prune: disabled)'],
  ['mastodon.pvc.system.keepAfterDelete', 'the media claim is never pruned by Flux (kustomize.toolkit.fluxcd.io/prune: disabled)'],
  ['mastodon.metrics.statsd', 'StatsD is gone from Mastodon 4.x; use metrics.prometheus'],
  ['mastodon.streaming.image.tag', 'streaming runs image.streamingTag or v<version>'],
  ['service.port', 'the Services expose web on 3000 and streaming on 4000 (Ingress and HTTPRoute point there)'],
  ['ingress.hosts', 'hosts are the definition\'s domain, webDomain and streamingHost'],
  ['ingress.tls', 'one certificate covers every host (traffic.ingress.tlsSecret or cert-manager)'],
  ['ingress.streaming.hosts', 'the streaming host is traffic.streamingHost'],
  ['ingress.streaming.tls', 'streaming shares the certificate unless traffic.ingress.streaming.tlsSecret is set'],
  ['httproute.hostnames', 'hostnames are the definition\'s domain, webDomain and streamingHost'],
  ['httproute.streamingHostnames', 'the streaming host is traffic.streamingHost'],
  ['httproute.rules', 'routing rules are generated (streaming path first, then web)'],
  ['httproute.streamingRules', 'routing rules are generated (streaming path first, then web)'],
  ['httproute.labels', 'use labels (every object)'],
  ['postgresql.image', 'no bundled PostgreSQL here: keep the Helm release\'s database or move to an operator'],
  ['postgresql.primary', 'no bundled PostgreSQL here: keep the Helm release\'s database or move to an operator'],
  ['postgresql.readReplicas', 'no bundled PostgreSQL here'],
  ['postgresql.backup', 'no bundled PostgreSQL here: back it up with your database operator'],
  ['redis.image', 'no bundled Redis here: redis.*.dragonfly or redis.*.redisOperator run one through an operator'],
  ['redis.master', 'no bundled Redis here: redis.*.dragonfly or redis.*.redisOperator run one through an operator'],
  ['redis.replica', 'no bundled Redis here: redis.*.dragonfly or redis.*.redisOperator run one through an operator'],
  ['elasticsearch.image', 'no bundled Elasticsearch here'],
  ['elasticsearch.master', 'no bundled Elasticsearch here'],
  ['elasticsearch.data', 'no bundled Elasticsearch here'],
  ['elasticsearch.coordinating', 'no bundled Elasticsearch here'],
  ['elasticsearch.ingest', 'no bundled Elasticsearch here'],
  ['elasticsearch.metrics', 'no bundled Elasticsearch here'],
  ['elasticsearch.caSecret.mountPath', 'the search CA is mounted at /etc/mastodon/search-ca'],
  ['externalAuth', 'this sign-in provider is off'],
  ['nameOverride', 'object names are <instance>-<component>'],
  ['fullnameOverride', 'object names are <instance>-<component>'],
  ['deploymentAnnotations', 'no per-Deployment annotations: use annotations (every object)'],
  ['revisionPodAnnotation', 'pods roll when the configuration changes (checksum/config)'],
  ['mastodon.extraEnvFrom', 'use envFrom of each component (web, streaming, sidekiq groups, jobs)'],
];

interface Mapper {
  readonly flavor: ChartFlavor;
  readonly def: Json;
  /** first set value among the spellings, marking them all as handled */
  get(...paths: string[]): unknown;
  /** marks a subtree as handled: read elsewhere, or holding nothing that is set */
  take(...paths: string[]): void;
  /** a subtree under a feature the values turn off: listed, not carried over */
  inert(path: string, reason: string): void;
  set(to: string, value: unknown, from: string): void;
  refuse(from: string, message: string): void;
  note(message: string): void;
  unmapped(from: string, value: unknown, reason: string): void;
}

/** Which chart wrote the values: snake_case keys are mastodon/chart 6.x, camelCase mastodon/helm-charts 1.x. */
export function detectFlavor(values: Json): ChartFlavor {
  const m = isObject(values.mastodon) ? values.mastodon : {};
  const camel = ['localDomain', 'webDomain', 'alternateDomains', 'pvc', 'extraEnvFrom', 'trustedProxyIp'].some((k) => k in m) || (isObject(m.secrets) && ('secretKeyBase' in m.secrets || 'existingSecretKeys' in m.secrets));
  const snake = ['local_domain', 'web_domain', 'alternate_domains', 'persistence', 'cron'].some((k) => k in m) || (isObject(m.secrets) && 'secret_key_base' in m.secrets);
  if (camel && !snake) return 'helm-charts-1';
  if (snake && !camel) return 'chart-6';
  throw new ImportError('cannot tell which chart these values are for (mastodon/chart 6.x uses snake_case keys such as mastodon.local_domain, mastodon/helm-charts 1.x camelCase such as mastodon.localDomain); give --chart 6 or --chart 1');
}

export function importHelmValues(values: unknown, options: ImportOptions = {}): { definition: Json; report: ImportReport } {
  if (!isObject(values)) throw new ImportError('expected a values.yaml mapping at the top level');
  const flavor = options.flavor ?? detectFlavor(values);
  const release = options.release ?? 'mastodon';
  const report: ImportReport = { flavor, mapped: [], unmapped: [], inert: [], read: [], refused: [], notes: [] };
  let lastFound: string | undefined;
  const handled = new Set<string>();
  const lookup = (path: string): unknown => path.split('.').reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), values);
  const def: Json = {};
  const m: Mapper = {
    flavor,
    def,
    get(...paths) {
      paths.forEach((p) => handled.add(p));
      for (const p of paths) {
        if (isSet(lookup(p))) {
          lastFound = p;
          report.read.push(p);
          return lookup(p);
        }
      }
      return undefined;
    },
    take(...paths) {
      paths.forEach((p) => handled.add(p));
    },
    inert(path, reason) {
      if (handled.has(path)) return;
      handled.add(path);
      const anySet = (node: unknown): boolean => (isObject(node) ? Object.values(node).some(anySet) : isSet(node) && node !== false);
      if (anySet(lookup(path))) report.inert.push({ from: path, reason });
    },
    set(to, value, label) {
      if (value === undefined) return;
      // the path the value came from: the label when it names a set value, else what get() found last
      const from = label.startsWith('(') || isSet(lookup(label)) || !lastFound ? label : lastFound;
      const keys = to.split('.');
      let node = def;
      for (const k of keys.slice(0, -1)) node = (node[k] = isObject(node[k]) ? node[k] : {}) as Json;
      // a copy: shared objects would come out as YAML anchors and aliases
      node[keys[keys.length - 1]] = structuredClone(value);
      report.mapped.push({ from, to });
    },
    refuse(from, message) {
      report.refused.push({ from, message });
    },
    note(message) {
      report.notes.push(message);
    },
    unmapped(from, value, reason) {
      report.unmapped.push({ from, value: show(value), reason });
    },
  };

  mapInstance(m, release, options);
  mapSecrets(m, release);
  mapDatabase(m, release);
  mapRedis(m, release);
  mapSearch(m, release);
  mapStorage(m);
  mapSmtp(m);
  mapProcesses(m);
  mapTraffic(m, release);
  mapObservabilityAndExtras(m);

  // everything else the file sets is listed, with why it has no counterpart
  const walk = (node: unknown, path: string) => {
    if (handled.has(path) || [...handled].some((h) => path.startsWith(`${h}.`))) return;
    if (isObject(node) && Object.keys(node).length) {
      for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
    } else if (isSet(node) && node !== false) {
      const reason = REASONS.filter(([p]) => path === p || path.startsWith(`${p}.`)).sort((a, b) => b[0].length - a[0].length)[0]?.[1];
      m.unmapped(path, node, reason ?? 'no counterpart in the definition');
    }
  };
  walk(values, '');
  report.unmapped.sort((a, b) => (a.from < b.from ? -1 : 1));
  return { definition: orderDefinition(def), report };
}

/** Top-level fields in the order the bundled instances use, for a readable file. */
function orderDefinition(def: Json): Json {
  const order = ['name', 'namespace', 'version', 'domain', 'webDomain', 'alternateDomains', 'upgrade', 'image', 'web', 'streaming', 'sidekiq', 'jobs', 'maintenance', 'database', 'redis', 'search', 'storage', 'smtp', 'secrets', 'traffic', 'flux', 'logging', 'metrics', 'trustedProxyIps', 'admin', 'translation', 'captcha', 'cacheBuster', 'caBundle', 'labels', 'annotations', 'env', 'secretEnv'];
  return Object.fromEntries(Object.keys(def).sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((k) => [k, def[k]]));
}

const snake = (m: Mapper, snakePath: string, camelPath: string) => (m.flavor === 'chart-6' ? snakePath : camelPath);
const int = (v: unknown) => (v === undefined || v === '' ? undefined : Number.parseInt(String(v), 10));
const dnsName = (v: string) => v.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);

/** Helm's usual fullname: the release name, with the chart name unless it already contains it. */
const fullname = (release: string) => (release.includes('mastodon') ? release : `${release}-mastodon`);

function mapInstance(m: Mapper, release: string, options: ImportOptions): void {
  m.set('name', dnsName(options.name ?? release), '(release name)');
  const tag = m.get('image.tag') as string | undefined;
  const version = options.version ?? (typeof tag === 'string' && /^v?\d+\.\d+\.\d+$/.test(tag) ? tag.replace(/^v/, '') : undefined);
  if (!version) {
    throw new ImportError(`the values do not say which Mastodon version runs (image.tag is ${tag ? `"${tag}"` : 'empty: the chart\'s appVersion'}); give --version, e.g. --version 4.6.3 (helm list shows it as APP VERSION)`);
  }
  m.set('version', version, options.version ? '(--version)' : 'image.tag');
  if (options.namespace) m.set('namespace', options.namespace, '(--namespace)');
  // the release has a database: migrations must run db:migrate (a no-op at the same version), never db:prepare
  m.set('upgrade.from', version, '(the running release)');
  if (tag && !/^v?\d+\.\d+\.\d+$/.test(String(tag))) m.set('image.tag', String(tag), 'image.tag');
  m.set('image.repository', m.get('image.repository'), 'image.repository');
  const pull = m.get('image.pullPolicy');
  if (pull === 'Always' || pull === 'IfNotPresent') m.set('image.pullPolicy', pull, 'image.pullPolicy');
  else if (pull) m.unmapped('image.pullPolicy', pull, 'only IfNotPresent and Always');
  const pullSecrets = m.get('imagePullSecrets') as { name: string }[] | undefined;
  if (pullSecrets) m.set('image.pullSecrets', pullSecrets.map((s) => s.name), 'imagePullSecrets');

  m.set('domain', m.get(snake(m, 'mastodon.local_domain', 'mastodon.localDomain')), snake(m, 'mastodon.local_domain', 'mastodon.localDomain'));
  m.set('webDomain', m.get(snake(m, 'mastodon.web_domain', 'mastodon.webDomain')), snake(m, 'mastodon.web_domain', 'mastodon.webDomain'));
  m.set('alternateDomains', m.get(snake(m, 'mastodon.alternate_domains', 'mastodon.alternateDomains')), snake(m, 'mastodon.alternate_domains', 'mastodon.alternateDomains'));
  const proxies = m.get('mastodon.trusted_proxy_ip', 'mastodon.trustedProxyIp');
  if (proxies) m.set('trustedProxyIps', String(proxies).split(/[,\s]+/).filter(Boolean), 'mastodon.trustedProxyIp');

  // instance-wide switches Mastodon reads from the environment
  const env: [string, string, (v: unknown) => string | undefined][] = [
    ['mastodon.singleUserMode', 'SINGLE_USER_MODE', (v) => (v === true ? 'true' : undefined)],
    ['mastodon.authorizedFetch', 'AUTHORIZED_FETCH', (v) => (v === true ? 'true' : undefined)],
    ['mastodon.limitedFederationMode', 'LIMITED_FEDERATION_MODE', (v) => (v === true ? 'true' : undefined)],
    ['mastodon.locale', 'DEFAULT_LOCALE', (v) => (v ? String(v) : undefined)],
    ['mastodon.forceLocale', 'FORCE_DEFAULT_LOCALE', (v) => (v === true ? 'true' : undefined)],
    ['timezone', 'TZ', (v) => (v && v !== 'UTC' ? String(v) : undefined)],
  ];
  for (const [from, name, value] of env) m.set(`env.${name}`, value(m.get(from)), from);

  m.set('logging.railsLogLevel', m.get('mastodon.logLevel.rails'), 'mastodon.logLevel.rails');
  m.set('logging.streamingLogLevel', m.get('mastodon.logLevel.streaming'), 'mastodon.logLevel.streaming');

  if (m.get('mastodon.createAdmin.enabled') === true) {
    m.set('admin', { username: m.get('mastodon.createAdmin.username'), email: m.get('mastodon.createAdmin.email') }, 'mastodon.createAdmin');
    m.take('mastodon.createAdmin');
  } else m.inert('mastodon.createAdmin', 'createAdmin is off');
  m.set('jobs.nodeSelector', m.get('mastodon.createAdmin.nodeSelector', 'mastodon.hooks.dbMigrate.nodeSelector', 'mastodon.hooks.dbPrepare.nodeSelector', 'mastodon.hooks.deploySearch.nodeSelector', 'mastodon.cron.removeMedia.nodeSelector'), 'mastodon.hooks.*.nodeSelector');
  if (m.get('mastodon.cron.removeMedia.enabled') === false) m.set('maintenance.mediaRemove.enabled', false, 'mastodon.cron.removeMedia.enabled');
  m.set('maintenance.mediaRemove.schedule', m.get('mastodon.cron.removeMedia.schedule'), 'mastodon.cron.removeMedia.schedule');
  m.set('jobs.podLabels', m.get('jobLabels'), 'jobLabels');
  m.set('jobs.podAnnotations', m.get('jobAnnotations'), 'jobAnnotations');
  m.set('labels', m.get('mastodon.labels'), 'mastodon.labels');
  m.note(`flux.sourceName is set to "flux-system": point it at the GitRepository (or OCIRepository) holding dist/`);
  m.set('flux', { sourceName: 'flux-system' }, '(Flux source)');
}

function secretRef(name: string, key: string) {
  return { name, key };
}

const CORE_KEYS: [string, string, string][] = [
  // variable, chart-6 value path, helm-charts-1 value path (and its existingSecretKeys entry)
  ['SECRET_KEY_BASE', 'mastodon.secrets.secret_key_base', 'secretKeyBase'],
  ['OTP_SECRET', 'mastodon.secrets.otp_secret', ''],
  ['VAPID_PRIVATE_KEY', 'mastodon.secrets.vapid.private_key', 'vapidPrivateKey'],
  ['VAPID_PUBLIC_KEY', 'mastodon.secrets.vapid.public_key', 'vapidPublicKey'],
  ['ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY', 'mastodon.secrets.activeRecordEncryption.primaryKey', 'arePrimaryKey'],
  ['ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY', 'mastodon.secrets.activeRecordEncryption.deterministicKey', 'areDeterministicKey'],
  ['ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT', 'mastodon.secrets.activeRecordEncryption.keyDerivationSalt', 'areKeyDerivationSalt'],
];

const moveMessage = (secret: string, keys: string[]) =>
  `an inline secret, not copied. Put it in a Secret (kubectl create secret generic ${secret} ${keys.map((k) => `--from-literal=${k}=...`).join(' ')}), remove it from values.yaml and name the Secret there (existingSecret), then import again`;

function mapSecrets(m: Mapper, release: string): void {
  const existing = m.get('mastodon.secrets.existingSecret') as string | undefined;
  for (const [variable, snakePath, camel] of CORE_KEYS) {
    const path = m.flavor === 'chart-6' ? snakePath : camel ? `mastodon.secrets.${camel}` : '';
    if (path && m.get(path)) m.refuse(path, moveMessage(existing ?? fullname(release), [variable]));
  }
  m.take('mastodon.secrets.vapid', 'mastodon.secrets.activeRecordEncryption');
  const name = existing ?? fullname(release);
  m.set('secrets.core', name, existing ? 'mastodon.secrets.existingSecret' : '(chart-generated Secret)');
  if (!existing) m.note(`secrets.core is "${name}", the Secret the chart generates by default: check it with kubectl get secret ${name}`);
  if (m.flavor === 'helm-charts-1') {
    const keys = (m.get('mastodon.secrets.existingSecretKeys') as Json | undefined) ?? {};
    const defaults: Record<string, string> = { secretKeyBase: 'secret-key-base', vapidPrivateKey: 'vapid-private-key', vapidPublicKey: 'vapid-public-key', arePrimaryKey: 'are-primary-key', areDeterministicKey: 'are-deterministic-key', areKeyDerivationSalt: 'are-derivation-salt' };
    const coreKeys = Object.fromEntries(CORE_KEYS.filter(([, , c]) => c).map(([variable, , c]) => [variable, String(keys[c] ?? defaults[c])]));
    m.set('secrets.coreKeys', coreKeys, 'mastodon.secrets.existingSecretKeys');
  }
}

/** Helm's Secret keys of the successor chart: `existingSecretKeys.<field>` with the chart's default. */
function keyOf(m: Mapper, base: string, field: string, fallback: string): string {
  return String(m.get(`${base}.existingSecretKeys.${field}`) ?? fallback);
}

function mapDatabase(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const bundled = six && m.get('postgresql.enabled') !== false;
  m.take('postgresql.enabled');
  const appHost = m.get(six ? 'postgresql.postgresqlHostname' : 'postgresql.hostname') as string | undefined;
  const direct = m.get('postgresql.direct.hostname') as string | undefined;
  const host = direct ?? appHost ?? (bundled ? `${release}-postgresql` : undefined);
  if (!host) throw new ImportError('the values name no PostgreSQL host (postgresql.hostname / postgresqlHostname); the definition needs one');
  m.set('database.host', host, direct ? 'postgresql.direct.hostname' : appHost ? (six ? 'postgresql.postgresqlHostname' : 'postgresql.hostname') : 'postgresql.enabled');
  if (bundled) m.note(`the chart's bundled PostgreSQL (${release}-postgresql) keeps running only while its Helm release exists: keep that StatefulSet (or move to an operator such as CloudNativePG) before removing the release`);
  if (direct && appHost && direct !== appHost) {
    m.get(six ? 'postgresql.postgresqlPort' : 'postgresql.port');
    m.note(`the app connected through ${appHost} and migrations directly to ${direct}: if ${appHost} is PgBouncer, set database.pooler (host ${appHost}, maxClientConnections); until then every process connects directly`);
  }
  m.set('database.port', int(m.get('postgresql.direct.port', six ? 'postgresql.postgresqlPort' : 'postgresql.port')), 'postgresql.port');
  const appName = m.get(six ? 'postgresql.auth.database' : 'postgresql.database');
  m.set('database.name', m.get('postgresql.direct.database') ?? appName, 'postgresql.database');
  const userPath = six ? 'postgresql.auth.username' : 'postgresql.username';
  const secretPath = six ? 'postgresql.auth.existingSecret' : 'postgresql.existingSecret';
  const passwordPath = six ? 'postgresql.auth.password' : 'postgresql.password';
  const existing = m.get(secretPath) as string | undefined;
  if (m.get(passwordPath)) m.refuse(passwordPath, moveMessage(existing ?? `${release}-postgresql`, [six ? 'password' : 'password']));
  if (!six && existing) m.set('database.userSecret', secretRef(existing, keyOf(m, 'postgresql', 'username', 'username')), 'postgresql.existingSecretKeys.username');
  else m.set('database.user', m.get(userPath), userPath);
  m.take(userPath, 'postgresql.existingSecretKeys');
  const passwordSecret = existing ?? `${release}-postgresql`;
  m.set('database.passwordSecret', secretRef(passwordSecret, six ? 'password' : keyOf(m, 'postgresql', 'password', 'password')), existing ? secretPath : '(chart-generated Secret)');
  if (!existing) m.note(`database.passwordSecret is ${passwordSecret}/password, the Secret the bundled PostgreSQL chart generates: check it`);
  if (m.get('postgresql.preparedStatements', 'mastodon.preparedStatements') === false) m.note('preparedStatements was false (a pooler in transaction mode?): PREPARED_STATEMENTS=false is set for you once database.pooler is set');
  if (m.get('postgresql.auth.postgresPassword')) m.refuse('postgresql.auth.postgresPassword', moveMessage(`${release}-postgresql`, ['postgres-password']));

  const replicaHost = m.get('postgresql.readReplica.hostname') as string | undefined;
  const r = six ? 'postgresql.readReplica.auth' : 'postgresql.readReplica';
  if (!replicaHost) m.inert('postgresql.readReplica', 'no read replica host');
  if (replicaHost) {
    m.set('database.replica.host', replicaHost, 'postgresql.readReplica.hostname');
    m.set('database.replica.port', int(m.get('postgresql.readReplica.port')), 'postgresql.readReplica.port');
    m.set('database.replica.name', m.get(`${r}.database`), `${r}.database`);
    m.set('database.replica.user', m.get(`${r}.username`), `${r}.username`);
    const rs = m.get(`${r}.existingSecret`) as string | undefined;
    if (rs) m.set('database.replica.passwordSecret', secretRef(rs, six ? 'password' : keyOf(m, 'postgresql.readReplica', 'password', 'password')), `${r}.existingSecret`);
  }
  if (m.get(`${r}.password`)) m.refuse(`${r}.password`, moveMessage('mastodon-db-replica', ['password']));
  m.take('postgresql.readReplica');
}

function mapRedis(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const bundled = six && m.get('redis.enabled') !== false;
  m.take('redis.enabled');
  const role = (base: string, fallbackHost?: string) => {
    const host = (m.get(`${base}.hostname`) as string | undefined) ?? fallbackHost;
    if (!host) return undefined;
    const auth = six ? `${base}.auth` : base;
    const existing = m.get(`${auth}.existingSecret`) as string | undefined;
    if (m.get(`${auth}.password`)) m.refuse(`${auth}.password`, moveMessage(existing ?? `${release}-redis`, [six ? 'redis-password' : 'password']));
    const key = six ? String(m.get(`${auth}.existingSecretKey`) ?? 'redis-password') : keyOf(m, base, 'password', 'password');
    m.take(`${auth}.existingSecretKey`, `${base}.existingSecretKeys`);
    const secret = existing ?? (bundled ? `${release}-redis` : undefined);
    return { host, port: int(m.get(`${base}.port`)), ...(secret ? { passwordSecret: secretRef(secret, key) } : {}) };
  };
  const main = role('redis', bundled ? `${release}-redis-master` : undefined);
  if (!main) throw new ImportError('the values name no Redis host (redis.hostname); the definition needs one');
  m.set('redis.main.external', main, 'redis.hostname');
  if (bundled) m.note(`the chart's bundled Redis (${release}-redis-master) keeps running only while its Helm release exists; redis.main can instead be run by an operator (dragonfly or redisOperator)`);
  for (const sub of ['sidekiq', 'cache']) {
    if (m.get(`redis.${sub}.enabled`) === true) {
      m.set(`redis.${sub}.external`, role(`redis.${sub}`, main.host), `redis.${sub}`);
      m.take(`redis.${sub}`);
    } else m.inert(`redis.${sub}`, `a separate ${sub} Redis is off`);
  }
}

function mapSearch(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const enabled = m.get('elasticsearch.enabled');
  const host = m.get('elasticsearch.hostname') as string | undefined;
  if (enabled !== true && !host) {
    m.inert('elasticsearch', 'search is off (no bundled Elasticsearch, no hostname)');
    return;
  }
  const tls = m.get('elasticsearch.tls') === true;
  const resolved = host ?? `${release}-elasticsearch`;
  m.set('search.host', tls && !resolved.startsWith('http') ? `https://${resolved}` : resolved, host ? 'elasticsearch.hostname' : 'elasticsearch.enabled');
  if (!host) m.note(`the chart's bundled Elasticsearch (${release}-elasticsearch) keeps running only while its Helm release exists`);
  m.set('search.port', int(m.get('elasticsearch.port')), 'elasticsearch.port');
  m.set('search.preset', m.get('elasticsearch.preset'), 'elasticsearch.preset');
  m.set('search.prefix', m.get('elasticsearch.indexPrefix', 'elasticsearch.prefix'), 'elasticsearch.indexPrefix');
  const existing = m.get('elasticsearch.existingSecret') as string | undefined;
  if (m.get('elasticsearch.password')) m.refuse('elasticsearch.password', moveMessage(existing ?? 'mastodon-search', ['password']));
  if (!six && existing) m.set('search.userSecret', secretRef(existing, keyOf(m, 'elasticsearch', 'username', 'username')), 'elasticsearch.existingSecretKeys.username');
  else m.set('search.user', m.get('elasticsearch.user', 'elasticsearch.username'), 'elasticsearch.user');
  m.take('elasticsearch.username', 'elasticsearch.existingSecretKeys');
  if (existing) m.set('search.passwordSecret', secretRef(existing, six ? 'password' : keyOf(m, 'elasticsearch', 'password', 'password')), 'elasticsearch.existingSecret');
  const ca = m.get('elasticsearch.caSecret.name') as string | undefined;
  if (ca) m.set('search.caSecret', secretRef(ca, String(m.get('elasticsearch.caSecret.key') ?? 'ca.crt')), 'elasticsearch.caSecret');
  m.take('elasticsearch.caSecret.key', 'elasticsearch.tls');
  if (m.get('mastodon.hooks.deploySearch.enabled') === true) m.set('search.initialize', true, 'mastodon.hooks.deploySearch.enabled');
}

function mapStorage(m: Mapper): void {
  const six = m.flavor === 'chart-6';
  const s3Enabled = m.get('mastodon.s3.enabled');
  if (s3Enabled === true || (!six && s3Enabled !== false && m.get('mastodon.s3.bucket'))) {
    const s = 'mastodon.s3';
    m.set('storage.s3.bucket', m.get(`${s}.bucket`), `${s}.bucket`);
    m.set('storage.s3.region', m.get(`${s}.region`), `${s}.region`);
    const endpoint = m.get(`${s}.endpoint`) as string | undefined;
    m.set('storage.s3.endpoint', endpoint && !/^https?:\/\//.test(endpoint) ? `https://${endpoint}` : endpoint, `${s}.endpoint`);
    m.set('storage.s3.hostname', m.get(`${s}.hostname`), `${s}.hostname`);
    m.set('storage.s3.protocol', m.get(`${s}.protocol`), `${s}.protocol`);
    m.set('storage.s3.permission', m.get(`${s}.permission`), `${s}.permission`);
    m.set('storage.s3.aliasHost', m.get(`${s}.alias_host`, `${s}.aliasHost`), `${s}.aliasHost`);
    m.set('storage.s3.multipartThresholdBytes', int(m.get(`${s}.multipart_threshold`, `${s}.multipartThreshold`)), `${s}.multipartThreshold`);
    const pathStyle = m.get(`${s}.overridePathStyle`);
    if (pathStyle !== undefined) m.set('storage.s3.overridePathStyle', pathStyle === true || pathStyle === 'true', `${s}.overridePathStyle`);
    const existing = m.get(`${s}.existingSecret`) as string | undefined;
    for (const inline of six ? [`${s}.access_key`, `${s}.access_secret`] : [`${s}.accessKeyId`, `${s}.secretAccessKey`]) {
      if (m.get(inline)) m.refuse(inline, moveMessage(existing ?? 'mastodon-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']));
    }
    if (existing) {
      m.set('storage.s3.accessKeyIdSecret', secretRef(existing, six ? 'AWS_ACCESS_KEY_ID' : keyOf(m, s, 'accessKeyId', 'access-key-id')), `${s}.existingSecret`);
      m.set('storage.s3.secretAccessKeySecret', secretRef(existing, six ? 'AWS_SECRET_ACCESS_KEY' : keyOf(m, s, 'secretAccessKey', 'secret-access-key')), `${s}.existingSecret`);
    } else {
      m.note('no S3 key Secret: the pods need credentials from their identity (serviceAccount with IRSA / Workload Identity) or the node role');
    }
    m.take(`${s}.existingSecretKeys`);
    m.inert(six ? 'mastodon.persistence.system' : 'mastodon.pvc.system', 'media are on S3 (mastodon.s3.enabled)');
  } else {
    const p = six ? 'mastodon.persistence.system' : 'mastodon.pvc.system';
    m.set('storage.volume', {
      size: String(m.get(`${p}.resources.requests.storage`) ?? '100Gi'),
      accessMode: (m.get(`${p}.accessMode`) as string | undefined) ?? 'ReadWriteOnce',
      ...(m.get(`${p}.existingClaim`) ? { existingClaim: m.get(`${p}.existingClaim`) } : {}),
      ...(m.get(`${p}.storageClassName`, `${p}.storageClass`) ? { storageClass: m.get(`${p}.storageClassName`, `${p}.storageClass`) } : {}),
    }, p);
    if (!m.get(`${p}.existingClaim`)) m.note(`storage.volume: set existingClaim to the claim the Helm release created (kubectl get pvc) to keep the media; without it a new empty claim is made`);
    m.take(`${p}.resources`);
    m.get('mastodon.pvc.enabled');
    m.inert('mastodon.s3', 'media are on a volume (mastodon.s3.enabled is false)');
  }
}

function mapSmtp(m: Mapper): void {
  const six = m.flavor === 'chart-6';
  const server = (base: string, to: string, bulk: boolean) => {
    const f = (snakeKey: string, camelKey: string) => `${base}.${six ? snakeKey : camelKey}`;
    m.set(`${to}.server`, m.get(`${base}.server`), `${base}.server`);
    m.set(`${to}.port`, int(m.get(`${base}.port`)), `${base}.port`);
    const tls = m.get(`${base}.tls`);
    const implicitTls = tls === true || tls === 'true';
    if (tls !== undefined) m.set(`${to}.tls`, implicitTls, `${base}.tls`);
    // with implicit TLS only "never" works from 4.5 (the generator's default then); without a login, no AUTH
    const starttls = m.get(f('enable_starttls', 'enableStartTls'));
    if (starttls !== undefined && implicitTls && starttls !== 'never') m.unmapped(f('enable_starttls', 'enableStartTls'), starttls, 'with implicit TLS (tls: true) STARTTLS is off: Mastodon 4.5+ refuses both at once');
    else m.set(`${to}.starttls`, starttls, f('enable_starttls', 'enableStartTls'));
    const authMethod = m.get(f('auth_method', 'authMethod'));
    const hasLogin = Boolean(m.get(`${base}.existingSecret`) || m.get(f('login', 'username')));
    if (authMethod !== undefined && !hasLogin && authMethod !== 'none') m.unmapped(f('auth_method', 'authMethod'), authMethod, 'without a login there is no SMTP AUTH (authMethod none): net-smtp refuses AUTH without a user name');
    else m.set(`${to}.authMethod`, authMethod, f('auth_method', 'authMethod'));
    m.set(`${to}.domain`, m.get(`${base}.domain`), `${base}.domain`);
    m.set(`${to}.opensslVerifyMode`, m.get(f('openssl_verify_mode', 'opensslVerifyMode')), f('openssl_verify_mode', 'opensslVerifyMode'));
    const ca = m.get(f('ca_file', 'caFile'));
    if (ca && ca !== '/etc/ssl/certs/ca-certificates.crt') m.unmapped(f('ca_file', 'caFile'), ca, 'a CA file path in the image: give the CA as smtp.caSecret (or caBundle) instead');
    const existing = m.get(`${base}.existingSecret`) as string | undefined;
    const login = m.get(f('login', 'username'));
    if (m.get(`${base}.password`)) m.refuse(`${base}.password`, moveMessage(existing ?? (bulk ? 'mastodon-bulk-smtp' : 'mastodon-smtp'), ['password']));
    if (existing) {
      m.set(`${to}.loginSecret`, secretRef(existing, six ? 'login' : keyOf(m, base, 'username', 'username')), `${base}.existingSecret`);
      m.set(`${to}.passwordSecret`, secretRef(existing, six ? 'password' : keyOf(m, base, 'password', 'password')), `${base}.existingSecret`);
      if (login) m.unmapped(f('login', 'username'), login, 'the login comes from existingSecret');
    } else {
      m.set(`${to}.login`, login, f('login', 'username'));
    }
    m.take(`${base}.existingSecretKeys`);
  };
  if (!m.get('mastodon.smtp.server')) {
    m.inert('mastodon.smtp', 'no SMTP server');
    return;
  }
  server('mastodon.smtp', 'smtp', false);
  const from = m.get(six ? 'mastodon.smtp.from_address' : 'mastodon.smtp.fromAddress');
  m.set('smtp.fromAddress', from ?? 'notifications@example.com', from ? 'mastodon.smtp.fromAddress' : '(the chart\'s default)');
  if (!from) m.note('smtp.fromAddress is the chart\'s default, notifications@example.com: set your own sender');
  m.set('smtp.replyTo', m.get(six ? 'mastodon.smtp.reply_to' : 'mastodon.smtp.replyTo'), 'mastodon.smtp.replyTo');
  m.set('smtp.returnPath', m.get(six ? 'mastodon.smtp.return_path' : 'mastodon.smtp.returnPath'), 'mastodon.smtp.returnPath');
  const delivery = m.get(six ? 'mastodon.smtp.delivery_method' : 'mastodon.smtp.deliveryMethod');
  if (delivery === 'sendmail') m.set('smtp.deliveryMethod', 'sendmail', 'mastodon.smtp.deliveryMethod');
  else if (delivery && delivery !== 'smtp') m.unmapped('mastodon.smtp.deliveryMethod', delivery, 'only smtp and sendmail deliver mail in production');
  if (m.get('mastodon.smtp.bulk.enabled') === true) {
    server('mastodon.smtp.bulk', 'smtp.bulk', true);
    const from = m.get(six ? 'mastodon.smtp.bulk.from_address' : 'mastodon.smtp.bulk.fromAddress');
    if (from && from !== m.get(six ? 'mastodon.smtp.from_address' : 'mastodon.smtp.fromAddress')) m.unmapped('mastodon.smtp.bulk.fromAddress', from, 'Mastodon has no BULK_SMTP_FROM_ADDRESS: bulk mail goes out from smtp.fromAddress');
    m.take('mastodon.smtp.bulk');
  } else m.inert('mastodon.smtp.bulk', 'bulk mail is off');
}

/** Kubernetes resources → the definition's { cpu, memory, memoryLimit, cpuLimit }. */
function resources(r: unknown): Json | undefined {
  if (!isObject(r)) return undefined;
  const req = isObject(r.requests) ? r.requests : {};
  const lim = isObject(r.limits) ? r.limits : {};
  const memory = req.memory ?? lim.memory;
  const cpu = req.cpu ?? lim.cpu;
  if (memory === undefined || cpu === undefined) return undefined;
  return { cpu: String(cpu), memory: String(memory), memoryLimit: String(lim.memory ?? memory), ...(lim.cpu !== undefined ? { cpuLimit: String(lim.cpu) } : {}) };
}

function mapProcesses(m: Mapper): void {
  // chart-wide pod settings apply to every component that has none of its own
  const global = {
    affinity: m.get('affinity'),
    nodeSelector: m.get('nodeSelector'),
    tolerations: m.get('tolerations'),
    podAnnotations: m.get('podAnnotations'),
    podLabels: m.get('mastodon.podLabels'),
    resources: m.get('resources'),
    volumes: m.get('volumes'),
    volumeMounts: m.get('volumeMounts'),
  };
  const sa = serviceAccount(m);
  const component = (to: string, base: string, extra: { sidekiqGroup?: Json } = {}) => {
    const own = (k: string) => (extra.sidekiqGroup && isSet(extra.sidekiqGroup[k]) ? extra.sidekiqGroup[k] : m.get(`${base}.${k}`));
    const res = resources(own('resources') ?? global.resources);
    if (res) m.set(`${to}.resources`, res, `${base}.resources`);
    else if (isSet(own('resources') ?? global.resources)) m.unmapped(`${base}.resources`, own('resources') ?? global.resources, 'needs both a CPU and a memory quantity');
    m.set(`${to}.affinity`, own('affinity') ?? global.affinity, `${base}.affinity`);
    m.set(`${to}.nodeSelector`, own('nodeSelector') ?? global.nodeSelector, `${base}.nodeSelector`);
    m.set(`${to}.tolerations`, own('tolerations') ?? global.tolerations, `${base}.tolerations`);
    m.set(`${to}.podAnnotations`, m.get(`${base}.podAnnotations`) ?? global.podAnnotations, `${base}.podAnnotations`);
    m.set(`${to}.podLabels`, m.get(`${base}.podLabels`) ?? global.podLabels, `${base}.podLabels`);
    const env = m.get(`${base}.extraEnvVars`);
    if (isObject(env)) m.set(`${to}.extraEnv`, Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])), `${base}.extraEnvVars`);
    if (sa && to !== 'streaming') m.set(`${to}.serviceAccount`, sa, 'serviceAccount');
    if (to !== 'streaming' && isSet(global.volumes)) m.set(`${to}.extraVolumes`, global.volumes, 'volumes');
    if (to !== 'streaming' && isSet(global.volumeMounts)) m.set(`${to}.extraVolumeMounts`, global.volumeMounts, 'volumeMounts');
  };

  m.set('web.replicas', int(m.get('mastodon.web.replicas')), 'mastodon.web.replicas');
  m.set('web.workers', int(m.get('mastodon.web.workers')), 'mastodon.web.workers');
  m.set('web.threads', int(m.get('mastodon.web.maxThreads')), 'mastodon.web.maxThreads');
  const minThreads = int(m.get('mastodon.web.minThreads'));
  if (minThreads !== int(m.get('mastodon.web.maxThreads'))) m.set('web.minThreads', minThreads, 'mastodon.web.minThreads');
  m.set('web.persistentTimeoutSeconds', int(m.get('mastodon.web.persistentTimeout')), 'mastodon.web.persistentTimeout');
  component('web', 'mastodon.web');

  m.set('streaming.replicas', int(m.get('mastodon.streaming.replicas')), 'mastodon.streaming.replicas');
  m.set('image.streamingRepository', m.get('mastodon.streaming.image.repository'), 'mastodon.streaming.image.repository');
  const streamingTag = m.get('mastodon.streaming.image.tag') as string | undefined;
  if (streamingTag && !/^v?\d+\.\d+\.\d+$/.test(streamingTag)) m.set('image.streamingTag', streamingTag, 'mastodon.streaming.image.tag');
  const baseUrl = m.get('mastodon.streaming.base_url', 'mastodon.streaming.baseUrl') as string | undefined;
  if (baseUrl) m.set('traffic.streamingHost', baseUrl.replace(/^wss?:\/\//, '').replace(/\/.*$/, ''), 'mastodon.streaming.baseUrl');
  component('streaming', 'mastodon.streaming');

  // the charts' default worker; fasp exists from Mastodon 4.4
  const [major, minor] = String(m.def.version).split('.').map(Number);
  const queues = ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', ...(major > 4 || minor >= 4 ? ['fasp'] : [])];
  const workers = (m.get('mastodon.sidekiq.workers') as Json[] | undefined) ?? [{ name: 'all-queues', concurrency: 25, replicas: 1, queues }];
  const groups = workers.map((w, i) => {
    const name = dnsName(String(w.name ?? `group-${i}`));
    const to = `sidekiq.groups.${i}`;
    m.set(`${to}.name`, name, `mastodon.sidekiq.workers[${i}].name`);
    m.set(`${to}.queues`, w.queues, `mastodon.sidekiq.workers[${i}].queues`);
    m.set(`${to}.concurrency`, int(w.concurrency), `mastodon.sidekiq.workers[${i}].concurrency`);
    m.set(`${to}.replicas`, int(w.replicas), `mastodon.sidekiq.workers[${i}].replicas`);
    const image = isObject(w.image) ? w.image : {};
    if (isSet(image.repository) || isSet(image.tag)) {
      m.set(`${to}.image`, { ...(isSet(image.repository) ? { repository: image.repository } : {}), ...(isSet(image.tag) ? { tag: image.tag } : {}) }, `mastodon.sidekiq.workers[${i}].image`);
    }
    if (isObject(w.customDatabaseConfigYml) && isObject(w.customDatabaseConfigYml.configMapRef) && isSet(w.customDatabaseConfigYml.configMapRef.name)) {
      m.unmapped(`mastodon.sidekiq.workers[${i}].customDatabaseConfigYml`, w.customDatabaseConfigYml, 'the database wiring is generated (database.replica for a read replica)');
    }
    if (isSet(w.topologySpreadConstraints)) m.unmapped(`mastodon.sidekiq.workers[${i}].topologySpreadConstraints`, w.topologySpreadConstraints, 'zone and node spreading is scheduling.zoneSpread / scheduling.nodeSpread');
    const known = ['name', 'queues', 'concurrency', 'replicas', 'image', 'customDatabaseConfigYml', 'topologySpreadConstraints', 'resources', 'affinity', 'nodeSelector', 'tolerations'];
    for (const [k, v] of Object.entries(w)) if (!known.includes(k) && isSet(v)) m.unmapped(`mastodon.sidekiq.workers[${i}].${k}`, v, 'no per-group counterpart; the group takes the mastodon.sidekiq settings');
    component(to, 'mastodon.sidekiq', { sidekiqGroup: w });
    return name;
  });
  // the definition holds an array: the paths above built an object keyed by index
  const sidekiq = m.def.sidekiq as Json | undefined;
  if (sidekiq && isObject(sidekiq.groups)) sidekiq.groups = groups.map((_, i) => (sidekiq.groups as Json)[String(i)]);
  m.take('mastodon.sidekiq.workers');

  const jobResources = resources(m.get('mastodon.hooks.deploySearch.resources'));
  if (jobResources) m.note('mastodon.hooks.deploySearch.resources is not carried over: every Job pod is sized by jobs.resources');
  if (sa) m.set('jobs.serviceAccount', sa, 'serviceAccount');
}

function serviceAccount(m: Mapper): Json | undefined {
  const create = m.get('serviceAccount.create');
  const name = m.get('serviceAccount.name') as string | undefined;
  const annotations = m.get('serviceAccount.annotations') as Json | undefined;
  // the charts create an account by default; it only matters here when it carries an identity
  if (!name && !annotations) return undefined;
  return { name: dnsName(name ?? 'mastodon'), create: create !== false, ...(annotations ? { annotations } : {}) };
}

function mapTraffic(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  m.set('traffic.service.type', m.get('service.type'), 'service.type');
  if (m.get('ingress.enabled') === true) {
    m.set('traffic.ingress.className', m.get(six ? 'ingress.ingressClassName' : 'ingress.className'), 'ingress.className');
    const annotations = (m.get('ingress.annotations') as Json | undefined) ?? {};
    const own: Json = {};
    for (const [k, v] of Object.entries(annotations)) {
      if (k === 'cert-manager.io/cluster-issuer') m.set('traffic.ingress.clusterIssuer', v, `ingress.annotations.${k}`);
      else if (k === 'cert-manager.io/issuer') m.set('traffic.ingress.issuer', v, `ingress.annotations.${k}`);
      else if (k === 'nginx.ingress.kubernetes.io/proxy-body-size') m.set('traffic.ingress.maxBodySize', String(v).toLowerCase(), `ingress.annotations.${k}`);
      else if (k.startsWith('nginx.ingress.kubernetes.io/proxy-')) m.unmapped(`ingress.annotations.${k}`, v, 'the generator sets the proxy timeouts and buffering each Ingress needs');
      else own[k] = String(v);
    }
    if (Object.keys(own).length) m.set('traffic.ingress.annotations', own, 'ingress.annotations');
    const tls = m.get('ingress.tls') as Json[] | undefined;
    const secret = tls?.[0]?.secretName as string | undefined;
    if (secret && !annotations['cert-manager.io/cluster-issuer'] && !annotations['cert-manager.io/issuer']) m.set('traffic.ingress.tlsSecret', secret, 'ingress.tls[0].secretName');
    if (m.get('ingress.streaming.enabled') === true) {
      const hosts = m.get('ingress.streaming.hosts') as Json[] | undefined;
      if (hosts?.[0]?.host && !(m.def.traffic as Json | undefined)?.streamingHost) m.set('traffic.streamingHost', hosts[0].host, 'ingress.streaming.hosts[0].host');
      const streamingTls = (m.get('ingress.streaming.tls') as Json[] | undefined)?.[0]?.secretName;
      m.set('traffic.ingress.streaming', {
        ...(m.get(six ? 'ingress.streaming.ingressClassName' : 'ingress.streaming.className') ? { className: m.get(six ? 'ingress.streaming.ingressClassName' : 'ingress.streaming.className') } : {}),
        ...(streamingTls && streamingTls !== secret ? { tlsSecret: streamingTls } : {}),
        ...(isObject(m.get('ingress.streaming.annotations')) ? { annotations: m.get('ingress.streaming.annotations') } : {}),
      }, 'ingress.streaming');
    } else m.inert('ingress.streaming', 'the separate streaming Ingress is off');
    m.take('ingress.streaming', 'ingress.enabled');
  } else {
    m.inert('ingress', 'ingress is off');
  }
  if (m.get('httproute.enabled') === true) {
    const parents = ((m.get('httproute.parentRefs') as Json[] | undefined) ?? []).map((p) => ({ name: p.name, namespace: p.namespace ?? release, ...(p.sectionName ? { sectionName: p.sectionName } : {}) }));
    if (!parents.length) throw new ImportError('httproute.enabled without parentRefs: the definition needs a Gateway to attach to');
    m.set('traffic.gateway', { ...parents[0], ...(parents.length > 1 ? { extraParents: parents.slice(1) } : {}) }, 'httproute.parentRefs');
    const streamingParents = (m.get('httproute.streamingParentRefs') as Json[] | undefined)?.map((p) => ({ name: p.name, namespace: p.namespace ?? release, ...(p.sectionName ? { sectionName: p.sectionName } : {}) }));
    if (streamingParents?.length) m.set('traffic.gateway.streamingParents', streamingParents, 'httproute.streamingParentRefs');
    m.set('traffic.gateway.annotations', m.get('httproute.annotations'), 'httproute.annotations');
    const streamingHosts = m.get('httproute.streamingHostnames') as string[] | undefined;
    if (streamingHosts?.[0] && !(m.def.traffic as Json | undefined)?.streamingHost) m.set('traffic.streamingHost', streamingHosts[0], 'httproute.streamingHostnames');
    if (m.def.traffic && (m.def.traffic as Json).ingress) {
      delete (m.def.traffic as Json).ingress;
      m.note('both ingress and httproute were enabled: the definition attaches to the Gateway only (one of them)');
    }
  } else {
    m.inert('httproute', 'httproute is off');
  }
  if (!(m.def.traffic as Json | undefined)?.ingress && !(m.def.traffic as Json | undefined)?.gateway) {
    m.set('traffic.ingress', { tlsSecret: 'mastodon-tls' }, '(neither ingress nor httproute enabled with a Gateway)');
    m.note('the values enable neither an Ingress nor an HTTPRoute with its Gateway: traffic.ingress (ingress-nginx, TLS Secret mastodon-tls) was added; change it to how users reach the instance');
  }
}

function mapObservabilityAndExtras(m: Mapper): void {
  const six = m.flavor === 'chart-6';
  if (m.get('mastodon.metrics.prometheus.enabled') === true) {
    m.set('metrics.prometheus', true, 'mastodon.metrics.prometheus.enabled');
    const detailed = m.get('mastodon.metrics.prometheus.web.detailed') === true || m.get('mastodon.metrics.prometheus.sidekiq.detailed') === true;
    if (detailed) m.set('metrics.detailed', true, 'mastodon.metrics.prometheus.*.detailed');
  }
  const exporterPort = int(m.get('mastodon.metrics.prometheus.port'));
  if (exporterPort !== undefined && exporterPort !== 9394) m.set('metrics.exporterPort', exporterPort, 'mastodon.metrics.prometheus.port');
  m.take('mastodon.metrics.prometheus.enabled', 'mastodon.metrics.prometheus.web', 'mastodon.metrics.prometheus.sidekiq');
  if (m.get('mastodon.otel.enabled') === true && m.get('mastodon.otel.exporterUri')) {
    m.set('metrics.otel.endpoint', m.get('mastodon.otel.exporterUri'), 'mastodon.otel.exporterUri');
    m.set('metrics.otel.serviceNamePrefix', m.get('mastodon.otel.namePrefix'), 'mastodon.otel.namePrefix');
    m.set('metrics.otel.serviceNameSeparator', m.get('mastodon.otel.nameSeparator'), 'mastodon.otel.nameSeparator');
  } else m.inert('mastodon.otel', 'OpenTelemetry is off');
  // each component may turn it on or off, or send elsewhere
  for (const [base, to] of [['mastodon.web.otel', 'web.otel'], ['mastodon.sidekiq.otel', 'sidekiq.groups']] as const) {
    const enabled = m.get(`${base}.enabled`);
    const uri = m.get(`${base}.exporterUri`);
    if (enabled === undefined && !uri) continue;
    const own = { ...(enabled === false ? { enabled: false } : {}), ...(uri ? { endpoint: uri } : {}) };
    if (to === 'web.otel') m.set(to, own, base);
    else for (const g of (m.def.sidekiq as Json).groups as Json[]) g.otel = structuredClone(own);
    for (const k of ['namePrefix', 'nameSeparator']) if (m.get(`${base}.${k}`)) m.unmapped(`${base}.${k}`, m.get(`${base}.${k}`), 'the service name prefix and separator are instance-wide (metrics.otel)');
  }

  const env = m.get('mastodon.extraEnvVars');
  if (isObject(env)) {
    for (const [k, v] of Object.entries(env)) {
      if (isCredentialName(k)) m.refuse(`mastodon.extraEnvVars.${k}`, `${moveMessage('mastodon-extra', [k])}; reference it with secretEnv`);
      else m.set(`env.${k}`, String(v), `mastodon.extraEnvVars.${k}`);
    }
  }
  // optional services, typed in the definition
  const secretOf = (base: string, snakeRef: string, camelField: string, fallbackKey: string): Json | undefined => {
    if (six) {
      const ref = m.get(`${base}.${snakeRef}`) as Json | undefined;
      return ref?.name ? secretRef(String(ref.name), String(ref.key ?? fallbackKey)) : undefined;
    }
    const existing = m.get(`${base}.existingSecret`) as string | undefined;
    if (m.get(`${base}.${camelField}`)) m.refuse(`${base}.${camelField}`, moveMessage(existing ?? 'mastodon-extra', [fallbackKey]));
    m.take(`${base}.existingSecretKeys`);
    return existing ? secretRef(existing, keyOf(m, base, camelField, fallbackKey)) : undefined;
  };
  if (m.get('mastodon.deepl.enabled') === true) {
    const key = secretOf('mastodon.deepl', 'apiKeySecretRef', 'apiKey', 'api-key');
    if (key) m.set('translation.deepl', { plan: m.get('mastodon.deepl.plan') === 'pro' ? 'pro' : 'free', apiKeySecret: key }, 'mastodon.deepl');
    else m.unmapped('mastodon.deepl.enabled', true, 'DeepL needs its API key in a Secret (apiKeySecretRef / existingSecret)');
    m.take('mastodon.deepl');
  } else m.inert('mastodon.deepl', 'DeepL is off');
  if (m.get('mastodon.hcaptcha.enabled') === true) {
    const key = secretOf('mastodon.hcaptcha', 'secretKeySecretRef', 'apiKey', 'api-key');
    if (key) m.set('captcha.hcaptcha', { siteKey: m.get('mastodon.hcaptcha.siteId'), secretKeySecret: key }, 'mastodon.hcaptcha');
    else m.unmapped('mastodon.hcaptcha.enabled', true, 'hCaptcha needs its secret key in a Secret');
    m.take('mastodon.hcaptcha');
  } else m.inert('mastodon.hcaptcha', 'hCaptcha is off');
  if (m.get('mastodon.cacheBuster.enabled') === true) {
    const secret = six
      ? (m.get('mastodon.cacheBuster.authToken.existingSecret') as string | undefined)
      : (m.get('mastodon.cacheBuster.existingSecret') as string | undefined);
    if (!six && m.get('mastodon.cacheBuster.authToken')) m.refuse('mastodon.cacheBuster.authToken', moveMessage(secret ?? 'mastodon-cache-buster', ['auth-token']));
    m.set('cacheBuster', {
      ...(m.get('mastodon.cacheBuster.httpMethod') ? { httpMethod: m.get('mastodon.cacheBuster.httpMethod') } : {}),
      ...(m.get('mastodon.cacheBuster.authHeader') ? { secretHeader: m.get('mastodon.cacheBuster.authHeader') } : {}),
      ...(secret ? { secretSecret: secretRef(secret, six ? 'password' : keyOf(m, 'mastodon.cacheBuster', 'authToken', 'auth-token')) } : {}),
    }, 'mastodon.cacheBuster');
    if (six && secret) m.note(`cacheBuster.secretSecret reads key "password" of ${secret}; mastodon/chart 6.x does not document the key: check it`);
    m.take('mastodon.cacheBuster');
  } else m.inert('mastodon.cacheBuster', 'the cache buster is off');
  mapExternalAuth(m);
  m.take('serviceAccount', 'image', 'affinity', 'nodeSelector', 'tolerations', 'podAnnotations', 'resources', 'volumes', 'volumeMounts', 'mastodon.podLabels');
}

/** A provider's values as its variables' suffixes, the way the charts' templates name them. */
function providerVariables(node: Json, prefix = ''): Record<string, unknown> {
  const special: Record<string, string> = {
    ASSUME_EMAIL_IS_VERIFIED: 'SECURITY_ASSUME_EMAIL_IS_VERIFIED',
    WANT_ASSERTION_SIGNED: 'SECURITY_WANT_ASSERTION_SIGNED',
    WANT_ASSERTION_ENCRYPTED: 'SECURITY_WANT_ASSERTION_ENCRYPTED',
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    const name = k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    if (isObject(v)) {
      // CAS keys.uid is CAS_UID_KEY; SAML attributesStatements.uid is SAML_ATTRIBUTES_STATEMENTS_UID
      for (const [sub, value] of Object.entries(providerVariables(v))) out[name === 'KEYS' ? `${sub}_KEY` : `${prefix}${name}_${sub}`] = value;
    } else if (isSet(v)) out[special[name] ?? name] = v;
  }
  return out;
}

const AUTH_FIELDS: Record<string, Record<string, string>> = {
  oidc: { DISPLAY_NAME: 'displayName', ISSUER: 'issuer', DISCOVERY: 'discovery', SCOPE: 'scope', UID_FIELD: 'uidField', CLIENT_ID: 'clientId', SECURITY_ASSUME_EMAIL_IS_VERIFIED: 'assumeEmailIsVerified' },
  saml: { ISSUER: 'issuer', IDP_SSO_TARGET_URL: 'idpSsoTargetUrl', IDP_CERT: 'idpCert' },
  cas: { URL: 'url' },
  ldap: { HOST: 'host', PORT: 'port', METHOD: 'method', BASE: 'base', BIND_DN: 'bindDn', UID: 'uid', MAIL: 'mail' },
  pam: { EMAIL_DOMAIN: 'emailDomain' },
};
/** variables whose values are credentials, and the definition field that takes them from a Secret */
const AUTH_SECRETS: Record<string, Record<string, string>> = { oidc: { CLIENT_SECRET: 'clientSecretSecret' }, saml: { CERT: 'certSecret', PRIVATE_KEY: 'privateKeySecret' }, ldap: { PASSWORD: 'passwordSecret' } };

function mapExternalAuth(m: Mapper): void {
  const onlyPath = m.flavor === 'chart-6' ? 'externalAuth.oauth_global.omniauth_only' : 'externalAuth.oauthGlobal.omniauthOnly';
  if (m.get(onlyPath) === true) m.set('auth.omniauthOnly', true, onlyPath);
  for (const provider of Object.keys(AUTH_FIELDS)) {
    const base = `externalAuth.${provider}`;
    if (m.get(`${base}.enabled`) !== true) {
      m.inert(base, `${provider} sign-in is off`);
      continue;
    }
    const node = m.get(base) as Json;
    const { ENABLED: _, EXISTING_SECRET: existing, EXISTING_SECRET_KEYS_CLIENT_SECRET: key, EXISTING_SECRET_KEYS_CLIENT_ID: __, ...vars } = providerVariables(node);
    const out: Json = { settings: {} };
    for (const [suffix, value] of Object.entries(vars)) {
      const field = AUTH_FIELDS[provider][suffix];
      const secretField = AUTH_SECRETS[provider]?.[suffix];
      if (field) out[field] = typeof value === 'boolean' || field === 'port' ? value : String(value);
      else if (secretField) m.refuse(`${base}.${suffix}`, moveMessage(existing ? String(existing) : `mastodon-${provider}`, [`${provider.toUpperCase()}_${suffix}`]));
      else if (suffix === 'REDIRECT_URI' || suffix === 'ACS_URL') m.unmapped(`${base}.${suffix.toLowerCase()}`, value, 'the callback URL is https://<webDomain>/auth/auth/<provider>/callback');
      else (out.settings as Json)[suffix] = String(value);
    }
    if (provider === 'oidc') {
      out.clientSecretSecret = secretRef(existing ? String(existing) : 'mastodon-oidc', String(key ?? 'client-secret'));
      if (!existing) m.note('auth.oidc.clientSecretSecret is mastodon-oidc/client-secret: create that Secret with the client secret');
    }
    if (provider === 'ldap' && isSet(out.port)) out.port = int(out.port);
    m.set(`auth.${provider}`, out, base);
  }
  m.take('externalAuth.oauth_global', 'externalAuth.oauthGlobal');
}
