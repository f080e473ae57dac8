/**
 * From the values of a release of the official Helm charts (mastodon/chart 4.x–6.x, snake_case keys; its
 * successor mastodon/helm-charts 1.x, camelCase keys) to an instance definition. The values are first
 * merged over the defaults of the chart version the release runs, as Helm merges them, so the definition
 * describes what the chart renders and not only what the file spells out. Every value the file sets is
 * accounted for: mapped to a definition field, listed as not mapped with the reason, or — for a
 * credential written inline — refused, and never copied or printed.
 */
import { CHART_REPOSITORIES, ChartFlavor, ChartVersionError, chartDefaults, coalesce, isObject, renameLegacyKeys } from './defaults';
import { HELM_CHARTS_1_CORE_KEYS, InlineCredential, SecretToCreate, inlineCredentials, isCredentialPath } from './credentials';
import { EXPORTER_PORT, instanceSchema } from '../definition/schema';
import { VARIABLE_FIELDS } from '../constructs/environment';
import { STREAMING_PORT, WEB_PORT } from '../constructs/common';
import { GENERATED_INGRESS_ANNOTATIONS as ANNOTATIONS, webTlsSecret } from '../constructs/traffic';
import { AUTH_PROVIDERS, AUTH_PROVIDER_NAMES, ProviderVariables } from '../model/auth';
import { ImportError, Json, ValueAt, ValuesPath, readValue } from './values';

export type { ChartFlavor } from './defaults';

/** the annotations the Ingresses generate, which the definition refuses as annotations */
const GENERATED: readonly string[] = Object.values(ANNOTATIONS);

export interface ImportOptions {
  /** instance name @default - the Helm release name */
  readonly name?: string;
  /** the Helm release the values belong to: names of the objects it created @default 'mastodon' */
  readonly release?: string;
  /** Mastodon version when neither image.tag nor a known chart version says it */
  readonly version?: string;
  /** namespace of the Helm release, where its Secrets and claims are @default - the instance name */
  readonly namespace?: string;
  /** @default - told from the keys */
  readonly flavor?: ChartFlavor;
  /** the chart version the release runs (`helm list`: CHART), exact or a range @default - the newest known */
  readonly chartVersion?: string;
  /** where chartVersion came from, for the report @default '--chart-version' */
  readonly chartVersionFrom?: string;
}

export interface ImportReport {
  readonly flavor: ChartFlavor;
  /** the chart version whose defaults were merged under the values */
  readonly chartVersion: string;
  /** values path → definition field; `fromDefault` when the file does not set it and the chart's default decided */
  readonly mapped: { readonly from: string; readonly to: string; readonly fromDefault: boolean }[];
  /** set in the file, not carried over, and why; `value` only for keys known not to be secrets */
  readonly unmapped: { readonly from: string; readonly value: string; readonly reason: string }[];
  /** how many values the file sets to exactly the chart's default, which are not listed */
  defaultsRepeated: number;
  /** set under a feature these values turn off, so the chart ignored them too */
  readonly inert: { readonly from: string; readonly reason: string }[];
  /** values read to decide something (switches, notes) */
  readonly read: string[];
  /** inline credentials: never copied; the import fails until they are moved to Secrets */
  readonly refused: readonly InlineCredential[];
  /** the Secrets to create for them, one command each */
  readonly secretsToCreate: readonly SecretToCreate[];
  /** assumptions the import made, to check before applying */
  readonly notes: string[];
}

export { ImportError };
const isSet = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0) && !(isObject(v) && Object.keys(v).length === 0);
/** `a.b[0].c` in a values tree */
const lookupIn = (root: unknown, path: string): unknown =>
  path
    .split('.')
    .flatMap((part) => part.split(/\[(\d+)\]/).filter((p) => p !== ''))
    .reduce<unknown>((node, k) => (isObject(node) ? node[k] : Array.isArray(node) && /^\d+$/.test(k) ? node[Number(k)] : undefined), root);
/** every leaf of a values tree as a dotted path (lists are leaves, as Helm replaces them whole) */
function leaves(node: unknown, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  if (isObject(node) && Object.keys(node).length) for (const [k, v] of Object.entries(node)) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  else if (prefix) out.push([prefix, node]);
  return out;
}
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

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
  ['mastodon.web.port', `web listens on ${WEB_PORT}, behind its Service`],
  ['mastodon.streaming.port', `streaming listens on ${STREAMING_PORT}, behind its Service`],
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
  ['service.port', `the Services expose web on ${WEB_PORT} and streaming on ${STREAMING_PORT} (Ingress and HTTPRoute point there)`],
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
  ['mastodon.web.otel.namePrefix', 'the service name prefix and separator are instance-wide (metrics.otel)'],
  ['mastodon.web.otel.nameSeparator', 'the service name prefix and separator are instance-wide (metrics.otel)'],
  ['mastodon.sidekiq.otel.namePrefix', 'the service name prefix and separator are instance-wide (metrics.otel)'],
  ['mastodon.sidekiq.otel.nameSeparator', 'the service name prefix and separator are instance-wide (metrics.otel)'],
  ['mastodon.pvc.enabled', 'with mastodon.s3.enabled the chart refuses mastodon.pvc.enabled too (media are in one place)'],
  ['mastodon.extraEnvFrom', 'use envFrom of each component (web, streaming, sidekiq groups, jobs)'],
];


interface Mapper {
  readonly flavor: ChartFlavor;
  readonly def: Json;
  /**
   * first set value among the spellings (the file's value over the chart's default), marking them all as
   * handled; typed and checked by the values view (src/import/values.ts)
   */
  get<P extends ValuesPath>(...paths: P[]): ValueAt<P> | undefined;
  /** the file's own value, undefined when the file leaves it to the chart's default (only listed, never mapped) */
  own(path: ValuesPath): unknown;
  /** marks a subtree as handled: read elsewhere, or holding nothing that is set */
  take(...paths: ValuesPath[]): void;
  /** a subtree under a feature the values turn off: listed, not carried over */
  inert(path: ValuesPath, reason: string): void;
  /** what the definition built so far holds at a dotted path */
  built(to: string): unknown;
  set(to: string, value: unknown, from: string): void;
  note(message: string): void;
  unmapped(from: string, value: unknown, reason: string): void;
}

/** Which chart wrote the values: snake_case keys are mastodon/chart, camelCase mastodon/helm-charts 1.x. */
export function detectFlavor(values: Json): ChartFlavor | undefined {
  const m = isObject(values.mastodon) ? values.mastodon : {};
  const s = isObject(m.secrets) ? m.secrets : {};
  const camel = ['localDomain', 'webDomain', 'alternateDomains', 'pvc', 'extraEnvFrom', 'trustedProxyIp'].some((k) => k in m) || 'secretKeyBase' in s || 'existingSecretKeys' in s || (isObject(values.postgresql) && 'hostname' in values.postgresql);
  const snake = ['local_domain', 'web_domain', 'alternate_domains', 'persistence', 'cron', 'trusted_proxy_ip'].some((k) => k in m) || 'secret_key_base' in s || (isObject(values.postgresql) && ('postgresqlHostname' in values.postgresql || 'auth' in values.postgresql));
  if (camel && snake) throw new ImportError('these values mix both charts\' keys (mastodon/chart 6.x uses snake_case such as mastodon.local_domain, mastodon/helm-charts 1.x camelCase such as mastodon.localDomain); give --chart 6 or --chart 1');
  return camel ? 'helm-charts-1' : snake ? 'chart-6' : undefined;
}

/** A value fit to print: only for keys the chart defines that are not credentials; anything else may be a secret. */
function displayValue(flavor: ChartFlavor, defaults: Json, path: string, value: unknown): string {
  const key = path.replace(/\[\d+\].*$/, '');
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // a URL with user:password@ in it is a credential wherever it stands
  if (lookupIn(defaults, key) === undefined || isCredentialPath(flavor, key) || /(^|\.)(extraEnvVars|env)(\.|$)/.test(key) || /:\/\/[^/\s]*@/.test(text)) return '(value not shown)';
  return text.slice(0, 80);
}

