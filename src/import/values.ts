/**
 * A typed view of the chart values the importer reads: both charts' keys in one tree (mastodon/chart 6.x
 * snake_case, mastodon/helm-charts 1.x camelCase), each leaf with the kind of value Helm's templates take
 * there. The importer's paths are checked against this tree when it is compiled, and every value it reads
 * is checked against the leaf's kind when it runs: a values file that puts a list where a host name
 * belongs stops the import with the key, instead of becoming "[object Object]" in the definition.
 */
import { isObject } from './defaults';

export class ImportError extends Error {}

export type Json = Record<string, unknown>;

type Kind = 'text' | 'int' | 'bool' | 'textMap' | 'textList' | 'list' | 'raw';

/** A leaf: the value's TypeScript type and the kind it is checked against. */
class Leaf<T> {
  declare readonly type?: T;
  constructor(readonly kind: Kind) {}
}

/** A list of mappings, each with some known keys (others are kept as they are). */
class Records<N extends Branch> {
  constructor(readonly item: N) {}
}

interface Branch {
  readonly [key: string]: Node;
}
type Node = Leaf<unknown> | Records<Branch> | Branch;

/** a scalar as text: Helm renders numbers and booleans into strings too */
const text = new Leaf<string>('text');
/** a whole number, or its digits as text */
const int = new Leaf<number>('int');
/** a switch: true or false, also as the strings Terraform's set writes (Helm's templates would take "false" for true) */
const bool = new Leaf<boolean>('bool');
/** string keys to scalars (labels, annotations, node selectors, extra variables), as text */
const textMap = new Leaf<Readonly<Record<string, string>>>('textMap');
const textList = new Leaf<readonly string[]>('textList');
/** a list carried over as written (tolerations, volumes) */
const list = new Leaf<readonly unknown[]>('list');
/** a Kubernetes structure carried over as written (affinity, resources), checked by the definition and the schema gate */
const raw = new Leaf<unknown>('raw');
const records = <N extends Branch>(item: N) => new Records(item);

const otel = { enabled: bool, exporterUri: text, endpointUri: text, namePrefix: text, nameSeparator: text };
const process = { resources: raw, affinity: raw, nodeSelector: textMap, tolerations: list, podAnnotations: textMap, podLabels: textMap, extraEnvVars: textMap, otel };
const image = { repository: text, tag: text };
const redisServer = { enabled: bool, hostname: text, port: int, existingSecret: text, existingSecretKeys: textMap, auth: { existingSecret: text, existingSecretKey: text } };
const smtpServer = {
  server: text,
  port: int,
  tls: bool,
  enable_starttls: text,
  enableStartTls: text,
  auth_method: text,
  authMethod: text,
  domain: text,
  openssl_verify_mode: text,
  opensslVerifyMode: text,
  ca_file: text,
  caFile: text,
  login: text,
  username: text,
  existingSecret: text,
  existingSecretKeys: textMap,
  from_address: text,
  fromAddress: text,
};
const volume = { existingClaim: text, accessMode: text, storageClassName: text, storageClass: text, resources: { requests: { storage: text } } };
const secretRef = { name: text, key: text };
const parentRef = { name: text, namespace: text, sectionName: text };
const provider = { enabled: bool };
const database = { database: text, username: text, existingSecret: text };
/** an optional service whose key sits in a Secret (chart 6.x: a reference; helm-charts 1.x: existingSecret) */
const keyed = { enabled: bool, existingSecret: text, existingSecretKeys: textMap };

