/**
 * How users reach web and streaming: Ingresses for ingress-nginx, Traefik or another controller (with
 * cert-manager or an existing TLS Secret) or Gateway API HTTPRoutes, and the account domain's well-known
 * paths for LOCAL_DOMAIN ≠ WEB_DOMAIN. NetworkPolicies: src/constructs/network-policy.ts.
 */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { k8s } from 'cdk8s-plus-28';
import * as gw from '../../imports/gateway-httproute-gateway.networking.k8s.io';
import { InstanceModel } from '../model/model';
import { formatVersion, parseVersion } from '../model/versions';
import { Problem, formatPath } from '../definition/problems';
import { checkObjects, refuse } from './checks';
import { hostsSchema, ingress as ingressSchema } from '../definition/schema';
import { InOf } from '../definition/schema-builder';
import { checkPart } from '../definition/load';
import { DEFAULT_MAX_BODY_SIZE, IngressControllerKind, controllerOf, ingressClassOf, ingressControllerWarnings } from '../model/ingress-controller';
import { InstanceIdentity, STREAMING_PORT, WEB_PORT, metadata } from './common';

export const STREAMING_PATH = '/api/v1/streaming';
/** Paths other servers query on the account domain; they must reach WEB_DOMAIN with CORS allowed. */
export const WELL_KNOWN_PATHS = ['/.well-known/webfinger', '/.well-known/host-meta', '/.well-known/nodeinfo'];
/** Mozilla "intermediate" cipher list: TLS 1.2 with forward secrecy and AEAD only (TLS 1.3 suites are fixed). */
export const MODERN_CIPHERS =
  'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';

export interface TrafficProps {
  readonly model: InstanceModel;
  readonly id: InstanceIdentity;
  readonly webService: string;
  readonly streamingService: string;
}

/** The host names an instance answers on. */
export interface InstanceHosts {
  /** LOCAL_DOMAIN, the account domain */
  readonly localDomain: string;
  /** WEB_DOMAIN */
  readonly webDomain: string;
  /** ALTERNATE_DOMAINS @default [] */
  readonly alternateDomains?: readonly string[];
  /** a separate streaming host (STREAMING_API_BASE_URL) @default - streaming on WEB_DOMAIN */
  readonly streamingHost?: string;
}

export function hostsOf(m: InstanceModel): InstanceHosts {
  return { localDomain: m.localDomain, webDomain: m.webDomain, alternateDomains: m.def.alternateDomains, streamingHost: m.def.traffic.streamingHost };
}

/** Host names served by the web front end: WEB_DOMAIN first, then alternate domains. */
export function webHosts(h: InstanceHosts): string[] {
  return [h.webDomain, ...(h.alternateDomains ?? []).filter((d) => d !== h.webDomain)];
}

function streamingHosts(h: InstanceHosts): string[] {
  return h.streamingHost ? [h.webDomain, h.streamingHost] : [h.webDomain];
}

/** hosts only streaming is served on */
function streamingOnly(h: InstanceHosts): string[] {
  return streamingHosts(h).filter((d) => !webHosts(h).includes(d));
}

function redirectsWebfinger(h: InstanceHosts): boolean {
  return h.localDomain !== h.webDomain;
}

function ingressRule(host: string, path: string, service: string, port: number): k8s.IngressRule {
  return { host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: port } } } }] } };
}

/** Annotations the Ingresses set from their fields: never given as annotations (the model and MastodonIngress refuse them). */
export const GENERATED_INGRESS_ANNOTATIONS = {
  clusterIssuer: 'cert-manager.io/cluster-issuer',
  issuer: 'cert-manager.io/issuer',
  bodySize: 'nginx.ingress.kubernetes.io/proxy-body-size',
  readTimeout: 'nginx.ingress.kubernetes.io/proxy-read-timeout',
  sendTimeout: 'nginx.ingress.kubernetes.io/proxy-send-timeout',
  buffering: 'nginx.ingress.kubernetes.io/proxy-buffering',
  redirect: 'nginx.ingress.kubernetes.io/permanent-redirect',
  cors: 'nginx.ingress.kubernetes.io/enable-cors',
  corsOrigin: 'nginx.ingress.kubernetes.io/cors-allow-origin',
  traefikEntryPoints: 'traefik.ingress.kubernetes.io/router.entrypoints',
  traefikTls: 'traefik.ingress.kubernetes.io/router.tls',
} as const;
const A = GENERATED_INGRESS_ANNOTATIONS;