export function importHelmValues(values: unknown, options: ImportOptions = {}): { definition: Json; report: ImportReport } {
  if (!isObject(values)) throw new ImportError('expected a values.yaml mapping at the top level');
  const detected = options.flavor ?? detectFlavor(values);
  const flavor = detected ?? 'chart-6';
  let chart;
  try {
    chart = chartDefaults(flavor, options.chartVersion);
  } catch (e) {
    if (e instanceof ChartVersionError) throw new ImportError(`${options.chartVersionFrom ?? '--chart-version'}: ${e.message}`);
    throw e;
  }
  const renames = renameLegacyKeys(flavor, values, options.chartVersion ? chart.version : undefined);
  const file = renames.values;
  const merged = coalesce(chart.values, file);
  const credentials = inlineCredentials(flavor, values, chart.values, merged);
  const release = options.release ?? 'mastodon';
  const report: ImportReport = { flavor, chartVersion: chart.version, mapped: [], unmapped: [], defaultsRepeated: 0, inert: [], read: [], refused: credentials.found, secretsToCreate: credentials.secrets, notes: [] };
  const chartName = `${CHART_REPOSITORIES[flavor]} ${chart.version}`;
  if (!detected) report.notes.push(`no key of these values tells the two charts apart: read as ${CHART_REPOSITORIES[flavor]} values (--chart 1 for mastodon/helm-charts)`);
  report.notes.push(`the chart's defaults are those of ${chartName}${options.chartVersion ? ` (${options.chartVersionFrom ?? '--chart-version'} ${options.chartVersion})` : ', the newest known: give --chart-version (the CHART column of helm list) if the release runs another'}`);
  for (const r of renames.renamed) report.notes.push(`${r.from} is the key of chart ${r.until} and before: read as ${r.to.join(' and ')}`);
  for (const r of renames.ignored) report.unmapped.push({ from: r.from, value: '(value not shown)', reason: `${chartName} no longer reads it (renamed to ${r.to.join(' and ')} after chart ${r.until}), so Helm ignored it; move it there if it is meant` });

  let lastFound: string | undefined;
  const handled = new Set<string>();
  const lookup = (path: string) => lookupIn(merged, path);
  const differs = (path: string) => {
    const v = lookupIn(file, path);
    return v !== undefined && !sameValue(v, lookupIn(chart.values, path));
  };
  const credentialPaths = new Set(credentials.found.map((c) => c.from));
  const def: Json = {};
  const m: Mapper = {
    flavor,
    def,
    get<P extends ValuesPath>(...paths: P[]): ValueAt<P> | undefined {
      paths.forEach((p) => handled.add(p));
      for (const p of paths) {
        if (credentialPaths.has(p)) continue;
        if (isSet(lookup(p))) {
          lastFound = p;
          report.read.push(p);
          return readValue(merged, p);
        }
      }
      return undefined;
    },
    own(path) {
      return differs(path) ? lookupIn(file, path) : undefined;
    },
    take(...paths) {
      paths.forEach((p) => handled.add(p));
    },
    built(to) {
      return lookupIn(def, to);
    },
    inert(path, reason) {
      if (handled.has(path)) return;
      handled.add(path);
      const anySet = leaves(lookupIn(file, path), path).some(([p, v]) => isSet(v) && v !== false && differs(p));
      if (anySet) report.inert.push({ from: path, reason });
    },
    set(to, value, label) {
      if (value === undefined) return;
      // the path the value came from: the label when it names a set value, else what get() found last
      const from = label.startsWith('(') || isSet(lookup(label)) || !lastFound ? label : lastFound;
      const keys = to.split('.');
      let node = def;
      for (const k of keys.slice(0, -1)) {
        const child = node[k];
        node = isObject(child) ? child : (node[k] = {});
      }
      // a copy: shared objects would come out as YAML anchors and aliases
      node[keys[keys.length - 1]] = structuredClone(value);
      const fromDefault = !from.startsWith('(') && lookupIn(file, from.replace(/\[\d+\].*$/, '')) === undefined && lookupIn(chart.values, from.replace(/\[\d+\].*$/, '')) !== undefined;
      report.mapped.push({ from, to, fromDefault });
    },
    note(message) {
      report.notes.push(message);
    },
    unmapped(from, value, reason) {
      report.unmapped.push({ from, value: displayValue(flavor, chart.values, from, value), reason });
    },
  };

  mapInstance(m, release, options, chart.appVersion);
  mapSecrets(m, release);
  mapDatabase(m, release);
  mapRedis(m, release);
  mapSearch(m, release);
  mapStorage(m);
  mapSmtp(m, release);
  mapProcesses(m);
  mapTraffic(m, release);
  mapObservabilityAndExtras(m, release);

  // everything else the file sets is listed, with why it has no counterpart; credentials were refused above
  const walk = (node: unknown, path: string) => {
    if (handled.has(path) || [...handled].some((h) => path.startsWith(`${h}.`)) || credentialPaths.has(path)) return;
    if (isObject(node) && Object.keys(node).length) {
      for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
    } else if (isSet(node) && node !== false) {
      if (!differs(path)) {
        report.defaultsRepeated++;
        return;
      }
      const reason = REASONS.filter(([p]) => path === p || path.startsWith(`${p}.`)).sort((a, b) => b[0].length - a[0].length)[0]?.[1];
      const known = lookupIn(chart.values, path.replace(/\[\d+\].*$/, '')) !== undefined;
      m.unmapped(path, node, reason ?? (known ? 'no counterpart in the definition' : `not a key of ${chartName}'s values.yaml: a typo, or a key of another chart version`));
    }
  };
  walk(file, '');
  report.unmapped.sort((a, b) => (a.from < b.from ? -1 : 1));
  return { definition: orderDefinition(def), report };
}

/** Top-level fields in the order the bundled instances use, for a readable file. */
function orderDefinition(def: Json): Json {
  const order = ['name', 'namespace', 'version', 'domain', 'webDomain', 'alternateDomains', 'upgrade', 'image', 'web', 'streaming', 'sidekiq', 'jobs', 'maintenance', 'database', 'redis', 'search', 'storage', 'smtp', 'secrets', 'traffic', 'flux', 'logging', 'metrics', 'trustedProxyIps', 'admin', 'translation', 'captcha', 'cacheBuster', 'caBundle', 'labels', 'annotations', 'env', 'secretEnv'];
  return Object.fromEntries(Object.keys(def).sort((a, b) => order.indexOf(a) - order.indexOf(b)).map((k) => [k, def[k]]));
}

/** chart 6.x's spelling of a key, or helm-charts 1.x's */
const snake = <S extends ValuesPath, C extends ValuesPath>(m: Mapper, snakePath: S, camelPath: C): S | C => (m.flavor === 'chart-6' ? snakePath : camelPath);
const dnsName = (v: string) => v.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);

/** Helm's usual fullname: the release name, with the chart name unless it already contains it. */
const fullname = (release: string) => (release.includes('mastodon') ? release : `${release}-mastodon`);

function mapInstance(m: Mapper, release: string, options: ImportOptions, appVersion: string): void {
  m.set('name', dnsName(options.name ?? release), '(release name)');
  const tag = m.get('image.tag');
  const semverTag = tag && /^v?\d+\.\d+\.\d+$/.test(tag) ? tag.replace(/^v/, '') : undefined;
  // without image.tag the chart runs its appVersion, known only when the chart version is
  const version = options.version ?? semverTag ?? (options.chartVersion && !tag ? appVersion : undefined);
  if (!version) {
    throw new ImportError(`the values do not say which Mastodon version runs (image.tag is ${tag ? `"${tag}"` : 'empty: the chart\'s appVersion'}); give --version, e.g. --version 4.6.3 (helm list shows it as APP VERSION), or --chart-version (its CHART column)`);
  }
  m.set('version', version, options.version ? '(--version)' : semverTag ? 'image.tag' : '(the chart version\'s appVersion)');
  if (options.namespace) m.set('namespace', options.namespace, '(--namespace)');
  // the release has a database: migrations must run db:migrate (a no-op at the same version), never db:prepare
  m.set('upgrade.from', version, '(the running release)');
  if (tag && !semverTag) m.set('image.tag', tag, 'image.tag');
  m.set('image.repository', m.get('image.repository'), 'image.repository');
  const pull = m.get('image.pullPolicy');
  if (pull === 'Always' || pull === 'IfNotPresent') m.set('image.pullPolicy', pull, 'image.pullPolicy');
  else if (pull) m.unmapped('image.pullPolicy', pull, 'only IfNotPresent and Always');
  const pullSecrets = m.get('imagePullSecrets');
  if (pullSecrets) m.set('image.pullSecrets', pullSecrets.flatMap((s) => (s.name ? [s.name] : [])), 'imagePullSecrets');

  m.set('domain', m.get(snake(m, 'mastodon.local_domain', 'mastodon.localDomain')), snake(m, 'mastodon.local_domain', 'mastodon.localDomain'));
  m.set('webDomain', m.get(snake(m, 'mastodon.web_domain', 'mastodon.webDomain')), snake(m, 'mastodon.web_domain', 'mastodon.webDomain'));
  m.set('alternateDomains', m.get(snake(m, 'mastodon.alternate_domains', 'mastodon.alternateDomains')), snake(m, 'mastodon.alternate_domains', 'mastodon.alternateDomains'));
  const proxies = m.get('mastodon.trusted_proxy_ip', 'mastodon.trustedProxyIp');
  if (proxies) m.set('trustedProxyIps', proxies.split(/[,\s]+/).filter(Boolean), snake(m, 'mastodon.trusted_proxy_ip', 'mastodon.trustedProxyIp'));

  // instance-wide switches Mastodon reads from the environment
  const switches = [
    ['mastodon.singleUserMode', 'SINGLE_USER_MODE'],
    ['mastodon.authorizedFetch', 'AUTHORIZED_FETCH'],
    ['mastodon.limitedFederationMode', 'LIMITED_FEDERATION_MODE'],
    ['mastodon.forceLocale', 'FORCE_DEFAULT_LOCALE'],
  ] as const;
  for (const [from, name] of switches) m.set(`env.${name}`, m.get(from) ? 'true' : undefined, from);
  m.set('env.DEFAULT_LOCALE', m.get('mastodon.locale') || undefined, 'mastodon.locale');
  // UTC is the images' own zone
  const zone = m.get('timezone');
  m.set('env.TZ', zone && zone !== 'UTC' ? zone : undefined, 'timezone');

  m.set('logging.railsLogLevel', m.get('mastodon.logLevel.rails'), 'mastodon.logLevel.rails');
  m.set('logging.streamingLogLevel', m.get('mastodon.logLevel.streaming'), 'mastodon.logLevel.streaming');

  if (m.get('mastodon.createAdmin.enabled')) {
    m.set('admin.username', m.get('mastodon.createAdmin.username'), 'mastodon.createAdmin.username');
    m.set('admin.email', m.get('mastodon.createAdmin.email'), 'mastodon.createAdmin.email');
    m.take('mastodon.createAdmin.enabled');
  } else m.inert('mastodon.createAdmin', 'createAdmin is off');
  // every Job and CronJob: the chart gives each its own nodeSelector, or the top-level one
  const jobSelectors = ['mastodon.hooks.dbMigrate.nodeSelector', 'mastodon.hooks.dbPrepare.nodeSelector', 'mastodon.createAdmin.nodeSelector', 'mastodon.hooks.deploySearch.nodeSelector', 'mastodon.cron.removeMedia.nodeSelector'] as const;
  m.set('jobs.nodeSelector', m.get(...jobSelectors, ...(m.flavor === 'chart-6' ? (['nodeSelector'] as const) : [])), 'mastodon.hooks.dbMigrate.nodeSelector');
  if (m.flavor === 'chart-6') m.set('jobs.tolerations', m.get('tolerations'), 'tolerations');
  if (m.get('mastodon.cron.removeMedia.enabled') === false) m.set('maintenance.mediaRemove.enabled', false, 'mastodon.cron.removeMedia.enabled');
  m.set('maintenance.mediaRemove.schedule', m.get('mastodon.cron.removeMedia.schedule'), 'mastodon.cron.removeMedia.schedule');
  m.set('jobs.podLabels', m.get('jobLabels'), 'jobLabels');
  m.set('jobs.podAnnotations', m.get('jobAnnotations'), 'jobAnnotations');
  m.set('labels', m.get(snake(m, 'mastodon.labels', 'labels')), snake(m, 'mastodon.labels', 'labels'));
  m.note(`flux.sourceName is set to "flux-system": point it at the GitRepository (or OCIRepository) holding dist/`);
  m.set('flux', { sourceName: 'flux-system' }, '(Flux source)');
}

