import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths';
import { definition, find, model, problems, synth } from '../helpers';
import { evaluate } from '../netpol/flows';

const CLI = path.join(PROJECT_ROOT, 'build', 'cli.js');

/** synth of test/fixtures/instances/k3s.yaml through the command line (schema gate included) */
function synthFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k3s-'));
  fs.mkdirSync(path.join(dir, 'instances'));
  fs.copyFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'instances', 'k3s.yaml'), path.join(dir, 'instances', 'k3s.yaml'));
  const r = spawnSync(process.execPath, [CLI, 'synth', '--instances', path.join(dir, 'instances'), '--out', path.join(dir, 'dist')], { encoding: 'utf8' });
  const files = r.status === 0 ? fs.readdirSync(path.join(dir, 'dist', 'k3s'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml')) : [];
  const objects = files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', 'k3s', f), 'utf8')).map((d) => d.toJS()));
  return { r, objects };
}

describe('a Traefik instance (test/fixtures/instances/k3s.yaml)', () => {
  const { r, objects } = synthFixture();
  const policies = objects.filter((o: any) => o.kind === 'NetworkPolicy');
  const pod = (component: string) => ({ name: component, namespace: 'k3s', podLabels: { 'app.kubernetes.io/name': 'mastodon', 'app.kubernetes.io/instance': 'k3s', 'app.kubernetes.io/component': component }, ip: '10.42.0.10' });
  const traefik = { name: 'traefik', namespace: 'kube-system', podLabels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-kube-system' }, ip: '10.42.0.7' };
  const coredns = { name: 'coredns', namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' }, ip: '10.42.0.2' };

  it('synthesizes, warning that the account domain\'s well-known paths are forwarded, not redirected', () => {
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/k3s\.yaml:\d+:\d+: warning: webDomain: the redirect of example\.town's \/\.well-known paths to social\.example\.town is an ingress-nginx annotation; with traefik/);
  });

  it('lets Traefik\'s pods, and no other pod of kube-system, reach web and streaming', () => {
    const flows = [
      { from: traefik, to: pod('web'), port: 3000, protocol: 'TCP' as const },
      { from: traefik, to: pod('streaming'), port: 4000, protocol: 'TCP' as const },
      { from: coredns, to: pod('web'), port: 3000, protocol: 'TCP' as const },
      { from: { ...traefik, namespace: 'ingress-nginx' }, to: pod('web'), port: 3000, protocol: 'TCP' as const },
    ];
    expect(evaluate(policies, flows).map((v) => v.ingress)).toEqual([true, true, false, false]);
  });

  it('gives Traefik its entry point and TLS, and no ingress-nginx annotation', () => {
    for (const name of ['k3s-web', 'k3s-streaming', 'k3s-webfinger']) {
      const ing = find(objects, 'Ingress', name);
      expect(ing.spec.ingressClassName).toBe('traefik');
      expect(ing.metadata.annotations).toMatchObject({ 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure', 'traefik.ingress.kubernetes.io/router.tls': 'true' });
      expect(Object.keys(ing.metadata.annotations).filter((k) => k.startsWith('nginx.'))).toEqual([]);
    }
    // the account domain's well-known paths go to web
    expect(find(objects, 'Ingress', 'k3s-webfinger').spec.rules[0].http.paths.map((p: any) => `${p.path} → ${p.backend.service.name}`)).toContain('/.well-known/webfinger → k3s-web');
  });

  it('reaches the in-cluster PostgreSQL and Redis by their namespace, and S3 on 443', () => {
    const db = { name: 'postgres', namespace: 'db', podLabels: { app: 'postgres' }, ip: '10.42.3.3' };
    const flows = [
      { from: pod('web'), to: db, port: 5432, protocol: 'TCP' as const },
      { from: pod('web'), to: db, port: 6379, protocol: 'TCP' as const },
      { from: pod('streaming'), to: db, port: 6379, protocol: 'TCP' as const },
      { from: pod('streaming'), to: db, port: 22, protocol: 'TCP' as const },
      { from: pod('streaming'), to: { name: 'b2', ip: '149.137.128.1' }, port: 443, protocol: 'TCP' as const },
      { from: pod('web'), to: { name: 'b2', ip: '149.137.128.1' }, port: 443, protocol: 'TCP' as const },
    ];
    expect(evaluate(policies, flows).map((v) => v.egress)).toEqual([true, true, true, false, false, true]);
  });
});

describe('ingress controllers', () => {
  it('a generic controller: no annotations of the generator, its namespace and pod labels admitted, a warning for what it must do itself', () => {
    const def = definition({ traffic: { ingress: { className: 'haproxy', controller: 'generic', controllerNamespace: 'haproxy', controllerPodLabels: { app: 'haproxy' } } } });
    const objects = synth(def);
    const web = find(objects, 'Ingress', 'test-web');
    expect(web.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(find(objects, 'Ingress', 'test-streaming').metadata.annotations).toBeUndefined();
    expect(find(objects, 'NetworkPolicy', 'test-web').spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'haproxy' } }, podSelector: { matchLabels: { app: 'haproxy' } } }]);
  });

  it('a generic controller needs its class, namespace and pod labels', () => {
    expect(problems(definition({ traffic: { ingress: { controller: 'generic', className: 'haproxy' } } }))).toEqual([expect.stringContaining('a generic controller has no known place: expected controllerNamespace and controllerPodLabels')]);
    expect(problems(definition({ traffic: { ingress: { controller: 'generic', controllerNamespace: 'haproxy', controllerPodLabels: {} } } }))).toEqual([expect.stringContaining('a generic controller has no known IngressClass: expected className')]);
  });

  it('takes the controller from the class and the class from the controller', () => {
    const byClass = model(definition({ traffic: { ingress: { className: 'traefik' } } })).ingressController;
    expect(byClass).toEqual({ kind: 'traefik', className: 'traefik', namespace: 'kube-system', podLabels: { 'app.kubernetes.io/name': 'traefik' } });
    const byController = synth(definition({ traffic: { ingress: { controller: 'traefik' } } }));
    expect(find(byController, 'Ingress', 'test-streaming').spec.ingressClassName).toBe('traefik');
    // a class of its own (an ingress-nginx installed twice) keeps ingress-nginx
    const other = model(definition({ traffic: { ingress: { className: 'nginx-internal' } } })).ingressController;
    expect([other?.kind, other?.className]).toEqual(['ingress-nginx', 'nginx-internal']);
  });

  it('warns about ingress-nginx settings a Traefik instance carries, and emits no controller ConfigMap', () => {
    const def = definition({ traffic: { ingress: { controller: 'traefik', controllerConfig: true, annotations: { 'nginx.ingress.kubernetes.io/limit-rps': '10' } } } });
    const objects = synth(def);
    expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'ingress-nginx-controller')).toEqual([]);
    const { warnings } = modelWarnings(def);
    expect(warnings).toEqual([expect.stringContaining('controller ConfigMap (TLS protocols and ciphers, HSTS, forwarded headers) is ingress-nginx\'s'), expect.stringContaining('nginx.ingress.kubernetes.io/limit-rps is read by ingress-nginx only; traefik ignores it')]);
  });

  it('Gateway API: streaming requests without a timeout, web with the implementation\'s', () => {
    const objects = synth(definition({ traffic: { ingress: undefined, gateway: { name: 'g', namespace: 'gw' } } }));
    const rules = find(objects, 'HTTPRoute', 'test-web').spec.rules;
    expect(rules.map((r: any) => [r.matches[0].path.value, r.timeouts])).toEqual([['/api/v1/streaming', { request: '0s', backendRequest: '0s' }], ['/', undefined]]);
  });
});

function modelWarnings(def: any) {
  return { warnings: model(def).warnings.map((w) => w.message) };
}