export const VALUES = {
  image: { ...image, pullPolicy: text },
  imagePullSecrets: records({ name: text }),
  nodeSelector: textMap,
  tolerations: list,
  affinity: raw,
  podAnnotations: textMap,
  podLabels: textMap,
  resources: raw,
  volumes: list,
  volumeMounts: list,
  labels: textMap,
  jobLabels: textMap,
  jobAnnotations: textMap,
  timezone: text,
  serviceAccount: { create: bool, name: text, annotations: textMap },
  service: { type: text },
  ingress: {
    enabled: bool,
    annotations: textMap,
    ingressClassName: text,
    className: text,
    hosts: records({ host: text }),
    tls: records({ hosts: textList, secretName: text }),
    streaming: { enabled: bool, annotations: textMap, ingressClassName: text, className: text, hosts: records({ host: text }), tls: records({ hosts: textList, secretName: text }) },
  },
  httproute: { enabled: bool, annotations: textMap, parentRefs: records(parentRef), streamingParentRefs: records(parentRef), streamingHostnames: textList },
  postgresql: {
    enabled: bool,
    postgresqlHostname: text,
    postgresqlPort: int,
    hostname: text,
    port: int,
    preparedStatements: bool,
    direct: { hostname: text, port: int, database: text },
    auth: database,
    ...database,
    existingSecretKeys: textMap,
    readReplica: { hostname: text, port: int, auth: database, ...database, existingSecretKeys: textMap },
  },
  redis: { ...redisServer, sidekiq: redisServer, cache: redisServer },
  elasticsearch: { enabled: bool, hostname: text, port: int, tls: bool, preset: text, indexPrefix: text, user: text, username: text, existingSecret: text, existingSecretKeys: textMap, caSecret: secretRef },
  externalAuth: {
    oauth_global: { omniauth_only: bool },
    oauthGlobal: { omniauthOnly: bool },
    oidc: { ...provider, clientId: text },
    saml: provider,
    cas: provider,
    ldap: { ...provider, port: int },
    pam: provider,
  },
  mastodon: {
    local_domain: text,
    localDomain: text,
    web_domain: text,
    webDomain: text,
    alternate_domains: textList,
    alternateDomains: textList,
    trusted_proxy_ip: text,
    trustedProxyIp: text,
    singleUserMode: bool,
    authorizedFetch: bool,
    limitedFederationMode: bool,
    locale: text,
    forceLocale: bool,
    labels: textMap,
    podLabels: textMap,
    preparedStatements: bool,
    extraEnvVars: textMap,
    logLevel: { rails: text, streaming: text },
    createAdmin: { enabled: bool, username: text, email: text, nodeSelector: textMap },
    hooks: { dbMigrate: { nodeSelector: textMap }, dbPrepare: { nodeSelector: textMap }, deploySearch: { enabled: bool, nodeSelector: textMap } },
    cron: { removeMedia: { enabled: bool, schedule: text, nodeSelector: textMap } },
    secrets: { existingSecret: text, existingSecretKeys: textMap },
    s3: {
      enabled: bool,
      bucket: text,
      region: text,
      endpoint: text,
      hostname: text,
      protocol: text,
      permission: text,
      alias_host: text,
      aliasHost: text,
      multipart_threshold: int,
      multipartThreshold: int,
      override_path_style: bool,
      overridePathStyle: bool,
      existingSecret: text,
      existingSecretKeys: textMap,
    },
    persistence: { system: volume, assets: raw },
    pvc: { enabled: bool, system: volume, assets: raw },
    smtp: { ...smtpServer, reply_to: text, replyTo: text, return_path: text, returnPath: text, delivery_method: text, deliveryMethod: text, bulk: { ...smtpServer, enabled: bool } },
    web: { ...process, replicas: int, workers: int, maxThreads: int, minThreads: int, persistentTimeout: int },
    streaming: { ...process, replicas: int, image, base_url: text, baseUrl: text },
    sidekiq: {
      ...process,
      workers: records({
        name: text,
        queues: textList,
        concurrency: int,
        replicas: int,
        image,
        customDatabaseConfigYml: { configMapRef: { name: text } },
        topologySpreadConstraints: raw,
        resources: raw,
        affinity: raw,
        nodeSelector: textMap,
        tolerations: list,
      }),
    },
    metrics: { prometheus: { enabled: bool, port: int, web: { detailed: bool }, sidekiq: { detailed: bool } } },
    otel,
    deepl: { ...keyed, plan: text, apiKey: raw, apiKeySecretRef: secretRef },
    hcaptcha: { ...keyed, siteId: text, apiKey: raw, secretKeySecretRef: secretRef },
    cacheBuster: { ...keyed, httpMethod: text, authHeader: text, authToken: { existingSecret: text } },
  },
} as const;