function secretRef(name: string, key: string) {
  return { name, key };
}

/** The keys whose value names the keys of a Secret (helm-charts 1.x's `existingSecretKeys`). */
type KeyedBase = { [P in ValuesPath]: P extends `${infer B}.existingSecretKeys` ? B : never }[ValuesPath];

/** Helm's Secret keys of the successor chart: `existingSecretKeys.<field>` (the chart's defaults fill them in). */
function keyOf(m: Mapper, base: KeyedBase, field: string, fallback: string): string {
  const keys: Readonly<Record<string, string>> | undefined = m.get(`${base}.existingSecretKeys`);
  return keys?.[field] || fallback;
}

function mapSecrets(m: Mapper, release: string): void {
  const existing = m.get('mastodon.secrets.existingSecret');
  // inline values were refused before mapping; what is left names the Secret
  m.take('mastodon.secrets');
  const name = existing ?? (m.flavor === 'chart-6' ? fullname(release) : `${fullname(release)}-secrets`);
  m.set('secrets.core', name, existing ? 'mastodon.secrets.existingSecret' : '(chart-generated Secret)');
  if (!existing) m.note(`secrets.core is "${name}", the Secret the chart generates by default: check it with kubectl get secret ${name}`);
  if (m.flavor === 'helm-charts-1') {
    m.set('secrets.coreKeys', Object.fromEntries(Object.entries(HELM_CHARTS_1_CORE_KEYS).map(([variable, { field, key }]) => [variable, keyOf(m, 'mastodon.secrets', field, key)])), 'mastodon.secrets.existingSecretKeys');
  }
}

function mapDatabase(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  // chart 6.x: the bundled subchart's Service wins over any hostname while postgresql.enabled
  const bundled = six && m.get('postgresql.enabled') === true;
  m.take('postgresql.enabled');
  const hostPath = six ? 'postgresql.postgresqlHostname' : 'postgresql.hostname';
  const portPath = six ? 'postgresql.postgresqlPort' : 'postgresql.port';
  const appHost = bundled ? `${release}-postgresql` : m.get(hostPath);
  if (bundled && m.own(hostPath)) m.unmapped(hostPath, m.own(hostPath), 'the chart ignores it while postgresql.enabled is true (the bundled PostgreSQL is used)');
  // the bundled PostgreSQL is copied into a CloudNativePG Cluster: the chart's direct host (if any) no longer applies
  const direct = bundled ? undefined : m.get('postgresql.direct.hostname');
  if (bundled) {
    if (m.own('postgresql.direct')) m.unmapped('postgresql.direct', m.own('postgresql.direct'), 'migrations connect to the CloudNativePG Cluster\'s -rw Service');
    m.take('postgresql.direct');
  }
  const host = direct ?? appHost;
  if (!host) throw new ImportError(`the values name no PostgreSQL host (${hostPath}); the definition needs one`);
  if (!bundled) m.set('database.host', host, direct ? 'postgresql.direct.hostname' : hostPath);
  const appPort = bundled ? 5432 : m.get(portPath);
  if (!bundled) m.set('database.port', m.get('postgresql.direct.port') ?? appPort, direct ? 'postgresql.direct.port' : portPath);
  const preparedStatements = m.get('mastodon.preparedStatements', 'postgresql.preparedStatements') !== false;
  m.take('mastodon.preparedStatements', 'postgresql.preparedStatements');
  if (direct && appHost && direct !== appHost) {
    // the app through one host and migrations directly: a pooler; without prepared statements, one in transaction mode
    if (!preparedStatements) {
      m.set('database.pooler', { host: appHost, port: appPort ?? 5432, maxClientConnections: 1 }, hostPath);
      m.note(`database.pooler is ${appHost} (the app's host, without prepared statements), migrations and maintenance connect directly to ${direct}`);
    } else m.note(`the app connected through ${appHost} and migrations directly to ${direct}, with prepared statements: every process now connects directly; if ${appHost} is a pooler in transaction mode, set database.pooler`);
  } else if (!preparedStatements) m.note('preparedStatements was false (a pooler in transaction mode?): PREPARED_STATEMENTS=false is set for you once database.pooler is set');
  const namePath = six ? 'postgresql.auth.database' : 'postgresql.database';
  m.set('database.name', m.get('postgresql.direct.database', namePath), namePath);
  const userPath = six ? 'postgresql.auth.username' : 'postgresql.username';
  const secretPath = six ? 'postgresql.auth.existingSecret' : 'postgresql.existingSecret';
  const existing = m.get(secretPath);
  if (!six && existing) m.set('database.userSecret', secretRef(existing, keyOf(m, 'postgresql', 'username', 'username')), 'postgresql.existingSecretKeys.username');
  else m.set('database.user', m.get(userPath), userPath);
  m.take(userPath, 'postgresql.existingSecretKeys', 'postgresql.auth');
  // the Secret the chart reads DB_PASS from (chart 6: mastodon.postgresql.secretName; 1.x: mastodon.secrets.postgresName)
  const passwordSecret = existing ?? (six ? (bundled ? `${release}-postgresql` : fullname(release)) : `${fullname(release)}-postgres-auth`);
  const password = secretRef(passwordSecret, six ? 'password' : keyOf(m, 'postgresql', 'password', 'password'));
  if (bundled) {
    // a Cluster that copies the running database at its creation; afterwards it owns its data and its <cluster>-app Secret
    const name = m.get(namePath) ?? 'mastodon_production';
    const user = m.get(userPath) ?? 'mastodon';
    m.set('database.cloudnativePg', { import: { host: appHost, port: 5432, database: name, user, passwordSecret: password } }, 'postgresql.enabled');
    m.note(
      `the chart's bundled PostgreSQL (${appHost}) is copied into a CloudNativePG Cluster (database.cloudnativePg.import: pg_dump of ${name} as ${user}, password from ${password.name}/${password.key}: CloudNativePG's microservice import): the operator must be installed, and the copy is taken when the Cluster is created, so stop writes first (scale the release's web and Sidekiq to 0) and uninstall the release only after verifying the copy (README, "Coming from the Helm chart")`,
    );
  } else {
    m.set('database.passwordSecret', password, existing ? secretPath : '(chart-generated Secret)');
    if (!existing) m.note(`database.passwordSecret is ${passwordSecret}/password, the Secret the chart generates: check it`);
  }

  const replicaHost = m.get('postgresql.readReplica.hostname');
  const r = six ? ('postgresql.readReplica.auth' as const) : ('postgresql.readReplica' as const);
  if (!replicaHost) m.inert('postgresql.readReplica', 'no read replica host');
  if (replicaHost) {
    m.set('database.replica.host', replicaHost, 'postgresql.readReplica.hostname');
    m.set('database.replica.port', m.get('postgresql.readReplica.port'), 'postgresql.readReplica.port');
    m.set('database.replica.name', m.get(`${r}.database`), `${r}.database`);
    const rs = m.get(`${r}.existingSecret`);
    if (!six && rs) m.set('database.replica.userSecret', secretRef(rs, keyOf(m, 'postgresql.readReplica', 'username', 'username')), 'postgresql.readReplica.existingSecretKeys.username');
    else m.set('database.replica.user', m.get(`${r}.username`), `${r}.username`);
    if (rs) m.set('database.replica.passwordSecret', secretRef(rs, six ? 'password' : keyOf(m, 'postgresql.readReplica', 'password', 'password')), `${r}.existingSecret`);
  }
  m.take('postgresql.readReplica');
}

