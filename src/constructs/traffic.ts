/**
 * How users reach web and streaming: ingress-nginx Ingresses (with cert-manager or an existing TLS
 * Secret) or Gateway API HTTPRoutes, the webfinger redirect for LOCAL_DOMAIN ≠ WEB_DOMAIN, and
 * NetworkPolicies that admit only the ingress controller or gateway.
 */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { k8s } from 'cdk8s-plus-28';
import * as gw from '../../imports/gateway-httproute-gateway.networking.k8s.io';
import { InstanceModel } from '../model/model';
import { InstanceIdentity, STREAMING_PORT, WEB_PORT, metadata, selectorLabels } from './common';

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

/** Host names served by the web front end: WEB_DOMAIN first, then alternate domains. */
export function webHosts(m: InstanceModel): string[] {
  return [m.webDomain, ...m.def.alternateDomains.filter((h) => h !== m.webDomain)];
}

function streamingHosts(m: InstanceModel): string[] {
  return m.def.traffic.streamingHost ? [m.webDomain, m.def.traffic.streamingHost] : [m.webDomain];
}

/** hosts only streaming is served on */
function streamingOnly(m: InstanceModel): string[] {
  return streamingHosts(m).filter((h) => !webHosts(m).includes(h));
}

function redirectsWebfinger(m: InstanceModel): boolean {
  return m.localDomain !== m.webDomain;
}

function ingressRule(host: string, path: string, service: string, port: number): k8s.IngressRule {
  return { host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: service, port: { number: port } } } }] } };
}

/** ingress-nginx: one Ingress per behaviour, since annotations apply to a whole Ingress. */
export class NginxIngress extends Construct {
  /** the web Ingress: `ApiObject.of(ingress)` */
  readonly web: k8s.KubeIngress;
  /** the streaming Ingress (no buffering, long timeouts) */
  readonly streaming: k8s.KubeIngress;
  /** the redirect of the account domain's well-known paths to WEB_DOMAIN @default - none (LOCAL_DOMAIN = WEB_DOMAIN) */
  readonly webfinger?: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: TrafficProps) {
    super(scope, id);
    const m = props.model;
    const ing = m.def.traffic.ingress!;
    const tlsSecret = ing.tlsSecret ?? `${m.name}-tls`;
    const allHosts = [...new Set([...webHosts(m), ...streamingHosts(m), ...(redirectsWebfinger(m) ? [m.localDomain] : [])])];
    const own = ing.streaming;
    // with its own certificate the streaming hosts leave the shared one
    // tls: external: TLS ends before the Ingress, which then has no tls section
    const tls: k8s.IngressTls[] | undefined = ing.tls === 'external' ? undefined : [{ hosts: own?.tlsSecret ? allHosts.filter((h) => !streamingOnly(m).includes(h)) : allHosts, secretName: tlsSecret }];
    // only the web Ingress asks cert-manager for the certificate, so one Certificate covers every host
    const certManager: Record<string, string> = ing.clusterIssuer
      ? { 'cert-manager.io/cluster-issuer': ing.clusterIssuer }
      : ing.issuer
        ? { 'cert-manager.io/issuer': ing.issuer }
        : {};

    this.web = new L1.KubeIngress(this, 'Resource', {
      metadata: metadata(props.id, `${m.name}-web`, 'web', {
        annotations: {
          ...ing.annotations,
          ...certManager,
          'nginx.ingress.kubernetes.io/proxy-body-size': ing.maxBodySize,
          'nginx.ingress.kubernetes.io/proxy-read-timeout': '120',
        },
      }),
      spec: { ingressClassName: ing.className, tls, rules: webHosts(m).map((h) => ingressRule(h, '/', props.webService, WEB_PORT)) },
    });

    this.streaming = new L1.KubeIngress(this, 'streaming', {
      metadata: metadata(props.id, `${m.name}-streaming`, 'streaming', {
        annotations: {
          ...ing.annotations,
          ...own?.annotations,
          ...(own?.tlsSecret ? certManager : {}),
          // WebSockets and server-sent events stay open: no buffering, no 60 s idle cut
          'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
          'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
          'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
        },
      }),
      spec: {
        ingressClassName: own?.className ?? ing.className,
        tls: own?.tlsSecret ? [{ hosts: streamingHosts(m), secretName: own.tlsSecret }] : tls,
        rules: streamingHosts(m).map((h) => ingressRule(h, STREAMING_PATH, props.streamingService, STREAMING_PORT)),
      },
    });

    if (redirectsWebfinger(m)) {
      this.webfinger = new L1.KubeIngress(this, 'webfinger', {
        metadata: metadata(props.id, `${m.name}-webfinger`, 'web', {
          annotations: {
            ...ing.annotations,
            'nginx.ingress.kubernetes.io/permanent-redirect': `https://${m.webDomain}$request_uri`,
            'nginx.ingress.kubernetes.io/enable-cors': 'true',
            'nginx.ingress.kubernetes.io/cors-allow-origin': '*',
          },
        }),
        spec: {
          ingressClassName: ing.className,
          tls,
          rules: [
            {
              host: m.localDomain,
              http: { paths: WELL_KNOWN_PATHS.map((path) => ({ path, pathType: 'Prefix', backend: { service: { name: props.webService, port: { number: WEB_PORT } } } })) },
            },
          ],
        },
      });
    }
  }
}