/** What reading a node gives: a leaf's type; a mapping with its known keys typed (and any others). */
export type ValueOf<N> = N extends Leaf<infer T> ? T : N extends Records<infer I> ? readonly ValueOf<I>[] : { readonly [K in keyof N]?: ValueOf<N[K]> } & Readonly<Json>;

type PathsOf<N, P extends string> = N extends Leaf<unknown> | Records<Branch> ? never : { [K in keyof N & string]: `${P}${K}` | PathsOf<N[K], `${P}${K}.`> }[keyof N & string];

/** Every key of the view, as the dotted path the importer reads, takes or lists. */
export type ValuesPath = PathsOf<typeof VALUES, ''>;

type NodeAt<N, P extends string> = P extends keyof N ? N[P] : P extends `${infer H}.${infer R}` ? (H extends keyof N ? NodeAt<N[H], R> : never) : never;

/** The type of the value at a path. */
export type ValueAt<P extends ValuesPath> = P extends ValuesPath ? ValueOf<NodeAt<typeof VALUES, P>> : never;

/** The node of a path, found at run time. */
function nodeAt(path: string): Node {
  let node: Node = VALUES;
  // the view's keys hold no dots, so the path splits at each one
  for (const key of path.split('.')) {
    if (node instanceof Leaf || node instanceof Records || !(key in node)) throw new Error(`no key ${path} in the values view`);
    node = node[key];
  }
  return node;
}

function describe(v: unknown): string {
  return Array.isArray(v) ? 'a list' : isObject(v) ? 'a mapping' : JSON.stringify(v);
}

const unset = (v: unknown) => v === undefined || v === null;
const scalar = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** A value checked against its node and brought to the node's type; the path says where it is wrong. */
function coerce(node: Node, v: unknown, path: string): unknown {
  const wrong = (expected: string) => new ImportError(`${path}: expected ${expected}, found ${describe(v)}`);
  if (node instanceof Records) {
    if (!Array.isArray(v)) throw wrong('a list of mappings');
    return v.map((item, i) => {
      if (!isObject(item)) throw new ImportError(`${path}[${i}]: expected a mapping, found ${describe(item)}`);
      return coerce(node.item, item, `${path}[${i}]`);
    });
  }
  if (!(node instanceof Leaf)) {
    if (!isObject(v)) throw wrong('a mapping');
    const out: Json = {};
    for (const [k, value] of Object.entries(v)) {
      const child = node[k];
      if (unset(value)) continue;
      // an empty string stands for "not set" (Helm's templates test it for truth), except as text
      out[k] = child === undefined ? value : value === '' && !(child instanceof Leaf && child.kind === 'text') ? undefined : coerce(child, value, `${path}.${k}`);
    }
    return out;
  }
  switch (node.kind) {
    case 'text':
      if (!scalar(v)) throw wrong('a string');
      return String(v);
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^\s*-?[0-9]+\s*$/.test(v)) return Number(v);
      throw wrong('a whole number');
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw wrong('true or false');
    case 'textMap':
      if (!isObject(v)) throw wrong('a mapping of names to values');
      return Object.fromEntries(
        Object.entries(v)
          .filter(([, value]) => !unset(value))
          .map(([k, value]) => {
            if (!scalar(value)) throw new ImportError(`${path}.${k}: expected a string, found ${describe(value)}`);
            return [k, String(value)];
          }),
      );
    case 'textList':
      if (!Array.isArray(v)) throw wrong('a list');
      return v.map((item, i) => {
        if (!scalar(item)) throw new ImportError(`${path}[${i}]: expected a string, found ${describe(item)}`);
        return String(item);
      });
    case 'list':
      if (!Array.isArray(v)) throw wrong('a list');
      return v;
    case 'raw':
      return v;
  }
}

/**
 * The value at `path` of a values tree, checked against the view and typed by it (a Helm value set to null
 * reads as unset).
 */
export function readValue<P extends ValuesPath>(values: unknown, path: P): ValueAt<P> | undefined;
export function readValue(values: unknown, path: string): unknown {
  const value = path.split('.').reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), values);
  return unset(value) ? undefined : coerce(nodeAt(path), value, path);
}