type IngressSettings = InOf<typeof ingressSchema>;

/** The web certificate's Secret: the one given, else the one cert-manager issues into. */
export function webTlsSecret(ing: Pick<IngressSettings, 'tlsSecret'>, instance: string): string {
  return ing.tlsSecret ?? `${instance}-tls`;
}

/**
 * Problems of the ingress settings beyond their schema: one TLS source, a streaming certificate of its own that is
 * not the web one, a class for a generic controller, no annotation the Ingresses generate. `instance` names the
 * web certificate's Secret when cert-manager issues it (`<instance>-tls`).
 */
export function ingressSettingsProblems(ing: IngressSettings, instance: string): Problem[] {
  const problems: Problem[] = [];
  const tlsModes = (['clusterIssuer', 'issuer', 'tlsSecret', 'tls'] as const).filter((k) => ing[k] !== undefined);
  if (tlsModes.length !== 1) {
    problems.push({ path: [], message: `expected exactly one TLS source (clusterIssuer, issuer or tlsSecret), or tls: external when TLS ends before the Ingress; found ${tlsModes.length ? tlsModes.join(' and ') : 'none'}` });
  }
  // cert-manager makes one Certificate per Secret, from the first Ingress asking for it, and leaves it alone for the
  // other: both Ingresses asking for the same Secret leave one of them with a certificate that lacks its hosts
  const webSecret = webTlsSecret(ing, instance);
  if ((ing.clusterIssuer !== undefined || ing.issuer !== undefined) && ing.streaming?.tlsSecret === webSecret) {
    problems.push({
      path: ['streaming', 'tlsSecret'],
      message: `expected a Secret other than the web certificate's (${webSecret}), found ${webSecret}: cert-manager would issue it for the first Ingress that asks and leave out the other's hosts; leave streaming.tlsSecret out to share the web certificate`,
    });
  }
  if (ingressClassOf(ing) === undefined) problems.push({ path: ['className'], message: 'a generic controller has no known IngressClass: expected className (the class your controller serves), found none' });
  const generated: readonly string[] = Object.values(GENERATED_INGRESS_ANNOTATIONS);
  for (const key of Object.keys(ing.annotations ?? {})) {
    if (generated.includes(key)) problems.push({ path: ['annotations', key], message: `${key} is set by the generator from the definition (maxBodySize, traefikEntryPoints, clusterIssuer, ...); set it there` });
  }
  return problems;
}

/** The Ingresses of an instance: the definition's `traffic.ingress` fields (same checks and defaults) and the hosts they route. */
export interface MastodonIngressProps extends InstanceHosts {
  /** the instance: prefix of every object name and app.kubernetes.io/instance */
  readonly instance: string;
  /** the Mastodon release, e.g. 4.5.6: the version label */
  readonly version: string;
  /** @default - the Chart's namespace */
  readonly namespace?: string;
  /** the web Service @default `<instance>-web` */
  readonly webService?: string;
  /** the streaming Service @default `<instance>-streaming` */
  readonly streamingService?: string;
  /**
   * the controller serving className: only its annotations are emitted ('generic': none), and what it cannot
   * express is in `warnings` @default - 'traefik' when className is 'traefik', else 'ingress-nginx'
   */
  readonly controller?: IngressControllerKind;
  /** ingressClassName @default - 'nginx' for ingress-nginx, 'traefik' for traefik; required for generic */
  readonly className?: string;
  /** cert-manager ClusterIssuer of the certificate (one of clusterIssuer, issuer, tlsSecret, tls) @default - none */
  readonly clusterIssuer?: string;
  /** cert-manager Issuer of the certificate @default - none */
  readonly issuer?: string;
  /** an existing TLS Secret @default - none */
  readonly tlsSecret?: string;
  /** 'external': TLS ends before the Ingress, which has no tls section @default - none */
  readonly tls?: 'external';
  /** upload limit: ingress-nginx's proxy-body-size (Traefik sets none, a generic controller its own) @default '100m' */
  readonly maxBodySize?: string;
  /** Traefik entry points the routers listen on (router.entrypoints; traefik only) @default ['websecure'] */
  readonly traefikEntryPoints?: readonly string[];
  /** extra annotations of every Ingress, not the generated ones @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
  /** the streaming Ingress on its own class or certificate @default - the web Ingress's */
  readonly streaming?: { readonly className?: string; readonly tlsSecret?: string; readonly annotations?: Readonly<Record<string, string>> };
}

