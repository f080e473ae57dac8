/**
 * The validation gate: every emitted object must validate against the Kubernetes 1.28 and 1.36 API
 * schemas, and every custom resource against its CRD, with unknown fields rejected (like
 * `kubectl --validate=strict`). Schemas are vendored under vendor/; validators are compiled by the
 * build because compiling the large CRDs would dominate run time (src/ajv-cache.ts).
 */
import { Hash, createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { cachedValidators } from '../ajv-cache';
import { CACHE_DIR } from '../paths';

export const KUBERNETES_VERSIONS = ['v1.28.0', 'v1.36.0'] as const;

/** Custom resources we emit, and the vendored CRD that defines each (see vendor/SOURCES.md). */
export const CRD_FILES: Record<string, string> = {
  'dragonflydb.io/v1alpha1/Dragonfly': 'dragonfly-operator/dragonflydb.io_dragonflies.yaml',
  'redis.redis.opstreelabs.in/v1beta2/RedisReplication': 'ot-redis-operator/redis.redis.opstreelabs.in_redisreplications.yaml',
  'redis.redis.opstreelabs.in/v1beta2/RedisSentinel': 'ot-redis-operator/redis.redis.opstreelabs.in_redissentinels.yaml',
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': 'flux/kustomize.toolkit.fluxcd.io_kustomizations.yaml',
  'source.toolkit.fluxcd.io/v1/GitRepository': 'flux/source.toolkit.fluxcd.io_gitrepositories.yaml',
  'source.toolkit.fluxcd.io/v1/OCIRepository': 'flux/source.toolkit.fluxcd.io_ocirepositories.yaml',
  'gateway.networking.k8s.io/v1/HTTPRoute': 'gateway-api/gateway.networking.k8s.io_httproutes.yaml',
  'external-secrets.io/v1/ExternalSecret': 'external-secrets/external-secrets.io_externalsecrets.yaml',
  'bitnami.com/v1alpha1/SealedSecret': 'sealed-secrets/bitnami.com_sealedsecrets.yaml',
  'monitoring.coreos.com/v1/PodMonitor': 'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
  'monitoring.coreos.com/v1/ServiceMonitor': 'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
  'monitoring.coreos.com/v1/PrometheusRule': 'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml',
  'keda.sh/v1alpha1/ScaledObject': 'keda/keda.sh_scaledobjects.yaml',
  'keda.sh/v1alpha1/TriggerAuthentication': 'keda/keda.sh_triggerauthentications.yaml',
  'postgresql.cnpg.io/v1/Cluster': 'cloudnative-pg/postgresql.cnpg.io_clusters.yaml',
  'postgresql.cnpg.io/v1/Pooler': 'cloudnative-pg/postgresql.cnpg.io_poolers.yaml',
  'postgresql.cnpg.io/v1/ScheduledBackup': 'cloudnative-pg/postgresql.cnpg.io_scheduledbackups.yaml',
};

/** Core kinds the generator emits; each is validated against both Kubernetes versions. */
export const CORE_KINDS = [
  'v1/ConfigMap',
  'v1/Namespace',
  'v1/PersistentVolumeClaim',
  'v1/Service',
  'v1/ServiceAccount',
  'apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'batch/v1/CronJob',
  'batch/v1/Job',
  'networking.k8s.io/v1/Ingress',
  'networking.k8s.io/v1/NetworkPolicy',
  'policy/v1/PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
];

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly [key: string]: unknown;
}

/** Add `additionalProperties: false` wherever properties are listed, as kubeconform -strict does. */
export function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'enum' || k === 'default' || k === 'example' ? v : strictify(v);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  // CRD patterns are Go RE2; the one construct JavaScript lacks is a leading (?i)
  if (typeof out.pattern === 'string' && out.pattern.includes('(?i)')) {
    out.pattern = out.pattern.replace('(?i)', '').replace(/[a-zA-Z]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
  }
  return out;
}

const FORMATS = ['int32', 'int64', 'double', 'float', 'byte', 'date-time', 'int-or-string', 'duration', 'uri', 'date', 'password', 'email', 'hostname', 'uuid'];

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, logger: false, unicodeRegExp: false, code: { source: true } });
  for (const f of FORMATS) ajv.addFormat(f, true);
  return ajv;
}

