import { describe, expect, it } from 'vitest';
import { definition, find, model, problems, synth } from '../helpers';

const paths = (ing: any) => ing.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => `${r.host}${p.path} ${p.pathType} → ${p.backend.service.name}:${p.backend.service.port.number}`));

/** Ingress Prefix semantics: path elements must match, so the prefix covers "/x" and "/x/..." only. */
function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.split('/').filter(Boolean);
  const q = path.split('/').filter(Boolean);
  return p.every((el, i) => q[i] === el);
}

describe('ingress-nginx', () => {
  const objects = synth(definition({ alternateDomains: ['alt.example.org'] }));
  const web = find(objects, 'Ingress', 'test-web');
  const streaming = find(objects, 'Ingress', 'test-streaming');

  it('routes / to web and /api/v1/streaming to streaming on every host', () => {
    expect(paths(web)).toEqual(['example.social/ Prefix → test-web:3000', 'alt.example.org/ Prefix → test-web:3000']);
    expect(paths(streaming)).toEqual(['example.social/api/v1/streaming Prefix → test-streaming:4000']);
    expect(web.spec.ingressClassName).toBe('nginx');
  });

  it('matches the streaming path with and without a trailing slash, and nothing else', () => {
    const prefix = streaming.spec.rules[0].http.paths[0].path;
    expect(prefixMatches(prefix, '/api/v1/streaming')).toBe(true);
    expect(prefixMatches(prefix, '/api/v1/streaming/')).toBe(true);
    expect(prefixMatches(prefix, '/api/v1/streaming/user')).toBe(true);
    expect(prefixMatches(prefix, '/api/v1/streamingfoo')).toBe(false);
  });

  it('keeps WebSockets open and unbuffered, and lets uploads through', () => {
    expect(streaming.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-buffering': 'off',
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600',
    });
    expect(web.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size']).toBe('100m');
  });

  it('gets its certificate from cert-manager, one Certificate for every host', () => {
    expect(web.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    expect(streaming.metadata.annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
    expect(web.spec.tls).toEqual([{ hosts: ['example.social', 'alt.example.org'], secretName: 'test-tls' }]);
    expect(streaming.spec.tls).toEqual(web.spec.tls);
  });

  it('uses a namespaced Issuer or an existing TLS Secret when asked', () => {
    const issuer = find(synth(definition({ traffic: { ingress: { clusterIssuer: undefined, issuer: 'le' } } })), 'Ingress', 'test-web');
    expect(issuer.metadata.annotations['cert-manager.io/issuer']).toBe('le');
    const existing = find(synth(definition({ traffic: { ingress: { clusterIssuer: undefined, tlsSecret: 'my-cert' } } })), 'Ingress', 'test-web');
    expect(Object.keys(existing.metadata.annotations).filter((a) => a.startsWith('cert-manager'))).toEqual([]);
    expect(existing.spec.tls[0].secretName).toBe('my-cert');
  });

  it('serves streaming on its own host too when one is set', () => {
    const s = find(synth(definition({ traffic: { streamingHost: 'streaming.example.social' } })), 'Ingress', 'test-streaming');
    expect(paths(s)).toEqual(['example.social/api/v1/streaming Prefix → test-streaming:4000', 'streaming.example.social/api/v1/streaming Prefix → test-streaming:4000']);
  });

  it('redirects webfinger, host-meta and nodeinfo from LOCAL_DOMAIN to WEB_DOMAIN with CORS', () => {
    const objs = synth(definition({ webDomain: 'social.example.social' }));
    const wf = find(objs, 'Ingress', 'test-webfinger');
    expect(wf.spec.rules[0].host).toBe('example.social');
    expect(wf.spec.rules[0].http.paths.map((p: any) => p.path)).toEqual(['/.well-known/webfinger', '/.well-known/host-meta', '/.well-known/nodeinfo']);
    expect(wf.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/permanent-redirect': 'https://social.example.social$request_uri',
      'nginx.ingress.kubernetes.io/enable-cors': 'true',
      'nginx.ingress.kubernetes.io/cors-allow-origin': '*',
    });
    expect(find(objs, 'Ingress', 'test-web').spec.tls[0].hosts).toContain('example.social');
    expect(synth(definition()).some((o) => o.metadata?.name === 'test-webfinger')).toBe(false);
  });

  it('emits the controller settings when asked: TLS 1.2+, modern ciphers, HSTS, forwarded client addresses', () => {
    const cm = find(synth(definition({ traffic: { ingress: { controllerConfig: true } } })), 'ConfigMap', 'ingress-nginx-controller');
    expect(cm.metadata.namespace).toBe('ingress-nginx');
    expect(cm.data).toMatchObject({ 'ssl-protocols': 'TLSv1.2 TLSv1.3', hsts: 'true', 'use-forwarded-headers': 'true' });
    expect(cm.data['ssl-ciphers']).not.toMatch(/CBC|RC4|3DES|SHA:/);
  });
});

describe('Gateway API', () => {
  const gateway = { traffic: { ingress: undefined, gateway: { name: 'public', namespace: 'gw', sectionName: 'https', httpSectionName: 'http' } } };
  const objects = synth(definition(gateway, { webDomain: 'social.example.social' }));

  it('routes streaming first, then everything else to web', () => {
    const route = find(objects, 'HTTPRoute', 'test-web');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gw', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['social.example.social']);
    expect(route.spec.rules.map((r: any) => [r.matches[0].path.value, r.backendRefs[0].name, r.backendRefs[0].port])).toEqual([
      ['/api/v1/streaming', 'test-streaming', 4000],
      ['/', 'test-web', 3000],
    ]);
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });

  it('redirects webfinger with CORS and plain HTTP to HTTPS', () => {
    const wf = find(objects, 'HTTPRoute', 'test-webfinger');
    expect(wf.spec.hostnames).toEqual(['example.social']);
    expect(wf.spec.rules[0].filters).toEqual([
      { type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'social.example.social', statusCode: 301 } },
      { type: 'ResponseHeaderModifier', responseHeaderModifier: { set: [{ name: 'Access-Control-Allow-Origin', value: '*' }] } },
    ]);
    const https = find(objects, 'HTTPRoute', 'test-https-redirect');
    expect(https.spec.parentRefs[0].sectionName).toBe('http');
    expect(https.spec.rules[0].filters[0].requestRedirect.scheme).toBe('https');
  });
});