/**
 * Controller-wide settings the instance relies on: TLS 1.2+ with modern ciphers, HSTS, and real client
 * addresses from X-Forwarded-For set by the cloud load balancer. Emitted only when the definition asks.
 */
export class NginxControllerConfig extends Construct {
  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const ing = props.model.def.traffic.ingress!;
    new L1.KubeConfigMap(this, 'Resource', {
      metadata: { ...metadata(props.id, ing.controllerConfigName, 'ingress-controller'), namespace: ing.controllerNamespace },
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
    const g = m.def.traffic.gateway!;
    const parentRefs = [{ name: g.name, namespace: g.namespace, sectionName: g.sectionName }, ...g.extraParents.map((p) => ({ ...p }))];
    const prefix = (value: string) => ({ path: { type: gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value } });
    const ownStreaming = g.streamingParents !== undefined;
    const routeMeta = Object.keys(g.annotations).length ? { annotations: { ...g.annotations } } : {};
    const hostnames = [...new Set([...webHosts(m), ...(ownStreaming ? [] : streamingHosts(m))])];
    const streamingRule = { matches: [prefix(STREAMING_PATH)], backendRefs: [{ name: props.streamingService, port: STREAMING_PORT }] };

    new L1.HttpRoute(this, 'Resource', {
      metadata: metadata(props.id, `${m.name}-web`, 'web', routeMeta),
      spec: {
        parentRefs,
        hostnames,
        rules: [...(ownStreaming ? [] : [streamingRule]), { matches: [prefix('/')], backendRefs: [{ name: props.webService, port: WEB_PORT }] }],
      },
    });
    if (ownStreaming) {
      new L1.HttpRoute(this, 'streaming', {
        metadata: metadata(props.id, `${m.name}-streaming`, 'streaming', routeMeta),
        spec: { parentRefs: g.streamingParents!.map((p) => ({ ...p })), hostnames: streamingHosts(m), rules: [streamingRule] },
      });
    }

    if (redirectsWebfinger(m)) {
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
          hostnames: [...new Set([...hostnames, ...(redirectsWebfinger(m) ? [m.localDomain] : [])])],
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

/** Web and streaming accept connections only from the ingress controller or gateway namespace. */
export class IngressPolicies extends Construct {
  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const m = props.model;
    const g = m.def.traffic.gateway;
    const namespaces = (component: string) =>
      g ? [g, ...g.extraParents, ...(component === 'streaming' ? (g.streamingParents ?? []) : [])].map((p) => p.namespace) : [m.def.traffic.ingress!.controllerNamespace];
    const policy = (component: string, port: number) => {
      const from = [...new Set(namespaces(component))].sort().map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }));
      new L1.KubeNetworkPolicy(this, component, {
        metadata: metadata(props.id, `${m.name}-${component}`, component),
        spec: {
          podSelector: { matchLabels: selectorLabels(props.id, component) },
          policyTypes: ['Ingress'],
          ingress: [
            { from, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }] },
            // Prometheus scrapes each pod: web through its exporter, streaming on its own port
            ...(m.def.metrics.prometheus
              ? [
                  {
                    from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': m.def.metrics.prometheusNamespace } } }],
                    ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(component === 'web' ? m.def.metrics.exporterPort : port) }],
                  },
                ]
              : []),
          ],
        },
      });
    };
    policy('web', WEB_PORT);
    policy('streaming', STREAMING_PORT);
  }
}