function errorText(e: ErrorObject): string {
  const at = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
    .join('')
    .replace(/^\./, '');
  if (e.keyword === 'additionalProperties') return `${at ? `${at}.` : ''}${e.params.additionalProperty}: unknown field`;
  return `${at || '(root)'}: ${e.message}`;
}

const PASSED_FILE = 'passed-objects.json';

/** Drops the memory of earlier passes (the build does, before the synthesis that writes the code caches). */
export function forgetPasses(cacheDir: string = CACHE_DIR): void {
  fs.rmSync(path.join(cacheDir, PASSED_FILE), { force: true });
}

export class SchemaGate {
  private readonly modules = new Map<string, Record<string, ValidateFunction>>();

  private readonly passedFile: string;
  private readonly passed: Set<string>;
  private readonly passedNow = new Set<string>();

  constructor(
    private readonly vendorDir: string,
    private readonly cacheDir: string = CACHE_DIR,
    /** reuse earlier passes of identical objects @default true */
    remember = true,
  ) {
    this.passedFile = path.join(cacheDir, PASSED_FILE);
    let passed: string[] = [];
    try {
      if (remember) passed = JSON.parse(fs.readFileSync(this.passedFile, 'utf8')) as string[];
    } catch {
      // no cache yet
    }
    this.passed = new Set(passed);
  }

  /** Problems of one object, each prefixed with the schema it failed; empty when valid. */
  validate(obj: KubeObject): string[] {
    const gvk = `${obj.apiVersion}/${obj.kind}`;
    // validation is a pure function of object and schema files: an identical object that passed
    // before passes again, without loading its validator
    const key = this.keyPrefix(gvk).copy().update(JSON.stringify(obj)).digest('hex');
    if (this.passed.has(key)) {
      this.passedNow.add(key);
      return [];
    }
    const problems = this.validateWithSchemas(obj, gvk);
    if (problems.length === 0) this.passedNow.add(key);
    return problems;
  }

  private readonly prefixes = new Map<string, Hash>();

  /** The hash of what a kind's cache keys begin with (the kinds compiled together, the schema files' digests), ready to take an object. */
  private keyPrefix(gvk: string): Hash {
    let prefix = this.prefixes.get(gvk);
    if (!prefix) {
      const schemaFiles = CRD_FILES[gvk]
        ? [path.join(this.vendorDir, 'crds', CRD_FILES[gvk])]
        : KUBERNETES_VERSIONS.map((v) => path.join(this.vendorDir, 'schemas', v, '_definitions.json'));
      prefix = createHash('sha256').update(`${CORE_KINDS.join()}\n${schemaFiles.map((f) => this.digest(f)).join()}\n`);
      this.prefixes.set(gvk, prefix);
    }
    return prefix;
  }