function mapRedis(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const bundled = six && m.get('redis.enabled') === true;
  m.take('redis.enabled');
  const main = (() => {
    const host = bundled ? `${release}-redis-master` : m.get('redis.hostname');
    if (bundled && m.own('redis.hostname')) m.unmapped('redis.hostname', m.own('redis.hostname'), 'the chart ignores it while redis.enabled is true (the bundled Redis is used)');
    if (!host) throw new ImportError('the values name no Redis host (redis.hostname); the definition needs one');
    // chart 6: REDIS_PASSWORD always comes from a Secret: the given one, the bundled chart's, or (empty) the chart's own
    const existing = six ? m.get('redis.auth.existingSecret', 'redis.existingSecret') : m.get('redis.existingSecret');
    const secret = existing ?? (bundled ? `${release}-redis` : six ? undefined : `${fullname(release)}-redis-auth`);
    const key = six ? (m.get('redis.auth.existingSecretKey') ?? 'redis-password') : keyOf(m, 'redis', 'password', 'password');
    m.take('redis.auth', 'redis.existingSecretKeys');
    return { host, port: m.get('redis.port'), ...(secret ? { passwordSecret: secretRef(secret, key) } : {}) };
  })();
  if (bundled) {
    // a Dragonfly run by its operator replaces the bundled Redis (Sidekiq and cache fall back to main, as they shared it)
    m.set('redis.main.dragonfly', main.passwordSecret ? { passwordSecret: main.passwordSecret } : {}, 'redis.enabled');
    m.note(
      `the chart's bundled Redis (${main.host}) is replaced by a Dragonfly (redis.main.dragonfly; the Dragonfly operator must be installed${main.passwordSecret ? `; its password is ${main.passwordSecret.name}/${main.passwordSecret.key}, which helm uninstall deletes unless annotated helm.sh/resource-policy=keep` : ''}). Nothing is copied: drain Sidekiq before switching (web scaled to 0, Sidekiq running until its queues are empty; jobs waiting in the retry and scheduled sets are lost), the cache is rebuilt on its own, and home feeds are rebuilt with tootctl feeds build`,
    );
  } else m.set('redis.main.external', main, 'redis.hostname');
  for (const sub of ['sidekiq', 'cache'] as const) {
    const base = `redis.${sub}` as const;
    if (m.get(`${base}.enabled`) !== true) {
      m.inert(base, `a separate ${sub} Redis is off`);
      continue;
    }
    // chart 6.x falls back to redis.hostname (not the bundled Service) and reads a password only from the role's own Secret
    const host = m.get(`${base}.hostname`) ?? (six ? m.get('redis.hostname') : undefined);
    if (!host) throw new ImportError(`${base}.enabled without ${base}.hostname${six ? ' or redis.hostname' : ''}: the chart renders an empty host`);
    const existing = m.get(six ? `${base}.auth.existingSecret` : `${base}.existingSecret`);
    const secret = existing ?? (six ? undefined : `${fullname(release)}-redis-${sub}-auth`);
    const key = six ? (m.get(`${base}.auth.existingSecretKey`) ?? 'redis-password') : keyOf(m, base, 'password', 'password');
    m.set(`redis.${sub}.external`, { host, port: (m.get(`${base}.port`) ?? m.get('redis.port')), ...(secret ? { passwordSecret: secretRef(secret, key) } : {}) }, base);
    m.take(base);
  }
}

function mapSearch(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const enabled = m.get('elasticsearch.enabled') === true;
  const host = m.get('elasticsearch.hostname');
  // chart 6.x: the bundled Elasticsearch, or a hostname; helm-charts 1.x: search only when enabled (its hostname is required then)
  if (!enabled && !(six && host)) {
    m.inert('elasticsearch', six ? 'search is off (no bundled Elasticsearch, no hostname)' : 'search is off (elasticsearch.enabled is false)');
    m.inert('mastodon.hooks.deploySearch', 'search is off');
    return;
  }
  const tls = m.get('elasticsearch.tls') === true;
  const bundled = six && enabled;
  if (bundled && m.own('elasticsearch.hostname')) m.unmapped('elasticsearch.hostname', host, 'the chart ignores it while elasticsearch.enabled is true (the bundled Elasticsearch is used)');
  const resolved = bundled ? `${release}-elasticsearch-master-hl` : host;
  if (!resolved) throw new ImportError('elasticsearch.enabled without elasticsearch.hostname: the chart needs one');
  m.set('search.host', tls && !bundled && !resolved.startsWith('http') ? `https://${resolved}` : resolved, bundled ? 'elasticsearch.enabled' : 'elasticsearch.hostname');
  if (bundled) m.note(`the chart's bundled Elasticsearch (${resolved}) keeps running only while its Helm release exists`);
  m.set('search.port', bundled ? 9200 : m.get('elasticsearch.port'), 'elasticsearch.port');
  m.set('search.preset', m.get('elasticsearch.preset'), 'elasticsearch.preset');
  m.set('search.prefix', m.get('elasticsearch.indexPrefix'), 'elasticsearch.indexPrefix');
  const existing = m.get('elasticsearch.existingSecret');
  if (!six) {
    // 1.x reads user and password from a Secret, its own when none is given
    const secret = existing ?? `${fullname(release)}-elasticsearch-auth`;
    if (existing) m.set('search.userSecret', secretRef(secret, keyOf(m, 'elasticsearch', 'username', 'username')), 'elasticsearch.existingSecretKeys.username');
    else m.set('search.user', m.get('elasticsearch.username'), 'elasticsearch.username');
    m.set('search.passwordSecret', secretRef(secret, keyOf(m, 'elasticsearch', 'password', 'password')), existing ? 'elasticsearch.existingSecret' : '(chart-generated Secret)');
  } else {
    m.set('search.user', m.get('elasticsearch.user'), 'elasticsearch.user');
    if (existing) m.set('search.passwordSecret', secretRef(existing, 'password'), 'elasticsearch.existingSecret');
  }
  m.take('elasticsearch.username', 'elasticsearch.existingSecretKeys');
  const ca = m.get('elasticsearch.caSecret.name');
  if (ca) m.set('search.caSecret', secretRef(ca, m.get('elasticsearch.caSecret.key') ?? 'ca.crt'), 'elasticsearch.caSecret');
  m.take('elasticsearch.caSecret.key', 'elasticsearch.tls', 'elasticsearch.enabled');
  // chart 6.x runs its search Job only for the bundled Elasticsearch
  if (m.get('mastodon.hooks.deploySearch.enabled') === true && (!six || bundled)) m.set('search.initialize', true, 'mastodon.hooks.deploySearch.enabled');
  else if (m.own('mastodon.hooks.deploySearch.enabled')) m.unmapped('mastodon.hooks.deploySearch.enabled', true, 'chart 6.x runs the search Job only with the bundled Elasticsearch (elasticsearch.enabled)');
}

