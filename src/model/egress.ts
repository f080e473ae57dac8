/**
 * Where each process connects to: the servers of the definition, by process, as NetworkPolicy peers.
 * NetworkPolicies match addresses, not names, so a server is placed by how it is written: an address
 * is itself, `<service>.<namespace>.svc[...]` (or one label: the instance namespace) is that
 * namespace's pods, and any other DNS name is the networks traffic.egress.hostCidrs gives for it or,
 * without an entry, every address but the metadata ones (on that port only).
 */
import { isIP } from 'node:net';
import { FieldPath, show } from '../definition/problems';
import { Instance } from '../definition/schema';
import { RedisEndpoint } from './redis';

/** the pods whose outgoing connections differ: web, streaming, Sidekiq, the Rails Jobs, and the Jobs that call the API server */
export type EgressProcess = 'web' | 'streaming' | 'sidekiq' | 'job' | 'kube-api';

export interface Cidr {
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly prefix: number;
  readonly text: string;
}

/** One NetworkPolicy peer (ipBlock, or the pods of a namespace). */
export type EgressPeer =
  | { readonly ipBlock: { readonly cidr: string; readonly except?: readonly string[] } }
  | { readonly namespace: string; readonly podLabels?: Readonly<Record<string, string>> };

export interface EgressEndpoint {
  /** what it is, for reviews and errors: the definition field */
  readonly field: string;
  readonly host: string;
  readonly ports: readonly number[];
  readonly protocols?: readonly ('TCP' | 'UDP')[];
  readonly processes: readonly EgressProcess[];
  readonly peers: readonly EgressPeer[];
}

const width = (family: 4 | 6) => (family === 4 ? 32 : 128);