describe('NetworkPolicies', () => {
  it('let only the ingress controller reach web and streaming', () => {
    const objects = synth(definition());
    for (const [name, port] of [['test-web', 3000], ['test-streaming', 4000]] as const) {
      const np = find(objects, 'NetworkPolicy', name);
      expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(np.spec.ingress).toEqual([
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } } }],
          ports: [{ protocol: 'TCP', port }],
        },
      ]);
    }
  });

  it('admit the gateway namespace with Gateway API, and Prometheus to the metrics ports', () => {
    const objects = synth(definition({ traffic: { ingress: undefined, gateway: { name: 'g', namespace: 'gw' } }, metrics: { prometheus: true } }));
    const np = find(objects, 'NetworkPolicy', 'test-web');
    expect(np.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('gw');
    expect(np.spec.ingress[1]).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9394 }] });
  });

  it('can be turned off', () => {
    expect(synth(definition({ traffic: { networkPolicies: false } })).some((o) => o.kind === 'NetworkPolicy')).toBe(false);
  });
});

describe('traffic settings the Helm charts offer', () => {
  it('adds Ingress annotations, and gives streaming its own class and certificate', () => {
    const objects = synth(
      definition({
        traffic: {
          streamingHost: 'streaming.example.social',
          ingress: { annotations: { 'external-dns.alpha.kubernetes.io/hostname': 'example.social' }, streaming: { className: 'nginx-ws', tlsSecret: 'streaming-tls', annotations: { 'example.com/ws': 'on' } } },
        },
      }),
    );
    const web = find(objects, 'Ingress', 'test-web');
    const streaming = find(objects, 'Ingress', 'test-streaming');
    expect(web.metadata.annotations).toMatchObject({ 'external-dns.alpha.kubernetes.io/hostname': 'example.social', 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(web.spec.tls).toEqual([{ hosts: ['example.social'], secretName: 'test-tls' }]);
    expect(streaming.spec.ingressClassName).toBe('nginx-ws');
    expect(streaming.spec.tls).toEqual([{ hosts: ['example.social', 'streaming.example.social'], secretName: 'streaming-tls' }]);
    expect(streaming.metadata.annotations).toMatchObject({ 'example.com/ws': 'on', 'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/proxy-buffering': 'off' });
    expect(problems(definition({ traffic: { ingress: { annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1g' } } } })).join()).toMatch(/set by the generator .*maxBodySize/);
  });

  it('refuses a streaming certificate of its own named as the web one when cert-manager issues them (the real cert-manager left the streaming host out)', () => {
    const sameSecret = { streamingHost: 'streaming.example.social', ingress: { streaming: { tlsSecret: 'test-tls' } } };
    expect(() => model(definition({ traffic: sameSecret }))).toThrow(expect.objectContaining({ problems: [expect.objectContaining({ path: ['traffic', 'ingress', 'streaming', 'tlsSecret'] })] }));
    expect(problems(definition({ traffic: sameSecret }))).toEqual([expect.stringMatching(/^expected a Secret other than the web certificate's \(test-tls\), found test-tls: cert-manager/)]);
    expect(problems(definition({ traffic: { ...sameSecret, ingress: { clusterIssuer: undefined, issuer: 'local', streaming: { tlsSecret: 'test-tls' } } } }))).toHaveLength(1);
    // another Secret, or one brought without cert-manager, is fine
    expect(problems(definition({ traffic: { ...sameSecret, ingress: { streaming: { tlsSecret: 'test-streaming-tls' } } } }))).toEqual([]);
    expect(problems(definition({ traffic: { ...sameSecret, ingress: { clusterIssuer: undefined, tlsSecret: 'mine', streaming: { tlsSecret: 'test-tls' } } } }))).toEqual([]);
  });

  it('sets the Service type, annotations and dual-stack policy of web and streaming', () => {
    const service = { type: 'LoadBalancer', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }, ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] };
    const objects = synth(definition({ traffic: { service, networkPolicies: false } }));
    for (const name of ['test-web', 'test-streaming']) {
      const svc = find(objects, 'Service', name);
      expect(svc.metadata.annotations).toEqual(service.annotations);
      expect(svc.spec).toMatchObject({ type: 'LoadBalancer', ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv6', 'IPv4'] });
    }
    expect(model(definition({ traffic: { service: { type: 'NodePort' } } })).warnings.map((w) => w.message).join()).toMatch(/NetworkPolicies drop/);
  });

  it('attaches the routes to several Gateways, and streaming to its own', () => {
    const gateway = {
      name: 'public',
      namespace: 'gateway-system',
      extraParents: [{ name: 'internal', namespace: 'internal-gw', sectionName: 'https' }],
      streamingParents: [{ name: 'ws', namespace: 'ws-gw' }],
      annotations: { 'external-dns.alpha.kubernetes.io/target': 'gw.example.social' },
    };
    const objects = synth(definition({ traffic: { ingress: undefined, gateway } }));
    const web = find(objects, 'HTTPRoute', 'test-web');
    expect(web.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateway-system' }, { name: 'internal', namespace: 'internal-gw', sectionName: 'https' }]);
    expect(web.spec.rules.map((r: any) => r.matches[0].path.value)).toEqual(['/']);
    const streaming = find(objects, 'HTTPRoute', 'test-streaming');
    expect(streaming.spec).toMatchObject({ parentRefs: [{ name: 'ws', namespace: 'ws-gw' }], hostnames: ['example.social'] });
    for (const route of [web, streaming]) expect(route.metadata.annotations).toEqual(gateway.annotations);
    expect(streaming.spec.rules[0].backendRefs).toEqual([{ name: 'test-streaming', port: 4000 }]);
    const from = (name: string) => find(objects, 'NetworkPolicy', name).spec.ingress[0].from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    expect(from('test-web')).toEqual(['gateway-system', 'internal-gw']);
    expect(from('test-streaming')).toEqual(['gateway-system', 'internal-gw', 'ws-gw']);
  });
});

describe('labels and annotations of every object', () => {
  it('are added to every object, never to selectors', () => {
    const objects = synth(definition({ labels: { team: 'social', 'cost-center': '42' }, annotations: { 'example.com/owner': 'admins' } }));
    for (const o of objects as any[]) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({ team: 'social', 'cost-center': '42' });
      expect(o.metadata.annotations, `${o.kind}/${o.metadata.name}`).toMatchObject({ 'example.com/owner': 'admins' });
    }
    expect(find(objects, 'Deployment', 'test-web').spec.selector.matchLabels).not.toHaveProperty('team');
    expect(problems(definition({ labels: { 'app.kubernetes.io/name': 'x' } })).join()).toMatch(/set by the generator/);
  });
});