function mapStorage(m: Mapper): void {
  const six = m.flavor === 'chart-6';
  const s = 'mastodon.s3';
  if (m.get(`${s}.enabled`) === true) {
    const f = <S extends string, C extends string>(snakeKey: S, camelKey: C) => (six ? (`${s}.${snakeKey}` as const) : (`${s}.${camelKey}` as const));
    m.set('storage.s3.bucket', m.get(`${s}.bucket`), `${s}.bucket`);
    m.set('storage.s3.region', m.get(`${s}.region`), `${s}.region`);
    // the AWS SDK takes only a URL (helm-charts 1.x's own example gives a bare host)
    const endpoint = m.get(`${s}.endpoint`);
    const url = endpoint && !/^https?:\/\//.test(endpoint) ? `${m.get(`${s}.protocol`) ?? 'https'}://${endpoint}` : endpoint;
    if (url !== endpoint) m.note(`storage.s3.endpoint is ${url}: the values gave ${endpoint}, without the scheme the AWS SDK needs`);
    m.set('storage.s3.endpoint', url, `${s}.endpoint`);
    m.set('storage.s3.hostname', m.get(`${s}.hostname`), `${s}.hostname`);
    m.set('storage.s3.protocol', m.get(`${s}.protocol`), `${s}.protocol`);
    m.set('storage.s3.permission', m.get(`${s}.permission`), `${s}.permission`);
    m.set('storage.s3.aliasHost', m.get(f('alias_host', 'aliasHost')), f('alias_host', 'aliasHost'));
    m.set('storage.s3.multipartThresholdBytes', m.get(f('multipart_threshold', 'multipartThreshold')), f('multipart_threshold', 'multipartThreshold'));
    const pathStyle = m.get(f('override_path_style', 'overridePathStyle'));
    if (pathStyle) m.set('storage.s3.overridePathStyle', true, f('override_path_style', 'overridePathStyle'));
    const existing = m.get(`${s}.existingSecret`);
    if (existing) {
      m.set('storage.s3.accessKeyIdSecret', secretRef(existing, six ? 'AWS_ACCESS_KEY_ID' : keyOf(m, s, 'accessKeyId', 'access-key-id')), `${s}.existingSecret`);
      m.set('storage.s3.secretAccessKeySecret', secretRef(existing, six ? 'AWS_SECRET_ACCESS_KEY' : keyOf(m, s, 'secretAccessKey', 'secret-access-key')), `${s}.existingSecret`);
    } else {
      m.note('no S3 key Secret: the pods need credentials from their identity (serviceAccount with IRSA / Workload Identity) or the node role');
    }
    m.take(`${s}.existingSecretKeys`, `${s}.enabled`);
    m.inert(six ? 'mastodon.persistence.system' : 'mastodon.pvc.system', 'media are on S3 (mastodon.s3.enabled)');
    m.inert(six ? 'mastodon.persistence.assets' : 'mastodon.pvc.assets', 'media are on S3 (mastodon.s3.enabled)');
  } else {
    const p = six ? ('mastodon.persistence.system' as const) : ('mastodon.pvc.system' as const);
    const existingClaim = m.get(`${p}.existingClaim`);
    m.set('storage.volume', {
      size: m.get(`${p}.resources.requests.storage`) ?? '100Gi',
      accessMode: m.get(`${p}.accessMode`) ?? 'ReadWriteOnce',
      ...(existingClaim ? { existingClaim } : {}),
      ...(m.get(`${p}.storageClassName`, `${p}.storageClass`) ? { storageClass: m.get(`${p}.storageClassName`, `${p}.storageClass`) } : {}),
    }, p);
    if (!existingClaim) m.note(`storage.volume: set existingClaim to the claim the Helm release created (kubectl get pvc: ${six ? '<release>-system' : '<release>-system'}) to keep the media; without it a new empty claim is made`);
    m.take(`${p}.resources`, `${s}.enabled`);
    m.get('mastodon.pvc.enabled');
    m.inert('mastodon.s3', 'media are on a volume (mastodon.s3.enabled is false)');
  }
}