  /** Remember the objects that passed in this run, for the next one. */
  save(): void {
    // the file already says exactly this (an up-to-date run): writing it again would only cost a rename
    if (this.passedNow.size === this.passed.size && [...this.passedNow].every((k) => this.passed.has(k))) return;
    try {
      fs.mkdirSync(this.cacheDir, { recursive: true });
      const tmp = `${this.passedFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify([...this.passedNow].sort()));
      fs.renameSync(tmp, this.passedFile);
    } catch {
      // speed only
    }
  }

  private validateWithSchemas(obj: KubeObject, gvk: string): string[] {
    if (CRD_FILES[gvk]) return this.checkCustom(obj, gvk);
    const problems: string[] = [];
    for (const version of KUBERNETES_VERSIONS) {
      const label = `Kubernetes ${version}`;
      const validate = this.coreValidators(version)[gvk];
      if (!validate) problems.push(`${label}: no schema for ${obj.apiVersion} ${obj.kind} (add it to CORE_KINDS if it exists)`);
      else if (!validate(obj)) problems.push(...(validate.errors ?? []).map((e) => `${label}: ${errorText(e)}`));
    }
    return problems;
  }

  private checkCustom(obj: KubeObject, gvk: string): string[] {
    const file = path.join(this.vendorDir, 'crds', CRD_FILES[gvk]);
    const validate = this.compileMany(`crd:${gvk}:${this.digest(file)}`, () => {
      const schema = this.crdSchema(gvk);
      return { schemas: schema ? [{ $id: 'crd', ...(schema as object) }] : [], refs: schema ? { [gvk]: 'crd' } : {} };
    })[gvk];
    if (!validate) return [`CRD: no version ${obj.apiVersion} in ${CRD_FILES[gvk]}`];
    if (validate(obj)) return [];
    return (validate.errors ?? []).map((e) => `CRD: ${errorText(e)}`);
  }

  /**
   * Compiling every validator the gate can need, as separate jobs (the build writes them as modules,
   * src/ajv-cache.ts, and spreads the jobs over the cores). The weight is the schema's size, which is
   * what compiling costs; a core schema counts a quarter, only the emitted kinds are compiled from it.
   */
  precompileJobs(): { readonly weight: number; readonly run: () => void }[] {
    const size = (file: string) => fs.statSync(file).size;
    return [
      ...KUBERNETES_VERSIONS.map((version) => ({ weight: size(path.join(this.vendorDir, 'schemas', version, '_definitions.json')) / 4, run: () => void this.coreValidators(version) })),
      ...Object.keys(CRD_FILES).map((gvk) => ({
        weight: size(path.join(this.vendorDir, 'crds', CRD_FILES[gvk])),
        run: () => void this.checkCustom({ apiVersion: gvk.split('/').slice(0, -1).join('/'), kind: gvk.slice(gvk.lastIndexOf('/') + 1) }, gvk),
      })),
    ];
  }

  private readonly digests = new Map<string, string>();

  /** Content hash of a vendored schema file: the cache key, so parsing is skipped when cached. */
  private digest(file: string): string {
    let d = this.digests.get(file);
    if (!d) {
      d = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      this.digests.set(file, d);
    }
    return d;
  }

  private compileMany(key: string, build: () => { schemas: object[]; refs: Record<string, string> }): Record<string, ValidateFunction> {
    let loaded = this.modules.get(key);
    if (!loaded) {
      const make = () => {
        const { schemas, refs } = build();
        const ajv = newAjv();
        for (const s of schemas) ajv.addSchema(s);
        return { ajv, refs };
      };
      loaded = cachedValidators({ key, build: make });
      this.modules.set(key, loaded);
    }
    return loaded;
  }

  /**
   * Validators of every core kind we emit, compiled together so shared definitions (PodSpec,
   * ObjectMeta, ...) are generated once; one cached module per Kubernetes version.
   */
  private coreValidators(version: string): Record<string, ValidateFunction> {
    const file = path.join(this.vendorDir, 'schemas', version, '_definitions.json');
    const key = `core:${version}:${CORE_KINDS.join(',')}:${this.digest(file)}`;
    return this.compileMany(key, () => {
      const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { definitions: Record<string, Record<string, unknown>> };
      const byGvk = new Map<string, string>();
      for (const [name, def] of Object.entries(raw.definitions)) {
        for (const g of (def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined) ?? []) {
          byGvk.set(`${g.group ? `${g.group}/` : ''}${g.version}/${g.kind}`, name);
        }
      }
      const refs: Record<string, string> = {};
      for (const gvk of CORE_KINDS) {
        const name = byGvk.get(gvk);
        if (name) refs[gvk] = `k8s#/definitions/${name}`;
      }
      return { schemas: [{ $id: 'k8s', definitions: strictify(raw.definitions) }], refs };
    });
  }

  private crdSchema(gvk: string): unknown {
    const crd = parseYaml(fs.readFileSync(path.join(this.vendorDir, 'crds', CRD_FILES[gvk]), 'utf8')) as {
      spec: { versions: { name: string; schema: { openAPIV3Schema: Record<string, unknown> } }[] };
    };
    const version = gvk.split('/').slice(-2)[0];
    const v = crd.spec.versions.find((x) => x.name === version);
    return v ? strictify(v.schema.openAPIV3Schema) : undefined;
  }
}
