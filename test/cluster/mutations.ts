/**
 * The corpus of the API-server differential test (apiserver.test.ts): valid definitions (the bundled
 * instances, the everything-on definition of each release, one definition per feature, the importer's
 * output for its test corpus) and mutations of them derived from the definition schema's fields: every
 * string field gets the values Kubernetes names and keys trip over, every map odd keys and values, every
 * number its extremes, every list of objects a duplicate entry, and the Kubernetes-typed additions
 * (sidecars, volumes, mounts, affinity) the cases the API server validates beyond its OpenAPI schema.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { parse } from 'yaml';
import { everything } from '../everything';
import { Json, baseDefinition, definition } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');

export interface Base {
  readonly name: string;
  readonly definition: Json;
}

export interface Mutation {
  /** stable: base, field path and what was done; the allowlist names mutations by it */
  readonly id: string;
  readonly base: string;
  /** the definition field the mutation changes, as the error should name it */
  readonly path: (string | number)[];
  readonly definition: Json;
}

/** a container a sidecar or init container may add, complete enough for the generator's own rules */
const container = (name: string, extra: Json = {}): Json => ({
  name,
  image: 'registry.example/tool:1.0',
  resources: { requests: { cpu: '10m', memory: '16Mi', 'ephemeral-storage': '16Mi' }, limits: { memory: '32Mi', 'ephemeral-storage': '32Mi' } },
  securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
  ...extra,
});

/** Every pod addition the definition allows, valid, on one component. */
function podAdditions(): Json {
  return {
    nodeSelector: { 'node-pool': 'general' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'mastodon', effect: 'NoSchedule' }],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] } } },
        ],
      },
    },
    priorityClassName: 'mastodon-high',
    podAnnotations: { 'example.com/reload': 'true' },
    podLabels: { tier: 'app' },
    hostAliases: [{ ip: '10.1.2.3', hostnames: ['db.internal.example'] }],
    extraEnv: { FEATURE_FLAG: 'on' },
    envFrom: [{ configMap: 'extra-env' }],
    extraVolumes: [{ name: 'ca-certs', configMap: { name: 'ca-bundle' } }],
    extraVolumeMounts: [{ name: 'ca-certs', mountPath: '/etc/extra-ca', readOnly: true }],
    sidecars: [container('proxy', { ports: [{ name: 'proxy', containerPort: 8181 }] })],
    extraInitContainers: [container('wait')],
    serviceAccount: { name: 'mastodon-app', create: true, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/m' } },
  };
}