/**
 * What each controller is told per Ingress. ingress-nginx: upload limit, no buffering and an hour's idle
 * time for streaming, the webfinger redirect with CORS. Traefik buffers nothing and sets no upload limit
 * and no idle timeout on upgraded or streamed responses, so it needs only its entry points and TLS.
 */
function controllerAnnotations(kind: IngressControllerKind, ing: IngressSettings, role: 'web' | 'streaming' | 'webfinger', tls: boolean, webDomain: string): Record<string, string> {
  if (kind === 'traefik') return { [A.traefikEntryPoints]: (ing.traefikEntryPoints ?? []).join(','), ...(tls ? { [A.traefikTls]: 'true' } : {}) };
  if (kind !== 'ingress-nginx') return {};
  if (role === 'web') return { [A.bodySize]: ing.maxBodySize ?? DEFAULT_MAX_BODY_SIZE, [A.readTimeout]: '120' };
  // WebSockets and server-sent events stay open: no buffering, no 60 s idle cut
  if (role === 'streaming') return { [A.buffering]: 'off', [A.readTimeout]: '3600', [A.sendTimeout]: '3600' };
  return { [A.redirect]: `https://${webDomain}$request_uri`, [A.cors]: 'true', [A.corsOrigin]: '*' };
}

/** One Ingress per behaviour (annotations apply to a whole Ingress), written for the controller that serves them. */
export class MastodonIngress extends Construct {
  /** the web Ingress: `ApiObject.of(ingress)`; undefined when the props were refused */
  readonly web?: k8s.KubeIngress;
  /** the streaming Ingress (ingress-nginx: no buffering, long timeouts) */
  readonly streaming?: k8s.KubeIngress;
  /**
   * the account domain's well-known paths: ingress-nginx redirects them to WEB_DOMAIN, other controllers
   * forward them to web @default - none (LOCAL_DOMAIN = WEB_DOMAIN)
   */
  readonly webfinger?: k8s.KubeIngress;
  /** the controller the Ingresses are written for (the props' or its default) */
  readonly controller: IngressControllerKind;
  /** settings the controller cannot express (`field: what happens instead`); the CLI prints them as synth warnings */
  readonly warnings: readonly string[];