function addressBits(address: string): bigint | undefined {
  if (isIP(address) === 4) return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  if (isIP(address) !== 6) return undefined;
  let text = address;
  // an embedded IPv4 tail (::ffff:1.2.3.4) as two groups
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = addressBits(v4[1]) ?? 0n;
    text = text.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** A CIDR, or the reason it is none (host bits set, prefix too long, no address). */
export function parseCidr(text: string): Cidr | string {
  const [address, prefixText] = text.split('/');
  const family = isIP(address);
  if (family === 0 || prefixText === undefined || !/^[0-9]{1,3}$/.test(prefixText)) return `expected a network in CIDR notation such as 10.0.0.0/8, found ${show(text)}`;
  const f = family as 4 | 6;
  const prefix = Number(prefixText);
  if (prefix > width(f)) return `expected a prefix length of at most ${width(f)}, found ${show(text)}`;
  const bits = addressBits(address) ?? 0n; // isIP() above: always an address
  const host = width(f) - prefix;
  if (host > 0 && (bits & ((1n << BigInt(host)) - 1n)) !== 0n) {
    const network = (bits >> BigInt(host)) << BigInt(host);
    return `expected the network address (host bits zero: ${formatBits(f, network)}/${prefix}), found ${show(text)}`;
  }
  return { family: f, bits, prefix, text };
}

function formatBits(family: 4 | 6, bits: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((bits >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bits >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** true when `inner` lies wholly inside `outer` and is smaller (what an ipBlock's except must be) */
export function strictlyInside(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const shift = BigInt(width(outer.family) - outer.prefix);
  return inner.bits >> shift === outer.bits >> shift;
}

/** `inner` within or equal to `outer` */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && (strictlyInside(inner, outer) || (inner.prefix === outer.prefix && inner.bits === outer.bits));
}

/** An ipBlock of `cidr` without every excluded network inside it. */
export function ipBlock(cidr: Cidr, excluded: readonly Cidr[]): EgressPeer {
  const except = [...new Set(excluded.filter((e) => strictlyInside(e, cidr)).map((e) => e.text))];
  return { ipBlock: { cidr: cidr.text, ...(except.length ? { except } : {}) } };
}

const ANYWHERE = [parseCidr('0.0.0.0/0') as Cidr, parseCidr('::/0') as Cidr];

/** A server written as a host or URL: its host name or address, and port. */
export function serverAddress(value: string, defaultPort: number): { host: string; port: number } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    const url = new URL(value);
    const schemePorts: Record<string, number> = { 'https:': 443, 'http:': 80, 'ldaps:': 636, 'ldap:': 389, 'rediss:': 6379, 'redis:': 6379, 'grpc:': 4317 };
    const port = url.port ? Number(url.port) : (schemePorts[url.protocol] ?? defaultPort);
    return { host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
  }
  const hostPort = /^(\[[0-9a-fA-F:.]+\]|[^:/]+):([0-9]{1,5})(\/.*)?$/.exec(value);
  if (hostPort) return { host: hostPort[1].replace(/^\[|\]$/g, '').toLowerCase(), port: Number(hostPort[2]) };
  return { host: value.replace(/\/.*$/, '').toLowerCase(), port: defaultPort };
}

export interface EgressPlan {
  readonly endpoints: readonly EgressEndpoint[];
  /** the public internet: every address but the private, cluster and metadata ones */
  readonly internet: readonly EgressPeer[];
  readonly metadata: readonly Cidr[];
  readonly dns: readonly EgressPeer[];
  readonly apiServer: readonly EgressPeer[];
  /** processes that reach the public internet */
  readonly federating: readonly EgressProcess[];
}

/** Which processes connect to which server of the definition, and where those servers are. */
export function egressPlan(def: Instance, namespace: string, redis: Record<'main' | 'sidekiq' | 'cache', RedisEndpoint>, error: (p: FieldPath, m: string) => void): EgressPlan {
  const e = def.traffic.egress;
  const cidrs = (list: readonly string[], path: FieldPath) =>
    list.flatMap((text, i) => {
      const c = parseCidr(text);
      if (typeof c === 'string') {
        error([...path, i], c);
        return [];
      }
      return [c];
    });
  const metadata = cidrs(e.metadataCidrs, ['traffic', 'egress', 'metadataCidrs']);
  const privateCidrs = cidrs(e.privateCidrs, ['traffic', 'egress', 'privateCidrs']);
  const excludingMetadata = (list: readonly Cidr[]) => list.map((c) => ipBlock(c, metadata));
  /** networks the definition allows explicitly: never a metadata network itself */
  const allowed = (list: readonly string[], path: FieldPath) => {
    const found = cidrs(list, path);
    found.forEach((c) => {
      if (metadata.some((m) => within(c, m))) error([...path, list.indexOf(c.text)], `expected a network outside the cloud metadata networks (traffic.egress.metadataCidrs), found ${c.text}`);
    });
    return found.filter((c) => !metadata.some((m) => within(c, m)));
  };

  const hostCidrs: Map<string, Cidr[]> = new Map(Object.entries(e.hostCidrs).map(([host, list]) => [host.toLowerCase(), allowed(list, ['traffic', 'egress', 'hostCidrs', host])]));
  const endpoints: EgressEndpoint[] = [];
  const add = (path: FieldPath, value: string, defaultPort: number, processes: EgressProcess[], portOverride?: number) => {
    const { host, port } = serverAddress(value, defaultPort);
    const ports = [portOverride ?? port];
    let peers: EgressPeer[];
    const family = isIP(host);
    const service = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\..*)?$/.exec(host);
    if (family) {
      const c = parseCidr(`${host}/${family === 4 ? 32 : 128}`) as Cidr;
      if (metadata.some((m) => within(c, m))) error(path, `expected a server outside the cloud metadata networks (traffic.egress.metadataCidrs), found ${host}`);
      peers = [ipBlock(c, metadata)];
    } else if (hostCidrs.get(host)) {
      peers = excludingMetadata(hostCidrs.get(host) ?? []);
    } else if (service) {
      peers = [{ namespace: service[3] }];
    } else if (!host.includes('.')) {
      peers = [{ namespace }];
    } else {
      peers = excludingMetadata(ANYWHERE);
    }
    endpoints.push({ field: path.join('.'), host, ports, processes, peers });
  };

  // PostgreSQL: Jobs always connect directly; the processes through the pooler when there is one
  const db = def.database;
  const streamingOnReplica = db.replica?.streaming === true;
  add(['database', 'host'], db.host, db.port, db.pooler ? ['job'] : streamingOnReplica ? ['web', 'sidekiq', 'job'] : ['web', 'streaming', 'sidekiq', 'job'], db.port);
  if (db.pooler) add(['database', 'pooler', 'host'], db.pooler.host, db.pooler.port, streamingOnReplica ? ['web', 'sidekiq'] : ['web', 'streaming', 'sidekiq'], db.pooler.port);
  if (db.replica) add(['database', 'replica', 'host'], db.replica.host, db.replica.port, streamingOnReplica ? ['web', 'streaming', 'sidekiq', 'job'] : ['web', 'sidekiq', 'job'], db.replica.port);

  // Redis: streaming subscribes on main; the Rails processes use every role
  const seen = new Set<string>();
  for (const ep of Object.values(redis)) {
    const owner = ep.inherited ? 'main' : ep.role;
    if (seen.has(owner)) continue;
    seen.add(owner);
    const processes: EgressProcess[] = owner === 'main' ? ['web', 'streaming', 'sidekiq', 'job'] : ['web', 'sidekiq', 'job'];
    if (ep.backend === 'external') {
      if (ep.host) add(['redis', owner, 'external', 'host'], ep.host, ep.port, processes, ep.port);
    } else {
      // the operator's pods in the instance namespace: Redis, and Sentinel for the OT operator
      const ports = ep.sentinel ? [6379, 26379] : [6379];
      endpoints.push({ field: ['redis', owner, ep.backend].join('.'), host: ep.resourceName ?? '', ports, processes, peers: [{ namespace }] });
    }
  }

  if (def.search) add(['search', 'host'], def.search.host, def.search.port, ['web', 'sidekiq', 'job'], def.search.port);
  const s3 = def.storage.s3;
  if (s3) {
    const s3Port = s3.protocol === 'https' ? 443 : 80;
    add(['storage', 's3', s3.endpoint ? 'endpoint' : 'region'], s3.endpoint ?? `${s3.protocol}://s3.${s3.region}.amazonaws.com`, s3Port, ['web', 'sidekiq', 'job']);
  }
  if (def.smtp && def.smtp.deliveryMethod === 'smtp') {
    add(['smtp', 'server'], def.smtp.server, def.smtp.port, ['sidekiq'], def.smtp.port);
    if (def.smtp.bulk) add(['smtp', 'bulk', 'server'], def.smtp.bulk.server, def.smtp.bulk.port, ['sidekiq'], def.smtp.bulk.port);
  }
  // traces: each component's own endpoint over metrics.otel
  const otel = def.metrics.otel?.endpoint;
  const otelOf = (own: { enabled: boolean; endpoint?: string } | undefined) => (own?.enabled === false ? undefined : (own?.endpoint ?? otel));
  const webOtel = otelOf(def.web.otel);
  if (webOtel) add(def.web.otel?.endpoint ? ['web', 'otel', 'endpoint'] : ['metrics', 'otel', 'endpoint'], webOtel, 4318, ['web']);
  def.sidekiq.groups.forEach((g, i) => {
    const groupOtel = otelOf(g.otel);
    if (groupOtel) add(g.otel?.endpoint ? ['sidekiq', 'groups', i, 'otel', 'endpoint'] : ['metrics', 'otel', 'endpoint'], groupOtel, 4318, ['sidekiq']);
  });
  if (otel) add(['metrics', 'otel', 'endpoint'], otel, 4318, ['job']);
  // sign-in and translation servers (often in the cluster, so never left to the internet rule)
  const a = def.auth;
  if (a?.ldap) add(['auth', 'ldap', 'host'], a.ldap.host, a.ldap.port, ['web', 'sidekiq'], a.ldap.port);
  if (a?.oidc) {
    for (const k of ['issuer', 'tokenEndpoint', 'userInfoEndpoint', 'jwksUri'] as const) {
      const url = a.oidc[k];
      if (url) add(['auth', 'oidc', k], url, 443, ['web', 'sidekiq']);
    }
  }
  if (a?.cas) add(['auth', 'cas', 'url'], a.cas.url, 443, ['web', 'sidekiq']);
  if (def.translation?.libreTranslate) add(['translation', 'libreTranslate', 'endpoint'], def.translation.libreTranslate.endpoint, 443, ['web', 'sidekiq']);

  const dnsCidrs = allowed(e.dns.cidrs, ['traffic', 'egress', 'dns', 'cidrs']);
  const dns: EgressPeer[] = [{ namespace: e.dns.namespace, podLabels: e.dns.podLabels }, ...dnsCidrs.map((c) => ipBlock(c, metadata))];
  const internet = ANYWHERE.map((c) => ipBlock(c, [...metadata, ...privateCidrs]));
  const apiServer = excludingMetadata(allowed(e.apiServerCidrs, ['traffic', 'egress', 'apiServerCidrs']));
  return { endpoints, internet, metadata, dns, apiServer, federating: e.internet ? ['web', 'sidekiq'] : [] };
}