function mapSmtp(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const server = (base: 'mastodon.smtp' | 'mastodon.smtp.bulk', to: string, bulk: boolean) => {
    const f = <S extends string, C extends string>(snakeKey: S, camelKey: C) => (six ? (`${base}.${snakeKey}` as const) : (`${base}.${camelKey}` as const));
    m.set(`${to}.server`, m.get(`${base}.server`), `${base}.server`);
    m.set(`${to}.port`, m.get(`${base}.port`), `${base}.port`);
    const tls = m.get(`${base}.tls`);
    const implicitTls = tls === true;
    if (tls !== undefined) m.set(`${to}.tls`, implicitTls, `${base}.tls`);
    // with implicit TLS only "never" works from 4.5 (the generator's default then); without a login, no AUTH.
    // A chart default that does not fit is left to the generator's default; a value the file sets is listed.
    const starttlsPath = f('enable_starttls', 'enableStartTls');
    const starttls = m.get(starttlsPath);
    if (starttls !== undefined && implicitTls && starttls !== 'never') {
      if (m.own(starttlsPath) !== undefined) m.unmapped(starttlsPath, starttls, 'with implicit TLS (tls: true) STARTTLS is off: Mastodon 4.5+ refuses both at once');
    } else m.set(`${to}.starttls`, starttls, starttlsPath);
    const authPath = f('auth_method', 'authMethod');
    const authMethod = m.get(authPath);
    const hasLogin = Boolean(m.get(`${base}.existingSecret`) || m.get(f('login', 'username')));
    if (authMethod !== undefined && !hasLogin && authMethod !== 'none') {
      if (m.own(authPath) !== undefined) m.unmapped(authPath, authMethod, 'without a login there is no SMTP AUTH (authMethod none): net-smtp refuses AUTH without a user name');
    } else m.set(`${to}.authMethod`, authMethod, authPath);
    m.set(`${to}.domain`, m.get(`${base}.domain`), `${base}.domain`);
    m.set(`${to}.opensslVerifyMode`, m.get(f('openssl_verify_mode', 'opensslVerifyMode')), f('openssl_verify_mode', 'opensslVerifyMode'));
    const ca = m.get(f('ca_file', 'caFile'));
    if (ca && ca !== '/etc/ssl/certs/ca-certificates.crt') m.unmapped(f('ca_file', 'caFile'), ca, 'a CA file path in the image: give the CA as smtp.caSecret (or caBundle) instead');
    const existing = m.get(`${base}.existingSecret`);
    const loginPath = f('login', 'username');
    if (existing) {
      m.set(`${to}.loginSecret`, secretRef(existing, six ? 'login' : keyOf(m, base, 'username', 'username')), `${base}.existingSecret`);
      m.set(`${to}.passwordSecret`, secretRef(existing, six ? 'password' : keyOf(m, base, 'password', 'password')), `${base}.existingSecret`);
      if (m.own(loginPath)) m.unmapped(loginPath, m.own(loginPath), 'the chart reads the login from existingSecret instead');
    } else {
      m.set(`${to}.login`, m.get(loginPath), loginPath);
      // the chart keeps a password given inline in a Secret of its own; from these values it has none
      if (m.get(loginPath)) m.note(`${to}: a login without existingSecret; if the release's values had a password, it is in the chart's Secret (kubectl get secret ${six ? `${fullname(release)}-smtp${bulk ? '-bulk' : ''}` : `${fullname(release)}-smtp${bulk ? '-bulk' : ''}-auth`}): set ${to}.passwordSecret to it`);
    }
    m.take(`${base}.existingSecretKeys`, loginPath);
  };
  if (!m.get('mastodon.smtp.server')) {
    m.inert('mastodon.smtp', 'no SMTP server');
    return;
  }
  server('mastodon.smtp', 'smtp', false);
  const fromPath = snake(m, 'mastodon.smtp.from_address', 'mastodon.smtp.fromAddress');
  const from = m.get(fromPath);
  m.set('smtp.fromAddress', from ?? `notifications@${m.def.domain}`, from ? fromPath : '(LOCAL_DOMAIN)');
  if (!m.own(fromPath)) m.note(`smtp.fromAddress is ${String(m.built('smtp.fromAddress'))}${from ? ', the chart\'s default' : ''}: set your own sender`);
  m.set('smtp.replyTo', m.get(six ? 'mastodon.smtp.reply_to' : 'mastodon.smtp.replyTo'), six ? 'mastodon.smtp.reply_to' : 'mastodon.smtp.replyTo');
  m.set('smtp.returnPath', m.get(six ? 'mastodon.smtp.return_path' : 'mastodon.smtp.returnPath'), six ? 'mastodon.smtp.return_path' : 'mastodon.smtp.returnPath');
  const deliveryPath = snake(m, 'mastodon.smtp.delivery_method', 'mastodon.smtp.deliveryMethod');
  const delivery = m.get(deliveryPath);
  if (delivery === 'sendmail') m.set('smtp.deliveryMethod', 'sendmail', deliveryPath);
  else if (delivery && delivery !== 'smtp') m.unmapped(deliveryPath, delivery, 'only smtp and sendmail deliver mail in production');
  if (m.get('mastodon.smtp.bulk.enabled') === true) {
    server('mastodon.smtp.bulk', 'smtp.bulk', true);
    const bulkFrom = snake(m, 'mastodon.smtp.bulk.from_address', 'mastodon.smtp.bulk.fromAddress');
    const value = m.get(bulkFrom);
    if (value && value !== m.get(fromPath)) m.unmapped(bulkFrom, value, 'Mastodon reads no BULK_SMTP_FROM_ADDRESS: bulk mail goes out from smtp.fromAddress');
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

/** A variable's text as the definition field it sets, by the field's type in the definition schema. */
function fieldValue(field: string, text: string): unknown {
  const schema = field.split('.').reduce<unknown>((node, k) => (isObject(node) && isObject(node.properties) ? node.properties[k] : undefined), instanceSchema.json);
  const type = isObject(schema) ? schema.type : undefined;
  if (type === 'boolean') return text === 'true';
  if (type === 'integer') return Number(text);
  if (type === 'array') return text.split(/[,\s]+/).filter(Boolean);
  return text;
}

/**
 * Variables the generator sets from definition fields (src/constructs/environment.ts), when given as extra
 * variables: the typed field (the value is then checked like any other), otherwise listed with where it comes from.
 */
function envMap(m: Mapper, from: Extract<ValuesPath, `${string}extraEnvVars`>, to: string): void {
  const env = m.get(from);
  if (!env) return;
  for (const [k, v] of Object.entries(env)) {
    const path = `${from}.${k}`;
    const target = VARIABLE_FIELDS.get(k);
    const parent = target?.split('.').slice(0, -1).join('.');
    if (target && lookupIn(m.def, target) === undefined && (!parent || isObject(lookupIn(m.def, parent)))) m.set(target, fieldValue(target, v), path);
    else if (target) m.unmapped(path, v, lookupIn(m.def, target) !== undefined ? `${target} is set from the chart's own key, which wins` : `${target} needs ${parent}, which these values do not turn on`);
    else m.set(`${to}.${k}`, v, path);
  }
}

/** One of mastodon.sidekiq.workers, as the values view reads it. */
type Worker = NonNullable<ValueAt<'mastodon.sidekiq.workers'>>[number];

function mapProcesses(m: Mapper): void {
  // chart-wide pod settings apply to every component that has none of its own
  const global = {
    affinity: m.get('affinity'),
    nodeSelector: m.get('nodeSelector'),
    tolerations: m.get('tolerations'),
    podAnnotations: m.get('podAnnotations'),
    podLabels: m.get(snake(m, 'mastodon.podLabels', 'podLabels')),
    resources: m.get('resources'),
    volumes: m.get('volumes'),
    volumeMounts: m.get('volumeMounts'),
  };
  const sa = serviceAccount(m);
  const component = (to: string, base: 'mastodon.web' | 'mastodon.streaming' | 'mastodon.sidekiq', group?: Worker) => {
    // a Sidekiq worker's own settings win over mastodon.sidekiq's, which win over the chart-wide ones
    const ownResources = isSet(group?.resources) ? group?.resources : m.get(`${base}.resources`);
    const res = resources(ownResources ?? global.resources);
    if (res) m.set(`${to}.resources`, res, `${base}.resources`);
    else if (isSet(ownResources ?? global.resources)) m.unmapped(`${base}.resources`, ownResources ?? global.resources, 'needs both a CPU and a memory quantity');
    m.set(`${to}.affinity`, (isSet(group?.affinity) ? group?.affinity : m.get(`${base}.affinity`)) ?? global.affinity, `${base}.affinity`);
    m.set(`${to}.nodeSelector`, (isSet(group?.nodeSelector) ? group?.nodeSelector : m.get(`${base}.nodeSelector`)) ?? global.nodeSelector, `${base}.nodeSelector`);
    m.set(`${to}.tolerations`, (isSet(group?.tolerations) ? group?.tolerations : m.get(`${base}.tolerations`)) ?? global.tolerations, `${base}.tolerations`);
    m.set(`${to}.podAnnotations`, m.get(`${base}.podAnnotations`) ?? global.podAnnotations, `${base}.podAnnotations`);
    m.set(`${to}.podLabels`, m.get(`${base}.podLabels`) ?? global.podLabels, isSet(m.get(`${base}.podLabels`)) ? `${base}.podLabels` : snake(m, 'mastodon.podLabels', 'podLabels'));
    // chart 6.x reads extra variables for every pod and for streaming only; helm-charts 1.x per component too
    if (m.flavor === 'helm-charts-1' || to === 'streaming') envMap(m, `${base}.extraEnvVars`, `${to}.extraEnv`);
    else if (isSet(m.own(`${base}.extraEnvVars`))) m.unmapped(`${base}.extraEnvVars`, m.own(`${base}.extraEnvVars`), 'chart 6.x does not read it (only mastodon.extraEnvVars and mastodon.streaming.extraEnvVars)');
    if (sa && to !== 'streaming') m.set(`${to}.serviceAccount`, sa, 'serviceAccount');
    if (to !== 'streaming' && isSet(global.volumes)) m.set(`${to}.extraVolumes`, global.volumes, 'volumes');
    if (to !== 'streaming' && isSet(global.volumeMounts)) m.set(`${to}.extraVolumeMounts`, global.volumeMounts, 'volumeMounts');
  };

  m.set('web.replicas', m.get('mastodon.web.replicas'), 'mastodon.web.replicas');
  m.set('web.workers', m.get('mastodon.web.workers'), 'mastodon.web.workers');
  m.set('web.threads', m.get('mastodon.web.maxThreads'), 'mastodon.web.maxThreads');
  const minThreads = m.get('mastodon.web.minThreads');
  if (minThreads !== m.get('mastodon.web.maxThreads')) m.set('web.minThreads', minThreads, 'mastodon.web.minThreads');
  m.set('web.persistentTimeoutSeconds', m.get('mastodon.web.persistentTimeout'), 'mastodon.web.persistentTimeout');
  component('web', 'mastodon.web');

  m.set('streaming.replicas', m.get('mastodon.streaming.replicas'), 'mastodon.streaming.replicas');
  m.set('image.streamingRepository', m.get('mastodon.streaming.image.repository'), 'mastodon.streaming.image.repository');
  const streamingTag = m.get('mastodon.streaming.image.tag');
  if (streamingTag && !/^v?\d+\.\d+\.\d+$/.test(streamingTag)) m.set('image.streamingTag', streamingTag, 'mastodon.streaming.image.tag');
  const baseUrl = m.get('mastodon.streaming.base_url', 'mastodon.streaming.baseUrl');
  if (baseUrl) m.set('traffic.streamingHost', baseUrl.replace(/^wss?:\/\//, '').replace(/\/.*$/, ''), 'mastodon.streaming.baseUrl');
  component('streaming', 'mastodon.streaming');

  // the workers the file lists, or the chart version's default one
  const workers = m.get('mastodon.sidekiq.workers') ?? [];
  if (!workers.length) throw new ImportError('mastodon.sidekiq.workers is empty: no Sidekiq process would run');
  // a list written before 4.4 has no fasp queue, which Mastodon 4.4 and later use: it joins the group with default
  const [major, minor] = String(m.def.version).split('.').map(Number);
  const queueName = (q: string) => q.split(',')[0].trim();
  const needsFasp = (major > 4 || minor >= 4) && !workers.some((w) => w.queues?.some((q) => queueName(q) === 'fasp'));
  const groups = workers.map((w, i) => {
    const name = dnsName(w.name ?? `group-${i}`);
    const to = `sidekiq.groups.${i}`;
    m.set(`${to}.name`, name, `mastodon.sidekiq.workers[${i}].name`);
    const queues = w.queues;
    const addFasp = needsFasp && queues?.some((q) => queueName(q) === 'default');
    m.set(`${to}.queues`, addFasp && queues ? [...queues, 'fasp'] : queues, `mastodon.sidekiq.workers[${i}].queues`);
    if (addFasp) m.note(`sidekiq group ${name} also takes the fasp queue: Mastodon ${m.def.version} uses it and the worker list (written before 4.4) has no consumer for it`);
    m.set(`${to}.concurrency`, w.concurrency, `mastodon.sidekiq.workers[${i}].concurrency`);
    m.set(`${to}.replicas`, w.replicas, `mastodon.sidekiq.workers[${i}].replicas`);
    const { repository, tag } = w.image ?? {};
    if (repository || tag) m.set(`${to}.image`, { ...(repository ? { repository } : {}), ...(tag ? { tag } : {}) }, `mastodon.sidekiq.workers[${i}].image`);
    if (w.customDatabaseConfigYml?.configMapRef?.name) {
      m.unmapped(`mastodon.sidekiq.workers[${i}].customDatabaseConfigYml`, w.customDatabaseConfigYml, 'the database wiring is generated (database.replica for a read replica)');
    }
    if (isSet(w.topologySpreadConstraints)) m.unmapped(`mastodon.sidekiq.workers[${i}].topologySpreadConstraints`, w.topologySpreadConstraints, 'zone and node spreading is scheduling.zoneSpread / scheduling.nodeSpread');
    const known = ['name', 'queues', 'concurrency', 'replicas', 'image', 'customDatabaseConfigYml', 'topologySpreadConstraints', 'resources', 'affinity', 'nodeSelector', 'tolerations'];
    for (const [k, v] of Object.entries(w)) if (!known.includes(k) && isSet(v)) m.unmapped(`mastodon.sidekiq.workers[${i}].${k}`, v, 'no per-group counterpart; the group takes the mastodon.sidekiq settings');
    component(to, 'mastodon.sidekiq', w);
    return name;
  });
  // the definition holds an array: the paths above built an object keyed by index
  const sidekiq = m.def.sidekiq;
  if (isObject(sidekiq) && isObject(sidekiq.groups)) {
    const byIndex = sidekiq.groups;
    sidekiq.groups = groups.map((_, i) => byIndex[String(i)]);
  }
  m.take('mastodon.sidekiq.workers');

  if (sa) m.set('jobs.serviceAccount', sa, 'serviceAccount');
}

/** The Sidekiq groups of the definition built so far. */
function sidekiqGroups(m: Mapper): Json[] {
  const groups = m.built('sidekiq.groups');
  return Array.isArray(groups) ? groups.filter(isObject) : [];
}

function serviceAccount(m: Mapper): Json | undefined {
  const create = m.get('serviceAccount.create');
  const name = m.get('serviceAccount.name');
  const annotations = m.get('serviceAccount.annotations');
  // the charts create an account by default; it only matters here when it carries an identity
  if (!name && !annotations) return undefined;
  return { name: dnsName(name ?? 'mastodon'), create: create !== false, ...(annotations ? { annotations } : {}) };
}

function mapTraffic(m: Mapper, release: string): void {
  m.set('traffic.service.type', m.get('service.type'), 'service.type');
  if (m.get('ingress.enabled') === true) {
    m.set('traffic.ingress', {}, 'ingress.enabled');
    const classPath = snake(m, 'ingress.ingressClassName', 'ingress.className');
    const annotations = m.get('ingress.annotations') ?? {};
    // the class annotation is how older Ingresses named their class: it becomes the class (the API server refuses both at once)
    const legacyClass: string | undefined = annotations['kubernetes.io/ingress.class'];
    const className = m.get(classPath) ?? legacyClass;
    if (className) m.set('traffic.ingress.className', className, m.get(classPath) ? classPath : 'ingress.annotations.kubernetes.io/ingress.class');
    else m.note('the chart\'s Ingress had no class (the cluster\'s default IngressClass was used): traffic.ingress.className is nginx, change it if your controller is another');
    if (legacyClass && m.get(classPath) && legacyClass !== m.get(classPath)) m.unmapped('ingress.annotations.kubernetes.io/ingress.class', legacyClass, `${classPath} is the class (the API server rejects an Ingress that sets both)`);
    const own: Json = {};
    for (const [k, v] of Object.entries(annotations)) {
      const from = `ingress.annotations.${k}`;
      if (k === 'kubernetes.io/ingress.class') continue;
      if (k === ANNOTATIONS.clusterIssuer) m.set('traffic.ingress.clusterIssuer', v, from);
      else if (k === ANNOTATIONS.issuer) m.set('traffic.ingress.issuer', v, from);
      else if (k === ANNOTATIONS.bodySize) m.set('traffic.ingress.maxBodySize', v.toLowerCase(), from);
      else if (k.startsWith('nginx.ingress.kubernetes.io/proxy-')) m.unmapped(from, v, 'the generator sets the proxy timeouts and buffering each Ingress needs');
      // the definition refuses the annotations the Ingresses generate (the webfinger redirect, its CORS, Traefik's router settings)
      else if (GENERATED.includes(k)) m.unmapped(from, v, 'the generator sets it from the definition on the Ingresses that need it (traffic.ingress)');
      else own[k] = v;
    }
    if (Object.keys(own).length) m.set('traffic.ingress.annotations', own, 'ingress.annotations');
    // TLS at the Ingress only for a tls entry that covers the web host; otherwise it ends before the Ingress
    const webHost = String(m.built('webDomain') ?? m.built('domain'));
    const tls = m.get('ingress.tls') ?? [];
    const covering = tls.find((t) => t.hosts?.includes(webHost));
    const certManager = annotations[ANNOTATIONS.clusterIssuer] || annotations[ANNOTATIONS.issuer];
    if (covering && !certManager && covering.secretName) m.set('traffic.ingress.tlsSecret', covering.secretName, `ingress.tls[${tls.indexOf(covering)}].secretName`);
    else if (!covering && !certManager) {
      m.set('traffic.ingress.tls', 'external', tls.length ? 'ingress.tls' : '(no ingress.tls for the web host)');
      m.note(`no ingress.tls entry covers ${webHost}, so TLS ends before the Ingress (a load balancer, the controller's default certificate, a tunnel): traffic.ingress.tls is external`);
    }
    const hosts = (m.get('ingress.hosts') ?? []).flatMap((h) => (h.host ? [h.host] : []));
    const alternate = m.built('alternateDomains');
    const expected = [webHost, ...(Array.isArray(alternate) ? alternate : [])];
    const extra = hosts.filter((h) => !expected.includes(h) && h !== m.built('domain'));
    if (extra.length) m.unmapped('ingress.hosts', hosts, `the Ingress serves the definition's domains (${webHost}); ${extra.join(', ')} ${extra.length > 1 ? 'are' : 'is'} not among them`);
    if (m.get('ingress.streaming.enabled') === true) {
      const streamingHosts = m.get('ingress.streaming.hosts') ?? [];
      if (streamingHosts[0]?.host && !m.built('traffic.streamingHost')) m.set('traffic.streamingHost', streamingHosts[0].host, 'ingress.streaming.hosts[0].host');
      const streamingTls = m.get('ingress.streaming.tls')?.[0]?.secretName;
      const streamingClass = m.get(snake(m, 'ingress.streaming.ingressClassName', 'ingress.streaming.className'));
      // cert-manager issues the web certificate into <instance>-tls: a streaming Secret of that name would be claimed by
      // both Ingresses (synth refuses it), so the streaming hosts join the web certificate instead, as they do when the
      // chart gave both Ingresses one Secret
      const webSecret = certManager ? webTlsSecret({}, String(m.built('name'))) : undefined;
      if (streamingTls && streamingTls === webSecret) {
        m.note(`ingress.streaming.tls names ${streamingTls}, the Secret cert-manager issues the web certificate into: the streaming host is added to that certificate (traffic.ingress.streaming.tlsSecret is left out)`);
      }
      const ownSecret = streamingTls && streamingTls !== covering?.secretName && streamingTls !== webSecret ? streamingTls : undefined;
      m.set('traffic.ingress.streaming', {
        ...(streamingClass ? { className: streamingClass } : {}),
        ...(ownSecret ? { tlsSecret: ownSecret } : {}),
        ...(m.get('ingress.streaming.annotations') ? { annotations: m.get('ingress.streaming.annotations') } : {}),
      }, 'ingress.streaming');
    } else m.inert('ingress.streaming', 'the separate streaming Ingress is off');
    m.take('ingress.streaming', 'ingress.enabled', 'ingress.hosts', 'ingress.tls');
  } else {
    m.inert('ingress', 'ingress is off');
  }
  const ingressOn = Boolean(m.built('traffic.ingress'));
  // helm-charts 1.x turns its HTTPRoute on by default, attached to a placeholder Gateway: an Ingress the file enables wins
  if (m.get('httproute.enabled') === true && ingressOn && m.own('httproute.enabled') === undefined) {
    m.note(`the chart's default HTTPRoute (attached to its placeholder Gateway ${String(m.get('httproute.parentRefs')?.[0]?.name)}) is not carried over: the values enable an Ingress`);
    m.take('httproute');
  } else if (m.get('httproute.enabled') === true) {
    const parents = (m.get('httproute.parentRefs') ?? []).map((p) => ({ name: p.name, namespace: p.namespace ?? release, ...(p.sectionName ? { sectionName: p.sectionName } : {}) }));
    if (!parents.length) throw new ImportError('httproute.enabled without parentRefs: the definition needs a Gateway to attach to');
    m.set('traffic.gateway', { ...parents[0], ...(parents.length > 1 ? { extraParents: parents.slice(1) } : {}) }, 'httproute.parentRefs');
    const streamingParents = m.get('httproute.streamingParentRefs')?.map((p) => ({ name: p.name, namespace: p.namespace ?? release, ...(p.sectionName ? { sectionName: p.sectionName } : {}) }));
    if (streamingParents?.length) m.set('traffic.gateway.streamingParents', streamingParents, 'httproute.streamingParentRefs');
    m.set('traffic.gateway.annotations', m.get('httproute.annotations'), 'httproute.annotations');
    const streamingHosts = m.get('httproute.streamingHostnames');
    if (streamingHosts?.[0] && !m.built('traffic.streamingHost')) m.set('traffic.streamingHost', streamingHosts[0], 'httproute.streamingHostnames');
    const traffic = m.def.traffic;
    if (isObject(traffic) && traffic.ingress) {
      delete traffic.ingress;
      m.note('both ingress and httproute were enabled: the definition attaches to the Gateway only (one of them)');
    }
  } else {
    m.inert('httproute', 'httproute is off');
  }
  if (!m.built('traffic.ingress') && !m.built('traffic.gateway')) {
    m.set('traffic.ingress.tls', 'external', '(neither ingress nor httproute enabled with a Gateway)');
    m.note('the values enable neither an Ingress nor an HTTPRoute with its Gateway: traffic.ingress (ingress-nginx, TLS ending before it) was added; change it to how users reach the instance');
  }
}

function mapObservabilityAndExtras(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  if (m.get('mastodon.metrics.prometheus.enabled') === true) {
    m.set('metrics.prometheus', true, 'mastodon.metrics.prometheus.enabled');
    const detailed = m.get('mastodon.metrics.prometheus.web.detailed') === true || m.get('mastodon.metrics.prometheus.sidekiq.detailed') === true;
    if (detailed) m.set('metrics.detailed', true, 'mastodon.metrics.prometheus.web.detailed');
    const exporterPort = m.get('mastodon.metrics.prometheus.port');
    if (exporterPort !== undefined && exporterPort !== EXPORTER_PORT) m.set('metrics.exporterPort', exporterPort, 'mastodon.metrics.prometheus.port');
    m.take('mastodon.metrics.prometheus');
  } else m.inert('mastodon.metrics.prometheus', 'the Prometheus exporter is off');
  // values.yaml documents exporterUri; both charts' templates read endpointUri (so exporterUri alone renders an empty endpoint)
  const endpoint = (base: 'mastodon.otel' | 'mastodon.web.otel' | 'mastodon.sidekiq.otel') => m.get(`${base}.exporterUri`, `${base}.endpointUri`);
  const otelOn = m.get('mastodon.otel.enabled') === true;
  if (otelOn && endpoint('mastodon.otel')) {
    m.set('metrics.otel.endpoint', endpoint('mastodon.otel'), 'mastodon.otel.exporterUri');
    m.set('metrics.otel.serviceNamePrefix', m.get('mastodon.otel.namePrefix'), 'mastodon.otel.namePrefix');
    m.set('metrics.otel.serviceNameSeparator', m.get('mastodon.otel.nameSeparator'), 'mastodon.otel.nameSeparator');
    m.take('mastodon.otel.enabled');
  } else m.inert('mastodon.otel', otelOn ? 'OpenTelemetry is on without an endpoint' : 'OpenTelemetry is off');
  // each component may turn it on or off, or send elsewhere
  for (const [base, to] of [['mastodon.web.otel', 'web.otel'], ['mastodon.sidekiq.otel', 'sidekiq.groups']] as const) {
    const enabled = m.get(`${base}.enabled`);
    const uri = endpoint(base);
    if (enabled === undefined && !uri) continue;
    const own = { ...(enabled === false ? { enabled: false } : {}), ...(uri ? { endpoint: uri } : {}) };
    if (to === 'web.otel') m.set(to, own, base);
    else for (const g of sidekiqGroups(m)) g.otel = structuredClone(own);
    for (const k of ['namePrefix', 'nameSeparator'] as const) if (m.own(`${base}.${k}`)) m.unmapped(`${base}.${k}`, m.own(`${base}.${k}`), 'the service name prefix and separator are instance-wide (metrics.otel)');
  }

  envMap(m, 'mastodon.extraEnvVars', 'env');
  // optional services, typed in the definition; inline keys were refused before mapping
  const secretOf = (base: 'mastodon.deepl' | 'mastodon.hcaptcha', chart6Ref: 'mastodon.deepl.apiKeySecretRef' | 'mastodon.hcaptcha.secretKeySecretRef', field: 'apiKey', generated: string, fallbackKey: string): Json | undefined => {
    if (six) {
      const ref = m.get(chart6Ref);
      return ref?.name ? secretRef(ref.name, ref.key ?? fallbackKey) : undefined;
    }
    const existing = m.get(`${base}.existingSecret`);
    m.take(`${base}.existingSecretKeys`, `${base}.${field}`);
    return secretRef(existing ?? `${fullname(release)}-${generated}`, keyOf(m, base, field, fallbackKey));
  };
  if (m.get('mastodon.deepl.enabled') === true) {
    const key = secretOf('mastodon.deepl', 'mastodon.deepl.apiKeySecretRef', 'apiKey', 'deepl-auth', 'api-key');
    if (key) m.set('translation.deepl', { plan: m.get('mastodon.deepl.plan') === 'pro' ? 'pro' : 'free', apiKeySecret: key }, 'mastodon.deepl.enabled');
    else m.unmapped('mastodon.deepl.enabled', true, 'DeepL needs its API key in a Secret (apiKeySecretRef)');
    m.take('mastodon.deepl');
  } else m.inert('mastodon.deepl', 'DeepL is off');
  if (m.get('mastodon.hcaptcha.enabled') === true) {
    const key = secretOf('mastodon.hcaptcha', 'mastodon.hcaptcha.secretKeySecretRef', 'apiKey', 'hcaptcha-auth', 'api-key');
    if (key) m.set('captcha.hcaptcha', { siteKey: m.get('mastodon.hcaptcha.siteId'), secretKeySecret: key }, 'mastodon.hcaptcha.enabled');
    else m.unmapped('mastodon.hcaptcha.enabled', true, 'hCaptcha needs its secret key in a Secret (secretKeySecretRef)');
    m.take('mastodon.hcaptcha');
  } else m.inert('mastodon.hcaptcha', 'hCaptcha is off');
  if (m.get('mastodon.cacheBuster.enabled') === true) {
    // chart 6.x reads key "password" of authToken.existingSecret (deployment-web.yaml)
    const secret = six
      ? m.get('mastodon.cacheBuster.authToken.existingSecret')
      : (m.get('mastodon.cacheBuster.existingSecret') ?? `${fullname(release)}-cachebuster-auth`);
    m.set('cacheBuster', {
      ...(m.get('mastodon.cacheBuster.httpMethod') ? { httpMethod: m.get('mastodon.cacheBuster.httpMethod') } : {}),
      ...(m.get('mastodon.cacheBuster.authHeader') ? { secretHeader: m.get('mastodon.cacheBuster.authHeader') } : {}),
      ...(secret ? { secretSecret: secretRef(secret, six ? 'password' : keyOf(m, 'mastodon.cacheBuster', 'authToken', 'auth-token')) } : {}),
    }, 'mastodon.cacheBuster.enabled');
    m.take('mastodon.cacheBuster');
  } else m.inert('mastodon.cacheBuster', 'the cache buster is off');
  mapExternalAuth(m, release);
  m.take('serviceAccount', 'image', 'affinity', 'nodeSelector', 'tolerations', 'podAnnotations', 'resources', 'volumes', 'volumeMounts', 'mastodon.podLabels', 'podLabels');
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

function mapExternalAuth(m: Mapper, release: string): void {
  const six = m.flavor === 'chart-6';
  const onlyPath = snake(m, 'externalAuth.oauth_global.omniauth_only', 'externalAuth.oauthGlobal.omniauthOnly');
  if (m.get(onlyPath) === true) m.set('auth.omniauthOnly', true, onlyPath);
  for (const provider of AUTH_PROVIDER_NAMES) {
    const { fields, secrets, callback }: ProviderVariables = AUTH_PROVIDERS[provider];
    const base = `externalAuth.${provider}` as const;
    if (m.get(`${base}.enabled`) !== true) {
      m.inert(base, `${provider} sign-in is off`);
      continue;
    }
    const node: Json = structuredClone(m.get(base) ?? {});
    // where the chart reads credentials from: chart 6.x an LDAP passwordSecretRef, helm-charts 1.x existingSecret (or its own)
    const ref = isObject(node.passwordSecretRef) ? node.passwordSecretRef : undefined;
    delete node.passwordSecretRef;
    const { ENABLED: _, EXISTING_SECRET: existing, EXISTING_SECRET_KEYS_CLIENT_SECRET: secretKey, EXISTING_SECRET_KEYS_CLIENT_ID: idKey, EXISTING_SECRET_KEYS_PASSWORD: passwordKey, ...vars } = providerVariables(node);
    const settings: Json = {};
    const out: Json = { settings };
    for (const [suffix, value] of Object.entries(vars)) {
      const field = fields[suffix];
      if (field) out[field] = typeof value === 'boolean' || field === 'port' ? value : String(value);
      else if (secrets[suffix]) continue; // refused before mapping when set
      else if (suffix === callback?.suffix) m.unmapped(`${base}.${six ? suffix.toLowerCase() : suffix === 'ACS_URL' ? 'acsUrl' : 'redirectUri'}`, value, 'the callback URL is https://<webDomain>/auth/auth/<provider>/callback');
      else settings[suffix] = String(value);
    }
    const generated = `${fullname(release)}-${provider}-auth`;
    if (provider === 'oidc') {
      if (!six) {
        // helm-charts 1.x reads the client id and secret from a Secret, its own when none is given
        const secret = existing ? String(existing) : generated;
        if (existing) {
          if (out.clientId !== undefined && m.own('externalAuth.oidc.clientId')) m.unmapped('externalAuth.oidc.clientId', out.clientId, 'the chart reads the client id from existingSecret instead');
          delete out.clientId;
          out.clientIdSecret = secretRef(secret, String(idKey ?? 'client-id'));
        }
        out.clientSecretSecret = secretRef(secret, String(secretKey ?? 'client-secret'));
      } else {
        out.clientSecretSecret = secretRef('mastodon-oidc', 'client-secret');
        m.note('auth.oidc.clientSecretSecret is mastodon-oidc/client-secret (chart 6.x has no Secret for it): create that Secret with the client secret');
      }
    }
    if (provider === 'ldap') {
      if (six && ref?.name) out.passwordSecret = secretRef(String(ref.name), String(ref.key ?? 'password'));
      else if (!six) out.passwordSecret = secretRef(existing ? String(existing) : generated, String(passwordKey ?? 'password'));
    }
    m.set(`auth.${provider}`, out, `${base}.enabled`);
    m.take(base);
  }
  m.take('externalAuth.oauth_global', 'externalAuth.oauthGlobal');
}