  constructor(scope: Construct, id: string, props: MastodonIngressProps) {
    super(scope, id);
    this.controller = controllerOf(props);
    this.warnings = ingressControllerWarnings(props, props, { ingress: [], webDomain: ['webDomain'] }).map((w) => `${formatPath(w.path)}: ${w.message}`);
    const { value: ing, problems: invalid } = checkPart(ingressSchema, {
      controller: props.controller,
      className: props.className,
      clusterIssuer: props.clusterIssuer,
      issuer: props.issuer,
      tlsSecret: props.tlsSecret,
      tls: props.tls,
      maxBodySize: props.maxBodySize,
      traefikEntryPoints: props.traefikEntryPoints,
      annotations: props.annotations,
      streaming: props.streaming,
    });
    const { problems: badHosts } = checkPart(hostsSchema, { localDomain: props.localDomain, webDomain: props.webDomain, alternateDomains: props.alternateDomains, streamingHost: props.streamingHost });
    const problems = [...invalid, ...badHosts, ...(ing ? ingressSettingsProblems(ing, props.instance) : [])];
    if (problems.length || !ing) {
      refuse(this, problems);
      return;
    }
    checkObjects(this);
    const kind = this.controller;
    const className = ingressClassOf(ing) ?? ''; // set by the schema's defaults; '' would fail the schema gate
    const parsed = parseVersion(props.version);
    const ident = { instance: props.instance, namespace: props.namespace, version: parsed ? `v${formatVersion(parsed)}` : props.version };
    const h: InstanceHosts = props;
    const webService = props.webService ?? `${props.instance}-web`;
    const streamingService = props.streamingService ?? `${props.instance}-streaming`;
    const tlsSecret = webTlsSecret(ing, props.instance);
    const allHosts = [...new Set([...webHosts(h), ...streamingHosts(h), ...(redirectsWebfinger(h) ? [h.localDomain] : [])])];
    const own = ing.streaming;
    // with its own certificate the streaming hosts leave the shared one
    // tls: external: TLS ends before the Ingress, which then has no tls section
    const tls: k8s.IngressTls[] | undefined = ing.tls === 'external' ? undefined : [{ hosts: own?.tlsSecret ? allHosts.filter((d) => !streamingOnly(h).includes(d)) : allHosts, secretName: tlsSecret }];
    const streamingTls = own?.tlsSecret ? [{ hosts: streamingHosts(h), secretName: own.tlsSecret }] : tls;
    // only the web Ingress asks cert-manager for the certificate, so one Certificate covers every host
    const certManager: Record<string, string> = ing.clusterIssuer ? { [A.clusterIssuer]: ing.clusterIssuer } : ing.issuer ? { [A.issuer]: ing.issuer } : {};
    const annotationsOf = (role: 'web' | 'streaming' | 'webfinger', roleTls: boolean) => controllerAnnotations(kind, ing, role, roleTls, h.webDomain);
    // no annotations at all: metadata without an empty map
    const nonEmpty = (a: Record<string, string>) => (Object.keys(a).length ? { annotations: a } : {});

    this.web = new L1.KubeIngress(this, 'Resource', {
      metadata: metadata(ident, `${props.instance}-web`, 'web', nonEmpty({ ...ing.annotations, ...certManager, ...annotationsOf('web', !!tls) })),
      spec: { ingressClassName: className, tls, rules: webHosts(h).map((d) => ingressRule(d, '/', webService, WEB_PORT)) },
    });

    this.streaming = new L1.KubeIngress(this, 'streaming', {
      metadata: metadata(ident, `${props.instance}-streaming`, 'streaming', nonEmpty({ ...ing.annotations, ...own?.annotations, ...(own?.tlsSecret ? certManager : {}), ...annotationsOf('streaming', !!streamingTls) })),
      spec: {
        ingressClassName: own?.className ?? className,
        tls: streamingTls,
        rules: streamingHosts(h).map((d) => ingressRule(d, STREAMING_PATH, streamingService, STREAMING_PORT)),
      },
    });

    if (redirectsWebfinger(h)) {
      this.webfinger = new L1.KubeIngress(this, 'webfinger', {
        metadata: metadata(ident, `${props.instance}-webfinger`, 'web', nonEmpty({ ...ing.annotations, ...annotationsOf('webfinger', !!tls) })),
        spec: {
          ingressClassName: className,
          tls,
          rules: [{ host: h.localDomain, http: { paths: WELL_KNOWN_PATHS.map((path) => ({ path, pathType: 'Prefix', backend: { service: { name: webService, port: { number: WEB_PORT } } } })) } }],
        },
      });
    }
  }
}

/** @deprecated the name before Traefik and generic controllers: MastodonIngress (its default controller is ingress-nginx) */
export const NginxIngress = MastodonIngress;
/** @deprecated MastodonIngressProps */
export type NginxIngressProps = MastodonIngressProps;

/** The props of the Ingresses of a validated instance (with traffic.ingress). */
export function ingressPropsOf(m: InstanceModel, ing: NonNullable<InstanceModel['def']['traffic']['ingress']>, services: { readonly webService: string; readonly streamingService: string }): MastodonIngressProps {
  return { ...ing, ...hostsOf(m), ...services, instance: m.name, namespace: m.namespace, version: formatVersion(m.version) };
}

/**
 * Controller-wide settings the instance relies on: TLS 1.2+ with modern ciphers, HSTS, and real client
 * addresses from X-Forwarded-For set by the cloud load balancer. Emitted only when the definition asks.
 */