/** One definition per feature family, each valid (the constructs tests' fixtures, gathered here whole). */
export function featureBases(): Base[] {
  const sealed = 'Ag' + 'A'.repeat(80);
  return [
    { name: 'feature-minimal', definition: baseDefinition() },
    { name: 'feature-pods', definition: definition({ web: podAdditions(), streaming: podAdditions(), sidekiq: { groups: [{ name: 'all', queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', 'fasp'], ...podAdditions() }] }, jobs: podAdditions() }) },
    {
      name: 'feature-volume-gateway-dragonfly',
      definition: definition({
        namespace: 'social',
        labels: { team: 'social' },
        annotations: { 'example.com/owner': 'ops' },
        storage: { s3: undefined, volume: { size: '100Gi', accessMode: 'ReadWriteMany', storageClass: 'nfs-client' } },
        traffic: { ingress: undefined, gateway: { name: 'public', namespace: 'gateway-system', sectionName: 'https', httpSectionName: 'http', streamingParents: [{ name: 'streaming', namespace: 'gateway-system' }], annotations: { 'external-dns.alpha.kubernetes.io/ttl': '60' } }, service: { type: 'LoadBalancer', annotations: { 'example.com/lb': 'internal' } } },
        redis: {
          main: { external: undefined, dragonfly: { replicas: 2, storageClass: 'fast-ssd', passwordSecret: { name: 'redis', key: 'password' } } },
          sidekiq: { dragonfly: { snapshotS3: { uri: 's3://bucket/dragonfly', accessKeyIdSecret: { name: 's3', key: 'id' }, secretAccessKeySecret: { name: 's3', key: 'secret' } } } },
          cache: { redisOperator: { storageClass: 'fast-ssd', passwordSecret: { name: 'redis', key: 'password' } } },
        },
        secrets: {
          sources: {
            core: { externalSecret: { store: 'vault', data: { SECRET_KEY_BASE: 'mastodon/core#secret_key_base' }, extract: 'mastodon/core' } },
            db: { sealedSecret: { encryptedData: { password: sealed } } },
          },
        },
        maintenance: { profileMediaRemove: { enabled: true }, previewCardsRemove: { enabled: true }, statusesRemove: { enabled: true }, accountsPrune: { enabled: true }, mediaRemoveOrphans: { enabled: true } },
        env: { SINGLE_USER_MODE: 'false' },
        secretEnv: { EXTRA_SERVICE_KEY: { name: 'extra', key: 'key' } },
        caBundle: { configMap: 'ca-bundle' },
        translation: { deepl: { plan: 'pro', apiKeySecret: { name: 'deepl', key: 'key' } } },
        captcha: { hcaptcha: { siteKey: 'site', secretKeySecret: { name: 'hcaptcha', key: 'secret' } } },
        cacheBuster: { secretHeader: 'X-Purge', secretSecret: { name: 'cdn', key: 'secret' } },
        metrics: { prometheus: true, serviceMonitors: true, alerts: true },
      }),
    },
    {
      name: 'feature-ingress-options',
      definition: definition({
        traffic: {
          ingress: { className: 'nginx', clusterIssuer: undefined, tlsSecret: 'web-tls', maxBodySize: '100m', controllerConfig: true, annotations: { 'example.com/waf': 'on' }, streaming: { className: 'nginx-streaming', tlsSecret: 'streaming-tls' } },
          streamingHost: 'streaming.example.social',
          service: { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4', 'IPv6'] },
        },
        upgrade: { from: '4.4.5', strategy: 'downtime' },
        storage: { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce', existingClaim: 'media' } },
      }),
    },
  ];
}

export function instanceBases(): Base[] {
  const dir = path.join(ROOT, 'instances');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => ({ name: `instance-${f.replace(/\.yaml$/, '')}`, definition: parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Json }));
}

export function everythingBases(): Base[] {
  return ['4.3.9', '4.5.6', '4.7.2'].map((v) => ({ name: `everything-${v}`, definition: everything(v) }));
}

/** The importer run as an admin runs it on each file of its test corpus (needs the build: npm run build). */
export function importedBases(): Base[] {
  const corpus = path.join(ROOT, 'test/fixtures/helm/corpus');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mutations-import-'));
  try {
    return fs.readdirSync(corpus).filter((f) => f.endsWith('.yaml')).sort().map((file) => {
      const text = fs.readFileSync(path.join(corpus, file), 'utf8');
      const args = (/^# import: (.*)$/m.exec(text)?.[1] ?? '').split(/\s+/).filter(Boolean);
      const out = path.join(work, `${file}.out.yaml`);
      const r = spawnSync(process.execPath, [path.join(ROOT, 'build/src/import/main.js'), path.join(corpus, file), ...args, '--out', out, '--force'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`import of ${file} failed (${r.status}): ${r.stderr}`);
      return { name: `imported-${file.replace(/\.ya?ml$/, '')}`, definition: parse(fs.readFileSync(out, 'utf8')) as Json };
    });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------
// mutations derived from the schema

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  'x-kubernetes'?: string;
  [k: string]: unknown;
}

type FieldPath = (string | number)[];

const get = (node: unknown, p: FieldPath): unknown => p.reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Record<string | number, unknown>)[k] : undefined), node);

function set(def: Json, p: FieldPath, value: unknown): Json {
  const out = structuredClone(def);
  let n: any = out;
  for (const k of p.slice(0, -1)) {
    if (n[k] === undefined || n[k] === null) n[k] = typeof k === 'number' ? [] : {};
    n = n[k];
  }
  n[p[p.length - 1]] = value;
  return out;
}

const long = (n: number, c = 'a') => c.repeat(n);

/** Values a Kubernetes name, key or class trips over, from the field's own value. */
function stringEdges(current: string | undefined): [string, string][] {
  const v = current && current.length > 0 ? current : 'value';
  return [
    ['empty', ''],
    ['upper', v.toUpperCase() === v ? `${v}X` : v.toUpperCase()],
    ['underscore', `${v}_x`],
    ['space', `${v} x`],
    ['trailing-dash', `${v}-`],
    ['slash', `${v}/x`],
    ['len-64', (v + long(64)).slice(0, 64).replace(/[^a-z0-9]$/, 'a')],
    ['len-254', (v + long(254)).slice(0, 254).replace(/[^a-z0-9]$/, 'a')],
    ['newline', `${v}\nx`],
  ];
}

const LABEL_KEYS: [string, string][] = [
  ['upper-prefix', 'Example.com/key'],
  ['two-slashes', 'example.com/a/b'],
  ['empty-name', 'example.com/'],
  ['name-64', long(64)],
  ['prefix-254', `${long(250)}.com/key`],
  ['space', 'a key'],
  ['leading-dash', '-key'],
  ['empty', ''],
  ['generator-label', 'app.kubernetes.io/name'],
];
const LABEL_VALUES: [string, string][] = [
  ['len-64', long(64)],
  ['space', 'a value'],
  ['leading-dash', '-value'],
  ['unicode', 'ü'],
  ['slash', 'a/b'],
];
const ENV_KEYS: [string, string][] = [
  ['digit-first', '1VAR'],
  ['equals', 'A=B'],
  ['space', 'A B'],
  ['empty', ''],
  ['generator-var', 'LOCAL_DOMAIN'],
];

/** maps whose keys become label keys, annotation keys, environment names or something else */
function mapKind(p: FieldPath): 'labels' | 'annotations' | 'env' | 'other' {
  const last = String(p[p.length - 1]);
  if (/labels$/i.test(last) || last === 'nodeSelector') return 'labels';
  if (/annotations$/i.test(last)) return 'annotations';
  if (/env$/i.test(last)) return 'env';
  return 'other';
}

function integerEdges(node: SchemaNode): [string, number][] {
  const out: [string, number][] = [['zero', 0], ['negative', -1], ['int32-overflow', 2 ** 31], ['huge', 1e15]];
  if (node.minimum !== undefined) out.push(['minimum', node.minimum]);
  if (node.maximum !== undefined) out.push(['maximum', node.maximum]);
  return out;
}

const OBJECT_SIZE = 1_000_000;

/**
 * Walks the schema beside every base: each field is mutated in the first base where its parent object is
 * present (list items: the first one), so every field the schema has is tried once where it takes effect.
 */
export function schemaMutations(schema: SchemaNode, bases: readonly Base[]): Mutation[] {
  const out: Mutation[] = [];
  const seen = new Set<string>();
  const add = (base: Base, p: FieldPath, label: string, def: Json) => {
    const id = `${base.name}:${p.join('.')}:${label}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ id, base: base.name, path: p, definition: def });
  };
  const firstWith = (parent: FieldPath): Base | undefined => bases.find((b) => {
    const n = get(b.definition, parent);
    return n !== undefined && n !== null && typeof n === 'object';
  });

  const walk = (node: SchemaNode, p: FieldPath) => {
    if (node.type === 'object' && node.properties) {
      for (const [k, child] of Object.entries(node.properties)) walk(child, [...p, k]);
    }
    if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') {
      const base = firstWith(p.slice(0, -1));
      const values = node.additionalProperties;
      if (base && values.type === 'string') {
        const kind = mapKind(p);
        const current = (get(base.definition, p) as Json | undefined) ?? {};
        const keys = kind === 'env' ? ENV_KEYS : LABEL_KEYS;
        for (const [label, key] of keys) add(base, [...p, key], `key-${label}`, set(base.definition, p, { ...current, [key]: 'x' }));
        const key = kind === 'env' ? 'EXTRA_VALUE' : 'example.com/key';
        if (kind === 'labels') for (const [label, value] of LABEL_VALUES) add(base, [...p, key], `value-${label}`, set(base.definition, p, { ...current, [key]: value }));
        add(base, [...p, key], 'value-huge', set(base.definition, p, { ...current, [key]: long(OBJECT_SIZE, 'x') }));
        if (kind === 'annotations') add(base, [...p, key], 'value-300k', set(base.definition, p, { ...current, [key]: long(300 * 1024, 'x') }));
      } else if (base && values.type === 'object') {
        // a map of objects (Secret sources by name): odd names for the first entry
        const current = (get(base.definition, p) as Json | undefined) ?? {};
        const [first, value] = Object.entries(current)[0] ?? [];
        if (first !== undefined) for (const [label, key] of stringEdges(first)) add(base, [...p, key], `key-${label}`, set(base.definition, p, { [key]: value }));
        if (first !== undefined) walk(values, [...p, first]);
      }
      return;
    }
    if (node.type === 'array' && node.items) {
      const base = firstWith(p.slice(0, -1));
      const list = base ? get(base.definition, p) : undefined;
      if (base && Array.isArray(list) && list.length > 0) {
        if (node.items.type === 'object' || node.items['x-kubernetes']) add(base, [...p, 1], 'duplicate', set(base.definition, p, [...list, structuredClone(list[0])]));
        walk(node.items, [...p, 0]);
      } else if (base && node.items.type === 'string') {
        for (const [label, value] of stringEdges(undefined).slice(0, 4)) add(base, [...p, 0], label, set(base.definition, p, [value]));
      }
      return;
    }
    const parent = p.slice(0, -1);
    const base = firstWith(parent);
    if (!base) return;
    const current = get(base.definition, p);
    if (node.enum) {
      for (const value of node.enum) if (value !== current) add(base, p, `enum-${String(value)}`, set(base.definition, p, value));
    } else if (node.type === 'string') {
      for (const [label, value] of stringEdges(typeof current === 'string' ? current : undefined)) add(base, p, label, set(base.definition, p, value));
    } else if (node.type === 'integer' || node.type === 'number') {
      for (const [label, value] of integerEdges(node)) if (value !== current) add(base, p, label, set(base.definition, p, value));
    } else if (node.type === 'boolean') {
      add(base, p, `bool-${!current}`, set(base.definition, p, !current));
    }
  };
  walk(schema, []);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// the Kubernetes-typed additions: what the API server validates beyond their OpenAPI schemas

/** Main container and generated volume names of each component: what a sidecar or volume could clash with. */
const COMPONENTS: { path: FieldPath; containers: string[]; volumes: string[] }[] = [
  { path: ['web'], containers: ['web', 'exporter'], volumes: ['tmp'] },
  { path: ['streaming'], containers: ['streaming'], volumes: ['tmp'] },
  { path: ['sidekiq', 'groups', 0], containers: ['sidekiq'], volumes: ['tmp'] },
  { path: ['jobs'], containers: ['migrate', 'tootctl'], volumes: ['tmp'] },
];

function kubernetesCases(c: (typeof COMPONENTS)[number]): [string, Json][] {
  const probe = { httpGet: { path: '/health', port: 8181 } };
  return [
    ...c.containers.map((n): [string, Json] => [`sidecar-named-${n}`, { sidecars: [container(n)] }]),
    ...c.containers.map((n): [string, Json] => [`init-named-${n}`, { extraInitContainers: [container(n)] }]),
    ...c.volumes.map((n): [string, Json] => [`volume-named-${n}`, { extraVolumes: [{ name: n, emptyDir: { sizeLimit: '1Gi' } }], extraVolumeMounts: [{ name: n, mountPath: '/extra' }] }]),
    ['two-sidecars-same-name', { sidecars: [container('proxy'), container('proxy')] }],
    ['sidecar-name-upper', { sidecars: [container('Proxy')] }],
    ['sidecar-no-image', { sidecars: [{ ...container('proxy'), image: undefined }] }],
    ['sidecar-image-space', { sidecars: [container('proxy', { image: 'registry.example/tool: 1.0' })] }],
    ['sidecar-port-duplicate-name', { sidecars: [container('proxy', { ports: [{ name: 'http', containerPort: 8181 }] })] }],
    ['sidecar-port-name-long', { sidecars: [container('proxy', { ports: [{ name: 'a-very-long-port-name', containerPort: 8181 }] })] }],
    ['sidecar-port-zero', { sidecars: [container('proxy', { ports: [{ containerPort: 0 }] })] }],
    ['sidecar-port-65536', { sidecars: [container('proxy', { ports: [{ containerPort: 65536 }] })] }],
    ['sidecar-port-same-number', { sidecars: [container('proxy', { ports: [{ name: 'a', containerPort: 8181 }, { name: 'b', containerPort: 8181 }] })] }],
    ['sidecar-port-protocol', { sidecars: [container('proxy', { ports: [{ containerPort: 8181, protocol: 'HTTP' }] })] }],
    ['sidecar-probe-no-handler', { sidecars: [container('proxy', { readinessProbe: { periodSeconds: 5 } })] }],
    ['sidecar-probe-two-handlers', { sidecars: [container('proxy', { livenessProbe: { ...probe, tcpSocket: { port: 8181 } } })] }],
    ['sidecar-probe-named-port-missing', { sidecars: [container('proxy', { livenessProbe: { httpGet: { path: '/', port: 'nope' } } })] }],
    ['sidecar-readiness-success-threshold', { sidecars: [container('proxy', { livenessProbe: { ...probe, successThreshold: 2 } })] }],
    ['sidecar-env-value-and-from', { sidecars: [container('proxy', { env: [{ name: 'X', value: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })] }],
    ['sidecar-env-bad-name', { sidecars: [container('proxy', { env: [{ name: '1X', value: 'a' }] })] }],
    ['sidecar-env-bad-key', { sidecars: [container('proxy', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'a/b' } } }] })] }],
    ['sidecar-env-bad-secret-name', { sidecars: [container('proxy', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'S_1', key: 'k' } } }] })] }],
    ['sidecar-env-field-path', { sidecars: [container('proxy', { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }] })] }],
    ['sidecar-envfrom-prefix', { sidecars: [container('proxy', { envFrom: [{ prefix: '1_', configMapRef: { name: 'x' } }] })] }],
    ['sidecar-envfrom-two-sources', { sidecars: [container('proxy', { envFrom: [{ configMapRef: { name: 'x' }, secretRef: { name: 'y' } }] })] }],
    ['sidecar-request-above-limit', { sidecars: [container('proxy', { resources: { requests: { cpu: '10m', memory: '64Mi', 'ephemeral-storage': '16Mi' }, limits: { memory: '32Mi', 'ephemeral-storage': '32Mi' } } })] }],
    ['sidecar-quantity-bad', { sidecars: [container('proxy', { resources: { requests: { cpu: '10 m', memory: '16Mi', 'ephemeral-storage': '16Mi' }, limits: { memory: '32Mi', 'ephemeral-storage': '32Mi' } } })] }],
    ['sidecar-resource-name-bad', { sidecars: [container('proxy', { resources: { requests: { cpu: '10m', memory: '16Mi', 'ephemeral-storage': '16Mi', gpu: '1' }, limits: { memory: '32Mi', 'ephemeral-storage': '32Mi' } } })] }],
    ['sidecar-cpu-negative', { sidecars: [container('proxy', { resources: { requests: { cpu: '-1', memory: '16Mi', 'ephemeral-storage': '16Mi' }, limits: { memory: '32Mi', 'ephemeral-storage': '32Mi' } } })] }],
    ['sidecar-pull-policy', { sidecars: [container('proxy', { imagePullPolicy: 'Sometimes' })] }],
    ['sidecar-termination-policy', { sidecars: [container('proxy', { terminationMessagePolicy: 'Nope' })] }],
    ['sidecar-restart-policy', { sidecars: [container('proxy', { restartPolicy: 'Always' })] }],
    ['init-restart-policy-never', { extraInitContainers: [container('wait', { restartPolicy: 'Never' })] }],
    ['init-with-readiness', { extraInitContainers: [container('wait', { readinessProbe: { exec: { command: ['true'] } } })] }],
    ['init-lifecycle', { extraInitContainers: [container('wait', { lifecycle: { postStart: { exec: { command: ['true'] } } } })] }],
    ['sidecar-lifecycle-no-handler', { sidecars: [container('proxy', { lifecycle: { preStop: {} } })] }],
    ['sidecar-capability-lower', { sidecars: [container('proxy', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['all'] } } })] }],
    ['sidecar-run-as-root', { sidecars: [container('proxy', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 0, capabilities: { drop: ['ALL'] } } })] }],
    ['sidecar-seccomp-unconfined', { sidecars: [container('proxy', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'Unconfined' } } })] }],
    ['sidecar-proc-mount', { sidecars: [container('proxy', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, procMount: 'Unmasked' } })] }],
    ['sidecar-selinux', { sidecars: [container('proxy', { securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seLinuxOptions: { type: 'spc_t' } } })] }],
    ['sidecar-mount-missing-volume', { sidecars: [container('proxy', { volumeMounts: [{ name: 'nope', mountPath: '/nope' }] })] }],
    ['sidecar-mount-relative-path', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], sidecars: [container('proxy', { volumeMounts: [{ name: 'extra', mountPath: 'relative' }] })] }],
    ['sidecar-mount-colon', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], sidecars: [container('proxy', { volumeMounts: [{ name: 'extra', mountPath: '/a:b' }] })] }],
    ['sidecar-mount-subpath-absolute', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], sidecars: [container('proxy', { volumeMounts: [{ name: 'extra', mountPath: '/x', subPath: '/abs' }] })] }],
    ['sidecar-mount-subpath-dotdot', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], sidecars: [container('proxy', { volumeMounts: [{ name: 'extra', mountPath: '/x', subPath: '../up' }] })] }],
    ['sidecar-mount-both-subpaths', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], sidecars: [container('proxy', { volumeMounts: [{ name: 'extra', mountPath: '/x', subPath: 'a', subPathExpr: '$(B)' }] })] }],
    ['sidecar-mount-propagation', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], sidecars: [container('proxy', { volumeMounts: [{ name: 'extra', mountPath: '/x', mountPropagation: 'Bidirectional' }] })] }],
    ['sidecar-volume-device-missing', { sidecars: [container('proxy', { volumeDevices: [{ name: 'nope', devicePath: '/dev/x' }] })] }],
    ['mount-missing-volume', { extraVolumeMounts: [{ name: 'nope', mountPath: '/nope' }] }],
    ['mount-over-tmp', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], extraVolumeMounts: [{ name: 'extra', mountPath: '/opt/mastodon/tmp' }] }],
    ['mount-path-empty', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], extraVolumeMounts: [{ name: 'extra', mountPath: '' }] }],
    ['two-volumes-same-name', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }, { name: 'extra', emptyDir: { sizeLimit: '1Gi' } }] }],
    ['volume-two-sources', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' }, configMap: { name: 'x' } }] }],
    ['volume-no-source', { extraVolumes: [{ name: 'extra' }] }],
    ['volume-name-upper', { extraVolumes: [{ name: 'Extra', emptyDir: { sizeLimit: '1Gi' } }] }],
    ['volume-configmap-item-dotdot', { extraVolumes: [{ name: 'extra', configMap: { name: 'x', items: [{ key: 'a', path: '../a' }] } }] }],
    ['volume-configmap-item-absolute', { extraVolumes: [{ name: 'extra', configMap: { name: 'x', items: [{ key: 'a', path: '/a' }] } }] }],
    ['volume-configmap-item-bad-key', { extraVolumes: [{ name: 'extra', configMap: { name: 'x', items: [{ key: 'a/b', path: 'a' }] } }] }],
    ['volume-configmap-mode', { extraVolumes: [{ name: 'extra', configMap: { name: 'x', defaultMode: 512 } }] }],
    ['volume-secret-bad-name', { extraVolumes: [{ name: 'extra', secret: { secretName: 'Bad_Name' } }] }],
    ['volume-pvc-empty-claim', { extraVolumes: [{ name: 'extra', persistentVolumeClaim: { claimName: '' } }] }],
    ['volume-projected-empty-source', { extraVolumes: [{ name: 'extra', projected: { sources: [{}] } }] }],
    ['volume-projected-token-short', { extraVolumes: [{ name: 'extra', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 60 } }] } }] }],
    ['volume-downward-bad-field', { extraVolumes: [{ name: 'extra', downwardAPI: { items: [{ path: 'x', fieldRef: { fieldPath: 'spec.nope' } }] } }] }],
    ['volume-emptydir-medium', { extraVolumes: [{ name: 'extra', emptyDir: { medium: 'Disk', sizeLimit: '1Gi' } }] }],
    ['volume-emptydir-size-bad', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1 Gi' } }] }],
    ['volume-emptydir-size-negative', { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '-1Gi' } }] }],
    ['volume-ephemeral-no-template', { extraVolumes: [{ name: 'extra', ephemeral: {} }] }],
    ['volume-csi-no-driver', { extraVolumes: [{ name: 'extra', csi: { driver: '' } }] }],
    ['volume-hostpath', { extraVolumes: [{ name: 'extra', hostPath: { path: '/var' } }] }],
    ['affinity-empty-topology', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '', labelSelector: { matchLabels: { a: 'b' } } }] } } }],
    ['affinity-topology-bad', { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'not a key', labelSelector: { matchLabels: { a: 'b' } } }] } } }],
    ['affinity-operator-bad', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] } }] } } }],
    ['affinity-in-no-values', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } }] } } }],
    ['affinity-exists-values', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] } }] } } }],
    ['affinity-weight-zero', { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } }] } } }],
    ['affinity-weight-101', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 101, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }] } } }],
    ['affinity-node-gt-text', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['x'] }] }] } } } }],
    ['affinity-node-no-terms', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }],
    ['affinity-node-field-bad', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.label', operator: 'In', values: ['x'] }] }] } } } }],
    ['affinity-node-key-bad', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a b', operator: 'Exists' }] }] } } } }],
    ['affinity-namespace-selector-bad', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', namespaceSelector: { matchLabels: { 'a b': 'c' } } }] } } }],
    ['affinity-match-label-keys-overlap', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { a: 'b' } }, matchLabelKeys: ['a'] }] } } }],
    ['affinity-namespaces-bad', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', namespaces: ['Bad_NS'] }] } } }],
    ['tolerations-exists-value', { tolerations: [{ key: 'a', operator: 'Exists', value: 'b' }] }],
    ['tolerations-seconds-noschedule', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] }],
    ['tolerations-no-key-equal', { tolerations: [{ operator: 'Equal', value: 'b' }] }],
    ['tolerations-key-bad', { tolerations: [{ key: 'a b', operator: 'Exists' }] }],
    ['host-alias-ip-bad', { hostAliases: [{ ip: '10.0.0.256', hostnames: ['a.example'] }] }],
    ['host-alias-ip-leading-zero', { hostAliases: [{ ip: '010.0.0.1', hostnames: ['a.example'] }] }],
    ['host-alias-name-bad', { hostAliases: [{ ip: '10.0.0.1', hostnames: ['Not_A_Host'] }] }],
    ['host-alias-ip-cidr', { hostAliases: [{ ip: '10.0.0.0/8', hostnames: ['a.example'] }] }],
    ['priority-class-bad', { priorityClassName: 'Not_Valid' }],
    ['envfrom-bad-name', { envFrom: [{ configMap: 'a'.repeat(40) }] }],
    ['service-account-reserved', { serviceAccount: { name: 'default', create: true } }],
  ];
}

/**
 * Every case on web, and the name clashes on each component: the other components' pods are built by the
 * same code (constructs/workload.ts) from the same fields.
 */
export function kubernetesMutations(bases: readonly Base[]): Mutation[] {
  const base = bases.find((b) => b.name === 'feature-minimal')!;
  const out: Mutation[] = [];
  for (const c of COMPONENTS) {
    const cases = kubernetesCases(c).filter(([label]) => c.path[0] === 'web' || /-named-/.test(label));
    for (const [label, patch] of cases) {
      const current = (get(base.definition, c.path) as Json | undefined) ?? {};
      out.push({ id: `${base.name}:${c.path.join('.')}:${label}`, base: base.name, path: [...c.path, Object.keys(patch)[0]], definition: set(base.definition, c.path, { ...current, ...patch }) });
    }
  }
  return out;
}

/** Cross-field mutations the schema walk cannot make: names that clash once prefixed, long instance names. */
export function crossFieldMutations(bases: readonly Base[]): Mutation[] {
  const base = bases.find((b) => b.name === 'feature-minimal')!;
  const groups = (get(base.definition, ['sidekiq', 'groups']) as Json[]) ?? [];
  const g = groups[0];
  const cases: [string, FieldPath, Json][] = [
    ['name-40', ['name'], set(base.definition, ['name'], long(40, 'n'))],
    ['name-40-long-group', ['sidekiq', 'groups', 0, 'name'], set(set(base.definition, ['name'], long(40, 'n')), ['sidekiq', 'groups', 0, 'name'], long(40, 'g'))],
    ['group-names-clash', ['sidekiq', 'groups', 1, 'name'], set(base.definition, ['sidekiq', 'groups'], [g, { ...g, name: g.name, queues: ['default'] }])],
    ['namespace-40-flux-namespace', ['namespace'], set(base.definition, ['namespace'], long(40, 's'))],
    ['secret-sources-clash-core', ['secrets', 'sources'], set(base.definition, ['secrets', 'sources'], { core: { externalSecret: { store: 'vault', extract: 'core' } } })],
    ['version-huge', ['version'], set(base.definition, ['version'], '4.5.99999999999')],
    ['upgrade-from-future', ['upgrade', 'from'], set(base.definition, ['upgrade'], { from: '9.9.9' })],
  ];
  return cases.map(([label, p, def]) => ({ id: `${base.name}:${p.join('.')}:${label}`, base: base.name, path: p, definition: def }));
}