export class NginxControllerConfig extends Construct {
  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const ing = props.model.def.traffic.ingress;
    if (!ing) return;
    new L1.KubeConfigMap(this, 'Resource', {
      metadata: { ...metadata(props.id, ing.controllerConfigName, 'ingress-controller'), namespace: props.model.ingressController?.namespace ?? ing.controllerNamespace },
      data: {
        'ssl-protocols': 'TLSv1.2 TLSv1.3',
        'ssl-ciphers': MODERN_CIPHERS,
        'ssl-prefer-server-ciphers': 'false',
        hsts: 'true',
        'hsts-max-age': String(ing.hstsMaxAgeSeconds),
        'hsts-include-subdomains': 'true',
        'use-forwarded-headers': 'true',
        'compute-full-forwarded-for': 'true',
        'proxy-body-size': ing.maxBodySize,
      },
    });
  }
}

/** Gateway API: the same routing as the Ingresses, attached to an existing Gateway that terminates TLS. */
export class GatewayRoutes extends Construct {
  constructor(scope: Construct, id: string, props: TrafficProps) {
    super(scope, id);
    const m = props.model;
    const g = m.def.traffic.gateway;
    if (!g) return;
    const parentRefs = [{ name: g.name, namespace: g.namespace, sectionName: g.sectionName }, ...g.extraParents.map((p) => ({ ...p }))];
    const prefix = (value: string) => ({ path: { type: gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value } });
    const streamingParents = g.streamingParents;
    const ownStreaming = streamingParents !== undefined;
    const routeMeta = Object.keys(g.annotations).length ? { annotations: { ...g.annotations } } : {};
    const hostnames = [...new Set([...webHosts(hostsOf(m)), ...(ownStreaming ? [] : streamingHosts(hostsOf(m)))])];
    // streaming responses last as long as the client stays: "0s" disables the request timeouts (GEP-1742)
    const streamingRule = { matches: [prefix(STREAMING_PATH)], backendRefs: [{ name: props.streamingService, port: STREAMING_PORT }], timeouts: { request: '0s', backendRequest: '0s' } };

    new L1.HttpRoute(this, 'Resource', {
      metadata: metadata(props.id, `${m.name}-web`, 'web', routeMeta),
      spec: {
        parentRefs,
        hostnames,
        rules: [...(ownStreaming ? [] : [streamingRule]), { matches: [prefix('/')], backendRefs: [{ name: props.webService, port: WEB_PORT }] }],
      },
    });
    if (streamingParents) {
      new L1.HttpRoute(this, 'streaming', {
        metadata: metadata(props.id, `${m.name}-streaming`, 'streaming', routeMeta),
        spec: { parentRefs: streamingParents.map((p) => ({ ...p })), hostnames: streamingHosts(hostsOf(m)), rules: [streamingRule] },
      });
    }

    if (redirectsWebfinger(hostsOf(m))) {
      new L1.HttpRoute(this, 'webfinger', {
        metadata: metadata(props.id, `${m.name}-webfinger`, 'web', routeMeta),
        spec: {
          parentRefs,
          hostnames: [m.localDomain],
          rules: [
            {
              matches: WELL_KNOWN_PATHS.map(prefix),
              filters: [
                {
                  type: gw.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                  requestRedirect: { scheme: gw.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, hostname: m.webDomain, statusCode: gw.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 },
                },
                { type: gw.HttpRouteSpecRulesFiltersType.RESPONSE_HEADER_MODIFIER, responseHeaderModifier: { set: [{ name: 'Access-Control-Allow-Origin', value: '*' }] } },
              ],
            },
          ],
        },
      });
    }

    if (g.httpSectionName) {
      new L1.HttpRoute(this, 'https-redirect', {
        metadata: metadata(props.id, `${m.name}-https-redirect`, 'web', routeMeta),
        spec: {
          parentRefs: [{ name: g.name, namespace: g.namespace, sectionName: g.httpSectionName }],
          hostnames: [...new Set([...hostnames, ...(redirectsWebfinger(hostsOf(m)) ? [m.localDomain] : [])])],
          rules: [
            {
              filters: [
                {
                  type: gw.HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                  requestRedirect: { scheme: gw.HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: gw.HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 },
                },
              ],
            },
          ],
        },
      });
    }
  }
}
